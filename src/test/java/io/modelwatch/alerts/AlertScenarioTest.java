package io.modelwatch.alerts;

import static io.modelwatch.alerts.AlertFixture.HOUR;
import static io.modelwatch.alerts.AlertFixture.windowStart;
import static io.modelwatch.alerts.AlertFixture.wholeModel;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** Alert scenarios through the whole topology (ingest, join, windows, alerts), many windows each. */
class AlertScenarioTest {

    private static final Set<String> ALERT_FIELDS = Set.of("alert_id", "rule", "model_id", "model_version", "slice",
            "metric", "value", "threshold", "condition", "labeled", "window_start", "window_end", "state", "severity", "timestamp");

    private static List<AlertRule> rules(String yaml) {
        return Rules.parseYaml(yaml);
    }

    private static final String F1_FLOOR = """
            rules:
              - name: f1-floor
                models: ["fraud*"]
                metric: f1
                below: 0.80
                min_labeled: 50
                for_windows: 3
                resolve_after: 2
                severity: critical
            """;

    /** Window by window: which windows' closing emitted which alerts. */
    private static List<JsonNode> runWindows(AlertFixture f, int from, int to, int pairs, double accuracy,
                                             List<Integer> alertWindows) {
        List<JsonNode> all = new ArrayList<>();
        for (int i = from; i < to; i++) {
            f.window(i, pairs, accuracy);
            f.close(i);
            List<JsonNode> a = f.alerts();
            for (int k = 0; k < a.size(); k++) {
                alertWindows.add(i);
            }
            all.addAll(a);
        }
        return all;
    }

    @Test
    void stationaryStreamRaisesNoAlert() {
        List<AlertRule> rules = rules(F1_FLOOR + """
                  - name: auc-drop
                    models: ["*"]
                    metric: roc_auc
                    drop_from_baseline: 0.05
                    baseline_windows: 4
                    min_labeled: 50
                  - name: f1-significant
                    models: ["*"]
                    metric: f1
                    below: 0.85
                    confidence: 0.95
                    min_labeled: 50
                  - name: accuracy-ceiling
                    models: ["*"]
                    metric: accuracy
                    above: 0.99
                """);
        try (AlertFixture f = new AlertFixture(AlertFixture.hourly(rules).build())) {
            List<Integer> at = new ArrayList<>();
            List<JsonNode> alerts = runWindows(f, 0, 30, 120, 0.9, at);
            assertEquals(List.of(), alerts, "a stationary stream at 0.9 raises nothing");
            assertEquals(30, f.metrics().stream().filter(m -> m.get("final").asBoolean()).count());
            assertTrue(f.counters.alerts().healthy() >= 30 * 3, "windows were judged healthy: "
                    + f.counters.alerts().healthy());
            assertEquals(0, f.counters.alerts().breaching());
        }
    }

