package io.modelwatch.metrics;

/**
 * numpy's sum of float64 values, reproduced operation for operation: below 8 values one by one; up to 128 in eight
 * interleaved partial sums; beyond, the two halves (the first a multiple of 8 long) summed so and added.
 * scikit-learn averages per-class figures with numpy ({@code np.average}, {@code np.nanmean}), so summing in
 * the same order gives its macro and weighted averages to the last bit, for any number of classes (a plain
 * running sum agreed only below 8 classes).
 */
final class PairwiseSum {

    private static final int BLOCK = 128;

    private PairwiseSum() {
    }

    static double of(double[] values) {
        return sum(values, 0, values.length);
    }

    /** The sum of {@code values[from, from + n)}. */
    static double of(double[] values, int from, int n) {
        return sum(values, from, n);
    }

    private static double sum(double[] a, int from, int n) {
        if (n < 8) {
            double s = 0.0;
            for (int i = 0; i < n; i++) {
                s += a[from + i];
            }
            return s;
        }
        if (n <= BLOCK) {
            double r0 = a[from];
            double r1 = a[from + 1];
            double r2 = a[from + 2];
            double r3 = a[from + 3];
            double r4 = a[from + 4];
            double r5 = a[from + 5];
            double r6 = a[from + 6];
            double r7 = a[from + 7];
            int i = 8;
            for (; i < n - n % 8; i += 8) {
                r0 += a[from + i];
                r1 += a[from + i + 1];
                r2 += a[from + i + 2];
                r3 += a[from + i + 3];
                r4 += a[from + i + 4];
                r5 += a[from + i + 5];
                r6 += a[from + i + 6];
                r7 += a[from + i + 7];
            }
            double s = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7));
            for (; i < n; i++) {
                s += a[from + i];
            }
            return s;
        }
        int half = n / 2;
        half -= half % 8;
        return sum(a, from, half) + sum(a, from + half, n - half);
    }
}
