package io.modelwatch.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import org.junit.jupiter.api.Test;

/**
 * numpy's sums, bit for bit. The references are {@code float(np.sum(np.array([1.0 / (i + 1) for i in range(n)])))}
 * printed by numpy 2.4.6 (the version scikit-learn 1.9.1 ran with here); where a running sum differs, the test
 * says so, so that it cannot pass by summing one by one.
 */
class PairwiseSumTest {

    private static double[] harmonic(int n) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = 1.0 / (i + 1);
        }
        return a;
    }

    private static double running(double[] a) {
        double s = 0.0;
        for (double v : a) {
            s += v;
        }
        return s;
    }

    @Test
    void sumsAsNumpyDoes() {
        assertEquals(0.0, PairwiseSum.of(new double[0]));
        assertEquals(2.5928571428571425, PairwiseSum.of(harmonic(7)));
        assertEquals(2.7178571428571425, PairwiseSum.of(harmonic(8)));
        assertEquals(3.439552522640758, PairwiseSum.of(harmonic(17)));
        assertEquals(5.425334592589172, PairwiseSum.of(harmonic(127)));
        assertEquals(5.433147092589173, PairwiseSum.of(harmonic(128)));
        assertEquals(5.440899030573669, PairwiseSum.of(harmonic(129)));
        assertEquals(5.493542515771517, PairwiseSum.of(harmonic(136)));
        assertEquals(6.282663880299504, PairwiseSum.of(harmonic(300)));
        assertEquals(7.485470860550345, PairwiseSum.of(harmonic(1000)));
        for (int n : new int[] {127, 128, 129, 136, 300, 1000}) {
            assertNotEquals(running(harmonic(n)), PairwiseSum.of(harmonic(n)), "a running sum differs at " + n);
        }
    }
}
