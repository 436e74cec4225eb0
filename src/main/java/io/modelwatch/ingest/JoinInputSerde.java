package io.modelwatch.ingest;

import io.modelwatch.serde.BinaryReader;
import io.modelwatch.serde.BinaryWriter;
import org.apache.kafka.common.errors.SerializationException;
import io.modelwatch.serde.BinarySerdes;
import org.apache.kafka.common.serialization.Serde;

/**
 * Compact binary form of validated events on the join repartition topic (format version 1).
 * Parsing JSON once at the edge and shipping binary keeps the join task from parsing twice.
 */
public final class JoinInputSerde {

    private static final int VERSION = 1;
    private static final int PREDICTION = 1;
    private static final int LABEL = 2;
    private static final int WATERMARK = 3;

    public static final Serde<JoinInput> SERDE = BinarySerdes.of(JoinInputSerde::encode, JoinInputSerde::decode);

    private JoinInputSerde() {
    }

    public static byte[] encode(JoinInput input) {
        BinaryWriter w = new BinaryWriter(128);
        w.writeByte(VERSION);
        if (input instanceof Prediction p) {
            w.writeByte(PREDICTION);
            writePrediction(w, p);
        } else if (input instanceof Label l) {
            w.writeByte(LABEL).writeString(l.predictionId()).writeString(l.label()).writeLong(l.timestampMs());
        } else {
            IngestWatermark m = (IngestWatermark) input;
            w.writeByte(WATERMARK).writeVarLong(m.sourcePartition()).writeLong(m.timestampMs())
                    .writeByte(m.idle() ? 1 : 0);
        }
        return w.toByteArray();
    }

    static void writePrediction(BinaryWriter w, Prediction p) {
        w.writeString(p.predictionId()).writeString(p.modelId()).writeString(p.modelVersion())
                .writeLong(p.timestampMs()).writeString(p.predicted());
        w.writeVarLong(p.scoreClasses().length);
        for (int i = 0; i < p.scoreClasses().length; i++) {
            w.writeString(p.scoreClasses()[i]).writeDouble(p.scores()[i]);
        }
        w.writeVarLong(p.tagNames().length);
        for (int i = 0; i < p.tagNames().length; i++) {
            w.writeString(p.tagNames()[i]).writeString(p.tagValues()[i]);
        }
    }

    static Prediction readPrediction(BinaryReader r) {
        String id = r.readString();
        String model = r.readString();
        String version = r.readString();
        long ts = r.readLong();
        String predicted = r.readString();
        int n = (int) r.readVarLong();
        String[] classes = new String[n];
        double[] scores = new double[n];
        for (int i = 0; i < n; i++) {
            classes[i] = r.readString();
            scores[i] = r.readDouble();
        }
        int t = (int) r.readVarLong();
        String[] names = new String[t];
        String[] values = new String[t];
        for (int i = 0; i < t; i++) {
            names[i] = r.readString();
            values[i] = r.readString();
        }
        return new Prediction(id, model, version, ts, predicted, classes, scores, names, values);
    }

    public static JoinInput decode(byte[] data) {
        BinaryReader r = new BinaryReader(data);
        int version = r.readByte();
        if (version != VERSION) {
            throw new SerializationException("unknown join input format version " + version);
        }
        int kind = r.readByte();
        return switch (kind) {
            case PREDICTION -> readPrediction(r);
            case LABEL -> new Label(r.readString(), r.readString(), r.readLong());
            case WATERMARK -> new IngestWatermark((int) r.readVarLong(), r.readLong(), r.readByte() == 1);
            default -> throw new SerializationException("unknown join input kind " + kind);
        };
    }
}
