package io.modelwatch.window;

import io.modelwatch.serde.BinaryReader;
import io.modelwatch.serde.BinaryWriter;
import io.modelwatch.serde.BinarySerdes;
import org.apache.kafka.common.serialization.Serde;

/**
 * What metrics are kept per: model, version and slice. The whole-model slice has empty
 * dimension and value; a tag slice names one tag and its value (e.g. cloud = aws).
 */
public record AggregationKey(String modelId, String modelVersion, String sliceDimension, String sliceValue) {

    public static final Serde<AggregationKey> SERDE = BinarySerdes.of(AggregationKey::encode, AggregationKey::decode);

    public static AggregationKey wholeModel(String modelId, String modelVersion) {
        return new AggregationKey(modelId, modelVersion, "", "");
    }

    public boolean isWholeModel() {
        return sliceDimension.isEmpty();
    }

    public void writeTo(BinaryWriter w) {
        w.writeShortString(modelId).writeShortString(modelVersion).writeShortString(sliceDimension)
                .writeShortString(sliceValue);
    }

    public static AggregationKey readFrom(BinaryReader r) {
        return new AggregationKey(r.readShortString(), r.readShortString(), r.readShortString(), r.readShortString());
    }

    public byte[] encode() {
        BinaryWriter w = new BinaryWriter(32);
        writeTo(w);
        return w.toByteArray();
    }

    public static AggregationKey decode(byte[] bytes) {
        return readFrom(new BinaryReader(bytes));
    }
}
