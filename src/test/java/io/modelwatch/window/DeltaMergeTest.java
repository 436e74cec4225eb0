package io.modelwatch.window;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelwatch.metrics.MetricsCalculator;
import io.modelwatch.metrics.Outcome;
import io.modelwatch.metrics.WindowAggregate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.StoreBuilder;
import org.junit.jupiter.api.Test;

/**
 * Partials are deltas: join partitions send what changed per update, early when large, and a reset then
 * their whole state when they restart (their unsent changes lost with them). However the pairs are spread,
 * relabelled, retracted and however partitions restart, the merge's final record equals the window computed
 * from the pairs that stand at the end.
 */
class DeltaMergeTest {

    static final long MIN = 60_000;
    static final WindowSpec WINDOWS = new WindowSpec(10 * MIN, 10 * MIN);
    static final int PARTITIONS = 3;
    static final AggregationKey KEY = AggregationKey.wholeModel("m", "v1");
    static final ObjectMapper JSON = new ObjectMapper();

    /** One join partition: its pre-aggregation and the outcomes its pending entries hold (by pair id). */
    static final class JoinPartition {
        final int id;
        MockProcessorContext<AggregationKey, AggregateInput> context;
        WindowPreAggregateProcessor preAggregate;
        final Map<Integer, Outcome> standing = new HashMap<>();

        JoinPartition(int id) {
            this.id = id;
            start();
        }

        void start() {
            context = new MockProcessorContext<>(new java.util.Properties(), new TaskId(0, id), null);
            context.setCurrentStreamTimeMs(MIN);
            preAggregate = new WindowPreAggregateProcessor(WINDOWS, Duration.ofSeconds(1), new WindowCounters());
            preAggregate.init(context);
        }
    }

    @Test
    void anyMixOfDeltasRestartsAndRelabelsMergesToTheStandingPairs() throws Exception {
        for (long seed = 1; seed <= 40; seed++) {
            runScenario(new Random(seed), seed);
        }
    }

    private void runScenario(Random random, long seed) throws Exception {
        MockProcessorContext<String, String> mergeContext = new MockProcessorContext<>();
        mergeContext.setCurrentStreamTimeMs(MIN);
        mergeContext.setCurrentSystemTimeMs(0);
        WindowAggregation stage = new WindowAggregation(WINDOWS, 1, Duration.ofSeconds(1), new WindowCounters(), true);
        for (StoreBuilder<?> b : stage.stores()) {
            org.apache.kafka.streams.processor.StateStore s = b.withCachingDisabled().withLoggingDisabled().build();
            s.init(mergeContext.getStateStoreContext(), s);
            mergeContext.addStateStore(s);
        }
        WindowAggregateProcessor merge = (WindowAggregateProcessor) stage.get();
        merge.init(mergeContext);

        List<JoinPartition> joins = new ArrayList<>();
        for (int p = 0; p < PARTITIONS; p++) {
            joins.add(new JoinPartition(p));
        }
        String[] labels = {"0", "1"};
        int pairs = 200 + random.nextInt(400);
        for (int step = 0; step < pairs * 3; step++) {
            JoinPartition join = joins.get(random.nextInt(PARTITIONS));
            int pair = join.id + PARTITIONS * random.nextInt(pairs / PARTITIONS + 1); // a pair lives in one partition
            Outcome old = join.standing.get(pair);
            double score = Math.round(random.nextDouble() * 50) / 50.0;
            Outcome now = switch (random.nextInt(6)) {
                case 0 -> null; // retracted (a prediction moved to an earlier copy in another window)
                case 1, 2 -> old == null ? unlabelled(score) : relabel(old, labels[random.nextInt(2)], random);
                default -> old != null ? old : labelled(score, labels[random.nextInt(2)], random);
            };
            if (now == null && old == null) {
                continue;
            }
            if (now == null) {
                join.standing.remove(pair);
            } else {
                join.standing.put(pair, now);
            }
            join.preAggregate.process(new Record<>(KEY, new AggregateInput.Contribution(0, old, now), MIN));
            if (random.nextInt(40) == 0) {
                sendUpdates(join);
            }
            if (random.nextInt(150) == 0) {
                restart(join); // unsent deltas are lost; the standing pairs (committed entries) are replayed
            }
            deliver(joins, merge, random);
            mergeContext.setCurrentSystemTimeMs(step * 100L); // some updates go out at once, others wait
        }
        for (JoinPartition join : joins) {
            join.preAggregate.process(new Record<>(DelayedJoinWatermarkKey.KEY,
                    new AggregateInput.Watermark(join.id, PARTITIONS, WINDOWS.closeTime(0)), WINDOWS.closeTime(0)));
        }
        deliver(joins, merge, null);

        WindowAggregate expected = new WindowAggregate();
        joins.forEach(j -> j.standing.values().forEach(o -> expected.add(o, 1)));
        JsonNode fin = null;
        for (var f : mergeContext.forwarded()) {
            JsonNode n = JSON.readTree(f.record().value());
            if (n.path("final").asBoolean()) {
                fin = n;
            }
        }
        if (expected.predictions() == 0) {
            return;
        }
        assertTrue(fin != null, "seed " + seed + ": a final record");
        JsonNode want = JSON.readTree(MetricsRecords.value(KEY, 0, WINDOWS.sizeMs(), 1, true, expected));
        assertEquals(want.get("predictions"), fin.get("predictions"), "seed " + seed);
        assertEquals(want.get("labeled"), fin.get("labeled"), "seed " + seed);
        for (String figure : List.of("precision", "recall", "f1", "roc_auc", "average_precision")) {
            assertEquals(want.path("metrics").path(figure), fin.path("metrics").path(figure), "seed " + seed + " " + figure);
        }
        for (String figure : List.of("log_loss", "brier_score")) {
            assertEquals(want.path("metrics").path(figure).asDouble(), fin.path("metrics").path(figure).asDouble(), 1e-12,
                    "seed " + seed + " " + figure);
        }
        assertEquals(MetricsCalculator.compute(expected).metrics().get("roc_auc"),
                fin.path("metrics").path("roc_auc").isNull() ? null : fin.path("metrics").path("roc_auc").asDouble());
    }

