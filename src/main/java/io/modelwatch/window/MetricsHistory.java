package io.modelwatch.window;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.modelwatch.serde.BinaryReader;
import io.modelwatch.serde.BinaryWriter;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * The latest metrics record of each window, kept for the HTTP API for {@link #RETAINED_WINDOWS}
 * windows. Key: {@code [model, version, slice][window start][rolling]}, so one prefix scan gives a
 * model's history in window order.
 */
public final class MetricsHistory {

    /** A week of hourly windows. */
    public static final int RETAINED_WINDOWS = 168;

    private static final JsonFactory JSON = new JsonFactory();

    private MetricsHistory() {
    }

    static Bytes key(AggregationKey key, long windowStart, int rolling) {
        BinaryWriter w = new BinaryWriter(48);
        key.writeTo(w);
        return Bytes.wrap(w.writeLong(windowStart).writeVarLong(rolling).toByteArray());
    }

    /** The prefix of every key of one model (all versions and slices). */
    public static Bytes modelPrefix(String modelId) {
        return Bytes.wrap(new BinaryWriter(16).writeShortString(modelId).toByteArray());
    }

    /** A history entry: its aggregation key, window and rolling span, and the JSON record. */
    public record Entry(AggregationKey key, long windowStart, int rolling, String json) {
    }

    /**
     * Whether a stored record is its window's final one: its top-level {@code "final"} is true. Reads the record
     * up to that field only (it comes before the figures), so that a scan can tell closed windows from open
     * ones without parsing every record; an unreadable record is not final.
     */
    public static boolean isFinal(String json) {
        try (JsonParser p = JSON.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return false;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if ("final".equals(field)) {
                    return value == JsonToken.VALUE_TRUE;
                }
                p.skipChildren();
            }
            return false;
        } catch (IOException e) {
            return false;
        }
    }

    public static Entry decode(KeyValue<Bytes, String> kv) {
        BinaryReader r = new BinaryReader(kv.key.get());
        AggregationKey key = AggregationKey.readFrom(r);
        long start = r.readLong();
        int rolling = (int) r.readVarLong();
        return new Entry(key, start, rolling, kv.value);
    }

    public static List<Entry> ofModel(ReadOnlyKeyValueStore<Bytes, String> store, String modelId) {
        List<Entry> out = new ArrayList<>();
        try (KeyValueIterator<Bytes, String> it = store.prefixScan(modelPrefix(modelId), Serdes.Bytes().serializer())) {
            it.forEachRemaining(kv -> out.add(decode(kv)));
        }
        return out;
    }

    public static List<Entry> all(ReadOnlyKeyValueStore<Bytes, String> store) {
        List<Entry> out = new ArrayList<>();
        try (KeyValueIterator<Bytes, String> it = store.all()) {
            it.forEachRemaining(kv -> out.add(decode(kv)));
        }
        return out;
    }

    /**
     * Deletes entries of windows starting before {@code before}. Runs when windows close, which
     * is rare; the scan covers the retained history of this task's keys.
     */
    static void expire(KeyValueStore<Bytes, String> history, long before) {
        List<Bytes> old = new ArrayList<>();
        try (KeyValueIterator<Bytes, String> it = history.all()) {
            while (it.hasNext()) {
                KeyValue<Bytes, String> kv = it.next();
                if (decode(kv).windowStart() < before) {
                    old.add(kv.key);
                }
            }
        }
        old.forEach(history::delete);
    }
}