    @Test
    void abruptDropFiresAtTheForWindowsthBreachAndRecoveryResolves() {
        try (AlertFixture f = new AlertFixture(AlertFixture.hourly(rules(F1_FLOOR)).build())) {
            List<Integer> at = new ArrayList<>();
            assertEquals(List.of(), runWindows(f, 0, 10, 100, 0.9, at));
            // the drop: windows 10.. breach; for_windows 3 => FIRING exactly when window 12 closes
            List<JsonNode> during = runWindows(f, 10, 20, 100, 0.6, at);
            assertEquals(1, during.size(), "one FIRING per episode, never repeated: " + during);
            assertEquals(List.of(12), at);
            JsonNode firing = during.get(0);
            assertEquals(ALERT_FIELDS, fields(firing), "the alert record's fields");
            assertEquals("FIRING", firing.get("state").asText());
            assertEquals("f1-floor", firing.get("rule").asText());
            assertEquals("fraud-detector", firing.get("model_id").asText());
            assertEquals("v1", firing.get("model_version").asText());
            assertTrue(firing.get("slice").isNull());
            assertEquals("f1", firing.get("metric").asText());
            assertEquals(0.6, firing.get("value").asDouble(), 1e-12);
            assertEquals(0.8, firing.get("threshold").asDouble(), 1e-12);
            assertEquals("below", firing.get("condition").asText());
            assertEquals(100, firing.get("labeled").asLong());
            assertEquals(windowStart(12), firing.get("window_start").asLong());
            assertEquals(windowStart(13), firing.get("window_end").asLong());
            assertEquals("critical", firing.get("severity").asText());
            assertTrue(firing.get("timestamp").asLong() >= AlertFixture.T0);
            JsonNode key = firing.get("__key");
            assertEquals("f1-floor", key.get("rule").asText());
            assertEquals("fraud-detector", key.get("model_id").asText());
            assertEquals("v1", key.get("model_version").asText());
            assertTrue(key.get("slice").isNull());

            // recovery: resolve_after 2 => RESOLVED when window 21 closes, once
            at.clear();
            List<JsonNode> after = runWindows(f, 20, 30, 100, 0.9, at);
            assertEquals(1, after.size(), after.toString());
            assertEquals(List.of(21), at);
            JsonNode resolved = after.get(0);
            assertEquals("RESOLVED", resolved.get("state").asText());
            assertEquals(firing.get("alert_id").asText(), resolved.get("alert_id").asText(), "same episode");
            assertEquals(windowStart(21), resolved.get("window_start").asLong());
            assertEquals(0.9, resolved.get("value").asDouble(), 1e-12);
            assertEquals(ALERT_FIELDS, fields(resolved));

            // a second episode gets a new id
            at.clear();
            List<JsonNode> second = runWindows(f, 30, 34, 100, 0.5, at);
            assertEquals(List.of(32), at);
            assertFalse(second.get(0).get("alert_id").asText().equals(firing.get("alert_id").asText()));
        }
    }

    @Test
    void windowsBelowMinLabeledNeitherBreachNorHeal() {
        String yaml = """
                rules:
                  - name: f1-floor
                    models: ["fraud*"]
                    metric: f1
                    below: 0.80
                    min_labeled: 50
                    for_windows: 2
                    resolve_after: 2
                """;
        try (AlertFixture f = new AlertFixture(AlertFixture.hourly(rules(yaml)).build())) {
            int w = 0;
            // a terrible window with 20 labels (and many unlabelled predictions) is never judged
            for (; w < 6; w++) {
                f.window(w, "fraud-detector", 20, 0.2, 200);
                f.close(w);
            }
            assertEquals(List.of(), f.alerts(), "too few labels: no alert however bad");
            assertEquals(0, f.counters.alerts().breaching() + f.counters.alerts().healthy());

            // breach, small window (does not reset the streak), breach => FIRING at the second real breach
            f.window(w, 100, 0.6);
            f.close(w++);
            f.window(w, 20, 0.95);
            f.close(w++);
            assertEquals(List.of(), f.alerts());
            f.window(w, 100, 0.6);
            f.close(w);
            List<JsonNode> fired = f.alerts();
            assertEquals(1, fired.size());
            assertEquals(windowStart(w), fired.get(0).get("window_start").asLong());
            w++;

            // firing: healthy, small good window (does not heal), healthy => RESOLVED at the second healthy
            f.window(w, 100, 0.9);
            f.close(w++);
            f.window(w, 10, 1.0);
            f.close(w++);
            assertEquals(List.of(), f.alerts());
            f.window(w, 100, 0.9);
            f.close(w);
            List<JsonNode> resolved = f.alerts();
            assertEquals(1, resolved.size());
            assertEquals("RESOLVED", resolved.get(0).get("state").asText());
            assertEquals(windowStart(w), resolved.get(0).get("window_start").asLong());
            assertTrue(f.counters.alerts().notJudged() >= 8, "small windows counted as not judged");
        }
    }

