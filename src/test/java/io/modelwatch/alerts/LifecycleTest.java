package io.modelwatch.alerts;

import static io.modelwatch.alerts.Lifecycle.Event.FIRING;
import static io.modelwatch.alerts.Lifecycle.Event.NONE;
import static io.modelwatch.alerts.Lifecycle.Event.RESOLVED;
import static io.modelwatch.alerts.Lifecycle.Verdict.BREACH;
import static io.modelwatch.alerts.Lifecycle.Verdict.HEALTHY;
import static io.modelwatch.alerts.Lifecycle.Verdict.NOT_JUDGED;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class LifecycleTest {

    /** Runs final verdicts through the machine from a fresh state; returns the events, one per window. */
    private static List<Lifecycle.Event> run(List<Lifecycle.Verdict> verdicts, int forWindows, int resolveAfter) {
        AlertState s = new AlertState();
        List<Lifecycle.Event> events = new ArrayList<>();
        long w = 0;
        for (Lifecycle.Verdict v : verdicts) {
            Lifecycle.Step step = Lifecycle.step(s, v, true, w++, forWindows, resolveAfter);
            s = step.state();
            events.add(step.event());
        }
        return events;
    }

    @Test
    void firesAtTheForWindowsthConsecutiveBreach() {
        assertEquals(List.of(NONE, NONE, FIRING, NONE, NONE),
                run(List.of(BREACH, BREACH, BREACH, BREACH, BREACH), 3, 1), "once, never repeated");
        assertEquals(List.of(FIRING, NONE), run(List.of(BREACH, BREACH), 1, 1));
        assertEquals(List.of(NONE, FIRING, RESOLVED, NONE, FIRING),
                run(List.of(BREACH, BREACH, HEALTHY, BREACH, BREACH), 2, 1), "a new episode needs a new streak");
    }

    @Test
    void aHealthyWindowBreaksTheStreak() {
        assertEquals(List.of(NONE, NONE, NONE, NONE, FIRING),
                run(List.of(BREACH, HEALTHY, BREACH, BREACH, BREACH), 3, 1));
    }

    @Test
    void resolvesAfterResolveAfterHealthyWindowsOnce() {
        assertEquals(List.of(FIRING, NONE, NONE, NONE, RESOLVED, NONE),
                run(List.of(BREACH, HEALTHY, BREACH, HEALTHY, HEALTHY, HEALTHY), 1, 2),
                "a breach while firing resets the healthy count; RESOLVED once");
    }

    @Test
    void notJudgedWindowsNeitherBreachNorHeal() {
        assertEquals(List.of(NONE, NONE, FIRING),
                run(List.of(BREACH, NOT_JUDGED, BREACH), 2, 1), "the streak survives a small window");
        assertEquals(List.of(FIRING, NONE, NONE, NONE, RESOLVED),
                run(List.of(BREACH, HEALTHY, NOT_JUDGED, NOT_JUDGED, HEALTHY), 1, 2), "so does the healing");
        assertEquals(List.of(NONE, NONE, NONE), run(List.of(NOT_JUDGED, NOT_JUDGED, NOT_JUDGED), 1, 1));
    }

    @Test
    void redeliveredFinalsAreIgnored() {
        AlertState s = new AlertState();
        s = Lifecycle.step(s, BREACH, true, 10, 2, 1).state();
        Lifecycle.Step again = Lifecycle.step(s, BREACH, true, 10, 2, 1);
        assertEquals(NONE, again.event(), "the same window twice is not two breaches");
        assertEquals(1, again.state().breaches());
        assertEquals(NONE, Lifecycle.step(s, BREACH, true, 9, 2, 1).event(), "an older window");
        assertEquals(FIRING, Lifecycle.step(s, BREACH, true, 11, 2, 1).event());
    }

    /** resolve_when_silent measures silence from lastFinalStart: a final that is not judged is still traffic. */
    @Test
    void aFinalThatIsNotJudgedStillMovesTheLastFinalWindow() {
        AlertState s = Lifecycle.step(new AlertState(), BREACH, true, 10, 1, 1).state();
        Lifecycle.Step small = Lifecycle.step(s, NOT_JUDGED, true, 11, 1, 1);
        assertEquals(NONE, small.event());
        assertEquals(11, small.state().lastFinalStart);
        assertEquals(10, Lifecycle.step(s, NOT_JUDGED, false, 12, 1, 1).state().lastFinalStart, "an update does not");
    }

    @Test
    void updatesCountTheOpenWindowWithoutCommittingIt() {
        AlertState s = Lifecycle.step(new AlertState(), BREACH, true, 0, 2, 1).state();
        // an update of window 1 that breaches completes the streak: FIRING now
        Lifecycle.Step early = Lifecycle.step(s, BREACH, false, 1, 2, 1);
        assertEquals(FIRING, early.event());
        assertEquals(1, early.state().breaches(), "not committed");
        // more updates of the same window do not repeat it
        assertEquals(NONE, Lifecycle.step(early.state(), BREACH, false, 1, 2, 1).event());
        // the final of window 1 commits the breach, no second FIRING
        Lifecycle.Step fin = Lifecycle.step(early.state(), BREACH, true, 1, 2, 1);
        assertEquals(NONE, fin.event());
        assertEquals(2, fin.state().breaches());
        // an update of an already-final window is ignored
        assertEquals(NONE, Lifecycle.step(fin.state(), HEALTHY, false, 1, 2, 1).event());
        // a healthy update of window 2 does not resolve (resolve_after 1): only its final may
        Lifecycle.Step healthyUpdate = Lifecycle.step(fin.state(), HEALTHY, false, 2, 2, 1);
        assertEquals(NONE, healthyUpdate.event());
        assertEquals(2, healthyUpdate.state().breaches(), "the committed streak stays");
        assertEquals(RESOLVED, Lifecycle.step(healthyUpdate.state(), HEALTHY, true, 2, 2, 1).event());
    }

    /**
     * The defaults with updates judged, on a model whose open windows look healthy until their late labels come
     * (the positives of a fraud model): one FIRING, held while every final breaches, one RESOLVED when a final
     * heals. An update that could resolve paged once a window (FIRING, RESOLVED, FIRING, ...).
     */
    @Test
    void healthyUpdatesOfWindowsWhoseFinalsBreachDoNotFlap() {
        AlertState s = new AlertState();
        List<Lifecycle.Event> events = new ArrayList<>();
        for (long w = 0; w < 5; w++) {
            Lifecycle.Step update = Lifecycle.step(s, HEALTHY, false, w, 1, 1);
            events.add(update.event());
            Lifecycle.Step fin = Lifecycle.step(update.state(), BREACH, true, w, 1, 1);
            events.add(fin.event());
            s = fin.state();
        }
        Lifecycle.Step update = Lifecycle.step(s, HEALTHY, false, 5, 1, 1);
        events.add(update.event());
        events.add(Lifecycle.step(update.state(), HEALTHY, true, 5, 1, 1).event());
        assertEquals(List.of(NONE, FIRING, NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE, RESOLVED), events);
    }

    /**
     * for_windows 3: a healthy update in a breaching streak neither resolves nor wipes the committed streak, so the
     * finals that go on breaching keep the episode open (it once resolved on the update, and fired again only
     * three finals later: two windows of silence while every final breached).
     */
    @Test
    void aHealthyUpdateLeavesTheCommittedStreak() {
        AlertState s = new AlertState();
        List<Lifecycle.Event> events = new ArrayList<>();
        for (long w = 0; w < 3; w++) {
            Lifecycle.Step fin = Lifecycle.step(s, BREACH, true, w, 3, 1);
            events.add(fin.event());
            s = fin.state();
        }
        Lifecycle.Step update = Lifecycle.step(s, HEALTHY, false, 3, 3, 1);
        events.add(update.event());
        s = update.state();
        for (long w = 3; w < 6; w++) {
            Lifecycle.Step fin = Lifecycle.step(s, BREACH, true, w, 3, 1);
            events.add(fin.event());
            s = fin.state();
        }
        assertEquals(List.of(NONE, NONE, FIRING, NONE, NONE, NONE, NONE), events);
        assertTrue(s.firing(), "one episode, open throughout");
        assertEquals(1, s.episodes());
    }

    @Test
    void stateRoundTripsThroughItsSerde() {
        AlertState s = new AlertState();
        s.firing = true;
        s.breaches = 3;
        s.healthy = 1;
        s.episodes = 7;
        s.alertId = "abc";
        s.lastFinalStart = 1793577600000L;
        s.baselineSpec = "f1|1|6|100";
        s.baselineCount = 6;
        s.baselineSum = 5.4;
        s.lastTransitionStart = 1793574000000L;
        s.question = "f1|below";
        s.severity = "critical";
        assertEquals(s, AlertState.decode(s.encode()));
        assertEquals(new AlertState(), AlertState.decode(new AlertState().encode()));
    }

    /** State written by the format-1 version reads back, with no transition window yet. */
    @Test
    void formatOneStateStillReads() {
        byte[] v1 = new io.modelwatch.serde.BinaryWriter(64).writeByte(1).writeByte(1).writeVarLong(2)
                .writeVarLong(0).writeVarLong(3).writeString("id-3").writeLong(1793577600000L).writeString("")
                .writeVarLong(0).writeDouble(0).toByteArray();
        AlertState s = AlertState.decode(v1);
        assertTrue(s.firing());
        assertEquals(2, s.breaches());
        assertEquals(3, s.episodes());
        assertEquals("id-3", s.alertId());
        assertEquals(1793577600000L, s.lastFinalStart);
        assertEquals(Long.MIN_VALUE, s.lastTransitionStart);
    }

    /**
     * Format 2 as builds before the 45th session wrote it (no question) reads with none; and the question is a
     * trailing field that such builds skip, so they still read a state this build wrote (a rollback).
     */
    @Test
    void theQuestionIsAnOptionalTrailingFieldOfFormatTwo() {
        byte[] before45 = new io.modelwatch.serde.BinaryWriter(64).writeByte(2).writeByte(1).writeVarLong(2)
                .writeVarLong(0).writeVarLong(3).writeString("id-3").writeLong(1793577600000L).writeString("")
                .writeVarLong(0).writeDouble(0).writeLong(1793574000000L).toByteArray();
        AlertState old = AlertState.decode(before45);
        assertEquals("", old.question);
        assertEquals(1793574000000L, old.lastTransitionStart);
        assertTrue(old.firing());

        AlertState s = old.copy();
        s.question = "recall|below";
        byte[] now = s.encode();
        assertEquals(2, now[0], "still format 2");
        assertEquals(java.util.Arrays.toString(before45),
                java.util.Arrays.toString(java.util.Arrays.copyOf(now, before45.length)),
                "the older fields as before, the question after them");
        assertEquals("recall|below", AlertState.decode(now).question);
    }

    /**
     * The episode's severity (48th session) trails the question: a state of the 45th to 47th sessions' builds reads
     * with none, and those builds read this one's with the question and its other fields as written.
     */
    @Test
    void theSeverityTrailsTheQuestion() {
        AlertState s = new AlertState();
        s.firing = true;
        s.alertId = "id-4";
        s.question = "f1|below";
        byte[] before48 = s.encode();
        s.severity = "critical";
        byte[] now = s.encode();
        assertEquals(java.util.Arrays.toString(java.util.Arrays.copyOf(before48, before48.length - 1)),
                java.util.Arrays.toString(java.util.Arrays.copyOf(now, before48.length - 1)),
                "the older fields as before, the severity after the question");
        assertEquals("critical", AlertState.decode(now).severity);

        AlertState old = new AlertState();
        old.firing = true;
        old.alertId = "id-4";
        old.question = "f1|below";
        byte[] withoutSeverity = java.util.Arrays.copyOf(before48, before48.length - 1); // as those builds wrote it
        AlertState read = AlertState.decode(withoutSeverity);
        assertEquals("", read.severity);
        assertEquals(old, read);
    }

    /** Whatever the verdicts: events alternate FIRING, RESOLVED, FIRING, ... starting with FIRING. */
    @Property(tries = 500)
    void eventsAlternateAndFireOnlyAfterEnoughBreaches(@ForAll("verdicts") List<Lifecycle.Verdict> verdicts,
                                                       @ForAll @IntRange(min = 1, max = 4) int forWindows,
                                                       @ForAll @IntRange(min = 1, max = 4) int resolveAfter) {
        List<Lifecycle.Event> events = run(verdicts, forWindows, resolveAfter);
        Lifecycle.Event last = RESOLVED;
        for (int i = 0; i < events.size(); i++) {
            Lifecycle.Event e = events.get(i);
            if (e == NONE) {
                continue;
            }
            assertTrue(e != last, "no repeat: " + verdicts + " -> " + events);
            last = e;
            // the judged windows just before (NOT_JUDGED skipped) justify the event
            Lifecycle.Verdict needed = e == FIRING ? BREACH : HEALTHY;
            int count = e == FIRING ? forWindows : resolveAfter;
            int seen = 0;
            for (int j = i; j >= 0 && seen < count; j--) {
                if (verdicts.get(j) == NOT_JUDGED) {
                    continue;
                }
                assertEquals(needed, verdicts.get(j), verdicts + " -> " + events + " at " + i);
                seen++;
            }
            assertEquals(count, seen);
        }
    }

    @Provide
    Arbitrary<List<Lifecycle.Verdict>> verdicts() {
        return Arbitraries.of(Lifecycle.Verdict.class).list().ofMaxSize(40);
    }

    // ---- Evaluation: one record against one rule ----

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A binary metrics record with the given confusion matrix (rows true 0, 1; columns predicted 0, 1). */
    static MetricsView record(long windowStart, boolean isFinal, long tn, long fp, long fn, long tp, Double auc) {
        ObjectNode r = JSON.createObjectNode();
        r.put("model_id", "fraud-eu");
        r.put("model_version", "v1");
        r.put("window_start", windowStart);
        r.put("window_end", windowStart + 3600_000);
        r.put("final", isFinal);
        long n = tn + fp + fn + tp;
        r.put("predictions", n);
        r.put("labeled", n);
        ObjectNode cm = r.putObject("confusion_matrix");
        cm.putArray("labels").add("0").add("1");
        var m = cm.putArray("matrix");
        m.addArray().add(tn).add(fp);
        m.addArray().add(fn).add(tp);
        ObjectNode metrics = r.putObject("metrics");
        metrics.put("accuracy", (double) (tp + tn) / n);
        double p = tp + fp == 0 ? 0 : (double) tp / (tp + fp);
        double rc = tp + fn == 0 ? 0 : (double) tp / (tp + fn);
        metrics.put("precision", p);
        metrics.put("recall", rc);
        metrics.put("f1", p + rc == 0 ? 0 : 2 * p * rc / (p + rc));
        if (auc == null) {
            metrics.putNull("roc_auc");
        } else {
            metrics.put("roc_auc", auc);
        }
        return MetricsView.of(r);
    }

    private static AlertRule rule(String json) {
        return Rules.parseJson("r", json);
    }

    @Test
    void confidenceUsesTheRightCountsPerMetric() {
        // TN 50, FP 10, FN 20, TP 20: precision 20/30, recall 20/40, F1 = 40/70, accuracy 70/100
        MetricsView v = record(0, true, 50, 10, 20, 20, 0.75);
        assertArrayEquals(Intervals.wilson(20, 30, 0.95), v.interval("precision", 0, 0.95), 1e-15);
        assertArrayEquals(Intervals.wilson(20, 40, 0.95), v.interval("recall", 0, 0.95), 1e-15);
        assertArrayEquals(Intervals.wilson(40, 70, 0.95), v.interval("f1", 0, 0.95), 1e-15);
        assertArrayEquals(Intervals.wilson(70, 100, 0.95), v.interval("accuracy", 0, 0.95), 1e-15);
        assertArrayEquals(Intervals.hanleyMcNeil(0.75, 40, 60, 0.95), v.interval("roc_auc", 0.75, 0.95), 1e-15);
        assertEquals(40.0 / 70, v.value("f1"), 1e-12);
        assertNull(v.value("roc_auc_ovo"), "absent figure");
        assertNull(record(0, true, 50, 10, 20, 20, null).value("roc_auc"), "undefined figure");
    }

    /**
     * A record that leaves out its matrix (too many classes for it) still gives accuracy's interval: the correct
     * count from accuracy × labelled, exact (here 1,234,567 of 2,345,678, not a round fraction).
     */
    @Test
    void accuracysIntervalWithoutTheMatrix() {
        ObjectNode r = JSON.createObjectNode();
        r.put("model_id", "intents").put("model_version", "v1").put("window_start", 0).put("window_end", 3600_000);
        r.put("final", true).put("predictions", 2_345_678).put("labeled", 2_345_678);
        r.putArray("omitted").add("confusion_matrix.matrix");
        r.putObject("confusion_matrix").putArray("labels").add("a").add("b").add("c");
        double accuracy = 1_234_567.0 / 2_345_678;
        r.putObject("metrics").put("accuracy", accuracy);
        MetricsView v = MetricsView.of(r);
        assertArrayEquals(Intervals.wilson(1_234_567, 2_345_678, 0.95), v.interval("accuracy", accuracy, 0.95));
        assertArrayEquals(Intervals.wilson(1_234_567, 2_345_678, 0.99), v.interval("f1_micro", accuracy, 0.99));
    }

    @Test
    void confidenceRuleBreachesOnlyWhenTheWholeIntervalIsBelow() {
        AlertRule r = rule("{\"models\":[\"*\"],\"metric\":\"accuracy\",\"below\":0.8,\"confidence\":0.95}");
        // 7/10: point 0.7 < 0.8 but Wilson upper 0.89 >= 0.8: not significant, and not healthy either
        Evaluation.Result small = Evaluation.evaluate(r, record(0, true, 4, 1, 2, 3, null), new AlertState());
        assertEquals(NOT_JUDGED, small.judgement().verdict());
        // 9/10: the figure itself clears the floor: healthy
        Evaluation.Result good = Evaluation.evaluate(r, record(0, true, 5, 0, 1, 4, null), new AlertState());
        assertEquals(HEALTHY, good.judgement().verdict());
        assertEquals(0.9, good.judgement().value(), 1e-12);
        assertArrayEquals(Intervals.wilson(9, 10, 0.95), good.judgement().interval(), 1e-15);
        // 700/1000: upper 0.728 < 0.8: breach
        Evaluation.Result big = Evaluation.evaluate(r, record(0, true, 400, 100, 200, 300, null), new AlertState());
        assertEquals(BREACH, big.judgement().verdict());
        assertEquals(FIRING, big.event());
        // above: the lower bound must clear the ceiling
        AlertRule above = rule("{\"models\":[\"*\"],\"metric\":\"accuracy\",\"above\":0.6,\"confidence\":0.95}");
        assertEquals(NOT_JUDGED, Evaluation.evaluate(above, record(0, true, 4, 1, 2, 3, null), new AlertState())
                .judgement().verdict(), "0.7 over the ceiling, not significantly");
        assertEquals(HEALTHY, Evaluation.evaluate(above, record(0, true, 3, 2, 3, 2, null), new AlertState())
                .judgement().verdict(), "0.5 under the ceiling");
        assertEquals(BREACH, Evaluation.evaluate(above, record(0, true, 400, 100, 200, 300, null), new AlertState())
                .judgement().verdict());
    }

    /**
     * A confidence rule's episode, fired by significant breaches, is not resolved by windows whose figure stays
     * below the floor without being significantly so (the demo's recall rule on a slice resolved and fired again
     * 12 times in 16 minutes so): only windows whose figure clears the floor heal it.
     */
    @Test
    void windowsBelowTheFloorButNotSignificantlyDoNotResolve() {
        AlertRule r = rule("{\"models\":[\"*\"],\"metric\":\"accuracy\",\"below\":0.8,\"confidence\":0.95,"
                + "\"for_windows\":2,\"resolve_after\":2}");
        List<Lifecycle.Event> events = new ArrayList<>();
        AlertState s = new AlertState();
        // windows 0-1: 700/1000 (significant); 2-5: 7/10 (below, not significant); 6-7: 9/10 (healthy)
        for (int w = 0; w < 8; w++) {
            MetricsView v = w < 2 ? record(w, true, 400, 100, 200, 300, null)
                    : w < 6 ? record(w, true, 4, 1, 2, 3, null) : record(w, true, 5, 0, 1, 4, null);
            Evaluation.Result res = Evaluation.evaluate(r, v, s);
            events.add(res.event());
            s = res.state();
        }
        assertEquals(List.of(NONE, FIRING, NONE, NONE, NONE, NONE, NONE, RESOLVED), events);
    }

    @Test
    void minLabeledAndUndefinedFiguresAreNotJudged() {
        AlertRule r = rule("{\"models\":[\"*\"],\"metric\":\"roc_auc\",\"below\":0.8,\"min_labeled\":100}");
        assertEquals(NOT_JUDGED, Evaluation.evaluate(r, record(0, true, 40, 5, 5, 40, 0.5), new AlertState())
                .judgement().verdict(), "90 < 100 labelled");
        assertEquals(NOT_JUDGED, Evaluation.evaluate(r, record(0, true, 60, 5, 5, 40, null), new AlertState())
                .judgement().verdict(), "undefined AUC");
        assertEquals(BREACH, Evaluation.evaluate(r, record(0, true, 60, 5, 5, 40, 0.5), new AlertState())
                .judgement().verdict());
    }

    @Test
    void learnedBaselineIsTheMeanOfTheFirstReliableClosedWindows() {
        AlertRule r = rule("{\"models\":[\"*\"],\"metric\":\"roc_auc\",\"drop_from_baseline\":0.05,"
                + "\"baseline_windows\":3,\"min_labeled\":50}");
        AlertState s = new AlertState();
        double[] aucs = {0.90, 0.80, 0.85};
        long w = 0;
        // a small window and an update do not count towards the baseline
        s = Evaluation.evaluate(r, record(w++, true, 10, 1, 1, 10, 0.1), s).state();
        s = Evaluation.evaluate(r, record(w, false, 50, 5, 5, 50, 0.1), s).state();
        assertEquals(0, s.baselineCount);
        for (double auc : aucs) {
            Evaluation.Result res = Evaluation.evaluate(r, record(w++, true, 50, 5, 5, 50, auc), s);
            assertEquals(NOT_JUDGED, res.judgement().verdict(), "learning");
            s = res.state();
        }
        assertEquals(0.85, s.learnedBaseline(3), 1e-12);
        Evaluation.Result ok = Evaluation.evaluate(r, record(w++, true, 50, 5, 5, 50, 0.81), s);
        assertEquals(HEALTHY, ok.judgement().verdict());
        assertEquals(0.80, ok.judgement().threshold(), 1e-12);
        Evaluation.Result bad = Evaluation.evaluate(r, record(w, true, 50, 5, 5, 50, 0.79), ok.state());
        assertEquals(FIRING, bad.event());
        // changing what the baseline means (another metric or N) learns it again
        AlertRule changed = rule("{\"models\":[\"*\"],\"metric\":\"roc_auc\",\"drop_from_baseline\":0.05,"
                + "\"baseline_windows\":4,\"min_labeled\":50}");
        Evaluation.Result relearn = Evaluation.evaluate(changed, record(w + 1, true, 50, 5, 5, 50, 0.5), bad.state());
        assertEquals(NOT_JUDGED, relearn.judgement().verdict());
        assertEquals(1, relearn.state().baselineCount);
        assertTrue(relearn.state().firing(), "the open episode stays open");
    }

    @Test
    void selection() {
        AlertRule r = rule("{\"models\":[\"fraud*\"],\"versions\":[\"v1\"],\"metric\":\"f1\",\"below\":0.8}");
        assertTrue(Evaluation.selects(r, record(0, true, 1, 1, 1, 1, null)));
        assertFalse(Evaluation.selects(r, record(0, false, 1, 1, 1, 1, null)), "updates only with on_updates");
        assertFalse(Evaluation.selects(rule("{\"models\":[\"fraud*\"],\"versions\":[\"v2\"],\"metric\":\"f1\","
                + "\"below\":0.8}"), record(0, true, 1, 1, 1, 1, null)));
        assertFalse(Evaluation.selects(rule("{\"models\":[\"*\"],\"metric\":\"f1\",\"below\":0.8,\"rolling\":3}"),
                record(0, true, 1, 1, 1, 1, null)), "a rolling rule ignores single windows");
        assertFalse(Evaluation.selects(rule("{\"models\":[\"*\"],\"metric\":\"f1\",\"below\":0.8,\"enabled\":false}"),
                record(0, true, 1, 1, 1, 1, null)));
    }
}
