package io.modelwatch.alerts;

import static io.modelwatch.alerts.AlertFixture.wholeModel;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every RESOLVED record carries the severity its episode FIRED with, so that a consumer routing by severity (a
 * pager for critical) closes what it opened: also when no window decided it (a withdrawn or changed rule) and when
 * the rule's severity was edited while the episode was open.
 */
class ResolvedSeverityTest {

    private static final String CRITICAL_FLOOR = "{\"models\":[\"fraud*\"],\"metric\":\"accuracy\",\"below\":0.8,"
            + "\"min_labeled\":50,\"severity\":\"critical\"}";

    private static AlertFixture fixture() {
        return new AlertFixture(AlertFixture.hourly(List.of()).build());
    }

    private static List<JsonNode> closedWindow(AlertFixture f, int i, double accuracy) {
        f.window(i, 100, accuracy);
        f.close(i);
        return wholeModel(f.alerts());
    }

    private static JsonNode only(List<JsonNode> alerts, String state) {
        assertEquals(1, alerts.size(), alerts.toString());
        assertEquals(state, alerts.get(0).get("state").asText(), alerts.toString());
        return alerts.get(0);
    }

    @Test
    void aWithdrawnRulesResolvedRecordCarriesTheEpisodesSeverity() {
        try (AlertFixture f = fixture()) {
            f.publishRule("floor", CRITICAL_FLOOR);
            JsonNode fired = only(closedWindow(f, 0, 0.6), "FIRING");
            assertEquals("critical", fired.get("severity").asText());

            f.publishRule("floor", CRITICAL_FLOOR.replace("fraud*", "credit*")); // no longer applies to fraud
            f.driver.advanceWallClockTime(AlertEvaluator.WITHDRAWN_CHECK.multipliedBy(2));
            JsonNode resolved = only(wholeModel(f.alerts()), "RESOLVED");
            assertEquals("rule_withdrawn", resolved.get("reason").asText());
            assertEquals(fired.get("alert_id"), resolved.get("alert_id"));
            assertEquals("critical", resolved.path("severity").asText(), resolved.toString());
        }
    }

    @Test
    void aChangedRulesResolvedRecordCarriesTheSeverityItFiredWith() {
        try (AlertFixture f = fixture()) {
            f.publishRule("floor", CRITICAL_FLOOR);
            only(closedWindow(f, 0, 0.6), "FIRING");

            // another question, and a milder severity: the episode it ends was critical
            f.publishRule("floor", CRITICAL_FLOOR.replace("accuracy", "recall").replace("critical", "warning"));
            JsonNode resolved = closedWindow(f, 1, 0.6).get(0);
            assertEquals("rule_changed", resolved.get("reason").asText(), resolved.toString());
            assertEquals("critical", resolved.path("severity").asText(), resolved.toString());
        }
    }

    @Test
    void aSeverityEditedWhileFiringAppliesFromTheNextEpisode() {
        try (AlertFixture f = fixture()) {
            f.publishRule("floor", CRITICAL_FLOOR);
            only(closedWindow(f, 0, 0.6), "FIRING");

            f.publishRule("floor", CRITICAL_FLOOR.replace("critical", "warning")); // the same question
            JsonNode resolved = only(closedWindow(f, 1, 0.95), "RESOLVED");
            assertEquals("critical", resolved.get("severity").asText(), "closes what the critical FIRING opened");

            JsonNode next = only(closedWindow(f, 2, 0.6), "FIRING");
            assertEquals("warning", next.get("severity").asText());
            assertEquals("warning", only(closedWindow(f, 3, 0.95), "RESOLVED").get("severity").asText());
        }
    }
}
