package io.modelwatch.alerts;

import static io.modelwatch.alerts.AlertFixture.wholeModel;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A rule edited on the rules topic while its episodes are open or its streaks half built: a new metric or
 * condition is another question, which ends the episode ({@code rule_changed}) and starts the streaks over; a
 * moved threshold is the same question, which the next windows answer as usual.
 */
class RuleEditTest {

    private static final String ACCURACY_FLOOR =
            "{\"models\":[\"fraud*\"],\"metric\":\"accuracy\",\"below\":0.8,\"min_labeled\":50}";

    /** Windows from..to-1 at the given accuracy, each closed; the whole model's alerts they brought. */
    private static List<JsonNode> windows(AlertFixture f, int from, int to, double accuracy) {
        for (int i = from; i < to; i++) {
            f.window(i, 100, accuracy);
            f.close(i);
        }
        return wholeModel(f.alerts());
    }

    private static AlertFixture fixture() {
        return new AlertFixture(AlertFixture.hourly(List.of()).build());
    }

    @Test
    void aMetricEditedWhileFiringEndsTheEpisodeWithRuleChanged() {
        try (AlertFixture f = fixture()) {
            f.publishRule("floor", ACCURACY_FLOOR);
            List<JsonNode> fired = windows(f, 0, 1, 0.6);
            assertEquals(1, fired.size(), fired.toString());
            assertEquals("FIRING", fired.get(0).get("state").asText());

            // edited to a figure a binary model never reports: without this it was never judged again, FIRING for ever
            f.publishRule("floor", ACCURACY_FLOOR.replace("accuracy", "roc_auc_ovo"));
            List<JsonNode> next = windows(f, 1, 3, 0.6);
            assertEquals(1, next.size(), next.toString());
            JsonNode resolved = next.get(0);
            assertEquals("RESOLVED", resolved.get("state").asText());
            assertEquals("rule_changed", resolved.get("reason").asText());
            assertEquals(fired.get(0).get("alert_id"), resolved.get("alert_id"), "the episode it ends");
            assertFalse(resolved.has("metric"), "no window decided it");

            f.driver.advanceWallClockTime(AlertEvaluator.WITHDRAWN_CHECK);
            assertEquals(List.of(), wholeModel(f.alerts()), "resolved once");
        }
    }

    @Test
    void aKeyWithoutRecordsSinceTheEditIsResolvedByTheTenSecondCheck() {
        try (AlertFixture f = fixture()) {
            f.publishRule("floor", ACCURACY_FLOOR);
            assertEquals(1, windows(f, 0, 1, 0.6).size());
            f.publishRule("floor", ACCURACY_FLOOR.replace("\"below\":0.8", "\"above\":0.9"));
            f.driver.advanceWallClockTime(AlertEvaluator.WITHDRAWN_CHECK);
            List<JsonNode> resolved = wholeModel(f.alerts());
            assertEquals(1, resolved.size(), resolved.toString());
            assertEquals("rule_changed", resolved.get(0).get("reason").asText());
            f.driver.advanceWallClockTime(AlertEvaluator.WITHDRAWN_CHECK);
            assertEquals(List.of(), wholeModel(f.alerts()), "once");

            // the new question (accuracy above 0.9) fires on its own windows, as a new episode
            List<JsonNode> again = windows(f, 1, 2, 0.95);
            assertEquals(1, again.size(), again.toString());
            assertEquals("FIRING", again.get(0).get("state").asText());
            assertEquals("above", again.get(0).get("condition").asText());
            assertNotEquals(resolved.get(0).get("alert_id"), again.get(0).get("alert_id"));
        }
    }

    @Test
    void aHalfBuiltStreakStartsOverWhenTheMetricChanges() {
        try (AlertFixture f = fixture()) {
            String twoWindows = ACCURACY_FLOOR.replace("}", ",\"for_windows\":2}");
            f.publishRule("floor", twoWindows.replace("accuracy", "f1"));
            assertEquals(List.of(), windows(f, 0, 1, 0.6), "one breach of two");
            f.publishRule("floor", twoWindows);
            // f1's breach does not count for accuracy: without the restart this window fired
            assertEquals(List.of(), windows(f, 1, 2, 0.6));
            List<JsonNode> fired = windows(f, 2, 3, 0.6);
            assertEquals(1, fired.size(), fired.toString());
            assertEquals("accuracy", fired.get(0).get("metric").asText());
            assertEquals(AlertFixture.windowStart(2), fired.get(0).get("window_start").asLong());
        }
    }

