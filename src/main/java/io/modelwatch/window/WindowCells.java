package io.modelwatch.window;

import io.modelwatch.metrics.AggregateCells;
import io.modelwatch.metrics.WindowAggregate;
import io.modelwatch.serde.BinaryReader;
import io.modelwatch.serde.BinaryWriter;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * The window aggregates as many small cells in one key-value store, so one record updates a few
 * values of a few bytes instead of rewriting a whole aggregate. Key layout (version 1):
 * {@code [window start: 8 bytes][aggregation key][cell type: 1 byte][cell payload]}, so a prefix
 * scan of {@code [window start][aggregation key]} yields one window's aggregate.
 */
final class WindowCells implements AggregateCells {

    static final int HEADER = 0;
    static final int UNIVERSE = 1;
    static final int CONFUSION = 2;
    static final int SCORE = 3;

    private final KeyValueStore<Bytes, byte[]> store;
    private byte[] prefix;

    WindowCells(KeyValueStore<Bytes, byte[]> store) {
        this.store = store;
    }

    static byte[] prefix(long windowStart, AggregationKey key) {
        BinaryWriter w = new BinaryWriter(48);
        w.writeLong(windowStart);
        key.writeTo(w);
        return w.toByteArray();
    }

    /** The first key of windows starting at {@code windowStart} (negative starts clamp to 0). */
    static Bytes startKey(long windowStart) {
        return Bytes.wrap(new BinaryWriter(8).writeLong(Math.max(0, windowStart)).toByteArray());
    }

    /** Directs the following deltas to the window {@code prefix} names. */
    WindowCells at(byte[] prefix) {
        this.prefix = prefix;
        return this;
    }

    private BinaryWriter key(int type, int payloadHint) {
        return new BinaryWriter(prefix.length + 1 + payloadHint).writeBytes(prefix).writeByte(type);
    }

    @Override
    public void header(long predictions, long labeled, double logLossSum, long logLossCount, double brierSum,
                       long brierCount, long labelDelaySumMs) {
        Bytes key = Bytes.wrap(key(HEADER, 0).toByteArray());
        byte[] old = store.get(key);
        Header h = old == null ? new Header() : Header.decode(old);
        h.predictions += predictions;
        h.labeled += labeled;
        h.logLossSum += logLossSum;
        h.logLossCount += logLossCount;
        h.brierSum += brierSum;
        h.brierCount += brierCount;
        h.labelDelaySumMs += labelDelaySumMs;
        store.put(key, h.encode());
    }

    @Override
    public void universe(String[] classes, long count) {
        addCount(key(UNIVERSE, 16).writeShortString(String.join("\u0000", classes)), count);
    }

    @Override
    public void confusion(String y, String predicted, long count) {
        addCount(key(CONFUSION, 16).writeShortString(y).writeShortString(predicted), count);
    }

    @Override
    public void score(String y, String scoreClass, double score, long count) {
        addCount(key(SCORE, 24).writeShortString(y).writeShortString(scoreClass).writeDouble(score), count);
    }

    private void addCount(BinaryWriter keyWriter, long delta) {
        Bytes key = Bytes.wrap(keyWriter.toByteArray());
        byte[] old = store.get(key);
        long v = (old == null ? 0 : new BinaryReader(old).readSignedVarLong()) + delta;
        if (v == 0) {
            if (old != null) {
                store.delete(key);
            }
        } else {
            store.put(key, new BinaryWriter(4).writeSignedVarLong(v).toByteArray());
        }
    }

    /** Sums the cells of one window into an aggregate (null when the window has no cells). */
    static WindowAggregate read(ReadOnlyKeyValueStore<Bytes, byte[]> store, byte[] prefix) {
        WindowAggregate agg = null;
        try (KeyValueIterator<Bytes, byte[]> it = store.prefixScan(Bytes.wrap(prefix), Serdes.Bytes().serializer())) {
            while (it.hasNext()) {
                KeyValue<Bytes, byte[]> kv = it.next();
                if (agg == null) {
                    agg = new WindowAggregate();
                }
                applyCell(agg, kv.key.get(), prefix.length, kv.value);
            }
        }
        return agg;
    }

    static void applyCell(AggregateCells sink, byte[] key, int prefixLength, byte[] value) {
        BinaryReader k = new BinaryReader(key, prefixLength);
        int type = k.readByte();
        if (type == HEADER) {
            Header h = Header.decode(value);
            sink.header(h.predictions, h.labeled, h.logLossSum, h.logLossCount, h.brierSum, h.brierCount,
                    h.labelDelaySumMs);
            return;
        }
        long count = new BinaryReader(value).readSignedVarLong();
        switch (type) {
            case UNIVERSE -> {
                String joined = k.readShortString();
                sink.universe(joined.isEmpty() ? new String[0] : joined.split("\u0000", -1), count);
            }
            case CONFUSION -> sink.confusion(k.readShortString(), k.readShortString(), count);
            case SCORE -> sink.score(k.readShortString(), k.readShortString(), k.readDouble(), count);
            default -> throw new IllegalStateException("unknown window cell type " + type);
        }
    }

    /** Deletes every cell of one window. */
    static int deleteWindow(KeyValueStore<Bytes, byte[]> store, byte[] prefix) {
        java.util.List<Bytes> keys = new java.util.ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> it = store.prefixScan(Bytes.wrap(prefix), Serdes.Bytes().serializer())) {
            while (it.hasNext()) {
                keys.add(it.next().key);
            }
        }
        keys.forEach(store::delete);
        return keys.size();
    }

    /** The counters and loss sums of a window (cell type 0). */
    static final class Header {
        private static final int VERSION = 1;
        long predictions;
        long labeled;
        double logLossSum;
        long logLossCount;
        double brierSum;
        long brierCount;
        long labelDelaySumMs;

        byte[] encode() {
            return new BinaryWriter(40).writeByte(VERSION).writeSignedVarLong(predictions).writeSignedVarLong(labeled)
                    .writeDouble(logLossSum).writeSignedVarLong(logLossCount).writeDouble(brierSum)
                    .writeSignedVarLong(brierCount).writeSignedVarLong(labelDelaySumMs).toByteArray();
        }

        static Header decode(byte[] data) {
            BinaryReader r = new BinaryReader(data);
            int version = r.readByte();
            if (version != VERSION) {
                throw new IllegalStateException("unknown window header format version " + version);
            }
            Header h = new Header();
            h.predictions = r.readSignedVarLong();
            h.labeled = r.readSignedVarLong();
            h.logLossSum = r.readDouble();
            h.logLossCount = r.readSignedVarLong();
            h.brierSum = r.readDouble();
            h.brierCount = r.readSignedVarLong();
            h.labelDelaySumMs = r.readSignedVarLong();
            return h;
        }
    }
}
