package io.modelwatch.join;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelwatch.metrics.Outcome;
import io.modelwatch.serde.BinaryWriter;
import io.modelwatch.serde.StringCache;
import java.util.List;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

/** The join state of one prediction id: its binary form and which label wins. */
class JoinEntryTest {

    static final long MAX_DELAY = 1_000;

    static JoinEntry.PendingPrediction prediction(long ts) {
        return new JoinEntry.PendingPrediction("fraud", "v1", ts, "1", new String[] {"0", "1"},
                new double[] {0.25, 0.75}, new String[] {"cloud"}, new String[] {"aws"});
    }

    static JoinEntry entry(JoinEntry.PendingPrediction p, long... labelTs) {
        JoinEntry e = new JoinEntry();
        e.prediction = p;
        for (int i = 0; i < labelTs.length; i++) {
            e.addLabel(labelTs[i], "L" + i, 100, Long.MAX_VALUE);
        }
        return e;
    }

    // ---- binary form ----

    @Provide
    static Arbitrary<String> text() {
        return Arbitraries.oneOf(Arbitraries.strings().alpha().numeric().ofMaxLength(8),
                Arbitraries.of("", "é", "日本", "\uD83D\uDE00"));
    }

    @Provide
    static Arbitrary<JoinEntry.PendingPrediction> pending() {
        Arbitrary<TreeMap<String, Double>> scores = Arbitraries.maps(text(),
                Arbitraries.oneOf(Arbitraries.doubles().between(0, 1), Arbitraries.of(-0.0, 0.0, 1.0)))
                .ofMaxSize(5).map(TreeMap::new);
        Arbitrary<TreeMap<String, String>> slices = Arbitraries.maps(text(), text()).ofMaxSize(3).map(TreeMap::new);
        return Combinators.combine(text(), text(), Arbitraries.longs(), text(), scores, slices)
                .as((m, v, ts, p, s, sl) -> new JoinEntry.PendingPrediction(m, v, ts, p,
                        s.keySet().toArray(String[]::new), s.values().stream().mapToDouble(Double::doubleValue).toArray(),
                        sl.keySet().toArray(String[]::new), sl.values().toArray(String[]::new)));
    }

    @Provide
    static Arbitrary<JoinEntry> joinEntry() {
        Arbitrary<List<Long>> labelTs = Arbitraries.longs().list().ofMaxSize(8);
        return Combinators.combine(pending().injectNull(0.3), labelTs, text().list().ofSize(8), Arbitraries.longs())
                .as((p, ts, values, expires) -> {
                    JoinEntry e = new JoinEntry();
                    e.prediction = p;
                    e.labelTs = ts.stream().mapToLong(Long::longValue).toArray();
                    e.labelValues = values.subList(0, ts.size()).toArray(String[]::new);
                    e.expiresAt = expires;
                    return e;
                });
    }

    @Property(tries = 1000)
    void roundTrips(@ForAll("joinEntry") JoinEntry e) {
        byte[] encoded = e.encode();
        JoinEntry back = JoinEntry.decode(encoded);
        assertEquals(e, back);
        assertEquals(e.expiresAt, back.expiresAt);
        assertEquals(e.expiresAt, JoinEntry.expiresAt(encoded), "the expiry scan reads it without decoding");
        assertEquals(e.prediction, back.prediction);
        assertArrayEquals(e.labelTs, back.labelTs);
        assertArrayEquals(e.labelValues, back.labelValues);
        if (e.prediction != null) {
            for (int i = 0; i < e.prediction.scores().length; i++) {
                assertEquals(Double.doubleToRawLongBits(e.prediction.scores()[i]),
                        Double.doubleToRawLongBits(back.prediction.scores()[i]));
            }
            assertArrayEquals(e.prediction.sliceNames(), back.prediction.sliceNames());
            assertArrayEquals(e.prediction.sliceValues(), back.prediction.sliceValues());
        }
        assertEquals(e.hashCode(), back.hashCode());
        // through a cache of names, as the join decodes (twice: the second from the cache, names may collide)
        StringCache cache = new StringCache();
        assertEquals(e, JoinEntry.decode(encoded, cache));
        JoinEntry again = JoinEntry.decode(encoded, cache);
        assertEquals(e, again);
        assertArrayEquals(e.labelValues, again.labelValues);
        // through a writer reused from entry to entry, as the join encodes: the same bytes
        BinaryWriter reused = new BinaryWriter(4);
        entry(prediction(5_000), 5_100, 5_200).encode(reused);
        assertArrayEquals(encoded, e.encode(reused));
    }