    @Test
    void aThresholdMovedKeepsTheEpisodeForTheNextWindowsToJudge() {
        try (AlertFixture f = fixture()) {
            f.publishRule("floor", ACCURACY_FLOOR);
            List<JsonNode> fired = windows(f, 0, 1, 0.6);
            assertEquals(1, fired.size());
            f.publishRule("floor", ACCURACY_FLOOR.replace("0.8", "0.7"));
            f.driver.advanceWallClockTime(AlertEvaluator.WITHDRAWN_CHECK);
            assertEquals(List.of(), wholeModel(f.alerts()), "the same question: nothing withdrawn");
            assertEquals(List.of(), windows(f, 1, 2, 0.65), "0.65 < 0.7 still breaches");
            List<JsonNode> resolved = windows(f, 2, 3, 0.75);
            assertEquals(1, resolved.size(), resolved.toString());
            assertEquals("RESOLVED", resolved.get(0).get("state").asText());
            assertFalse(resolved.get(0).has("reason"), "a window decided it");
            assertEquals(0.7, resolved.get(0).get("threshold").asDouble());
            assertEquals(fired.get(0).get("alert_id"), resolved.get(0).get("alert_id"));
        }
    }

    /**
     * A learned baseline's min_labeled edited while its episode fires: the baseline is learned again, from windows
     * that still breach; judged against it the episode would have ended as a recovery (no reason) while the model
     * was as bad as ever. It ends as an edit.
     */
    @Test
    void aBaselineLearnedAgainWhileFiringEndsTheEpisodeAsAnEdit() {
        try (AlertFixture f = fixture()) {
            String learned = "{\"models\":[\"fraud*\"],\"metric\":\"accuracy\",\"drop_from_baseline\":0.1,"
                    + "\"baseline_windows\":2,\"min_labeled\":10}";
            f.publishRule("drop", learned);
            assertEquals(List.of(), windows(f, 0, 2, 0.98), "learning");
            List<JsonNode> fired = windows(f, 2, 3, 0.7);
            assertEquals(1, fired.size(), fired.toString());
            assertEquals("FIRING", fired.get(0).get("state").asText());

            f.publishRule("drop", learned.replace("\"min_labeled\":10", "\"min_labeled\":20"));
            List<JsonNode> edited = windows(f, 3, 6, 0.7);
            assertEquals(1, edited.size(), "one end, no recovery after learning 0.7: " + edited);
            assertEquals("RESOLVED", edited.get(0).get("state").asText());
            assertEquals("rule_changed", edited.get(0).get("reason").asText());
            assertEquals(fired.get(0).get("alert_id"), edited.get(0).get("alert_id"));

            // a threshold moved is no new baseline: the episode stays for the windows to judge
            f.publishRule("drop2", learned);
            windows(f, 6, 8, 0.98);
            List<JsonNode> fired2 = windows(f, 8, 9, 0.7);
            assertEquals(1, fired2.stream().filter(a -> "FIRING".equals(a.get("state").asText())).count(), fired2.toString());
            f.publishRule("drop2", learned.replace("0.1", "0.15"));
            List<JsonNode> still = windows(f, 9, 10, 0.7);
            assertTrue(still.stream().noneMatch(a -> "drop2".equals(a.get("rule").asText())), still.toString());
        }
    }

