package io.modelwatch.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The curves of a window (the HTTP API's {@code /curves}): a binary window's only. */
class CurvesTest {

    private static final String[] THREE = {"0", "1", "2"};

    @Test
    void aBinaryWindowGetsOnePointPerDistinctScoreAndTheBestF1() {
        WindowAggregate agg = WindowAggregate.of(List.of(
                MetricsCalculatorTest.bin("1", "1", 0.1, 0.9), MetricsCalculatorTest.bin("0", "1", 0.2, 0.8),
                MetricsCalculatorTest.bin("1", "1", 0.3, 0.7), MetricsCalculatorTest.bin("0", "0", 0.7, 0.3)));
        Curves.Result r = Curves.of(agg).orElseThrow();
        assertEquals(2, r.positives());
        assertEquals(2, r.negatives());
        // positive at or above t: 0.9 → TP 1 FP 0, 0.8 → 1 1, 0.7 → 2 1, 0.3 → 2 2
        assertEquals(List.of(0.9, 0.8, 0.7, 0.3), r.points().stream().map(Curves.Point::threshold).toList());
        assertEquals(List.of(0.0, 0.5, 0.5, 1.0), r.points().stream().map(Curves.Point::fpr).toList());
        assertEquals(List.of(0.5, 0.5, 1.0, 1.0), r.points().stream().map(Curves.Point::tpr).toList());
        assertEquals(List.of(1.0, 0.5, 2.0 / 3, 0.5), r.points().stream().map(Curves.Point::precision).toList());
        assertEquals(0.7, r.bestF1().threshold());
        assertEquals(0.8, r.bestF1().f1(), 1e-15, "2·2 / (2·2 + 1 + 0)");
    }

    @Test
    void aWindowWithIntegerClassesBeyondOneHasNoCurves() {
        // classes 0, 1 and 2: class 1's pairs against class 0's alone would make a perfect binary curve of it
        WindowAggregate agg = WindowAggregate.of(List.of(
                new Outcome("0", "0", THREE, new double[] {0.7, 0.2, 0.1}, 0),
                new Outcome("1", "1", THREE, new double[] {0.1, 0.8, 0.1}, 0),
                new Outcome("2", "2", THREE, new double[] {0.1, 0.1, 0.8}, 0),
                new Outcome("1", "2", THREE, new double[] {0.1, 0.6, 0.3}, 0)));
        assertFalse(MetricsCalculator.compute(agg).binary());
        assertTrue(Curves.of(agg).isEmpty(), () -> "curves of a multiclass window: " + Curves.of(agg));
    }

    @Test
    void aBinaryWindowWithoutANegativeHasNoCurves() {
        WindowAggregate agg = WindowAggregate.of(List.of(MetricsCalculatorTest.bin("1", "1", 0.2, 0.8),
                MetricsCalculatorTest.bin("1", "0", 0.6, 0.4)));
        assertTrue(Curves.of(agg).isEmpty());
    }
}
