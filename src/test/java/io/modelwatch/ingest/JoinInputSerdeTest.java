package io.modelwatch.ingest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

/** The binary form of validated events on the join repartition topic. */
class JoinInputSerdeTest {

    @Provide
    static Arbitrary<String> text() {
        return Arbitraries.oneOf(
                Arbitraries.strings().alpha().numeric().ofMaxLength(12),
                Arbitraries.of("", "é", "日本", "\uD83D\uDE00", "a b", "\u0000"));
    }

    @Provide
    static Arbitrary<Double> score() {
        return Arbitraries.oneOf(Arbitraries.doubles().between(0, 1), Arbitraries.of(0.0, -0.0, 1.0, 0.5));
    }

    @Provide
    static Arbitrary<Prediction> prediction() {
        Arbitrary<TreeMap<String, Double>> scores = Arbitraries.maps(text(), score()).ofMaxSize(6).map(TreeMap::new);
        Arbitrary<TreeMap<String, String>> tags = Arbitraries.maps(text(), text()).ofMaxSize(5).map(TreeMap::new);
        Arbitrary<Long> ts = Arbitraries.oneOf(Arbitraries.longs(), Arbitraries.of(0L, -1L, 1_700_000_000_000L));
        return Combinators.combine(text(), text(), text(), ts, text(), scores, tags)
                .as((id, model, version, t, predicted, s, g) -> new Prediction(id, model, version, t, predicted,
                        s.keySet().toArray(String[]::new), s.values().stream().mapToDouble(Double::doubleValue).toArray(),
                        g.keySet().toArray(String[]::new), g.values().toArray(String[]::new)));
    }

    @Provide
    static Arbitrary<Label> label() {
        return Combinators.combine(text(), text(), Arbitraries.longs()).as(Label::new);
    }

    @Property(tries = 500)
    void predictionRoundTrips(@ForAll("prediction") Prediction p) {
        JoinInput back = JoinInputSerde.decode(JoinInputSerde.encode(p));
        Prediction q = assertInstanceOf(Prediction.class, back);
        assertEquals(p, q);
        assertArrayEquals(p.scoreClasses(), q.scoreClasses());
        assertEquals(p.scores().length, q.scores().length);
        for (int i = 0; i < p.scores().length; i++) {
            assertEquals(Double.doubleToRawLongBits(p.scores()[i]), Double.doubleToRawLongBits(q.scores()[i]));
        }
        assertArrayEquals(p.tagNames(), q.tagNames());
        assertArrayEquals(p.tagValues(), q.tagValues());
        assertEquals(p.hashCode(), q.hashCode());
    }

    @Property(tries = 500)
    void labelRoundTrips(@ForAll("label") Label l) {
        assertEquals(l, JoinInputSerde.decode(JoinInputSerde.encode(l)));
    }

    @Property(tries = 200)
    void ingestWatermarkRoundTrips(@ForAll @net.jqwik.api.constraints.IntRange(min = 0, max = 100_000) int partition,
                                   @ForAll long ts, @ForAll boolean idle) {
        IngestWatermark w = new IngestWatermark(partition, ts, idle);
        assertEquals(w, JoinInputSerde.decode(JoinInputSerde.encode(w)));
    }

    @Property(tries = 200)
    void kafkaSerdeRoundTrips(@ForAll("prediction") Prediction p, @ForAll("label") Label l) {
        for (JoinInput in : List.<JoinInput>of(p, l)) {
            byte[] bytes = JoinInputSerde.SERDE.serializer().serialize("topic", in);
            assertArrayEquals(JoinInputSerde.encode(in), bytes);
            assertEquals(in, JoinInputSerde.SERDE.deserializer().deserialize("topic", bytes));
        }
    }

    @Test
    void serdePassesNullThrough() {
        assertNull(JoinInputSerde.SERDE.serializer().serialize("topic", null));
        assertNull(JoinInputSerde.SERDE.deserializer().deserialize("topic", null));
    }

    @Test
    void emptyPredictionRoundTrips() {
        Prediction p = new Prediction("id", "m", "", 5L, "0", new String[0], new double[0], new String[0], new String[0]);
        assertEquals(p, JoinInputSerde.decode(JoinInputSerde.encode(p)));
    }

    @Test
    void predictionEqualityComparesArrayContents() {
        Prediction a = new Prediction("id", "m", "v1", 7L, "1", new String[] {"0", "1"}, new double[] {0.25, 0.75},
                new String[] {"cloud"}, new String[] {"aws"});
        Prediction b = new Prediction("id", "m", "v1", 7L, "1", new String[] {"0", "1"}, new double[] {0.25, 0.75},
                new String[] {"cloud"}, new String[] {"aws"});
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertNotEquals(a, new Prediction("id", "m", "v1", 7L, "1", new String[] {"0", "1"},
                new double[] {0.3, 0.7}, new String[] {"cloud"}, new String[] {"aws"}));
        assertNotEquals(a, new Prediction("id", "m", "v1", 7L, "1", new String[] {"0", "1"},
                new double[] {0.25, 0.75}, new String[] {"cloud"}, new String[] {"gcp"}));
        assertNotEquals(a, new Prediction("id", "m", "v2", 7L, "1", new String[] {"0", "1"},
                new double[] {0.25, 0.75}, new String[] {"cloud"}, new String[] {"aws"}));
        assertEquals("aws", a.tag("cloud"));
        assertNull(a.tag("region"));
    }

    @Test
    void negativeZeroScoreSurvivesTheRoundTrip() {
        Prediction p = new Prediction("id", "m", "v", 1L, "a", new String[] {"a", "b"}, new double[] {1.0, -0.0},
                new String[0], new String[0]);
        Prediction q = (Prediction) JoinInputSerde.decode(JoinInputSerde.encode(p));
        assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(q.scores()[1]));
    }

    @Test
    void formatStartsWithVersionOneAndTheKind() {
        byte[] p = JoinInputSerde.encode(new Prediction("i", "m", "", 1L, "a", new String[0], new double[0],
                new String[0], new String[0]));
        byte[] l = JoinInputSerde.encode(new Label("i", "a", 1L));
        assertEquals(1, p[0]);
        assertEquals(1, p[1]);
        assertEquals(1, l[0]);
        assertEquals(2, l[1]);
    }

    @Test
    void unknownFormatVersionIsRejected() {
        for (JoinInput in : List.<JoinInput>of(new Label("id", "1", 5L), new Prediction("id", "m", "v", 5L, "1",
                new String[] {"0", "1"}, new double[] {0.5, 0.5}, new String[0], new String[0]))) {
            for (int version : new int[] {0, 2, 0x7F, 0xFF}) {
                byte[] bytes = JoinInputSerde.encode(in);
                bytes[0] = (byte) version;
                SerializationException e = assertThrows(SerializationException.class,
                        () -> JoinInputSerde.decode(bytes));
                assertTrue(e.getMessage().contains("version"), e.getMessage());
            }
        }
    }

    @Test
    void unknownKindIsRejected() {
        byte[] bytes = JoinInputSerde.encode(new Label("id", "1", 5L));
        bytes[1] = 4;
        SerializationException e = assertThrows(SerializationException.class, () -> JoinInputSerde.decode(bytes));
        assertTrue(e.getMessage().contains("kind"), e.getMessage());
    }
}