    @Test
    void emptyEntryRoundTrips() {
        JoinEntry e = new JoinEntry();
        JoinEntry back = JoinEntry.decode(e.encode());
        assertEquals(e, back);
        assertNull(back.prediction);
        assertEquals(0, back.labelTs.length);
        assertEquals(0, back.labelValues.length);
    }

    @Test
    void equalityComparesContents() {
        JoinEntry a = entry(prediction(5_000), 5_100, 5_200);
        JoinEntry b = entry(prediction(5_000), 5_100, 5_200);
        assertEquals(a, b);
        assertNotEquals(a, entry(prediction(5_000), 5_100));
        assertNotEquals(a, entry(prediction(5_001), 5_100, 5_200));
        assertNotEquals(a, entry(null, 5_100, 5_200));
        b.expiresAt = 1;
        assertNotEquals(a, b);
    }

    @Test
    void unknownFormatVersionIsRejected() {
        for (JoinEntry e : List.of(new JoinEntry(), entry(prediction(5_000), 5_100))) {
            for (int version : new int[] {0, 2, 0xFF}) {
                byte[] bytes = e.encode();
                assertEquals(1, bytes[0]);
                bytes[0] = (byte) version;
                SerializationException ex = assertThrows(SerializationException.class, () -> JoinEntry.decode(bytes));
                assertTrue(ex.getMessage().contains("version"), ex.getMessage());
                ex = assertThrows(SerializationException.class, () -> JoinEntry.expiresAt(bytes));
                assertTrue(ex.getMessage().contains("version"), ex.getMessage());
            }
        }
    }

    @Test
    void expiresAtOfATruncatedEntryIsRejected() {
        assertThrows(SerializationException.class, () -> JoinEntry.expiresAt(new byte[0]));
        assertThrows(SerializationException.class, () -> JoinEntry.expiresAt(new byte[] {1, 0, 0, 0, 0, 0, 0, 0}));
    }

    // ---- which label wins ----

    @Test
    void withoutPredictionNothingWinsAndThereIsNoOutcome() {
        JoinEntry e = entry(null, 100, 200);
        assertEquals(-1, e.winningLabel(MAX_DELAY));
        assertNull(e.outcome(MAX_DELAY));
        assertNull(new JoinEntry().outcome(MAX_DELAY));
    }

    @Test
    void latestTimestampWithinTheBoundWins() {
        // arrival order: 5_300, 5_900 (latest in bound), 5_100, 7_000 (beyond the bound)
        JoinEntry e = entry(prediction(5_000), 5_300, 5_900, 5_100, 7_000);
        assertEquals(1, e.winningLabel(MAX_DELAY));
        Outcome o = e.outcome(MAX_DELAY);
        assertEquals("L1", o.label());
        assertEquals(900, o.labelDelayMs());
        assertEquals("1", o.predicted());
        assertArrayEquals(new String[] {"0", "1"}, o.scoreClasses());
        assertArrayEquals(new double[] {0.25, 0.75}, o.scores());
    }

    @Test
    void ofLabelsStampedAlikeTheGreatestInCodePointOrderWinsWhateverTheArrival() {
        for (String[] arrival : List.of(new String[] {"b", "\uD83D\uDE00", "\uFF5A"},
                new String[] {"\uFF5A", "\uD83D\uDE00", "b"}, new String[] {"\uD83D\uDE00", "b", "\uFF5A"})) {
            JoinEntry e = new JoinEntry();
            e.prediction = prediction(5_000);
            e.addLabel(5_900, "z", 100, Long.MAX_VALUE); // an earlier correction
            for (String label : arrival) {
                e.addLabel(6_000, label, 100, Long.MAX_VALUE);
            }
            // U+1F600 (an emoji, a surrogate pair) is above U+FF5A in code point order, below it in UTF-16 units
            assertEquals("\uD83D\uDE00", e.outcome(MAX_DELAY).label(), String.join(",", arrival));
        }
    }

    @Test
    void ofCopiesStampedAlikeTheOneWhoseContentOrdersFirstWins() {
        JoinEntry.PendingPrediction a = prediction(5_000);
        JoinEntry.PendingPrediction b = new JoinEntry.PendingPrediction("fraud", "v1", 5_000, "1",
                new String[] {"0", "1"}, new double[] {0.25, 0.8}, new String[] {"cloud"}, new String[] {"aws"});
        JoinEntry.PendingPrediction c = new JoinEntry.PendingPrediction("fraud", "v1", 5_000, "1",
                new String[] {"0", "1"}, new double[] {0.25, 0.75}, new String[] {"cloud"}, new String[] {"gcp"});
        assertTrue(a.winsTieOver(b), "a lower score");
        assertTrue(!b.winsTieOver(a));
        assertTrue(a.winsTieOver(c), "the same scores, an earlier tag value");
        assertTrue(!c.winsTieOver(a));
        assertTrue(!a.winsTieOver(prediction(5_000)), "a copy alike does not replace it");
    }

