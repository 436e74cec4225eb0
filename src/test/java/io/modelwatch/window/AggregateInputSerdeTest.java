package io.modelwatch.window;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelwatch.metrics.Outcome;
import java.util.List;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

/** The binary form of contributions and watermarks on the aggregation repartition topic. */
class AggregateInputSerdeTest {

    @Provide
    static Arbitrary<String> text() {
        return Arbitraries.oneOf(Arbitraries.strings().alpha().numeric().ofMaxLength(8),
                Arbitraries.of("0", "1", "", "é", "\uD83D\uDE00"));
    }

    /** Labelled or not, with or without a score row (an unscored row is empty), any delay sign. */
    @Provide
    static Arbitrary<Outcome> outcome() {
        Arbitrary<TreeMap<String, Double>> row = Arbitraries.maps(text(),
                Arbitraries.oneOf(Arbitraries.doubles().between(0, 1), Arbitraries.of(0.0, -0.0, 1.0)))
                .ofMaxSize(5).map(TreeMap::new);
        Arbitrary<Long> delay = Arbitraries.oneOf(Arbitraries.longs(), Arbitraries.longs().between(-100_000, 100_000));
        return Combinators.combine(text(), text().injectNull(0.4), row, delay).as((p, y, s, d) ->
                new Outcome(p, y, s.keySet().toArray(String[]::new),
                        s.values().stream().mapToDouble(Double::doubleValue).toArray(), y == null ? 0 : d));
    }

    @Provide
    static Arbitrary<AggregateInput.Contribution> contribution() {
        return Combinators.combine(Arbitraries.longs(), outcome().injectNull(0.25), outcome().injectNull(0.25))
                .as(AggregateInput.Contribution::new);
    }

    @Provide
    static Arbitrary<AggregateInput.Watermark> watermark() {
        return Combinators.combine(Arbitraries.integers().between(0, 10_000), Arbitraries.integers().between(1, 10_000),
                Arbitraries.longs()).as(AggregateInput.Watermark::new);
    }

    @Property(tries = 1000)
    void contributionRoundTrips(@ForAll("contribution") AggregateInput.Contribution c) {
        AggregateInput.Contribution back = assertInstanceOf(AggregateInput.Contribution.class,
                AggregateInputSerde.decode(AggregateInputSerde.encode(c)));
        assertEquals(c.windowStart(), back.windowStart());
        assertSameOutcome(c.retract(), back.retract());
        assertSameOutcome(c.add(), back.add());
    }

    @Property(tries = 500)
    void watermarkRoundTrips(@ForAll("watermark") AggregateInput.Watermark w) {
        assertEquals(w, AggregateInputSerde.decode(AggregateInputSerde.encode(w)));
        byte[] bytes = AggregateInputSerde.SERDE.serializer().serialize("t", w);
        assertEquals(w, AggregateInputSerde.SERDE.deserializer().deserialize("t", bytes));
    }

    @Test
    void everyShapeOfContributionRoundTrips() {
        Outcome unlabeledUnscored = new Outcome("a", null, new String[0], new double[0], 0);
        Outcome labeledUnscored = new Outcome("a", "b", new String[0], new double[0], -3_600_000);
        Outcome unlabeledScored = new Outcome("1", null, new String[] {"0", "1"}, new double[] {0.25, 0.75}, 0);
        Outcome labeledScored = new Outcome("1", "0", new String[] {"0", "1"}, new double[] {-0.0, 1.0}, 42);
        List<Outcome> shapes = java.util.Arrays.asList(null, unlabeledUnscored, labeledUnscored, unlabeledScored,
                labeledScored);
        for (Outcome retract : shapes) {
            for (Outcome add : shapes) {
                for (long start : new long[] {0, 3_600_000, -3_600_000, Long.MIN_VALUE, Long.MAX_VALUE}) {
                    AggregateInput.Contribution c = new AggregateInput.Contribution(start, retract, add);
                    AggregateInput.Contribution back = (AggregateInput.Contribution) AggregateInputSerde.decode(
                            AggregateInputSerde.SERDE.serializer().serialize("t", c));
                    assertEquals(start, back.windowStart());
                    assertSameOutcome(retract, back.retract());
                    assertSameOutcome(add, back.add());
                }
            }
        }
    }

