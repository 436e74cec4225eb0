package io.modelwatch.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class FloorLatencyProbeTest {

    private static final Events.Model MODEL = Events.models(1, 2).get(0);
    private static final long WINDOW_MS = 10_000;
    private static final long T0 = 1_700_000_000_000L; // a window boundary
    private static final long MS = 1_000_000;

    private static FloorLatencyProbe.Labels labels() {
        return new FloorLatencyProbe.Labels(100, WINDOW_MS, T0 + 3_000, 0);
    }

    private static byte[] id(long n) {
        return LiveInput.id(n, MODEL).getBytes(StandardCharsets.UTF_8);
    }

    private static LiveInput.Label label(long n, long predictionMs) {
        return new LiveInput.Label(n, LiveInput.id(n, MODEL), "1", MODEL, predictionMs);
    }

    @Test
    void aLabelInItsPredictionsWindowIsIncludedByTheCountOfTwo() {
        var labels = labels();
        int ticket = labels.sending(label(7, T0 + 4_000), T0 + 5_000);
        labels.acked(ticket, 100 * MS, true);
        labels.counted(id(7), T0, 1, 150 * MS); // the prediction's count: not yet the label
        assertFalse(labels.allRead());
        labels.counted(id(7), T0, 2, 340 * MS);
        assertTrue(labels.allRead());
        var r = labels.result(1, 1, 5_000 * MS, "");
        assertEquals(1, r.samples());
        assertEquals(240.0, r.p99(), 1e-9);
        assertEquals(0, r.unobserved());
    }

    @Test
    void aLabelInTheNextWindowIsIncludedByTheCountOfOneThere() {
        var labels = labels();
        int ticket = labels.sending(label(3, T0 + 9_500), T0 + 10_200);
        labels.counted(id(3), T0, 1, 50 * MS); // its prediction's window: not the label's
        labels.acked(ticket, 60 * MS, true);
        labels.counted(id(3), T0 + WINDOW_MS, 1, 90 * MS);
        labels.counted(id(3), T0 + WINDOW_MS, 1, 500 * MS); // a later copy: the first read counts
        var r = labels.result(1, 1, 5_000 * MS, "");
        assertEquals(30.0, r.max(), 1e-9);
    }

    @Test
    void warmUpLabelsAreNoSamplesAndLabelsNeverReadAreCounted() {
        var labels = labels();
        labels.acked(labels.sending(label(1, T0 + 4_000), T0 + 4_500), 10 * MS, false);
        labels.counted(id(1), T0, 2, 20 * MS);
        labels.acked(labels.sending(label(2, T0 + 4_000), T0 + 4_500), 6_000 * MS, true);
        labels.counted(id(2), T0, 2, 6_100 * MS);
        labels.acked(labels.sending(label(4, T0 + 4_000), T0 + 4_500), 6_000 * MS, true);
        var r = labels.result(1, 1, 5_000 * MS, "");
        assertEquals(1, r.samples());
        assertEquals(1, r.unobserved());
        assertEquals(100.0, r.p50(), 1e-9);
        assertEquals("(warm-up) 0s 10/10, 5s 100/100", r.timeline());
        assertFalse(labels.allRead());
    }

    @Test
    void countsOfOtherIdsOrWithoutALabelAreIgnored() {
        var labels = labels();
        labels.counted("clock-1".getBytes(StandardCharsets.UTF_8), T0, 5, 10 * MS);
        labels.counted(id(9), T0, 2, 10 * MS); // no label sent for 9
        labels.counted(id(500), T0, 2, 10 * MS); // beyond the arrays
        var r = labels.result(1, 1, 5_000 * MS, "");
        assertEquals(0, r.samples());
        assertTrue(labels.allRead());
    }
}
