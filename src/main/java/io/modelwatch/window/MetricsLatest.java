package io.modelwatch.window;

import io.modelwatch.serde.BinaryReader;
import io.modelwatch.serde.BinaryWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Where each series' newest records are in {@link MetricsHistory}: per model, version and slice, the start of its
 * newest window and of its newest final window. The API's model list and the gauges read two history records
 * per series through it instead of scanning the whole history (every open window and {@code history-windows}
 * closed ones per series), and a history query reads the series it asks for between its bounds only.
 * Key: the {@link AggregationKey} encoding (so a model's series share a prefix). Value, versioned:
 * {@code [format 1][newest start: long][newest final start: long, NONE when no window closed]}. The window
 * processor writes it only when a pointer moves (once per new window of a series, once per close).
 */
public final class MetricsLatest {

    /** No final window yet. */
    public static final long NONE = Long.MIN_VALUE;
    private static final byte FORMAT = 1;

    private MetricsLatest() {
    }

    /** The starts of a series' newest window and newest final window ({@link #NONE} if none). */
    public record Pointers(long newest, long newestFinal) {

        public byte[] encode() {
            return new BinaryWriter(17).writeByte(FORMAT).writeLong(newest).writeLong(newestFinal).toByteArray();
        }

        public static Pointers decode(byte[] value) {
            BinaryReader r = new BinaryReader(value);
            int format = r.readByte();
            if (format != FORMAT) {
                throw new IllegalStateException("metrics-latest entry of unknown format " + format
                        + " (written by a newer build?)");
            }
            return new Pointers(r.readLong(), r.readLong());
        }

        /** The pointers of a series whose first single-window record was just written. */
        public static Pointers first(long windowStart, boolean isFinal) {
            return new Pointers(windowStart, isFinal ? windowStart : NONE);
        }

        /** These pointers after a window's single-window record was written; the same instance if none moved. */
        public Pointers after(long windowStart, boolean isFinal) {
            long n = Math.max(newest, windowStart);
            long f = isFinal ? Math.max(newestFinal, windowStart) : newestFinal;
            return n == newest && f == newestFinal ? this : new Pointers(n, f);
        }
    }

    static Bytes key(AggregationKey key) {
        return Bytes.wrap(key.encode());
    }

    /**
     * Moves the series' pointers for a window's single-window record just written to the history: a read of a
     * small in-memory store per emitted record, a write only when the record is of a newer window (or a newer
     * final one).
     */
    static void written(KeyValueStore<Bytes, byte[]> latest, Bytes seriesKey, long windowStart, boolean isFinal) {
        byte[] stored = latest.get(seriesKey);
        Pointers before = stored == null ? null : Pointers.decode(stored);
        Pointers after = before == null ? Pointers.first(windowStart, isFinal) : before.after(windowStart, isFinal);
        if (after != before) {
            latest.put(seriesKey, after.encode());
        }
    }

    /** The series key of a window prefix ({@code [window start][aggregation key]}, {@link WindowKeys#prefix}). */
    static Bytes seriesKeyOfWindowPrefix(byte[] windowPrefix) {
        return Bytes.wrap(Arrays.copyOfRange(windowPrefix, Long.BYTES, windowPrefix.length));
    }

    /**
     * Follows {@link MetricsHistory#expire}: drops the series whose every window is gone (the newest starts before
     * {@code before}) and the final pointer of a series whose last final window is gone.
     */
    static void expire(KeyValueStore<Bytes, byte[]> latest, long before) {
        List<KeyValue<Bytes, byte[]>> changes = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> it = latest.all()) {
            while (it.hasNext()) {
                KeyValue<Bytes, byte[]> kv = it.next();
                Pointers p = Pointers.decode(kv.value);
                if (p.newest() < before) {
                    changes.add(KeyValue.pair(kv.key, null));
                } else if (p.newestFinal() != NONE && p.newestFinal() < before) {
                    changes.add(KeyValue.pair(kv.key, new Pointers(p.newest(), NONE).encode()));
                }
            }
        }
        latest.putAll(changes); // a null value deletes
    }

    /**
     * Sets the pointers to what the history says, at every start of the window task: the store's entries that
     * differ are written, those of series the history no longer has deleted. Normally nothing differs; the first
     * start of a build with this store on the state of one without it fills it, and a start after a build without
     * it ran on the state again (a rollback) corrects it. Reads the history's newest records of each series only
     * ({@link #fromHistory}). Returns the entries written or deleted.
     */
    static int reconcile(KeyValueStore<Bytes, byte[]> latest, KeyValueStore<Bytes, String> history) {
        Map<Bytes, Pointers> fromHistory = fromHistory(history);
        List<KeyValue<Bytes, byte[]>> changes = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> it = latest.all()) {
            while (it.hasNext()) {
                KeyValue<Bytes, byte[]> kv = it.next();
                Pointers wanted = fromHistory.remove(kv.key);
                if (wanted == null) {
                    changes.add(KeyValue.pair(kv.key, null));
                } else if (!wanted.equals(Pointers.decode(kv.value))) {
                    changes.add(KeyValue.pair(kv.key, wanted.encode()));
                }
            }
        }
        fromHistory.forEach((k, p) -> changes.add(KeyValue.pair(k, p.encode())));
        latest.putAll(changes); // a null value deletes
        return changes.size();
    }

    /**
     * The pointers of every series in the history, without reading it whole: the history's keys sort by series,
     * then window, so one seek finds the next series' first key and a walk back from its end its newest windows.
     * Per series that reads the windows from its newest down to its newest final one (the open windows and one
     * closed), not its {@code history-windows} closed ones. On RocksDB each range is a seek; Kafka's in-memory store
     * and record cache copy a range's keys first, so there the loop costs series x keys: it meets them empty (a
     * task's first start) or small (replay).
     */
    static Map<Bytes, Pointers> fromHistory(KeyValueStore<Bytes, String> history) {
        Map<Bytes, Pointers> out = new HashMap<>();
        Bytes from = null; // null: from the first key
        while (true) {
            AggregationKey series;
            try (KeyValueIterator<Bytes, String> it = history.range(from, null)) {
                if (!it.hasNext()) {
                    return out;
                }
                series = MetricsHistory.seriesOf(it.peekNextKey());
            }
            Pointers p = newestOf(history, series);
            if (p != null) {
                out.put(key(series), p);
            }
            from = MetricsHistory.afterSeries(series);
            if (from == null) {
                return out; // the series sorts last of every possible key
            }
        }
    }

    /**
     * A series' newest window and newest final window (single-window records), walking back from its newest
     * window until a final one: reads the open windows and one closed, or every window of a series none of whose
     * windows closed. Null if the series has no single-window record.
     */
    static Pointers newestOf(ReadOnlyKeyValueStore<Bytes, String> store, AggregationKey series) {
        Pointers p = null;
        try (KeyValueIterator<Bytes, String> it = store.reverseRange(MetricsHistory.seriesAt(series, 0),
                MetricsHistory.seriesAt(series, Long.MAX_VALUE))) {
            while (it.hasNext()) {
                MetricsHistory.Entry e = MetricsHistory.decode(it.next());
                if (e.rolling() != 1) {
                    continue;
                }
                boolean isFinal = MetricsHistory.isFinal(e.json());
                p = p == null ? Pointers.first(e.windowStart(), isFinal)
                        : p.after(e.windowStart(), isFinal);
                if (isFinal) {
                    return p;
                }
            }
        }
        return p;
    }

    /** A series' newest single-window record and, when asked for and another window's, its newest final one. */
    public record Newest(String latest, String latestFinal) {
    }

    /**
     * Every series' newest records: per series one read of this store and one or two of the history. A record
     * the history no longer holds (expired, or its task migrating meanwhile) is left out.
     */
    public static List<Newest> read(ReadOnlyKeyValueStore<Bytes, byte[]> latest,
                                    ReadOnlyKeyValueStore<Bytes, String> history, boolean withFinal) {
        List<Newest> out = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> it = latest.all()) {
            while (it.hasNext()) {
                KeyValue<Bytes, byte[]> kv = it.next();
                Pointers p = Pointers.decode(kv.value);
                AggregationKey key = AggregationKey.decode(kv.key.get());
                String newest = history.get(MetricsHistory.key(key, p.newest(), 1));
                String newestFinal = null;
                if (withFinal && p.newestFinal() != NONE && p.newestFinal() != p.newest()) {
                    newestFinal = history.get(MetricsHistory.key(key, p.newestFinal(), 1));
                    if (newestFinal != null && !MetricsHistory.isFinal(newestFinal)) {
                        newestFinal = null;
                    }
                }
                if (newest != null || newestFinal != null) {
                    out.add(new Newest(newest, newestFinal));
                }
            }
        }
        return out;
    }

    /** The series of one model held here (every version and slice), from this store. */
    public static List<AggregationKey> seriesOf(ReadOnlyKeyValueStore<Bytes, byte[]> latest, String modelId) {
        List<AggregationKey> out = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> it = latest.prefixScan(MetricsHistory.modelPrefix(modelId),
                Serdes.Bytes().serializer())) {
            while (it.hasNext()) {
                AggregationKey key = AggregationKey.decode(it.next().key.get());
                if (key.modelId().equals(modelId)) {
                    out.add(key);
                }
            }
        }
        return out;
    }
}