    @Test
    void theBoundIsInclusiveInBothDirections() {
        JoinEntry late = entry(prediction(5_000), 6_000);
        assertEquals(0, late.winningLabel(MAX_DELAY));
        assertEquals(1_000, late.outcome(MAX_DELAY).labelDelayMs());
        JoinEntry early = entry(prediction(5_000), 4_000);
        assertEquals(0, early.winningLabel(MAX_DELAY));
        assertEquals(-1_000, early.outcome(MAX_DELAY).labelDelayMs(), "a label may precede its prediction");
        assertEquals(-1, entry(prediction(5_000), 6_001).winningLabel(MAX_DELAY));
        assertEquals(-1, entry(prediction(5_000), 3_999).winningLabel(MAX_DELAY));
    }

    @Test
    void labelOutsideTheBoundNeverCountsNotEvenAsACorrection() {
        JoinEntry e = entry(prediction(5_000), 5_500, 6_500);
        assertEquals(0, e.winningLabel(MAX_DELAY));
        assertEquals("L0", e.outcome(MAX_DELAY).label());
    }

    @Test
    void noLabelInTheBoundGivesAnUnlabelledOutcome() {
        JoinEntry e = entry(prediction(5_000), 9_000, 1_000);
        assertEquals(-1, e.winningLabel(MAX_DELAY));
        Outcome o = e.outcome(MAX_DELAY);
        assertNotNull(o);
        assertNull(o.label());
        assertEquals(0, o.labelDelayMs());
        Outcome none = entry(prediction(5_000)).outcome(MAX_DELAY);
        assertNull(none.label());
    }

    /** The winner is a pure function of the labels: compare with a direct search. */
    @Property(tries = 1000)
    void winnerIsTheLatestInBoundTheGreatestLabelOnTies(@ForAll @LongRange(min = 0, max = 10_000) long predTs,
                                                   @ForAll("labelTimes") List<Long> labels,
                                                   @ForAll @LongRange(min = 0, max = 3_000) long maxDelay) {
        JoinEntry e = entry(prediction(predTs), labels.stream().mapToLong(Long::longValue).toArray());
        int expected = -1;
        for (int i = 0; i < labels.size(); i++) {
            long ts = labels.get(i);
            if (Math.abs(ts - predTs) <= maxDelay && (expected < 0 || ts > labels.get(expected)
                    || (ts == labels.get(expected) && ("L" + i).compareTo("L" + expected) > 0))) {
                expected = i;
            }
        }
        int got = e.winningLabel(maxDelay);
        assertEquals(expected, got);
        Outcome o = e.outcome(maxDelay);
        if (expected < 0) {
            assertNull(o.label());
        } else {
            assertEquals("L" + expected, o.label());
            assertEquals(labels.get(expected) - predTs, o.labelDelayMs());
            for (long ts : labels) {
                assertTrue(Math.abs(ts - predTs) > maxDelay || ts <= labels.get(expected));
            }
        }
    }

    @Provide
    static Arbitrary<List<Long>> labelTimes() {
        // a coarse grid so that ties and bound edges are common
        return Arbitraries.longs().between(0, 40).map(x -> x * 500).list().ofMaxSize(12);
    }

    // ---- the label cap ----

    @Test
    void belowTheCapLabelsAreKeptInArrivalOrder() {
        JoinEntry e = new JoinEntry();
        e.addLabel(300, "c", 3, Long.MAX_VALUE);
        e.addLabel(100, "a", 3, Long.MAX_VALUE);
        e.addLabel(200, "b", 3, Long.MAX_VALUE);
        assertArrayEquals(new long[] {300, 100, 200}, e.labelTs);
        assertArrayEquals(new String[] {"c", "a", "b"}, e.labelValues);
        assertEquals(300, e.latestLabelTs());
    }

    @Test
    void beyondTheCapTheOldestTimestampIsForgotten() {
        JoinEntry e = new JoinEntry();
        e.addLabel(300, "c", 3, Long.MAX_VALUE);
        e.addLabel(100, "a", 3, Long.MAX_VALUE);
        e.addLabel(200, "b", 3, Long.MAX_VALUE);
        e.addLabel(400, "d", 3, Long.MAX_VALUE);
        assertArrayEquals(new long[] {300, 200, 400}, e.labelTs, "the label at 100 goes, order of the rest kept");
        assertArrayEquals(new String[] {"c", "b", "d"}, e.labelValues);
        e.addLabel(250, "e", 3, Long.MAX_VALUE);
        assertArrayEquals(new long[] {300, 400, 250}, e.labelTs);
        assertArrayEquals(new String[] {"c", "d", "e"}, e.labelValues);
    }

