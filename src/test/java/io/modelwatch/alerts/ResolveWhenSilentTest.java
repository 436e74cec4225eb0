package io.modelwatch.alerts;

import static io.modelwatch.alerts.AlertFixture.wholeModel;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code resolve_when_silent: N}: an episode of a model version that stops sending (retired, replaced) is RESOLVED
 * with reason {@code no_data} once the task's finals are N windows past the key's last final; without the field it
 * stays FIRING, as silence may be the incident.
 */
class ResolveWhenSilentTest {

    private static final String FRAUD = "fraud-detector";
    private static final String OTHER = "other-model";

    private static List<AlertRule> f1Floor(String extra) {
        return Rules.parseYaml("rules:\n  - {name: f1-floor, models: [\"*\"], metric: f1, below: 0.8, min_labeled: 50"
                + extra + "}\n");
    }

    /** The alerts of the whole fraud-detector model since the last read. */
    private static List<JsonNode> fraudAlerts(AlertFixture f) {
        return wholeModel(f.alerts()).stream().filter(a -> a.get("model_id").asText().equals(FRAUD)).toList();
    }

    /** Closes window i with only the other model's (healthy) traffic, then runs the wall-clock check. */
    private static void otherModelOnly(AlertFixture f, int i) {
        f.window(i, OTHER, 200, 0.95, 0);
        f.close(i);
        f.driver.advanceWallClockTime(AlertEvaluator.WITHDRAWN_CHECK);
    }

    private static JsonNode fireFraud(AlertFixture f, int i) {
        f.window(i, FRAUD, 200, 0.5, 0);
        f.close(i);
        List<JsonNode> fired = fraudAlerts(f);
        assertEquals(1, fired.size(), fired.toString());
        assertEquals("FIRING", fired.get(0).get("state").asText());
        return fired.get(0);
    }

    /** The reviewer's scenario (ReviewSilentModelTest) with the field: resolved at 3 windows of silence, not 2. */
    @Test
    void anEpisodeOfASilentModelIsResolvedWithNoDataAfterNWindows() {
        try (AlertFixture f = new AlertFixture(AlertFixture.hourly(f1Floor(", resolve_when_silent: 3")).build())) {
            JsonNode firing = fireFraud(f, 0);
            for (int i = 1; i <= 2; i++) {
                otherModelOnly(f, i);
                assertEquals(List.of(), fraudAlerts(f), "silent for " + i + " windows only");
            }
            f.window(3, OTHER, 200, 0.95, 0);
            f.close(3);
            assertEquals(List.of(), fraudAlerts(f), "decided by the wall-clock check, not by the record");
            f.driver.advanceWallClockTime(AlertEvaluator.WITHDRAWN_CHECK);
            List<JsonNode> all = f.alerts();
            List<JsonNode> resolved = wholeModel(all).stream()
                    .filter(a -> a.get("model_id").asText().equals(FRAUD)).toList();
            assertEquals(1, resolved.size(), all.toString());
            JsonNode r = resolved.get(0);
            assertEquals("RESOLVED", r.get("state").asText());
            assertEquals("no_data", r.get("reason").asText());
            assertEquals(firing.get("alert_id").asText(), r.get("alert_id").asText(), "the episode it ends");
            assertEquals("f1-floor", r.get("rule").asText());
            assertEquals(firing.get("model_version").asText(), r.get("model_version").asText());
            assertTrue(r.get("slice").isNull());
            for (String absent : List.of("metric", "value", "threshold", "condition", "window_start", "window_end", "labeled")) {
                assertFalse(r.has(absent), absent + " in " + r);
            }
            assertTrue(all.stream().allMatch(a -> a.get("model_id").asText().equals(FRAUD)
                    && a.path("reason").asText().equals("no_data")), "the slices' episodes too, nothing else: " + all);

            for (int i = 4; i <= 10; i++) {
                otherModelOnly(f, i);
            }
            assertEquals(List.of(), f.alerts(), "resolved once");
        }
    }

    @Test
    void withoutTheFieldASilentModelsEpisodeStaysFiring() {
        try (AlertFixture f = new AlertFixture(AlertFixture.hourly(f1Floor("")).build())) {
            fireFraud(f, 0);
            for (int i = 1; i <= 48; i++) {
                otherModelOnly(f, i);
            }
            assertEquals(List.of(), f.alerts(), "silence can itself be the incident: opt-in only");
        }
    }

    /** Windows below min_labeled are not judged but are traffic: the silence counts from the last of them. */
    @Test
    void windowsBelowMinLabeledAreNotSilence() {
        try (AlertFixture f = new AlertFixture(AlertFixture.hourly(f1Floor(", resolve_when_silent: 3")).build())) {
            fireFraud(f, 0);
            for (int i = 1; i <= 6; i++) {
                f.window(i, FRAUD, 10, 0.5, 0); // 10 < min_labeled 50: not judged
                otherModelOnly(f, i);
                assertEquals(List.of(), fraudAlerts(f), "still sending at window " + i);
            }
            for (int i = 7; i <= 8; i++) {
                otherModelOnly(f, i);
                assertEquals(List.of(), fraudAlerts(f), "last final at window 6, now at " + i);
            }
            otherModelOnly(f, 9);
            List<JsonNode> resolved = fraudAlerts(f);
            assertEquals(1, resolved.size(), resolved.toString());
            assertEquals("no_data", resolved.get(0).get("reason").asText());
        }
    }

