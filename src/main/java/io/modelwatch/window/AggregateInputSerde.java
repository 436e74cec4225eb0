package io.modelwatch.window;

import io.modelwatch.metrics.Outcome;
import io.modelwatch.serde.BinaryReader;
import io.modelwatch.serde.BinarySerdes;
import io.modelwatch.serde.BinaryWriter;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;

/** Binary form (version 1) of {@link AggregateInput}: contributions inside the join task; partials and the markers (watermarks, resets, replay ends, idle) on the aggregation repartition topic. */
public final class AggregateInputSerde {

    public static final Serde<AggregateInput> SERDE = BinarySerdes.of(AggregateInputSerde::encode,
            AggregateInputSerde::decode);

    private static final int VERSION = 1;
    private static final int CONTRIBUTION = 1;
    private static final int WATERMARK = 2;
    private static final int PARTIAL = 3;
    private static final int RESET = 4;
    private static final int REPLAYED = 5;
    private static final int IDLE = 6;

    private AggregateInputSerde() {
    }

    public static byte[] encode(AggregateInput input) {
        int size = input instanceof AggregateInput.Partial p ? 24 + p.aggregate().length : 96;
        BinaryWriter w = new BinaryWriter(size);
        w.writeByte(VERSION);
        if (input instanceof AggregateInput.Contribution c) {
            w.writeByte(CONTRIBUTION).writeLong(c.windowStart());
            writeOutcome(w, c.retract());
            writeOutcome(w, c.add());
        } else if (input instanceof AggregateInput.Partial p) {
            w.writeByte(PARTIAL).writeLong(p.windowStart()).writeVarLong(p.sourcePartition())
                    .writeByte(p.isFinal() ? 1 : 0).writeVarLong(p.aggregate().length).writeBytes(p.aggregate());
        } else if (input instanceof AggregateInput.Reset reset) {
            w.writeByte(RESET).writeVarLong(reset.sourcePartition()).writeVarLong(reset.sourcePartitions())
                    .writeLong(reset.closedThrough());
        } else if (input instanceof AggregateInput.Replayed replayed) {
            w.writeByte(REPLAYED).writeVarLong(replayed.sourcePartition());
        } else if (input instanceof AggregateInput.Idle idle) {
            w.writeByte(IDLE).writeVarLong(idle.sourcePartition()).writeVarLong(idle.sourcePartitions());
        } else if (input instanceof AggregateInput.Flush) {
            throw new SerializationException("a flush never leaves the join task");
        } else {
            AggregateInput.Watermark m = (AggregateInput.Watermark) input;
            w.writeByte(WATERMARK).writeVarLong(m.sourcePartition()).writeVarLong(m.sourcePartitions())
                    .writeLong(m.streamTimeMs());
        }
        return w.toByteArray();
    }

    public static AggregateInput decode(byte[] data) {
        BinaryReader r = new BinaryReader(data);
        int version = r.readByte();
        if (version != VERSION) {
            throw new SerializationException("unknown aggregate input format version " + version);
        }
        int kind = r.readByte();
        return switch (kind) {
            case CONTRIBUTION -> new AggregateInput.Contribution(r.readLong(), readOutcome(r), readOutcome(r));
            case PARTIAL -> new AggregateInput.Partial(r.readLong(), (int) r.readVarLong(), r.readByte() == 1,
                    r.readBytes((int) r.readVarLong()));
            case WATERMARK -> new AggregateInput.Watermark((int) r.readVarLong(), (int) r.readVarLong(), r.readLong());
            case RESET -> new AggregateInput.Reset((int) r.readVarLong(), (int) r.readVarLong(), r.readLong());
            case REPLAYED -> new AggregateInput.Replayed((int) r.readVarLong());
            case IDLE -> new AggregateInput.Idle((int) r.readVarLong(), (int) r.readVarLong());
            default -> throw new SerializationException("unknown aggregate input kind " + kind);
        };
    }

    static void writeOutcome(BinaryWriter w, Outcome o) {
        if (o == null) {
            w.writeByte(0);
            return;
        }
        w.writeByte(o.labeled() ? 2 : 1).writeString(o.predicted());
        if (o.labeled()) {
            w.writeString(o.label()).writeSignedVarLong(o.labelDelayMs());
        }
        if (!o.hasScores()) {
            w.writeVarLong(0);
            return;
        }
        w.writeVarLong(o.scoreClasses().length);
        for (int i = 0; i < o.scoreClasses().length; i++) {
            w.writeString(o.scoreClasses()[i]).writeDouble(o.scores()[i]);
        }
    }

    static Outcome readOutcome(BinaryReader r) {
        int tag = r.readByte();
        if (tag == 0) {
            return null;
        }
        String predicted = r.readString();
        String label = null;
        long delay = 0;
        if (tag == 2) {
            label = r.readString();
            delay = r.readSignedVarLong();
        }
        int n = (int) r.readVarLong();
        String[] classes = new String[n];
        double[] scores = new double[n];
        for (int i = 0; i < n; i++) {
            classes[i] = r.readString();
            scores[i] = r.readDouble();
        }
        return new Outcome(predicted, label, classes, scores, delay);
    }
}