    @Test
    void ruleUpdatedThroughTheRulesTopicTakesEffectWithoutRestart() {
        String yaml = """
                rules:
                  - name: f1-floor
                    models: ["fraud*"]
                    metric: f1
                    below: 0.50
                    min_labeled: 50
                """;
        try (AlertFixture f = new AlertFixture(AlertFixture.hourly(rules(yaml)).build())) {
            List<Integer> at = new ArrayList<>();
            assertEquals(List.of(), runWindows(f, 0, 5, 100, 0.7, at), "0.7 is above the file's 0.5 floor");

            // tighten the file rule at run time: same name on the topic overrides it
            AlertRule tighter = Rules.parseJson("f1-floor",
                    "{\"models\":[\"fraud*\"],\"metric\":\"f1\",\"below\":0.8,\"min_labeled\":50,\"for_windows\":2}");
            f.publishRule(tighter);
            List<JsonNode> fired = runWindows(f, 5, 10, 100, 0.7, at);
            assertEquals(List.of(6), at, "for_windows 2 of the new rule counts from the update");
            assertEquals(0.8, fired.get(0).get("threshold").asDouble(), 1e-12);

            // a brand-new rule from the topic alone
            at.clear();
            f.publishRule("acc-ceiling", "{\"models\":[\"*\"],\"metric\":\"accuracy\",\"above\":0.65,"
                    + "\"severity\":\"warning\"}");
            List<JsonNode> more = runWindows(f, 10, 12, 100, 0.7, at);
            assertEquals(1, more.size());
            assertEquals("acc-ceiling", more.get(0).get("rule").asText());
            assertEquals("above", more.get(0).get("condition").asText());
            assertEquals(List.of(10), at);

            // an invalid update is ignored (and counted): the rule in force stays
            f.publishRule("acc-ceiling", "{\"models\":[\"*\"],\"metric\":\"accuracy\",\"above\":\"high\"}");
            assertEquals(List.of(), runWindows(f, 12, 14, 100, 0.7, at));
            assertEquals(1, f.counters.alerts().invalidTopicRules());

            // the tombstone deletes the topic's f1-floor: the file's (0.5) applies again; it is
            // a new evaluation of the same key, which is firing, so recovery against 0.5 resolves it
            f.publishRule("f1-floor", null);
            at.clear();
            List<JsonNode> resolved = wholeModel(runWindows(f, 14, 15, 100, 0.7, at));
            assertEquals(1, resolved.size(), resolved.toString());
            assertEquals("RESOLVED", resolved.get(0).get("state").asText());
            assertEquals("f1-floor", resolved.get(0).get("rule").asText());
            assertEquals(0.5, resolved.get(0).get("threshold").asDouble(), 1e-12);

            // enabled: false switches a rule off
            f.publishRule("acc-ceiling", "{\"models\":[\"*\"],\"metric\":\"accuracy\",\"above\":0.65,"
                    + "\"enabled\":false}");
            long judged = f.counters.alerts().breaching() + f.counters.alerts().healthy();
            runWindows(f, 15, 17, 100, 0.7, at);
            assertEquals(judged + 2, f.counters.alerts().breaching() + f.counters.alerts().healthy(),
                    "only f1-floor still judges");
        }
    }

    @Test
    void restartInTheMiddleOfAnEpisodeNeitherRepeatsNorLosesIt() throws IOException {
        Path stateDir = Files.createTempDirectory("modelwatch-alerts-restart");
        var settings = AlertFixture.hourly(rules(F1_FLOOR)).inMemoryState(false).build();
        try {
            AlertFixture first = new AlertFixture(settings, stateDir);
            List<Integer> at = new ArrayList<>();
            runWindows(first, 0, 4, 60, 0.9, at);
            List<JsonNode> fired = runWindows(first, 4, 8, 60, 0.6, at);
            assertEquals(List.of(6), at);
            String alertId = fired.get(0).get("alert_id").asText();
            // the next bad window is under way when the instance goes down
            first.window(8, 60, 0.6);
            try (AlertFixture second = AlertFixture.restart(first)) {
                at.clear();
                second.close(8);
                assertEquals(List.of(), second.alerts(), "no second FIRING after the restart");
                assertEquals(List.of(), runWindows(second, 9, 12, 60, 0.6, at));
                List<JsonNode> resolved = runWindows(second, 12, 16, 60, 0.9, at);
                assertEquals(List.of(13), at, "the episode survived the restart and resolves");
                assertEquals("RESOLVED", resolved.get(0).get("state").asText());
                assertEquals(alertId, resolved.get(0).get("alert_id").asText());
            }
        } finally {
            AlertFixture.deleteTree(stateDir);
        }
    }

