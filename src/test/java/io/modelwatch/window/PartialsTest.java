package io.modelwatch.window;

import io.modelwatch.metrics.AggregateCodec;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelwatch.metrics.MetricsCalculator;
import io.modelwatch.metrics.Outcome;
import io.modelwatch.metrics.WindowAggregate;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

/**
 * The partial aggregates join partitions send to the merge: their binary form round-trips, and
 * splitting a window's outcomes over any number of partitions, adding and retracting others, then merging the
 * decoded partials equals computing the window from its outcomes directly.
 */
class PartialsTest {

    @Provide
    Arbitrary<List<Outcome>> outcomes() {
        return AggregateInputSerdeTest.outcome().list().ofMaxSize(40);
    }

    /**
     * What the join side sends a delta early by bounds its encoded size: a delta of any contributions, retracted
     * or added, encodes to no more than the sum of their bounds (plus the header); one of 300 classes named by
     * 100-character paths is about 300 times the size of a binary one, as the bound says.
     */
    @Property(tries = 500)
    void aDeltasEncodedSizeIsWithinItsContributionsBound(@ForAll("outcomes") List<Outcome> added,
                                                         @ForAll("outcomes") List<Outcome> retracted) {
        WindowAggregate delta = WindowAggregate.forChanges();
        long bound = 64;
        for (Outcome o : added) {
            delta.add(o, 1);
            bound += WindowPreAggregateProcessor.encodedBytesBound(o);
        }
        for (Outcome o : retracted) {
            delta.add(o, -1);
            bound += WindowPreAggregateProcessor.encodedBytesBound(o);
        }
        assertTrue(AggregateCodec.encode(delta).length <= bound, AggregateCodec.encode(delta).length + " > " + bound);
    }

    @Test
    void longClassNamesCountInTheBound() {
        String[] wide = new String[300];
        double[] scores = new double[300];
        for (int i = 0; i < wide.length; i++) {
            wide[i] = String.format("%03d/", i) + "taxonomy/".repeat(11);
            scores[i] = 1.0 / 300;
        }
        WindowAggregate delta = WindowAggregate.forChanges();
        Outcome o = new Outcome(wide[0], wide[1], wide, scores, 0);
        delta.add(o, 1);
        long bound = WindowPreAggregateProcessor.encodedBytesBound(o);
        int encoded = AggregateCodec.encode(delta).length;
        assertTrue(encoded > 60_000 && encoded <= bound && bound < 4 * encoded, encoded + " of " + bound);
        assertTrue(WindowPreAggregateProcessor.MAX_DELTA_BYTES / bound < 200_000 / 301,
                "sent early after fewer such contributions than the 200,000 cells that passed 8 MiB");
    }

    @Property(tries = 500)
    void anAggregateRoundTrips(@ForAll("outcomes") List<Outcome> outcomes) {
        WindowAggregate agg = WindowAggregate.of(outcomes);
        assertEquals(agg, AggregateCodec.decode(AggregateCodec.encode(agg)));
    }

    @Property(tries = 500)
    void mergedPartialsEqualTheWholeWindow(@ForAll("outcomes") List<Outcome> outcomes,
                                           @ForAll("outcomes") List<Outcome> retracted,
                                           @ForAll @IntRange(min = 1, max = 8) int partitions,
                                           @ForAll long seed) {
        java.util.Random random = new java.util.Random(seed);
        List<WindowAggregate> parts = new ArrayList<>();
        for (int i = 0; i < partitions; i++) {
            parts.add(new WindowAggregate());
        }
        for (Outcome o : outcomes) {
            parts.get(random.nextInt(partitions)).add(o, 1);
        }
        // a corrected or expired pair is retracted in the partition that added it (one prediction id, one
        // join partition), so every partial holds counts >= 0
        for (Outcome o : retracted) {
            WindowAggregate part = parts.get(random.nextInt(partitions));
            part.add(o, 1);
            part.add(o, -1);
        }
        WindowAggregate merged = new WindowAggregate();
        for (WindowAggregate part : parts) {
            AggregateCodec.mergeInto(AggregateCodec.encode(part), merged);
        }
        WindowAggregate whole = WindowAggregate.of(outcomes);
        assertTrue(merged.sameAs(whole, 1e-9), () -> merged + " vs " + whole);
        // figures from counts (everything but the loss sums, which may differ in the last bits) agree exactly
        assertEquals(MetricsCalculator.compute(whole).metrics().get("roc_auc"),
                MetricsCalculator.compute(merged).metrics().get("roc_auc"));
        assertEquals(MetricsCalculator.compute(whole).metrics().get("f1_macro"),
                MetricsCalculator.compute(merged).metrics().get("f1_macro"));
    }

    @Property(tries = 300)
    void aPartialRoundTripsOnTheRepartitionTopic(@ForAll("outcomes") List<Outcome> outcomes,
                                                 @ForAll long windowStart,
                                                 @ForAll @IntRange(min = 0, max = 10_000) int partition,
                                                 @ForAll boolean isFinal) {
        byte[] encoded = AggregateCodec.encode(WindowAggregate.of(outcomes));
        AggregateInput.Partial back = assertInstanceOf(AggregateInput.Partial.class, AggregateInputSerde.decode(
                AggregateInputSerde.encode(new AggregateInput.Partial(windowStart, partition, isFinal, encoded))));
        assertEquals(windowStart, back.windowStart());
        assertEquals(partition, back.sourcePartition());
        assertEquals(isFinal, back.isFinal());
        assertArrayEquals(encoded, back.aggregate());
    }

    @Test
    void anUnknownVersionIsRefused() {
        byte[] encoded = AggregateCodec.encode(new WindowAggregate());
        encoded[0] = 9;
        assertThrows(SerializationException.class, () -> AggregateCodec.decode(encoded));
    }

    @Test
    void anEmptyAggregateIsEmpty() {
        WindowAggregate agg = new WindowAggregate();
        assertTrue(agg.isEmpty());
        Outcome o = new Outcome("1", "0", new String[] {"0", "1"}, new double[] {0.3, 0.7}, 5);
        agg.add(o, 1);
        assertTrue(!agg.isEmpty());
        agg.add(o, -1);
        assertTrue(agg.isEmpty(), agg::toString);
    }
}
