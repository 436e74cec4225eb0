package io.modelwatch.window;

import io.modelwatch.metrics.AggregateCells;
import io.modelwatch.metrics.WindowAggregate;
import io.modelwatch.serde.BinaryReader;
import io.modelwatch.serde.BinaryWriter;
import org.apache.kafka.common.errors.SerializationException;

/**
 * Compact binary form (version 1) of a window aggregate, as one join partition's pre-aggregate travels
 * to the merge and rests in its store: its cells ({@link AggregateCells}: header, class sets, confusion
 * counts, score counts), each tagged by type. Strings repeat (labels, classes), but a window's cells are dominated by scores.
 */
final class PartialCodec {

    private static final int VERSION = 1;
    private static final int HEADER = 0;
    private static final int UNIVERSE = 1;
    private static final int CONFUSION = 2;
    private static final int SCORE = 3;

    private PartialCodec() {
    }

    static byte[] encode(WindowAggregate agg) {
        BinaryWriter w = new BinaryWriter(256);
        w.writeByte(VERSION);
        agg.replayInto(new AggregateCells() {
            @Override
            public void header(long predictions, long labeled, double logLossSum, long logLossCount, double brierSum,
                               long brierCount, long labelDelaySumMs) {
                w.writeByte(HEADER).writeSignedVarLong(predictions).writeSignedVarLong(labeled)
                        .writeDouble(logLossSum).writeSignedVarLong(logLossCount).writeDouble(brierSum)
                        .writeSignedVarLong(brierCount).writeSignedVarLong(labelDelaySumMs);
            }

            @Override
            public void universe(String[] classes, long count) {
                w.writeByte(UNIVERSE).writeString(String.join("\u0000", classes)).writeSignedVarLong(count);
            }

            @Override
            public void confusion(String y, String predicted, long count) {
                w.writeByte(CONFUSION).writeString(y).writeString(predicted).writeSignedVarLong(count);
            }

            @Override
            public void score(String y, String scoreClass, double score, long count) {
                w.writeByte(SCORE).writeString(y).writeString(scoreClass).writeDouble(score)
                        .writeSignedVarLong(count);
            }
        });
        return w.toByteArray();
    }

    /** Adds the encoded aggregate into {@code sink}. */
    static void mergeInto(byte[] data, AggregateCells sink) {
        BinaryReader r = new BinaryReader(data);
        int version = r.readByte();
        if (version != VERSION) {
            throw new SerializationException("unknown window partial format version " + version);
        }
        while (r.hasRemaining()) {
            int type = r.readByte();
            switch (type) {
                case HEADER -> sink.header(r.readSignedVarLong(), r.readSignedVarLong(), r.readDouble(),
                        r.readSignedVarLong(), r.readDouble(), r.readSignedVarLong(), r.readSignedVarLong());
                case UNIVERSE -> {
                    String joined = r.readString();
                    sink.universe(joined.isEmpty() ? new String[0] : joined.split("\u0000", -1), r.readSignedVarLong());
                }
                case CONFUSION -> sink.confusion(r.readString(), r.readString(), r.readSignedVarLong());
                case SCORE -> sink.score(r.readString(), r.readString(), r.readDouble(),
                        r.readSignedVarLong());
                default -> throw new SerializationException("unknown window partial cell type " + type);
            }
        }
    }

    static WindowAggregate decode(byte[] data) {
        WindowAggregate agg = new WindowAggregate();
        mergeInto(data, agg);
        return agg;
    }
}