    @Test
    void restartInTheMiddleOfABreachStreakKeepsTheCount() throws IOException {
        Path stateDir = Files.createTempDirectory("modelwatch-alerts-restart");
        var settings = AlertFixture.hourly(rules(F1_FLOOR)).inMemoryState(false).build();
        try {
            AlertFixture first = new AlertFixture(settings, stateDir);
            List<Integer> at = new ArrayList<>();
            runWindows(first, 0, 3, 60, 0.9, at);
            runWindows(first, 3, 5, 60, 0.6, at); // two of three breaches
            assertEquals(List.of(), at);
            try (AlertFixture second = AlertFixture.restart(first)) {
                runWindows(second, 5, 7, 60, 0.6, at);
                assertEquals(List.of(5), at, "the third breach fires: the streak was not lost");
            }
        } finally {
            AlertFixture.deleteTree(stateDir);
        }
    }

    @Test
    void confidenceGuardsSmallWindowsAndReportsTheInterval() {
        String yaml = """
                rules:
                  - name: f1-significant
                    models: ["*"]
                    metric: f1
                    below: 0.80
                    confidence: 0.95
                    min_labeled: 10
                """;
        try (AlertFixture f = new AlertFixture(AlertFixture.hourly(rules(yaml)).build())) {
            List<Integer> at = new ArrayList<>();
            // F1 0.7 on 40 pairs: TP 14, FP 6, FN 6 => Wilson(28, 40) upper 0.82 >= 0.8: not significant
            assertEquals(List.of(), runWindows(f, 0, 5, 40, 0.7, at));
            // the same F1 on 400 pairs: Wilson(280, 400) = [0.653, 0.743], upper < 0.8: fires
            List<JsonNode> fired = runWindows(f, 5, 6, 400, 0.7, at);
            assertEquals(1, fired.size());
            JsonNode interval = fired.get(0).get("interval");
            assertNotNull(interval);
            double[] expected = Intervals.wilson(280, 400, 0.95);
            assertEquals(expected[0], interval.get(0).asDouble(), 1e-12);
            assertEquals(expected[1], interval.get(1).asDouble(), 1e-12);
            assertEquals(0.6534, interval.get(0).asDouble(), 5e-4);
            assertEquals(0.7431, interval.get(1).asDouble(), 5e-4);
            Set<String> withInterval = new TreeSet<>(ALERT_FIELDS);
            withInterval.add("interval");
            assertEquals(withInterval, fields(fired.get(0)));
        }
    }

    @Test
    void dropFromLearnedBaselineAndPinnedBaseline() {
        String yaml = """
                rules:
                  - name: acc-drop
                    models: ["*"]
                    metric: accuracy
                    drop_from_baseline: 0.1
                    baseline_windows: 4
                    min_labeled: 50
                  - name: acc-drop-pinned
                    models: ["*"]
                    metric: accuracy
                    drop_from_baseline: 0.1
                    baseline: 0.95
                    min_labeled: 50
                """;
        try (AlertFixture f = new AlertFixture(AlertFixture.hourly(rules(yaml)).build())) {
            // learned baseline from windows 0-3: (0.9 + 0.8 + 0.9 + 0.8) / 4 = 0.85, threshold 0.75;
            // pinned: 0.95 - 0.1 = 0.85 from the first window on
            double[] accuracy = {0.9, 0.8, 0.9, 0.8, 0.78, 0.78, 0.7};
            List<String> events = new ArrayList<>();
            List<JsonNode> learnedFiring = new ArrayList<>();
            for (int i = 0; i < accuracy.length; i++) {
                f.window(i, 100, accuracy[i]);
                f.close(i);
                for (JsonNode a : f.alerts()) {
                    events.add(i + ":" + a.get("rule").asText() + ":" + a.get("state").asText());
                    if (a.get("rule").asText().equals("acc-drop")) {
                        learnedFiring.add(a);
                    }
                }
            }
            assertEquals(List.of("1:acc-drop-pinned:FIRING", "2:acc-drop-pinned:RESOLVED", "3:acc-drop-pinned:FIRING",
                    "6:acc-drop:FIRING"), events, "the learned rule is quiet while learning and at 0.78");
            assertEquals(0.75, learnedFiring.get(0).get("threshold").asDouble(), 1e-9);
            assertEquals("drop_from_baseline", learnedFiring.get(0).get("condition").asText());
            assertEquals(0.7, learnedFiring.get(0).get("value").asDouble(), 1e-9);
        }
    }

