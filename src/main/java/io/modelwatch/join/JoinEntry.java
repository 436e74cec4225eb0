package io.modelwatch.join;

import io.modelwatch.CodePointOrder;
import io.modelwatch.metrics.Outcome;
import io.modelwatch.serde.BinaryReader;
import io.modelwatch.serde.BinaryWriter;
import io.modelwatch.serde.StringCache;
import java.util.Arrays;
import java.util.Objects;
import org.apache.kafka.common.errors.SerializationException;

/**
 * The join state of one prediction id: the winning (earliest) prediction, if it arrived, and the
 * labels seen, newest last. The contribution to the metrics is a pure function of this entry
 * ({@link #outcome}), so every arrival order ends in the same result.
 */
final class JoinEntry {

    private static final int VERSION = 1;
    /** The empty names, tags and labels of many entries: shared, never written (arrays are replaced, not grown). */
    static final String[] NO_STRINGS = new String[0];
    private static final long[] NO_LONGS = new long[0];

    /** The earliest prediction for the id, or null while only labels arrived. */
    PendingPrediction prediction;
    /** Label timestamps and values, in arrival order; at most the configured cap. */
    long[] labelTs = NO_LONGS;
    String[] labelValues = NO_STRINGS;
    /** Stream time at which this entry can no longer change any open window. */
    long expiresAt;

    /** The prediction fields the metrics need; slice tags only for the configured dimensions. */
    record PendingPrediction(String modelId, String modelVersion, long timestampMs, String predicted,
                             String[] scoreClasses, double[] scores, String[] sliceNames, String[] sliceValues) {

        @Override
        public boolean equals(Object o) {
            return o instanceof PendingPrediction p && timestampMs == p.timestampMs && modelId.equals(p.modelId)
                    && modelVersion.equals(p.modelVersion) && predicted.equals(p.predicted)
                    && Arrays.equals(scoreClasses, p.scoreClasses) && Arrays.equals(scores, p.scores)
                    && Arrays.equals(sliceNames, p.sliceNames) && Arrays.equals(sliceValues, p.sliceValues);
        }

        @Override
        public int hashCode() {
            return Objects.hash(modelId, modelVersion, timestampMs);
        }

        /**
         * Whether this copy wins over {@code other}, a copy of the same id with the same timestamp: the one whose
         * content orders first (model, version, predicted class, scores in their order, tags), so that the
         * arrival order does not decide.
         */
        boolean winsTieOver(PendingPrediction other) {
            int c = CodePointOrder.compare(modelId, other.modelId);
            c = c != 0 ? c : CodePointOrder.compare(modelVersion, other.modelVersion);
            c = c != 0 ? c : CodePointOrder.compare(predicted, other.predicted);
            c = c != 0 ? c : Integer.compare(scoreClasses.length, other.scoreClasses.length);
            for (int i = 0; c == 0 && i < scoreClasses.length; i++) {
                c = CodePointOrder.compare(scoreClasses[i], other.scoreClasses[i]);
                c = c != 0 ? c : Double.compare(scores[i], other.scores[i]);
            }
            c = c != 0 ? c : Integer.compare(sliceNames.length, other.sliceNames.length);
            for (int i = 0; c == 0 && i < sliceNames.length; i++) {
                c = CodePointOrder.compare(sliceNames[i], other.sliceNames[i]);
                c = c != 0 ? c : CodePointOrder.compare(sliceValues[i], other.sliceValues[i]);
            }
            return c < 0;
        }
    }

    /**
     * Index of the winning label: the latest timestamp within {@code maxDelayMs} of the prediction, of labels
     * that tie the greatest in code point order (not the later arrival: two labels on different input
     * partitions reach the join in either order, and a replay after a crash may take them in the other), or -1.
     */
    int winningLabel(long maxDelayMs) {
        if (prediction == null) {
            return -1;
        }
        int best = -1;
        for (int i = 0; i < labelTs.length; i++) {
            if (Math.abs(labelTs[i] - prediction.timestampMs) <= maxDelayMs && (best < 0 || labelTs[i] > labelTs[best]
                    || (labelTs[i] == labelTs[best] && CodePointOrder.compare(labelValues[i], labelValues[best]) > 0))) {
                best = i;
            }
        }
        return best;
    }

