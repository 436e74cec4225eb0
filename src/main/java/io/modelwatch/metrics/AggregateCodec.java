package io.modelwatch.metrics;

import io.modelwatch.serde.BinaryReader;
import io.modelwatch.serde.BinaryWriter;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Comparator;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import org.apache.kafka.common.errors.SerializationException;

/**
 * Compact binary form (version 1) of a {@link WindowAggregate}, as a join partition's partial travels to
 * the merge and rests in its store. Scores are written per (true label, score class) histogram, labels
 * once, then ascending (score, count) pairs: about 9 to 10 bytes per distinct score. Decoding into an
 * empty histogram builds it from the sorted run in linear time; into a non-empty one it adds entry by entry.
 *
 * <pre>
 * version
 * header: predictions, labeled, log-loss sum, log-loss count, Brier sum, Brier count, label delay sum
 * class sets: n, (classes joined by U+0000, count)*
 * confusion: n, (true label, predicted, count)*
 * histograms: n, (true label, score class, m, (score, count)*)*   scores ascending
 * </pre>
 */
public final class AggregateCodec {

    private static final int VERSION = 1;

    private AggregateCodec() {
    }

    public static byte[] encode(WindowAggregate a) {
        BinaryWriter w = new BinaryWriter(64 + 10 * 64);
        w.writeByte(VERSION).writeSignedVarLong(a.predictions).writeSignedVarLong(a.labeled).writeDouble(a.logLossSum)
                .writeSignedVarLong(a.logLossCount).writeDouble(a.brierSum).writeSignedVarLong(a.brierCount)
                .writeSignedVarLong(a.labelDelaySumMs);
        w.writeVarLong(a.universes.size());
        a.universes.forEach((k, v) -> w.writeString(k).writeSignedVarLong(v));
        int cells = 0;
        for (Map<String, Long> row : a.confusion.values()) {
            cells += row.size();
        }
        w.writeVarLong(cells);
        a.confusion.forEach((y, row) -> row.forEach((p, v) -> w.writeString(y).writeString(p).writeSignedVarLong(v)));
        int histograms = 0;
        for (Map<String, TreeMap<Double, Long>> byClass : a.scores.values()) {
            histograms += byClass.size();
        }
        w.writeVarLong(histograms);
        a.scores.forEach((y, byClass) -> byClass.forEach((c, hist) -> {
            w.writeString(y).writeString(c).writeVarLong(hist.size());
            hist.forEach((s, v) -> w.writeDouble(s).writeSignedVarLong(v));
        }));
        return w.toByteArray();
    }

    public static WindowAggregate decode(byte[] data) {
        WindowAggregate agg = new WindowAggregate();
        mergeInto(data, agg);
        return agg;
    }

    /** Adds the encoded aggregate into {@code agg}. */
    public static void mergeInto(byte[] data, WindowAggregate agg) {
        BinaryReader r = new BinaryReader(data);
        int version = r.readByte();
        if (version != VERSION) {
            throw new SerializationException("unknown window aggregate format version " + version);
        }
        agg.header(r.readSignedVarLong(), r.readSignedVarLong(), r.readDouble(), r.readSignedVarLong(), r.readDouble(),
                r.readSignedVarLong(), r.readSignedVarLong());
        for (long n = r.readVarLong(); n > 0; n--) {
            String joined = r.readString();
            WindowAggregate.addCount(agg.universes, joined, r.readSignedVarLong());
        }
        for (long n = r.readVarLong(); n > 0; n--) {
            agg.confusion(r.readString(), r.readString(), r.readSignedVarLong());
        }
        for (long n = r.readVarLong(); n > 0; n--) {
            String y = r.readString();
            String c = r.readString();
            int m = (int) r.readVarLong();
            double[] scores = new double[m];
            long[] counts = new long[m];
            for (int i = 0; i < m; i++) {
                scores[i] = r.readDouble();
                counts[i] = r.readSignedVarLong();
            }
            agg.addHistogram(y, c, new SortedRun(scores, counts));
        }
        if (r.hasRemaining()) {
            throw new SerializationException("window aggregate: trailing bytes");
        }
    }

    /**
     * Ascending (score, count) pairs seen as a sorted map, only as far as {@code new TreeMap<>(SortedMap)}
     * needs (size, comparator, ascending entries), so a histogram is built in linear time.
     */
    static final class SortedRun extends AbstractMap<Double, Long> implements SortedMap<Double, Long> {
        final double[] scores;
        final long[] counts;

        SortedRun(double[] scores, long[] counts) {
            this.scores = scores;
            this.counts = counts;
        }

        @Override
        public Set<Entry<Double, Long>> entrySet() {
            return new AbstractSet<>() {
                @Override
                public Iterator<Entry<Double, Long>> iterator() {
                    return new Iterator<>() {
                        int i;

                        @Override
                        public boolean hasNext() {
                            return i < scores.length;
                        }

                        @Override
                        public Entry<Double, Long> next() {
                            if (i >= scores.length) {
                                throw new NoSuchElementException();
                            }
                            Entry<Double, Long> e = new SimpleImmutableEntry<>(scores[i], counts[i]);
                            i++;
                            return e;
                        }
                    };
                }

                @Override
                public int size() {
                    return scores.length;
                }
            };
        }

        @Override
        public int size() {
            return scores.length;
        }

        @Override
        public Comparator<? super Double> comparator() {
            return null; // natural order, as TreeMap<Double, Long> uses
        }

        @Override
        public SortedMap<Double, Long> subMap(Double fromKey, Double toKey) {
            throw new UnsupportedOperationException();
        }

        @Override
        public SortedMap<Double, Long> headMap(Double toKey) {
            throw new UnsupportedOperationException();
        }

        @Override
        public SortedMap<Double, Long> tailMap(Double fromKey) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Double firstKey() {
            return scores[0];
        }

        @Override
        public Double lastKey() {
            return scores[scores.length - 1];
        }
    }
}
