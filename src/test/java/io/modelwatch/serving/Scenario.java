package io.modelwatch.serving;

import java.util.List;

/**
 * A realistic monitor state for the serving tests: a binary model "fraud" (versions v1 and v2, the
 * whole model and slices cloud=aws and cloud=gcp) whose v2 degrades in its last windows, and a
 * multiclass model "churn" (default version ""), ten one-minute windows each, the last one still
 * open; one alert firing on fraud v2, one warning firing on fraud v1 cloud=gcp, and an earlier
 * churn episode that fired and resolved.
 */
final class Scenario {

    static final long SIZE = 60_000;
    static final int WINDOWS = 10;
    static final List<String> FRAUD_SLICES = List.of("", "cloud=aws", "cloud=gcp");

    final long first;
    final long last;

    private Scenario(long first, long last) {
        this.first = first;
        this.last = last;
    }

    long window(int i) {
        return first + i * SIZE;
    }

    /** The fraud v2 figure of window i on the whole model: F1 about 0.9, about 0.65 from window 7 on. */
    static long[] fraudCounts(String version, String slice, int i) {
        boolean degraded = version.equals("v2") && i >= 7;
        long scale = slice.isEmpty() ? 3 : 1;
        long tp = (degraded ? 60 : 110) * scale + i;
        long fn = (degraded ? 50 : 12) * scale;
        long fp = (degraded ? 15 : 8) * scale;
        long tn = 380 * scale + 3 * i;
        return new long[] {tp, fp, fn, tn};
    }

    static Scenario populate(FakeMonitorView view, long now) {
        long last = Math.floorDiv(now, SIZE) * SIZE;
        Scenario s = new Scenario(last - (WINDOWS - 1) * SIZE, last);
        for (int i = 0; i < WINDOWS; i++) {
            s.addFraudWindow(view, i);
            view.metrics.add(FakeMonitorView.multiclass("churn", "", "", s.window(i), SIZE, 700, 200,
                    i == 4 ? 0.62 : 0.81, i == 4 ? 0.74 : 0.9, i < WINDOWS - 1));
        }
        // rolling records exist next to the single-window ones
        view.metrics.add(FakeMonitorView.rolling(
                FakeMonitorView.binary("fraud", "v1", "", s.window(8), SIZE, 1800, 330, 24, 36, 1140, 0.95, true), 3));

        view.alerts.add(FakeMonitorView.alert("f1-floor", "fraud", "v2", "", "f1", 0.66, 0.8, "FIRING", "critical",
                s.window(8), s.window(9), s.window(9) + 2_000));
        view.alerts.add(FakeMonitorView.alert("coverage-low", "fraud", "v1", "cloud=gcp", "label_coverage", 0.52, 0.6,
                "FIRING", "warning", s.window(6), s.window(7), s.window(7) + 1_000));
        view.alerts.add(FakeMonitorView.alert("auc-drop", "churn", "", "", "roc_auc_ovr", 0.74, 0.85, "FIRING",
                "critical", s.window(4), s.window(5), s.window(5) + 1_000));
        view.alerts.add(FakeMonitorView.alert("auc-drop", "churn", "", "", "roc_auc_ovr", 0.9, 0.85, "RESOLVED",
                "critical", s.window(5), s.window(6), s.window(6) + 1_000));

        view.putCurves("fraud", "v1", s.window(8), FakeMonitorView.curvesOf(0.55));
        return s;
    }

    /** Adds window i of fraud (both versions, every slice); window i is open when it is the last one. */
    void addFraudWindow(FakeMonitorView view, int i) {
        long start = window(i);
        boolean isFinal = start < last;
        for (String version : List.of("v1", "v2")) {
            for (String slice : FRAUD_SLICES) {
                long[] c = fraudCounts(version, slice, i);
                long labeled = c[0] + c[1] + c[2] + c[3];
                boolean sparse = version.equals("v1") && slice.equals("cloud=gcp");
                long predictions = sparse ? Math.round(labeled / 0.52) : Math.round(labeled / 0.87);
                Double auc = sparse && i == WINDOWS - 1 ? null : (version.equals("v2") && i >= 7 ? 0.81 : 0.962) - i * 0.001;
                view.metrics.add(FakeMonitorView.binary("fraud", version, slice, start, SIZE, predictions,
                        c[0], c[1], c[2], c[3], auc, isFinal));
            }
        }
    }
}
