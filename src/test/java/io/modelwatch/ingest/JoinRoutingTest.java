package io.modelwatch.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;

/** The join partition of an event, and the check made when the inputs are not repartitioned. */
class JoinRoutingTest {

    private static final int JOIN_PARTITIONS = 4;
    private static final long TS = 1_767_225_600_000L;

    @Test
    void theJoinPartitionIsTheDefaultPartitionersChoiceForThePredictionId() {
        for (String id : new String[] {"p-1", "a", "4f1c-77", ""}) {
            byte[] bytes = id.getBytes(StandardCharsets.UTF_8);
            int expected = Utils.toPositive(Utils.murmur2(bytes)) % JOIN_PARTITIONS;
            assertEquals(expected, JoinPartitioner.partitionOf(bytes, JOIN_PARTITIONS), id);
            assertEquals(Set.of(expected),
                    JoinPartitioner.INSTANCE.partitions("join-input", bytes, null, JOIN_PARTITIONS).orElseThrow(), id);
        }
    }

    @Test
    void notRepartitionedAnEventOffItsJoinPartitionIsRejectedWithTheReason() {
        IngestCounters counters = new IngestCounters();
        int rejected = 0;
        for (int i = 0; i < 40; i++) {
            String id = "p-" + i;
            int home = JoinPartitioner.partitionOf(id.getBytes(StandardCharsets.UTF_8), JOIN_PARTITIONS);
            for (int partition = 0; partition < JOIN_PARTITIONS; partition++) {
                Parsed out = parse(id, partition, true, counters);
                if (partition == home) {
                    assertEquals(id, assertInstanceOf(JoinInput.class, out).predictionId());
                } else {
                    Parsed.Rejected r = assertInstanceOf(Parsed.Rejected.class, out, id + " on " + partition);
                    assertEquals(RejectReason.NOT_ON_JOIN_PARTITION, r.reason());
                    assertTrue(r.message().contains("is joined on partition " + home), r.message());
                    assertEquals(partition, r.partition());
                    rejected++;
                }
            }
        }
        assertEquals(40 * (JOIN_PARTITIONS - 1), rejected);
        assertEquals(rejected, counters.rejected(RejectReason.NOT_ON_JOIN_PARTITION));
        assertEquals(40, counters.labels());
        assertEquals(40, counters.onJoinPartition());
    }

    @Test
    void repartitionedEveryPartitionIsFineAndTheParserLeavesTheCountToTheRouting() {
        IngestCounters counters = new IngestCounters();
        for (int partition = 0; partition < JOIN_PARTITIONS; partition++) {
            assertInstanceOf(JoinInput.class, parse("p-1", partition, false, counters));
        }
        // IngestProgress routes by the join partition and counts those on theirs (IngestProgressTest)
        assertEquals(0, counters.onJoinPartition());
        assertEquals(0, counters.rejectedTotal());
        assertEquals(JOIN_PARTITIONS, counters.labels());
    }

    private static Parsed parse(String id, int partition, boolean keyedInputs, IngestCounters counters) {
        byte[] label = ("{\"prediction_id\":\"" + id + "\",\"label\":\"1\",\"timestamp\":" + TS + "}")
                .getBytes(StandardCharsets.UTF_8);
        return ParseRun.once(new EventParser(IngestLimits.DEFAULTS), false, counters, JOIN_PARTITIONS, keyedInputs,
                "labels", partition, TS, "some-other-key".getBytes(StandardCharsets.UTF_8), label);
    }
}
