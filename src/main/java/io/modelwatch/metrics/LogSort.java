package io.modelwatch.metrics;

/**
 * Sorts a histogram's log of adds: keys ascending (signed), each count moved with its key. A stable
 * merge sort (O(n log n) whatever the input, unlike a quicksort that scores chosen by a producer could
 * degrade), with insertion sort for short runs.
 */
final class LogSort {

    private static final int RUN = 32;

    private LogSort() {
    }

    static void sort(long[] keys, long[] values, int n) {
        for (int lo = 0; lo < n; lo += RUN) {
            insertionSort(keys, values, lo, Math.min(lo + RUN, n));
        }
        if (n <= RUN) {
            return;
        }
        long[] k = keys;
        long[] v = values;
        long[] tk = new long[n];
        long[] tv = new long[n];
        for (int width = RUN; width < n; width *= 2) {
            for (int lo = 0; lo < n; lo += 2 * width) {
                int mid = Math.min(lo + width, n);
                int hi = Math.min(lo + 2 * width, n);
                mergeRuns(k, v, tk, tv, lo, mid, hi);
            }
            long[] swap = k;
            k = tk;
            tk = swap;
            swap = v;
            v = tv;
            tv = swap;
        }
        if (k != keys) {
            System.arraycopy(k, 0, keys, 0, n);
            System.arraycopy(v, 0, values, 0, n);
        }
    }

    private static void insertionSort(long[] keys, long[] values, int lo, int hi) {
        for (int i = lo + 1; i < hi; i++) {
            long key = keys[i];
            long value = values[i];
            int j = i - 1;
            while (j >= lo && keys[j] > key) {
                keys[j + 1] = keys[j];
                values[j + 1] = values[j];
                j--;
            }
            keys[j + 1] = key;
            values[j + 1] = value;
        }
    }

    /** Merges the sorted runs [lo, mid) and [mid, hi) of k/v into the same range of tk/tv. */
    private static void mergeRuns(long[] k, long[] v, long[] tk, long[] tv, int lo, int mid, int hi) {
        int i = lo;
        int j = mid;
        for (int out = lo; out < hi; out++) {
            if (j >= hi || (i < mid && k[i] <= k[j])) {
                tk[out] = k[i];
                tv[out] = v[i++];
            } else {
                tk[out] = k[j];
                tv[out] = v[j++];
            }
        }
    }
}