    @Test
    void aModelBackAfterANoDataResolutionIsJudgedAgainAndFiresANewEpisode() {
        try (AlertFixture f = new AlertFixture(AlertFixture.hourly(f1Floor(", resolve_when_silent: 2")).build())) {
            JsonNode first = fireFraud(f, 0);
            otherModelOnly(f, 1);
            otherModelOnly(f, 2);
            List<JsonNode> resolved = fraudAlerts(f);
            assertEquals(1, resolved.size(), resolved.toString());
            assertEquals("no_data", resolved.get(0).get("reason").asText());

            JsonNode second = fireFraud(f, 3);
            assertNotEquals(first.get("alert_id").asText(), second.get("alert_id").asText(), "a new episode");
            assertEquals(AlertFixture.windowStart(3), second.get("window_start").asLong());

            // healthy again: the new episode resolves by judgement as usual
            f.window(4, FRAUD, 200, 0.95, 0);
            f.close(4);
            List<JsonNode> healed = fraudAlerts(f);
            assertEquals(1, healed.size(), healed.toString());
            assertEquals("RESOLVED", healed.get(0).get("state").asText());
            assertFalse(healed.get(0).has("reason"), healed.get(0).toString());
            assertEquals(second.get("alert_id").asText(), healed.get(0).get("alert_id").asText());
        }
    }

    private static final Duration HOUR = Duration.ofHours(1);

    private static void assertResolvedWithNoData(List<JsonNode> alerts, JsonNode firing) {
        List<JsonNode> fraud = wholeModel(alerts).stream()
                .filter(a -> a.get("model_id").asText().equals(FRAUD)).toList();
        assertEquals(1, fraud.size(), alerts.toString());
        assertEquals("RESOLVED", fraud.get(0).get("state").asText());
        assertEquals("no_data", fraud.get(0).get("reason").asText());
        assertEquals(firing.get("alert_id").asText(), fraud.get(0).get("alert_id").asText());
    }

    /**
     * The only model of the task stops: no final of any key comes any more, so the task's event time stands still;
     * its time then moves on with the wall clock, after one window of grace.
     */
    @Test
    void aTaskWhoseEveryModelStoppedResolvesAfterNPlusOneWindowsOfWallClock() {
        try (AlertFixture f = new AlertFixture(AlertFixture.hourly(f1Floor(", resolve_when_silent: 2")).build())) {
            JsonNode firing = fireFraud(f, 0);
            f.driver.advanceWallClockTime(HOUR.multipliedBy(2).plusMinutes(50));
            assertEquals(List.of(), f.alerts(), "2 h 50 min without any final: within N + 1 windows");
            f.driver.advanceWallClockTime(Duration.ofMinutes(10));
            assertResolvedWithNoData(f.alerts(), firing);
            f.driver.advanceWallClockTime(HOUR.multipliedBy(5));
            assertEquals(List.of(), f.alerts(), "resolved once");
        }
    }

    /** Live, the next window's finals are due one window after the last: a little late is not silence. */
    @Test
    void finalsThatRunLessThanAWindowLateAreNotSilence() {
        try (AlertFixture f = new AlertFixture(AlertFixture.hourly(f1Floor(", resolve_when_silent: 1")).build())) {
            fireFraud(f, 0);
            f.driver.advanceWallClockTime(HOUR.multipliedBy(2).minusMinutes(1));
            assertEquals(List.of(), f.alerts(), "the next final is 59 minutes overdue, within the grace");
            f.window(1, FRAUD, 200, 0.5, 0);
            f.close(1);
            assertEquals(List.of(), fraudAlerts(f), "still breaching: stays FIRING, nothing new");
            f.driver.advanceWallClockTime(HOUR.multipliedBy(2).minusMinutes(1));
            assertEquals(List.of(), f.alerts(), "counted from the newest final, window 1");
        }
    }

    /**
     * After a restart the task's time is unknown until a final comes through (finals wait for the other stages to
     * be restored, which may take longer than N windows): then silence counts from it as before.
     */
    @Test
    void afterARestartSilenceCountsFromTheFirstFinal() {
        AlertFixture f = new AlertFixture(AlertFixture.hourly(f1Floor(", resolve_when_silent: 2")).build(), null);
        try {
            JsonNode firing = fireFraud(f, 0);
            f = AlertFixture.restart(f);
            f.driver.advanceWallClockTime(HOUR.multipliedBy(5));
            assertEquals(List.of(), f.alerts(), "no final since the restart: nothing is known of the task's time");
            f.window(1, OTHER, 200, 0.95, 0);
            f.close(1);
            f.driver.advanceWallClockTime(AlertEvaluator.WITHDRAWN_CHECK);
            List<JsonNode> all = f.alerts();
            assertEquals(List.of(), fraudAlerts(f), all.toString());
            f.driver.advanceWallClockTime(HOUR.multipliedBy(2));
            assertResolvedWithNoData(f.alerts(), firing);
        } finally {
            f.close();
        }
    }
}