    private static void sendUpdates(JoinPartition join) {
        join.context.scheduledPunctuators().get(0).getPunctuator().punctuate(0);
    }

    /** A task restart: a fresh pre-aggregation, then what the join's replay sends (reset, entries, flush). */
    private static void restart(JoinPartition join) {
        join.start();
        join.preAggregate.process(new Record<>(DelayedJoinWatermarkKey.KEY,
                new AggregateInput.Reset(join.id, PARTITIONS, Long.MIN_VALUE), 0));
        for (Outcome o : join.standing.values()) {
            join.preAggregate.process(new Record<>(KEY, new AggregateInput.Contribution(0, null, o), MIN));
        }
        join.preAggregate.process(new Record<>(DelayedJoinWatermarkKey.KEY, new AggregateInput.Flush(), 0));
    }

    /** Moves what the join partitions forwarded to the merge, interleaving partitions in a random order. */
    private static void deliver(List<JoinPartition> joins, WindowAggregateProcessor merge, Random random) {
        List<JoinPartition> order = new ArrayList<>(joins);
        if (random != null) {
            java.util.Collections.shuffle(order, random);
        }
        for (JoinPartition join : order) {
            for (var f : join.context.forwarded()) {
                merge.process(new Record<>(f.record().key(), f.record().value(), f.record().timestamp()));
            }
            join.context.resetForwards();
        }
    }

    private static Outcome unlabelled(double score) {
        return new Outcome(score >= 0.5 ? "1" : "0", null, new String[] {"0", "1"}, new double[] {1 - score, score}, 0);
    }

    private static Outcome labelled(double score, String label, Random random) {
        return new Outcome(score >= 0.5 ? "1" : "0", label, new String[] {"0", "1"}, new double[] {1 - score, score},
                random.nextInt(100_000));
    }

    private static Outcome relabel(Outcome old, String label, Random random) {
        return new Outcome(old.predicted(), label, old.scoreClasses(), old.scores(), random.nextInt(100_000));
    }

    /** The key the join sends watermarks, resets and flushes under (its value does not matter here). */
    static final class DelayedJoinWatermarkKey {
        static final AggregationKey KEY = new AggregationKey("", "", "", "");
    }
}