    /** A pinned baseline taken out while firing: the rule learns from the breaching windows; the episode ends as an edit. */
    @Test
    void aPinnedBaselineTurnedLearnedWhileFiringEndsTheEpisodeAsAnEdit() {
        try (AlertFixture f = fixture()) {
            String pinned = "{\"models\":[\"fraud*\"],\"metric\":\"accuracy\",\"drop_from_baseline\":0.1,"
                    + "\"baseline\":0.95,\"min_labeled\":10}";
            f.publishRule("drop", pinned);
            List<JsonNode> fired = windows(f, 0, 1, 0.7);
            assertEquals("FIRING", fired.get(0).get("state").asText());
            f.publishRule("drop", pinned.replace("\"baseline\":0.95", "\"baseline_windows\":2"));
            List<JsonNode> after = windows(f, 1, 5, 0.7);
            assertEquals(1, after.size(), "one end, no recovery against a baseline of 0.7: " + after);
            assertEquals("rule_changed", after.get(0).get("reason").asText());
        }
    }

    @Test
    void aFileRuleEditedAcrossARestartEndsItsEpisode() {
        List<AlertRule> before = Rules.parseYaml("""
                rules:
                  - {name: floor, models: ["fraud*"], metric: accuracy, below: 0.8, min_labeled: 50}
                """);
        List<AlertRule> after = Rules.parseYaml("""
                rules:
                  - {name: floor, models: ["fraud*"], metric: roc_auc_ovo, below: 0.8, min_labeled: 50}
                """);
        AlertFixture f = new AlertFixture(AlertFixture.hourly(before).build(), null);
        try {
            List<JsonNode> fired = windows(f, 0, 1, 0.6);
            assertEquals(1, fired.size());
            f = AlertFixture.restart(f, AlertFixture.hourly(after).build());
            f.driver.advanceWallClockTime(AlertEvaluator.WITHDRAWN_CHECK);
            List<JsonNode> resolved = wholeModel(f.alerts());
            assertEquals(1, resolved.size(), resolved.toString());
            assertEquals("rule_changed", resolved.get(0).get("reason").asText());
            assertEquals(fired.get(0).get("alert_id"), resolved.get(0).get("alert_id"));
        } finally {
            f.close();
        }
    }

    private static final String F1_FLOOR = ACCURACY_FLOOR.replace("accuracy", "f1");

    /** The FIRING record and the restarted fixture in which the topic's rule no longer reads. */
    private record Unreadable(AlertFixture fixture, JsonNode fired) {
    }

    /**
     * The topic's rule "floor" (F1 below 0.8) fires; after a restart its value on the topic is cut short, so the
     * file's rule of that name ({@code fileRule}, a YAML flow mapping) stands in.
     */
    private static Unreadable firedOnF1ThenUnreadable(String fileRule) {
        AlertFixture f = new AlertFixture(AlertFixture.hourly(Rules.parseYaml("rules:\n  - " + fileRule)).build(), null);
        f.publishRule("floor", F1_FLOOR);
        List<JsonNode> fired = windows(f, 0, 1, 0.6);
        assertEquals(1, fired.size());
        assertEquals("f1", fired.get(0).get("metric").asText());
        f = AlertFixture.restart(f);
        f.publishRule("floor", "{\"models\": [\"fraud*\"], \"metric\": \"f1\", \"below\": "); // cut short
        return new Unreadable(f, fired.get(0));
    }

    /**
     * A topic rule whose value cannot be read after a restart leaves the file's rule of that name in force, whose
     * question may differ: broken, not edited, so its episode is neither ended nor taken for the file rule's.
     */
    @Test
    void anUnreadableTopicRuleEndsNothingAndTheFixedOneCarriesOn() {
        Unreadable u = firedOnF1ThenUnreadable(
                "{name: floor, models: [\"fraud*\"], metric: accuracy, below: 0.8, min_labeled: 50}");
        try (AlertFixture f = u.fixture()) {
            f.driver.advanceWallClockTime(AlertEvaluator.WITHDRAWN_CHECK);
            assertEquals(List.of(), wholeModel(f.alerts()), "not withdrawn, not changed");
            assertEquals(List.of(), windows(f, 1, 2, 0.6), "the file rule in force breaches too: still firing");

            f.publishRule("floor", F1_FLOOR);
            f.driver.advanceWallClockTime(AlertEvaluator.WITHDRAWN_CHECK);
            assertEquals(List.of(), wholeModel(f.alerts()), "the same question as the episode's");
            List<JsonNode> resolved = windows(f, 2, 3, 0.9);
            assertEquals(1, resolved.size(), resolved.toString());
            assertFalse(resolved.get(0).has("reason"), "a window resolved it");
            assertEquals(u.fired().get("alert_id"), resolved.get(0).get("alert_id"));
        }
    }