    /** What this entry contributes to its prediction's window, or null without a prediction. */
    Outcome outcome(long maxDelayMs) {
        if (prediction == null) {
            return null;
        }
        int w = winningLabel(maxDelayMs);
        return new Outcome(prediction.predicted, w < 0 ? null : labelValues[w], prediction.scoreClasses,
                prediction.scores, w < 0 ? 0 : labelTs[w] - prediction.timestampMs);
    }

    /**
     * Appends a label. Beyond {@code cap} labels one is forgotten: one that can no longer pair
     * (outside the delay bound of the prediction, when it arrived), else the oldest; a new label
     * that would be that one is not kept. Before the prediction arrived no label is known to be out of
     * bound; a prediction comes before its labels in event time as a rule, and then no label later than
     * the earliest one plus the delay can pair: the latest of those goes first, else the oldest.
     */
    void addLabel(long ts, String label, int cap, long maxDelayMs) {
        int n = labelTs.length;
        if (n >= cap) {
            int victim = prediction == null ? unlikeliestWithoutPrediction(ts, label, maxDelayMs)
                    : outOfBoundOrOldest(ts, label, maxDelayMs);
            if (victim < 0) {
                return;
            }
            removeLabel(victim);
            n--;
        }
        labelTs = Arrays.copyOf(labelTs, n + 1);
        labelValues = Arrays.copyOf(labelValues, n + 1);
        labelTs[n] = ts;
        labelValues[n] = label;
    }

    /**
     * The label to forget with a prediction known: out of its bound first, else the oldest, of those stamped
     * alike the one a tie makes lose ({@link #winningLabel}) (-1: the new one).
     */
    private int outOfBoundOrOldest(long ts, String label, long maxDelayMs) {
        int victim = -1; // -1 stands for the new label
        boolean victimOut = outOfBound(ts, maxDelayMs);
        long victimTs = ts;
        String victimValue = label;
        for (int i = 0; i < labelTs.length; i++) {
            boolean out = outOfBound(labelTs[i], maxDelayMs);
            if ((out && !victimOut) || (out == victimOut && losesTo(labelTs[i], labelValues[i], victimTs,
                    victimValue))) {
                victim = i;
                victimOut = out;
                victimTs = labelTs[i];
                victimValue = labelValues[i];
            }
        }
        return victim;
    }

    /** Whether label (ts, value) is older than (otherTs, otherValue), or stamped alike and loses the tie. */
    private static boolean losesTo(long ts, String value, long otherTs, String otherValue) {
        return ts < otherTs || (ts == otherTs && CodePointOrder.compare(value, otherValue) < 0);
    }

    /**
     * The label to forget before the prediction is known: the latest of those later than the earliest label
     * plus the delay (none of them pairs with a prediction that precedes its labels), else the oldest; of labels
     * stamped alike, the one a tie makes lose (-1: the new one).
     */
    private int unlikeliestWithoutPrediction(long ts, String label, long maxDelayMs) {
        long earliest = ts;
        for (long t : labelTs) {
            earliest = Math.min(earliest, t);
        }
        long reach = earliest > Long.MAX_VALUE - maxDelayMs ? Long.MAX_VALUE : earliest + maxDelayMs;
        int latestBeyond = ts > reach ? -1 : Integer.MIN_VALUE;
        long latestBeyondTs = ts > reach ? ts : Long.MIN_VALUE;
        String latestBeyondValue = label;
        for (int i = 0; i < labelTs.length; i++) {
            // the latest; of those stamped alike the one a tie makes lose
            if (labelTs[i] > reach && (labelTs[i] > latestBeyondTs || (labelTs[i] == latestBeyondTs
                    && CodePointOrder.compare(labelValues[i], latestBeyondValue) < 0))) {
                latestBeyond = i;
                latestBeyondTs = labelTs[i];
                latestBeyondValue = labelValues[i];
            }
        }
        if (latestBeyond != Integer.MIN_VALUE) {
            return latestBeyond;
        }
        int oldest = -1;
        long oldestTs = ts;
        String oldestValue = label;
        for (int i = 0; i < labelTs.length; i++) {
            if (losesTo(labelTs[i], labelValues[i], oldestTs, oldestValue)) {
                oldest = i;
                oldestTs = labelTs[i];
                oldestValue = labelValues[i];
            }
        }
        return oldest;
    }

    private boolean outOfBound(long ts, long maxDelayMs) {
        return prediction != null && Math.abs(ts - prediction.timestampMs) > maxDelayMs;
    }