    @Test
    void rollingRuleJudgesTheRollingRecordsOnly() {
        String yaml = """
                rules:
                  - name: f1-rolling
                    models: ["*"]
                    metric: f1
                    below: 0.80
                    rolling: 3
                    min_labeled: 150
                  - name: f1-single
                    models: ["*"]
                    metric: f1
                    below: 0.80
                    min_labeled: 50
                """;
        try (AlertFixture f = new AlertFixture(AlertFixture.hourly(rules(yaml)).rolling(3).build())) {
            List<Integer> at = new ArrayList<>();
            List<JsonNode> alerts = new ArrayList<>(runWindows(f, 0, 4, 60, 0.9, at));
            assertEquals(List.of(), alerts);
            // one bad window: the single-window rule fires; the rolling F1 over 3 windows is
            // (0.9 + 0.9 + 0.6) / 3 = 0.8 (equal counts), not below: the rolling rule stays quiet
            alerts = runWindows(f, 4, 5, 60, 0.6, at);
            assertEquals(1, alerts.size(), alerts.toString());
            assertEquals("f1-single", alerts.get(0).get("rule").asText());
            assertTrue(alerts.get(0).path("rolling").isMissingNode(), "a single window's record has no rolling");
            // a second bad window: rolling (0.9 + 0.6 + 0.6) / 3 = 0.7 < 0.8, judged over 180 pairs
            alerts = runWindows(f, 5, 6, 60, 0.6, at);
            assertEquals(1, alerts.size(), alerts.toString());
            JsonNode rolling = alerts.get(0);
            assertEquals("f1-rolling", rolling.get("rule").asText());
            assertEquals(180, rolling.get("labeled").asLong());
            assertEquals(3 * HOUR, rolling.get("window_end").asLong() - rolling.get("window_start").asLong());
            assertEquals(0.7, rolling.get("value").asDouble(), 1e-9);
            assertEquals(3, rolling.get("rolling").asInt(), "a rolling rule's record says so: " + rolling);
        }
    }

    @Test
    void onUpdatesFiresFromAnOpenWindowUpdate() {
        String yaml = """
                rules:
                  - name: f1-live
                    models: ["*"]
                    metric: f1
                    below: 0.80
                    min_labeled: 50
                    on_updates: true
                  - name: f1-closed
                    models: ["*"]
                    metric: f1
                    below: 0.80
                    min_labeled: 50
                """;
        var settings = AlertFixture.hourly(rules(yaml)).updateInterval(Duration.ofSeconds(10)).build();
        try (AlertFixture f = new AlertFixture(settings)) {
            List<Integer> at = new ArrayList<>();
            runWindows(f, 0, 2, 100, 0.9, at);
            assertEquals(List.of(), at);
            f.window(2, 100, 0.6);
            f.driver.advanceWallClockTime(Duration.ofSeconds(11)); // update record of the open window 2
            List<JsonNode> live = f.alerts();
            assertEquals(1, live.size(), live.toString());
            assertEquals("f1-live", live.get(0).get("rule").asText());
            assertEquals(windowStart(2), live.get(0).get("window_start").asLong());
            f.close(2);
            List<JsonNode> closed = f.alerts();
            assertEquals(1, closed.size(), "the final record fires only the closed-window rule: " + closed);
            assertEquals("f1-closed", closed.get(0).get("rule").asText());
        }
    }