    /**
     * The file's rule standing in for an unreadable topic rule may find healthy what the episode's question finds
     * bad: its verdicts neither resolve the episode (a RESOLVED with another metric while F1 was still bad) nor
     * build its streaks, until a readable version is published.
     */
    @Test
    void theFileRuleStandingInForAnUnreadableOneDoesNotResolveWithAnotherQuestion() {
        Unreadable u = firedOnF1ThenUnreadable("{name: floor, models: [\"fraud*\"], metric: accuracy, above: 0.9, "
                + "min_labeled: 50, resolve_when_silent: 1}");
        try (AlertFixture f = u.fixture()) {
            assertEquals(List.of(), windows(f, 1, 3, 0.6), "accuracy 0.6 is healthy for the file's ceiling, F1 not");
            // the windows it did not judge were seen: the model is not silent (no "no_data" resolve)
            f.driver.advanceWallClockTime(AlertEvaluator.WITHDRAWN_CHECK);
            assertEquals(List.of(), wholeModel(f.alerts()), "not silent");

            f.publishRule("floor", F1_FLOOR);
            f.driver.advanceWallClockTime(AlertEvaluator.WITHDRAWN_CHECK);
            List<JsonNode> resolved = windows(f, 3, 4, 0.9);
            assertEquals(1, resolved.size(), resolved.toString());
            assertEquals("f1", resolved.get(0).get("metric").asText());
            assertEquals(u.fired().get("alert_id"), resolved.get(0).get("alert_id"));
        }
    }

    @Test
    void aStateFromAnOlderBuildTakesTheRuleAsItIs() {
        try (AlertFixture f = fixture()) {
            f.publishRule("floor", ACCURACY_FLOOR);
            assertEquals(1, windows(f, 0, 1, 0.6).size());
            forgetQuestions(f); // as an older build left it
            f.driver.advanceWallClockTime(AlertEvaluator.WITHDRAWN_CHECK);
            assertEquals(List.of(), windows(f, 1, 2, 0.6), "still firing, nothing emitted");
            assertEquals(1, windows(f, 2, 3, 0.9).size(), "healed as the rule says");
        }
    }

    /** Every state of the store as an older build wrote it: the same, without its question (it had one). */
    private static void forgetQuestions(AlertFixture f) {
        var store = f.driver.<String, byte[]>getKeyValueStore(AlertStage.STATE_STORE);
        List<org.apache.kafka.streams.KeyValue<String, byte[]>> entries = new java.util.ArrayList<>();
        try (var all = store.all()) {
            all.forEachRemaining(entries::add);
        }
        assertTrue(entries.stream().anyMatch(kv -> AlertState.decode(kv.value).firing()));
        for (var kv : entries) {
            AlertState s = AlertState.decode(kv.value);
            assertEquals("accuracy|below", s.question);
            s.question = "";
            store.put(kv.key, s.encode());
        }
    }

    /** The 10 s check takes the rule's question for an older build's state too, so a later edit ends its episode. */
    @Test
    void theCheckAdoptsTheQuestionOfAKeyWithoutRecords() {
        try (AlertFixture f = fixture()) {
            f.publishRule("floor", ACCURACY_FLOOR);
            assertEquals(1, windows(f, 0, 1, 0.6).size());
            forgetQuestions(f);
            f.driver.advanceWallClockTime(AlertEvaluator.WITHDRAWN_CHECK); // no record of the key comes
            assertEquals(List.of(), wholeModel(f.alerts()));
            f.publishRule("floor", ACCURACY_FLOOR.replace("accuracy", "roc_auc_ovo"));
            f.driver.advanceWallClockTime(AlertEvaluator.WITHDRAWN_CHECK);
            List<JsonNode> resolved = wholeModel(f.alerts());
            assertEquals(1, resolved.size(), resolved.toString());
            assertEquals("rule_changed", resolved.get(0).get("reason").asText());
        }
    }
}
