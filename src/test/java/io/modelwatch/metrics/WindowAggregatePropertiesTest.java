package io.modelwatch.metrics;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Aggregates are sums of cells, so merging, adding and retracting must agree with recomputing
 * from the outcomes themselves, and so must every figure computed from them.
 */
class WindowAggregatePropertiesTest {

    static final double TOL = 1e-9;

    @Provide
    Arbitrary<List<Outcome>> window() {
        return OutcomeArbitraries.window(0, 40, true);
    }

    @Provide
    Arbitrary<List<Boolean>> mask() {
        return Arbitraries.of(true, false).list().ofMinSize(1).ofMaxSize(40);
    }

    @Property(tries = 1000)
    void aNetChangeEqualsRetractThenAdd(@ForAll("window") List<Outcome> base, @ForAll("window") List<Outcome> olds,
                                        @ForAll("labels") List<String> newLabels) {
        // the common case: the same prediction gets (another) label; also unrelated pairs and nulls
        for (int i = 0; i < olds.size(); i++) {
            Outcome old = olds.get(i);
            String label = newLabels.isEmpty() ? null : newLabels.get(i % newLabels.size());
            Outcome relabelled = new Outcome(old.predicted(), label, old.scoreClasses(), old.scores(),
                    label == null ? 0 : i * 1000L);
            Outcome now = i % 5 == 4 ? base.isEmpty() ? null : base.get(i % base.size()) : relabelled;
            Outcome before = i % 7 == 6 ? null : old;
            // only what was added is ever retracted: the window holds `before`
            List<Outcome> start = before == null ? base : concat(base, List.of(before));
            WindowAggregate net = WindowAggregate.of(start);
            Outcomes.decomposeChange(before, now, net);
            WindowAggregate twoSteps = WindowAggregate.of(start);
            if (before != null) {
                twoSteps.add(before, -1);
            }
            if (now != null) {
                twoSteps.add(now, 1);
            }
            assertTrue(net.sameAs(twoSteps, TOL), () -> net + " vs " + twoSteps);
        }
    }

    @Provide
    Arbitrary<List<String>> labels() {
        return Arbitraries.of("0", "1", "a", "b", "c").injectNull(0.3).list().ofMaxSize(5);
    }

    @Property(tries = 500)
    void mergeEqualsAggregatingTheConcatenation(@ForAll("window") List<Outcome> a, @ForAll("window") List<Outcome> b) {
        WindowAggregate merged = WindowAggregate.of(a);
        merged.merge(WindowAggregate.of(b), 1);
        WindowAggregate whole = WindowAggregate.of(concat(a, b));
        assertTrue(merged.sameAs(whole, TOL), () -> merged + " vs " + whole);
        assertSameMetrics(MetricsCalculator.compute(whole), MetricsCalculator.compute(merged));
    }

    @Property(tries = 500)
    void retractingOutcomesEqualsRecomputingTheRest(@ForAll("window") List<Outcome> all, @ForAll("mask") List<Boolean> mask) {
        List<Outcome> removed = new ArrayList<>();
        List<Outcome> kept = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            (mask.get(i % mask.size()) ? removed : kept).add(all.get(i));
        }
        WindowAggregate rest = WindowAggregate.of(kept);

        WindowAggregate byOutcome = WindowAggregate.of(all);
        removed.forEach(o -> byOutcome.add(o, -1));
        assertTrue(byOutcome.sameAs(rest, TOL), () -> byOutcome + " vs " + rest);

        WindowAggregate byAggregate = WindowAggregate.of(all);
        byAggregate.merge(WindowAggregate.of(removed), -1);
        assertTrue(byAggregate.sameAs(rest, TOL), () -> byAggregate + " vs " + rest);