    @Test
    void unlabeledOutcomeDoesNotCarryItsDelay() {
        // only a labelled outcome has a delay; decompose ignores it otherwise, and the wire drops it
        Outcome o = new Outcome("a", null, new String[0], new double[0], 99);
        AggregateInput.Contribution back = (AggregateInput.Contribution) AggregateInputSerde.decode(
                AggregateInputSerde.encode(new AggregateInput.Contribution(0, null, o)));
        assertEquals(0, back.add().labelDelayMs());
        assertNull(back.add().label());
    }

    @Test
    void resetsRoundTripAndFlushesNeverLeaveTheJoinTask() {
        for (long closedThrough : new long[] {Long.MIN_VALUE, 0, 1_700_000_000_000L}) {
            AggregateInput.Reset r = new AggregateInput.Reset(5, 12, closedThrough);
            assertEquals(r, AggregateInputSerde.decode(AggregateInputSerde.encode(r)));
        }
        assertThrows(org.apache.kafka.common.errors.SerializationException.class,
                () -> AggregateInputSerde.encode(new AggregateInput.Flush()));
    }

    @Test
    void replayEndsAndIdleMarkersRoundTrip() {
        for (int partition : new int[] {0, 5, 127, 128, 10_000}) {
            AggregateInput.Replayed r = new AggregateInput.Replayed(partition);
            byte[] bytes = AggregateInputSerde.encode(r);
            assertEquals(r, AggregateInputSerde.decode(bytes));
            assertTrue(bytes.length <= 5, "version, kind and a varint: " + bytes.length);
            AggregateInput.Idle idle = new AggregateInput.Idle(partition, partition + 1);
            assertEquals(idle, AggregateInputSerde.decode(AggregateInputSerde.encode(idle)));
        }
    }

    @Test
    void serdePassesNullThrough() {
        assertNull(AggregateInputSerde.SERDE.serializer().serialize("t", null));
        assertNull(AggregateInputSerde.SERDE.deserializer().deserialize("t", null));
    }

    @Test
    void unknownFormatVersionIsRejected() {
        List<AggregateInput> inputs = List.of(new AggregateInput.Watermark(0, 1, 5L),
                new AggregateInput.Contribution(0, null, new Outcome("a", "a", new String[0], new double[0], 0)));
        for (AggregateInput in : inputs) {
            for (int version : new int[] {0, 2, 0xFF}) {
                byte[] bytes = AggregateInputSerde.encode(in);
                assertEquals(1, bytes[0]);
                bytes[0] = (byte) version;
                SerializationException e = assertThrows(SerializationException.class,
                        () -> AggregateInputSerde.decode(bytes));
                assertTrue(e.getMessage().contains("version"), e.getMessage());
            }
        }
    }

    @Test
    void unknownKindIsRejected() {
        byte[] bytes = AggregateInputSerde.encode(new AggregateInput.Watermark(0, 1, 5L));
        bytes[1] = 9;
        assertThrows(SerializationException.class, () -> AggregateInputSerde.decode(bytes));
    }

    static void assertSameOutcome(Outcome expected, Outcome actual) {
        if (expected == null) {
            assertNull(actual);
            return;
        }
        assertEquals(expected.predicted(), actual.predicted());
        assertEquals(expected.label(), actual.label());
        assertEquals(expected.labelDelayMs(), actual.labelDelayMs());
        assertArrayEquals(expected.scoreClasses(), actual.scoreClasses());
        assertEquals(expected.scores().length, actual.scores().length);
        for (int i = 0; i < expected.scores().length; i++) {
            assertEquals(Double.doubleToRawLongBits(expected.scores()[i]), Double.doubleToRawLongBits(actual.scores()[i]));
        }
    }
}