    @Test
    void aRuleDeletedOrDisabledWhileFiringResolvesItsEpisode() {
        try (AlertFixture f = new AlertFixture(AlertFixture.hourly(List.of()).build())) {
            List<Integer> at = new ArrayList<>();
            f.publishRule("f1-topic", "{\"models\":[\"fraud*\"],\"metric\":\"f1\",\"below\":0.8,"
                    + "\"min_labeled\":50}");
            f.publishRule("acc-topic", "{\"models\":[\"fraud*\"],\"metric\":\"accuracy\",\"below\":0.8,"
                    + "\"min_labeled\":50}");
            List<JsonNode> fired = wholeModel(runWindows(f, 0, 1, 100, 0.6, at));
            assertEquals(2, fired.size(), fired.toString());
            f.driver.advanceWallClockTime(AlertEvaluator.WITHDRAWN_CHECK);
            assertEquals(List.of(), f.alerts(), "both rules still apply: nothing to resolve");

            f.publishRule("f1-topic", null); // deleted (not in the file either)
            f.publishRule("acc-topic", "{\"models\":[\"fraud*\"],\"metric\":\"accuracy\",\"below\":0.8,"
                    + "\"min_labeled\":50,\"enabled\":false}");
            f.driver.advanceWallClockTime(AlertEvaluator.WITHDRAWN_CHECK);
            List<JsonNode> resolved = wholeModel(f.alerts());
            assertEquals(2, resolved.size(), resolved.toString());
            for (JsonNode r : resolved) {
                assertEquals("RESOLVED", r.get("state").asText());
                assertEquals("rule_withdrawn", r.get("reason").asText());
                String rule = r.get("rule").asText();
                JsonNode firing = fired.stream().filter(a -> a.get("rule").asText().equals(rule)).findFirst()
                        .orElseThrow();
                assertEquals(firing.get("alert_id").asText(), r.get("alert_id").asText(), "the episode it ends");
                assertEquals(firing.get("model_id").asText(), r.get("model_id").asText());
            }
            f.driver.advanceWallClockTime(AlertEvaluator.WITHDRAWN_CHECK);
            assertEquals(List.of(), f.alerts(), "resolved once");

            // enabled again, the breach streak starts over: a new episode with a new id
            f.publishRule("acc-topic", "{\"models\":[\"fraud*\"],\"metric\":\"accuracy\",\"below\":0.8,"
                    + "\"min_labeled\":50}");
            List<JsonNode> again = wholeModel(runWindows(f, 1, 2, 100, 0.6, at));
            assertEquals(1, again.size(), again.toString());
            assertEquals("FIRING", again.get(0).get("state").asText());
            assertFalse(again.get(0).get("alert_id").asText().equals(
                    resolved.stream().filter(r -> r.get("rule").asText().equals("acc-topic")).findFirst()
                            .orElseThrow().get("alert_id").asText()));
        }
    }

    @Test
    void rulesApplyPerSliceWithTheSliceInTheKey() {
        try (AlertFixture f = new AlertFixture(AlertFixture.hourly(rules("""
                rules:
                  - name: f1-floor
                    models: ["fraud*"]
                    metric: f1
                    below: 0.80
                    min_labeled: 20
                """)).slices(List.of("cloud")).build())) {
            List<Integer> at = new ArrayList<>();
            List<JsonNode> alerts = runWindows(f, 0, 1, 200, 0.5, at);
            assertEquals(1, wholeModel(alerts).size());
            List<JsonNode> sliced = alerts.stream().filter(a -> !a.get("slice").isNull()).toList();
            assertEquals(2, sliced.size(), alerts.toString());
            Set<String> clouds = new TreeSet<>();
            for (JsonNode a : sliced) {
                clouds.add(a.get("slice").get("cloud").asText());
                assertEquals(a.get("slice"), a.get("__key").get("slice"));
            }
            assertEquals(Set.of("aws", "gcp"), clouds);
            // other models are not matched by fraud*
            f.window(1, "churn", 100, 0.1, 0);
            f.close(1);
            assertEquals(List.of(), f.alerts());
        }
    }

    private static Set<String> fields(JsonNode alert) {
        Set<String> names = new TreeSet<>();
        for (Iterator<String> it = alert.fieldNames(); it.hasNext(); ) {
            String n = it.next();
            if (!n.equals("__key")) {
                names.add(n);
            }
        }
        return names;
    }
}
