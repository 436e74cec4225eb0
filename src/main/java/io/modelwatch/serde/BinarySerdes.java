package io.modelwatch.serde;

import java.util.function.Function;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/** Builds a Kafka serde from a pair of encode/decode functions (nulls pass through). */
public final class BinarySerdes {

    private BinarySerdes() {
    }

    public static <T> Serde<T> of(Function<T, byte[]> encode, Function<byte[], T> decode) {
        return Serdes.serdeFrom(
                (topic, value) -> value == null ? null : encode.apply(value),
                (topic, data) -> data == null ? null : decode.apply(data));
    }
}
