package io.modelwatch.ingest;

import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.processor.StreamPartitioner;

/**
 * The join partition of a prediction id: the producer's default partitioner applied to the id's UTF-8
 * bytes, so producers that key both input topics by prediction id (default partitioner, same partition
 * count) put every event on its join partition already. Ingest watermarks go to every partition.
 */
public final class JoinPartitioner implements StreamPartitioner<byte[], JoinInput> {

    public static final JoinPartitioner INSTANCE = new JoinPartitioner();

    private JoinPartitioner() {
    }

    /** The partition, of {@code partitions}, that joins the prediction id whose UTF-8 bytes are given. */
    public static int partitionOf(byte[] predictionId, int partitions) {
        return Utils.toPositive(Utils.murmur2(predictionId)) % partitions;
    }

    @Override
    public Optional<Set<Integer>> partitions(String topic, byte[] key, JoinInput value, int numPartitions) {
        if (value instanceof IngestWatermark) {
            return everyPartition(numPartitions);
        }
        return Optional.of(Set.of(partitionOf(key, numPartitions)));
    }

    /** A partitioner's answer for a record broadcast to all {@code partitions}. */
    public static Optional<Set<Integer>> everyPartition(int partitions) {
        return Optional.of(IntStream.range(0, partitions).boxed().collect(Collectors.toSet()));
    }
}