    @Test
    void atTheCapALabelThatCanNoLongerPairGoesFirst() {
        JoinEntry e = new JoinEntry();
        e.prediction = new JoinEntry.PendingPrediction("m", "v", 1000, "1", new String[0], new double[0],
                new String[0], new String[0]);
        e.addLabel(5000, "late", 2, 100);  // outside the bound of the prediction at 1000
        e.addLabel(9000, "later", 2, 100); // outside too
        e.addLabel(1050, "valid", 2, 100); // the only label that can pair: an out-of-bound one goes
        assertArrayEquals(new long[] {9000, 1050}, e.labelTs);
        assertEquals("valid", e.outcome(100).label());
    }

    @Test
    void aLabelOlderThanEverythingKeptIsDroppedAtTheCap() {
        JoinEntry e = new JoinEntry();
        e.addLabel(300, "c", 2, Long.MAX_VALUE);
        e.addLabel(200, "b", 2, Long.MAX_VALUE);
        e.addLabel(100, "a", 2, Long.MAX_VALUE);
        assertArrayEquals(new long[] {300, 200}, e.labelTs);
        assertArrayEquals(new String[] {"c", "b"}, e.labelValues);
    }

    @Test
    void ofLabelsTyingTheOldestAtTheCapTheOneATieMakesLoseGoesInEitherArrivalOrder() {
        for (String[] arrival : List.of(new String[] {"x", "y"}, new String[] {"y", "x"})) {
            for (boolean predicted : new boolean[] {false, true}) {
                JoinEntry e = new JoinEntry();
                e.prediction = predicted ? prediction(250) : null;
                e.addLabel(200, arrival[0], 2, Long.MAX_VALUE);
                e.addLabel(300, "c", 2, Long.MAX_VALUE);
                e.addLabel(200, arrival[1], 2, Long.MAX_VALUE);
                assertEquals(List.of("c", "y"), java.util.Arrays.stream(e.labelValues).sorted().toList(),
                        "y wins a tie with x: " + arrival[0]);
            }
        }
    }

    @Property(tries = 500)
    void theCapKeepsTheNewestTimestamps(@ForAll("labelTimes") List<Long> labels, @ForAll @IntRange(min = 1, max = 5) int cap) {
        JoinEntry e = new JoinEntry();
        for (int i = 0; i < labels.size(); i++) {
            e.addLabel(labels.get(i), "L" + i, cap, Long.MAX_VALUE);
            assertTrue(e.labelTs.length <= cap);
            assertEquals(e.labelTs.length, e.labelValues.length);
        }
        assertEquals(Math.min(cap, labels.size()), e.labelTs.length);
        // the kept timestamps are the `cap` largest ones (as a multiset)
        long[] kept = e.labelTs.clone();
        java.util.Arrays.sort(kept);
        long[] all = labels.stream().mapToLong(Long::longValue).sorted().toArray();
        long[] largest = java.util.Arrays.copyOfRange(all, all.length - kept.length, all.length);
        assertArrayEquals(largest, kept);
        if (!labels.isEmpty()) {
            assertEquals(all[all.length - 1], e.latestLabelTs());
        }
    }

    @Test
    void latestLabelTsWithoutLabelsIsMinValue() {
        assertEquals(Long.MIN_VALUE, new JoinEntry().latestLabelTs());
    }

    /**
     * Labels ahead of their prediction beyond the cap: the one that can pair (within the delay of a
     * prediction that precedes its labels) is kept, those later than the earliest label plus the delay go.
     */
    @Test
    void beyondTheCapBeforeThePredictionTheLabelThatCanPairStays() {
        long hour = 3_600_000L;
        JoinEntry e = new JoinEntry();
        e.addLabel(90 * 60_000L, "1", 16, hour);              // 1.5 h: pairs with a prediction at 1 h
        for (int i = 0; i < 16; i++) {
            e.addLabel(3 * hour + i * 60_000L, "0", 16, hour); // 3 h and later: out of any such bound
        }
        assertEquals(16, e.labelTs.length);
        e.prediction = new JoinEntry.PendingPrediction("fraud", "v1", hour, "1", new String[] {"0", "1"},
                new double[] {0.2, 0.8}, new String[0], new String[0]);
        assertEquals("1", e.outcome(hour).label(), "the label within the bound won");
        // all within reach of the earliest: the oldest goes, as before
        JoinEntry f = new JoinEntry();
        for (int i = 0; i < 17; i++) {
            f.addLabel(i * 60_000L, "L" + i, 16, hour);
        }
        assertEquals(60_000L, java.util.Arrays.stream(f.labelTs).min().orElseThrow());
    }
}
