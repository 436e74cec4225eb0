package io.modelwatch.metrics;

import io.modelwatch.serde.BinaryReader;
import io.modelwatch.serde.BinaryWriter;
import java.util.Map;
import org.apache.kafka.common.errors.SerializationException;

/**
 * Compact binary form (version 1) of a {@link WindowAggregate}, as a join partition's partial travels to
 * the merge and rests in its store. Scores are written per (true label, score class) histogram, labels
 * once, then ascending (score, count) pairs: about 9 to 10 bytes per distinct score. Decoding merges each
 * run into the target's histogram in linear time (see {@link ScoreHistogram}).
 *
 * <pre>
 * version
 * header: predictions, labeled, log-loss sum, log-loss count, Brier sum, Brier count, label delay sum
 * classes named by score rows: n, (class, count)*   (before the 49th session: class sets joined by U+0000)
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
        w.writeVarLong(a.namedClasses.size());
        a.namedClasses.forEach((k, v) -> w.writeString(k).writeSignedVarLong(v));
        int cells = 0;
        for (Map<String, Long> row : a.confusion.values()) {
            cells += row.size();
        }
        w.writeVarLong(cells);
        a.confusion.forEach((y, row) -> row.forEach((p, v) -> w.writeString(y).writeString(p).writeSignedVarLong(v)));
        int histograms = 0;
        for (Map<String, ScoreHistogram> byClass : a.scores.values()) {
            for (ScoreHistogram h : byClass.values()) {
                histograms += h.isEmpty() ? 0 : 1;
            }
        }
        w.writeVarLong(histograms);
        a.scores.forEach((y, byClass) -> byClass.forEach((c, hist) -> {
            int m = hist.size();
            if (m == 0) {
                return;
            }
            double[] scores = hist.scores();
            long[] counts = hist.counts();
            w.writeString(y).writeString(c).writeVarLong(m);
            for (int i = 0; i < m; i++) {
                w.writeDouble(scores[i]).writeSignedVarLong(counts[i]);
            }
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
            // a class; in a partial written before classes were counted one by one, a class set joined by U+0000
            // (an older build reads a class as a set of one: the union of the classes is the same either way)
            String joined = r.readString();
            long count = r.readSignedVarLong();
            if (joined.indexOf('\u0000') < 0) {
                WindowAggregate.addCount(agg.namedClasses, joined, count);
            } else {
                for (String c : joined.split("\u0000", -1)) {
                    WindowAggregate.addCount(agg.namedClasses, c, count);
                }
            }
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
            agg.addHistogram(y, c, scores, counts, m);
        }
        if (r.hasRemaining()) {
            throw new SerializationException("window aggregate: trailing bytes");
        }
    }
}
