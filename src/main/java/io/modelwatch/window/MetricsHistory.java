package io.modelwatch.window;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.modelwatch.serde.BinaryReader;
import io.modelwatch.serde.BinaryWriter;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * The latest metrics record of each window, kept for the HTTP API: every open window's, and the last
 * {@code history-windows} closed windows' ({@link #DEFAULT_RETAINED_WINDOWS} by default; see
 * {@link #expiryCut}). Key: {@code [model, version, slice][window start][rolling]}, so one prefix scan gives a
 * model's history in window order.
 */
public final class MetricsHistory {

    /** Closed windows kept by default ({@code history-windows}): a week of hourly windows. */
    public static final int DEFAULT_RETAINED_WINDOWS = 168;

    /**
     * The most closed windows {@code history-windows} may keep: 69 days of 1-minute windows, 11 years of hourly
     * ones. Each window costs a record per model, version and slice (about 1.1 KB for a binary model), stored, in
     * the changelog, and read whole when a restore replays the changelog (see README, "State and sizing").
     */
    public static final int MAX_RETAINED_WINDOWS = 100_000;

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

    /**
     * One series' entries of windows starting in {@code [from, to)}, in window order (every rolling span): a range
     * read of exactly those entries. Window starts are never negative (the event-time extractor's bound).
     */
    public static List<Entry> ofSeries(ReadOnlyKeyValueStore<Bytes, String> store, AggregationKey series,
                                       long from, long to) {
        long lo = Math.max(0, from);
        if (to <= lo) {
            return List.of();
        }
        List<Entry> out = new ArrayList<>();
        // [series][from] sorts before every key of a window starting at or after from; [series][to], with no
        // rolling span after it, after every key of a window starting before to and before those starting at to
        try (KeyValueIterator<Bytes, String> it = store.range(seriesAt(series, lo), seriesAt(series, to))) {
            it.forEachRemaining(kv -> out.add(decode(kv)));
        }
        return out;
    }

    /** The series of a history key. */
    static AggregationKey seriesOf(Bytes historyKey) {
        return AggregationKey.readFrom(new BinaryReader(historyKey.get()));
    }

    /**
     * The least key after every key of {@code series}: its encoding (length-prefixed strings, so no series' is a
     * prefix of another's) plus one in its last byte that is not 0xFF, or null if every byte is 0xFF.
     */
    static Bytes afterSeries(AggregationKey series) {
        byte[] prefix = series.encode();
        for (int i = prefix.length - 1; i >= 0; i--) {
            if (prefix[i] != (byte) 0xFF) {
                byte[] next = Arrays.copyOf(prefix, i + 1);
                next[i]++;
                return Bytes.wrap(next);
            }
        }
        return null;
    }

    /** The key of a series' window before any rolling span: the least key of that window. */
    static Bytes seriesAt(AggregationKey series, long windowStart) {
        BinaryWriter w = new BinaryWriter(48);
        series.writeTo(w);
        return Bytes.wrap(w.writeLong(windowStart).toByteArray());
    }

    /**
     * The start of the oldest closed window kept when {@code lastClosableStart} (an event time, not necessarily a
     * window start) is the latest start a closed window can have: exactly {@code retainedWindows} closed windows
     * start at or after it (the window holding {@code lastClosableStart} and the {@code retainedWindows - 1} before
     * it); every open window starts after it.
     */
    static long expiryCut(WindowSpec windows, long lastClosableStart, int retainedWindows) {
        return windows.windowStart(lastClosableStart) - (long) (retainedWindows - 1) * windows.sizeMs();
    }

    /**
     * Deletes entries of windows starting before {@code before}. Runs when windows close, which is rare; per
     * series held in {@code latest} ({@link MetricsLatest}: every series of the history) a range read of exactly
     * its expired entries, so the pass costs what it deletes (about one window per series), not the whole history.
     */
    static void expire(KeyValueStore<Bytes, String> history, KeyValueStore<Bytes, byte[]> latest, long before) {
        expiredKeys(history, latest, before).forEach(history::delete);
    }

    /** The keys {@link #expire} deletes. */
    static List<Bytes> expiredKeys(KeyValueStore<Bytes, String> history, KeyValueStore<Bytes, byte[]> latest,
                                   long before) {
        if (before <= 0) {
            return List.of(); // no window starts before 0 (and a range from 0 to below it is one the stores warn about)
        }
        List<Bytes> old = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> series = latest.all()) {
            while (series.hasNext()) {
                AggregationKey key = AggregationKey.decode(series.next().key.get());
                try (KeyValueIterator<Bytes, String> it = history.range(seriesAt(key, 0), seriesAt(key, before))) {
                    while (it.hasNext()) {
                        old.add(it.next().key);
                    }
                }
            }
        }
        return old;
    }
}