        MetricsResult expected = MetricsCalculator.compute(rest);
        assertSameMetrics(expected, MetricsCalculator.compute(byOutcome));
        assertSameMetrics(expected, MetricsCalculator.compute(byAggregate));
    }

    @Property(tries = 500)
    void retractingEverythingLeavesAnEmptyAggregate(@ForAll("window") List<Outcome> all) {
        WindowAggregate agg = WindowAggregate.of(all);
        agg.merge(WindowAggregate.of(all), -1);
        assertEquals(new WindowAggregate(), agg, "no cell, not even a rounding residue, survives");
        WindowAggregate one = WindowAggregate.of(all);
        all.forEach(o -> one.add(o, -1));
        assertEquals(new WindowAggregate(), one);
        assertEquals(MetricsCalculator.compute(new WindowAggregate()), MetricsCalculator.compute(one));
    }

    @Property(tries = 500)
    void mergeIsOrderIndependent(@ForAll("window") List<Outcome> a, @ForAll("window") List<Outcome> b,
                                 @ForAll("window") List<Outcome> c) {
        WindowAggregate abc = WindowAggregate.of(a);
        abc.merge(WindowAggregate.of(b), 1);
        abc.merge(WindowAggregate.of(c), 1);
        WindowAggregate cba = WindowAggregate.of(c);
        cba.merge(WindowAggregate.of(b), 1);
        cba.merge(WindowAggregate.of(a), 1);
        assertTrue(abc.sameAs(cba, TOL));
        assertSameMetrics(MetricsCalculator.compute(abc), MetricsCalculator.compute(cba));
    }

    static List<Outcome> concat(List<Outcome> a, List<Outcome> b) {
        List<Outcome> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    /** Same labels, matrix, class figures and metric keys; figures within 1e-9, undefined alike. */
    static void assertSameMetrics(MetricsResult expected, MetricsResult actual) {
        assertEquals(expected.binary(), actual.binary());
        assertEquals(expected.labels(), actual.labels());
        assertArrayEquals(expected.matrix(), actual.matrix(), () -> Arrays.deepToString(actual.matrix()));
        assertEquals(expected.perClass().keySet(), actual.perClass().keySet());
        expected.perClass().forEach((c, f) -> {
            ClassFigures g = actual.perClass().get(c);
            assertEquals(f.precision(), g.precision(), TOL);
            assertEquals(f.recall(), g.recall(), TOL);
            assertEquals(f.f1(), g.f1(), TOL);
            assertEquals(f.support(), g.support());
        });
        assertEquals(new ArrayList<>(expected.metrics().keySet()), new ArrayList<>(actual.metrics().keySet()));
        for (Map.Entry<String, Double> e : expected.metrics().entrySet()) {
            Double got = actual.metrics().get(e.getKey());
            if (e.getValue() == null) {
                assertNull(got, e.getKey());
            } else {
                assertNotNull(got, e.getKey());
                assertEquals(e.getValue(), got, TOL, e.getKey());
            }
        }
    }

    @Property(tries = 500)
    void eachNamedClassCountsThePredictionsNamingIt(@ForAll("window") List<Outcome> one,
                                                     @ForAll("window") List<Outcome> two,
                                                     @ForAll("mask") List<Boolean> retract) {
        // two models' rows interleaved, so the class set changes from row to row
        List<Outcome> rows = new java.util.ArrayList<>();
        for (int i = 0; i < Math.max(one.size(), two.size()); i++) {
            if (i < one.size()) {
                rows.add(one.get(i));
            }
            if (i < two.size()) {
                rows.add(two.get(i));
            }
        }
        WindowAggregate agg = new WindowAggregate();
        java.util.Map<String, Long> model = new java.util.HashMap<>();
        for (Outcome o : rows) {
            agg.add(o, 1);
            if (o.hasScores()) {
                for (String c : o.scoreClasses()) {
                    model.merge(c, 1L, Long::sum);
                }
            }
        }
        for (int i = rows.size() - 1; i >= 0; i--) {
            if (retract.get(i % retract.size())) {
                Outcome o = rows.get(i);
                agg.add(o, -1);
                if (o.hasScores()) {
                    for (String c : o.scoreClasses()) {
                        model.merge(c, -1L, Long::sum);
                    }
                }
            }
        }
        model.values().removeIf(v -> v == 0);
        assertEquals(model, agg.namedClasses);
    }

    /** Decoded partials bring their own copies of the class names; the window keys every histogram by one. */
    @org.junit.jupiter.api.Test
    void aWindowKeysItsHistogramsByOneCopyOfEachClassName() {
        String[] classes = {"alpha", "beta", "gamma"};
        WindowAggregate window = new WindowAggregate();
        for (String y : classes) {
            WindowAggregate partial = new WindowAggregate();
            partial.add(new Outcome("alpha", y, classes, new double[] {0.5, 0.25, 0.25}, 0), 1);
            AggregateCodec.mergeInto(AggregateCodec.encode(partial), window); // new Strings each time
        }
        java.util.Set<String> distinct = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        window.scores.values().forEach(byClass -> distinct.addAll(byClass.keySet()));
        assertEquals(4, distinct.size(), "alpha, beta, gamma and the scored-pairs cell: " + window.scores);
    }

    /**
     * A partial written before classes were counted one by one holds class sets joined by U+0000: read, each
     * class of a set counts its predictions, so old and new partials merge and retract.
     */
    @org.junit.jupiter.api.Test
    void aPartialOfJoinedClassSetsReadsAsItsClasses() {
        WindowAggregate old = WindowAggregate.forChanges();
        old.namedClasses.put("a\u0000b", 3L);
        old.namedClasses.put("a\u0000c", 1L);
        WindowAggregate read = WindowAggregate.forChanges();
        AggregateCodec.mergeInto(AggregateCodec.encode(old), read);
        assertEquals(java.util.Map.of("a", 4L, "b", 3L, "c", 1L), read.namedClasses);
        WindowAggregate retracted = WindowAggregate.forChanges();
        retracted.classesNamed(new String[] {"a", "b"}, -3);
        retracted.classesNamed(new String[] {"a", "c"}, -1);
        read.merge(retracted, 1);
        assertEquals(java.util.Map.of(), read.namedClasses);
        assertEquals(List.of(), read.modelClasses());
    }
}
