package io.modelwatch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.modelwatch.window.AggregateInput;
import io.modelwatch.window.AggregationKey;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The aggregation repartition's partitioner: every marker the merge must see from every join partition
 * (watermark, reset, replay end, idle notice) goes to every merge partition; a partial to its key's one.
 */
class WatermarkBroadcastTest {

    private final ModelwatchTopology.WatermarkBroadcast partitioner = new ModelwatchTopology.WatermarkBroadcast();
    private final AggregationKey key = AggregationKey.wholeModel("fraud", "v1");

    @Test
    void markersGoToEveryPartition() {
        List<AggregateInput> markers = List.of(new AggregateInput.Watermark(2, 6, 1_000),
                new AggregateInput.Reset(2, 6, 1_000), new AggregateInput.Replayed(2), new AggregateInput.Idle(2, 6));
        for (AggregateInput marker : markers) {
            assertEquals(Set.of(0, 1, 2, 3, 4, 5), partitioner.partitions("t", key, marker, 6).orElseThrow(),
                    marker.toString());
        }
    }

    @Test
    void aPartialGoesToItsKeysPartitionOnly() {
        AggregateInput partial = new AggregateInput.Partial(0, 2, false, new byte[0]);
        Set<Integer> chosen = partitioner.partitions("t", key, partial, 6).orElseThrow();
        assertEquals(1, chosen.size());
        assertEquals(chosen, partitioner.partitions("t", key, new AggregateInput.Partial(3_600_000, 5, true,
                new byte[0]), 6).orElseThrow(), "by key, whatever the window or source");
        // interactive queries ask with no value (KafkaStreams#queryMetadataForKey): the key's own partition
        assertEquals(chosen, partitioner.partitions("t", key, null, 6).orElseThrow());
    }
}
