package io.modelwatch.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/**
 * The primitive histogram must hold exactly what a {@code TreeMap<Double, Long>} with zero sums removed
 * holds, whatever the mix of single adds, retractions, runs and merges, and across its settle points.
 */
class ScoreHistogramTest {

    /** One step: a single add (run null) or a whole run merged with a sign. */
    record Step(double score, long count, TreeMap<Double, Long> run) {
    }

    @Provide
    Arbitrary<List<Step>> steps() {
        // a small pool forces repeats, cancellations and the -0.0 / 0.0 distinction; a wide pool forces settles
        Arbitrary<Double> pooled = Arbitraries.of(-0.0, 0.0, 0.1, 0.25, 0.5, 0.75, 1.0, 1e-300, Double.MIN_VALUE);
        Arbitrary<Double> wide = Arbitraries.integers().between(0, 5000).map(i -> i / 5000.0);
        Arbitrary<Double> score = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(1, pooled), net.jqwik.api.Tuple.of(3, wide));
        Arbitrary<Long> count = Arbitraries.longs().between(-3, 3);
        Arbitrary<Step> single = Combinators.combine(score, count).as((s, c) -> new Step(s, c, null));
        Arbitrary<Step> run = Arbitraries.maps(score, Arbitraries.longs().between(-5, 5).filter(c -> c != 0))
                .ofMaxSize(300).map(m -> new Step(0, m.size() % 2 == 0 ? 1 : -1, new TreeMap<>(m)));
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(20, single), net.jqwik.api.Tuple.of(1, run))
                .list().ofMaxSize(3000);
    }

    @Property(tries = 300)
    void holdsWhatATreeMapHolds(@ForAll("steps") List<Step> steps) {
        ScoreHistogram h = new ScoreHistogram();
        TreeMap<Double, Long> model = new TreeMap<>();
        int i = 0;
        for (Step s : steps) {
            if (s.run() == null) {
                h.add(s.score(), s.count());
                add(model, s.score(), s.count());
            } else {
                double[] scores = s.run().keySet().stream().mapToDouble(Double::doubleValue).toArray();
                long[] counts = s.run().values().stream().mapToLong(Long::longValue).toArray();
                if (i++ % 2 == 0) {
                    h.addRun(scores, counts, scores.length, s.count());
                } else {
                    ScoreHistogram other = new ScoreHistogram();
                    s.run().forEach(other::add);
                    h.merge(other, s.count());
                }
                s.run().forEach((k, v) -> add(model, k, s.count() * v));
            }
        }
        assertSame(model, h);
        ScoreHistogram copy = h.copy();
        assertTrue(copy.sameAs(h));
        copy.merge(h, -1);
        assertTrue(copy.isEmpty(), "retracting a histogram from its copy leaves nothing");
    }

    /** A log whose adds all have one count (the pre-aggregation's: all +1, or all -1) sorts its scores alone. */
    @Property(tries = 200)
    void aLogOfEqualCountsHoldsWhatATreeMapHolds(@ForAll("equalCounts") List<Double> scores,
                                                  @ForAll @net.jqwik.api.constraints.LongRange(min = -3, max = 3) long count) {
        ScoreHistogram h = new ScoreHistogram();
        TreeMap<Double, Long> model = new TreeMap<>();
        for (double s : scores) {
            h.add(s, count);
            add(model, s, count);
        }
        assertSame(model, h);
        for (double s : scores) { // then the other way, settling at the same points
            h.add(s, -count);
        }
        assertTrue(h.isEmpty(), "retracting every add leaves nothing");
    }

    @Provide
    Arbitrary<List<Double>> equalCounts() {
        Arbitrary<Double> pooled = Arbitraries.of(-0.0, 0.0, -1.0, 0.5, 1.0, Double.MIN_VALUE, -Double.MIN_VALUE);
        Arbitrary<Double> wide = Arbitraries.integers().between(-3000, 3000).map(i -> i / 3000.0);
        return Arbitraries.oneOf(pooled, wide).list().ofMaxSize(2000);
    }

    @Test
    void sortKeysOrderScoresAsDoubleCompare() {
        double[] ascending = {Double.NEGATIVE_INFINITY, -1.0, -Double.MIN_VALUE, -0.0, 0.0, Double.MIN_VALUE, 0.5, 1.0,
            Double.MAX_VALUE, Double.POSITIVE_INFINITY, Double.NaN};
        for (int i = 0; i + 1 < ascending.length; i++) {
            assertTrue(ScoreHistogram.sortKey(ascending[i]) < ScoreHistogram.sortKey(ascending[i + 1]),
                    ascending[i] + " before " + ascending[i + 1]);
        }
    }

    @Test
    void keepsNegativeAndPositiveZeroApartAndDropsCancelledCells() {
        ScoreHistogram h = new ScoreHistogram();
        h.add(0.0, 2);
        h.add(-0.0, 1);
        h.add(0.5, 1);
        h.add(0.5, -1);
        assertEquals(2, h.size());
        assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(h.scores()[0]));
        assertEquals(1, h.counts()[0]);
        assertEquals(2, h.counts()[1]);
        ScoreCounts folded = ScoreCounts.of(h);
        assertEquals(1, folded.size, "ScoreCounts ties -0.0 with 0.0, as scikit-learn does");
        assertEquals(3, folded.total);
    }

    @Test
    void smallRunsIntoALargeHistogramDoNotRebuildItPerRun() {
        // a window's histogram receiving join partitions' deltas: a few scores each, many times
        ScoreHistogram h = new ScoreHistogram();
        TreeMap<Double, Long> model = new TreeMap<>();
        int n = 40_000;
        double[] big = new double[n];
        long[] ones = new long[n];
        for (int i = 0; i < n; i++) {
            big[i] = i / (double) n;
            ones[i] = 1;
            model.put(big[i], 1L);
        }
        h.addRun(big, ones, n, 1);
        long afterFirst = h.rebuilds();
        java.util.Random random = new java.util.Random(7);
        for (int run = 0; run < 1_000; run++) {
            double[] scores = new double[8];
            long[] counts = new long[8];
            double s = random.nextInt(n) / (double) n; // an existing score: retract or add
            for (int k = 0; k < 8; k++) {
                scores[k] = s + k * 1e-7; // ascending, mostly new scores
                counts[k] = k == 0 ? -1 : 1 + random.nextInt(3);
                add(model, scores[k], counts[k]);
            }
            h.addRun(scores, counts, 8, 1);
        }
        // 8000 pending adds stay below the settle threshold (a quarter of 40000): no rebuild until read
        assertEquals(afterFirst, h.rebuilds(), "small runs went through the pending table");
        assertSame(model, h);
        assertEquals(afterFirst + 1, h.rebuilds(), "reading settles them in one merge");
    }

    @Test
    void aRunOfAQuarterOfTheHistogramOrMoreIsMergedLinearly() {
        ScoreHistogram h = new ScoreHistogram();
        TreeMap<Double, Long> model = new TreeMap<>();
        addRun(h, model, 0, 2_000, 1); // the first run: copied
        long before = h.rebuilds();
        addRun(h, model, 1_000, 600, -1); // 600 >= 2000 / 4: one linear merge, overlapping half the scores
        assertEquals(before + 1, h.rebuilds(), "a large run is merged at once");
        addRun(h, model, 5_000, 100, 1); // 100 < max(256, size / 4): pending, no rebuild until read
        assertEquals(before + 1, h.rebuilds());
        assertSame(model, h);
    }

    @Test
    void mergingAHistogramWithItselfDoublesOrEmptiesIt() {
        for (int n : new int[] {100, 3_000}) { // below the pending threshold, and a linear merge
            ScoreHistogram h = new ScoreHistogram();
            TreeMap<Double, Long> model = new TreeMap<>();
            addRun(h, model, 0, n, 1);
            h.merge(h, 1);
            model.replaceAll((score, count) -> 2 * count);
            assertSame(model, h);
            h.merge(h, -1);
            assertTrue(h.isEmpty(), "retracting a histogram from itself leaves nothing (" + n + " scores)");
        }
    }

    /** Adds the run of scores first/10000 .. (first+n-1)/10000, counts 1 + i % 3, with the sign. */
    private static void addRun(ScoreHistogram h, TreeMap<Double, Long> model, int first, int n, long sign) {
        double[] scores = new double[n];
        long[] counts = new long[n];
        for (int i = 0; i < n; i++) {
            scores[i] = (first + i) / 10_000.0;
            counts[i] = 1 + i % 3;
            add(model, scores[i], sign * counts[i]);
        }
        h.addRun(scores, counts, n, sign);
    }

    private static void add(TreeMap<Double, Long> model, double score, long count) {
        long v = model.getOrDefault(score, 0L) + count;
        if (v == 0) {
            model.remove(score);
        } else {
            model.put(score, v);
        }
    }

    private static void assertSame(TreeMap<Double, Long> model, ScoreHistogram h) {
        assertEquals(model.size(), h.size(), () -> "distinct scores: " + model + " vs " + h);
        int i = 0;
        for (Map.Entry<Double, Long> e : model.entrySet()) {
            assertEquals(Double.doubleToRawLongBits(e.getKey()), Double.doubleToRawLongBits(h.scores()[i]), "score " + i);
            assertEquals(e.getValue(), h.counts()[i], "count of " + e.getKey());
            i++;
        }
    }
}