    private void removeLabel(int i) {
        int n = labelTs.length;
        System.arraycopy(labelTs, i + 1, labelTs, i, n - i - 1);
        System.arraycopy(labelValues, i + 1, labelValues, i, n - i - 1);
        labelTs = Arrays.copyOf(labelTs, n - 1);
        labelValues = Arrays.copyOf(labelValues, n - 1);
    }

    long latestLabelTs() {
        long max = Long.MIN_VALUE;
        for (long ts : labelTs) {
            max = Math.max(max, ts);
        }
        return max;
    }

    byte[] encode() {
        return encode(new BinaryWriter(128));
    }

    /** Encodes with {@code w}, emptied first: the join reuses one writer for every entry it stores. */
    byte[] encode(BinaryWriter w) {
        w.reset().writeByte(VERSION).writeLong(expiresAt); // first, at a fixed offset: see expiresAt(byte[])
        PendingPrediction p = prediction;
        w.writeByte(p == null ? 0 : 1);
        if (p != null) {
            w.writeString(p.modelId).writeString(p.modelVersion).writeLong(p.timestampMs).writeString(p.predicted);
            w.writeVarLong(p.scoreClasses.length);
            for (int i = 0; i < p.scoreClasses.length; i++) {
                w.writeString(p.scoreClasses[i]).writeDouble(p.scores[i]);
            }
            w.writeVarLong(p.sliceNames.length);
            for (int i = 0; i < p.sliceNames.length; i++) {
                w.writeString(p.sliceNames[i]).writeString(p.sliceValues[i]);
            }
        }
        w.writeVarLong(labelTs.length);
        for (int i = 0; i < labelTs.length; i++) {
            w.writeLong(labelTs[i]).writeString(labelValues[i]);
        }
        return w.toByteArray();
    }

    /**
     * The {@link #expiresAt} of an encoded entry, read from bytes 1..8 (big-endian, after the version
     * byte) without decoding the rest: the expiry scan reads it for every entry it visits.
     */
    static long expiresAt(byte[] encoded) {
        if (encoded.length < 9 || encoded[0] != VERSION) {
            throw new SerializationException("not a join entry of format version " + VERSION + " ("
                    + encoded.length + " bytes, version " + (encoded.length == 0 ? "-" : encoded[0]) + ")");
        }
        long v = 0;
        for (int i = 1; i <= 8; i++) {
            v = (v << 8) | (encoded[i] & 0xFF);
        }
        return v;
    }

    static JoinEntry decode(byte[] data) {
        return decode(data, null);
    }

    /** Decodes with the names (not ids) taken from {@code strings} when given: they repeat from entry to entry. */
    static JoinEntry decode(byte[] data, StringCache strings) {
        BinaryReader r = new BinaryReader(data);
        int version = r.readByte();
        if (version != VERSION) {
            throw new SerializationException("unknown join entry format version " + version);
        }
        JoinEntry e = new JoinEntry();
        e.expiresAt = r.readLong();
        if (r.readByte() == 1) {
            String model = text(r, strings);
            String modelVersion = text(r, strings);
            long ts = r.readLong();
            String predicted = text(r, strings);
            int n = (int) r.readVarLong();
            String[] classes = new String[n];
            double[] scores = new double[n];
            for (int i = 0; i < n; i++) {
                classes[i] = text(r, strings);
                scores[i] = r.readDouble();
            }
            int s = (int) r.readVarLong();
            String[] names = s == 0 ? NO_STRINGS : new String[s];
            String[] values = s == 0 ? NO_STRINGS : new String[s];
            for (int i = 0; i < s; i++) {
                names[i] = text(r, strings);
                values[i] = text(r, strings);
            }
            e.prediction = new PendingPrediction(model, modelVersion, ts, predicted, classes, scores, names, values);
        }
        int labels = (int) r.readVarLong();
        e.labelTs = labels == 0 ? NO_LONGS : new long[labels];
        e.labelValues = labels == 0 ? NO_STRINGS : new String[labels];
        for (int i = 0; i < labels; i++) {
            e.labelTs[i] = r.readLong();
            e.labelValues[i] = text(r, strings);
        }
        return e;
    }

    private static String text(BinaryReader r, StringCache strings) {
        return strings == null ? r.readString() : r.readString(strings);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof JoinEntry e && expiresAt == e.expiresAt && Objects.equals(prediction, e.prediction)
                && Arrays.equals(labelTs, e.labelTs) && Arrays.equals(labelValues, e.labelValues);
    }

    @Override
    public int hashCode() {
        return Objects.hash(prediction, expiresAt);
    }
}
