package io.modelwatch.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** ScoreCounts over a live histogram: a view without copying, a copy only to fold -0.0, no NaN. */
class ScoreCountsTest {

    @Test
    void viewsTheHistogramsOwnArraysWhenThereIsNothingToFold() {
        ScoreHistogram h = histogram(0.25, 0.5, 0.5, 0.0, 1.0);
        ScoreCounts c = ScoreCounts.of(h);
        assertSame(h.scores(), c.scores, "no copy per metrics update");
        assertSame(h.counts(), c.counts);
        assertEquals(4, c.size);
        assertEquals(5, c.total);
    }

    @Test
    void aViewKeepsItsValuesWhenTheHistogramChangesAfterwards() {
        ScoreHistogram h = histogram(0.1, 0.2, 0.3);
        ScoreCounts c = ScoreCounts.of(h);
        double[] before = Arrays.copyOf(c.scores, c.size);
        long[] countsBefore = Arrays.copyOf(c.counts, c.size);
        for (int i = 0; i < 1000; i++) { // past the settle threshold: the run is rebuilt
            h.add(i / 1000.0, 1);
        }
        h.add(0.2, -1);
        assertEquals(1000 + 3 - 1, ScoreCounts.of(h).total);
        assertArrayEquals(before, Arrays.copyOf(c.scores, c.size));
        assertArrayEquals(countsBefore, Arrays.copyOf(c.counts, c.size));
    }

    @Test
    void foldsNegativeZeroIntoACopy() {
        ScoreHistogram h = histogram(-0.0, 0.0, 0.0, 0.75);
        ScoreCounts c = ScoreCounts.of(h);
        assertNotSame(h.scores(), c.scores);
        assertEquals(2, c.size);
        assertEquals(0, Double.compare(0.0, c.scores[0]), "+0.0 stands for both");
        assertEquals(3, c.counts[0]);
        assertEquals(4, c.total);
    }

    @Test
    void rejectsNaNWhichTheRankingWalksCannotOrder() {
        ScoreHistogram h = histogram(0.5, Double.NaN);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ScoreCounts.of(h));
        assertEquals("a score histogram holds NaN; scores are probabilities in [0, 1]", e.getMessage());
    }

    private static ScoreHistogram histogram(double... scores) {
        ScoreHistogram h = new ScoreHistogram();
        for (double s : scores) {
            h.add(s, 1);
        }
        return h;
    }
}
