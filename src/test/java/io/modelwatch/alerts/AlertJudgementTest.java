package io.modelwatch.alerts;

import static io.modelwatch.alerts.AlertFixture.wholeModel;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Which windows a rule judges, through the whole topology: figures that are a zero over zero (which the metrics
 * record carries as scikit-learn's 0) are not judged, {@code min_labeled} counts predictions for label coverage,
 * and a rule that comes back from disabled counts its streak afresh.
 */
class AlertJudgementTest {

    private static final String MODEL = "fraud-detector";

    /** {@code n} labelled pairs in window i, every prediction {@code predicted}, every label {@code truth}. */
    private static void uniform(AlertFixture f, int i, int n, String predicted, String truth) {
        long start = AlertFixture.windowStart(i) + 20 * AlertFixture.MINUTE;
        for (int j = 0; j < n; j++) {
            String id = "w" + i + "-" + predicted + truth + "-" + j;
            long ts = start + j * 1000L;
            f.prediction(id, MODEL, ts, predicted, predicted.equals("1") ? 0.8 : 0.2);
            f.label(id, ts + 1000, truth);
        }
    }

    private static List<String> firing(List<JsonNode> alerts) {
        return wholeModel(alerts).stream().filter(a -> a.get("state").asText().equals("FIRING"))
                .map(a -> a.get("rule").asText()).sorted().toList();
    }

    @Test
    void aZeroOverZeroIsNotJudgedThoughTheRecordSaysZero() {
        List<AlertRule> rules = Rules.parseYaml("""
                rules:
                  - {name: precision-floor, models: ["*"], metric: precision, below: 0.5, min_labeled: 50}
                  - {name: recall-floor, models: ["*"], metric: recall, below: 0.5, min_labeled: 50}
                  - {name: f1-floor, models: ["*"], metric: f1, below: 0.5, min_labeled: 50}
                """);
        try (AlertFixture f = new AlertFixture(AlertFixture.hourly(rules).build())) {
            // a perfect model in a window without fraud: no positive prediction, no positive label
            uniform(f, 0, 100, "0", "0");
            f.close(0);
            JsonNode m = f.metrics().stream().filter(r -> r.get("final").asBoolean() && r.path("slice").isMissingNode())
                    .findFirst().orElseThrow().get("metrics");
            assertEquals(0.0, m.get("recall").asDouble(), "the record keeps scikit-learn's zero_division=0");
            assertEquals(0.0, m.get("precision").asDouble());
            assertEquals(0.0, m.get("f1").asDouble());
            assertEquals(1.0, m.get("accuracy").asDouble());
            assertEquals(List.of(), firing(f.alerts()), "nothing to judge, nothing fires");

            // fraud the model misses: recall and F1 are a real 0, precision (no positive prediction) is not judged
            uniform(f, 1, 60, "0", "1");
            uniform(f, 1, 60, "0", "0");
            f.close(1);
            assertEquals(List.of("f1-floor", "recall-floor"), firing(f.alerts()));

            // a model that flags everything in a window without fraud: precision a real 0, recall not judged
            uniform(f, 2, 100, "1", "0");
            f.close(2);
            assertEquals(List.of("precision-floor"), firing(f.alerts()));
        }
    }

    @Test
    void aLabelCoverageFloorFiresWhenNoLabelComesAtAll() {
        List<AlertRule> rules = Rules.parseYaml("""
                rules:
                  - {name: coverage-floor, models: ["*"], metric: label_coverage, below: 0.5, min_labeled: 100}
                """);
        try (AlertFixture f = new AlertFixture(AlertFixture.hourly(rules).build())) {
            f.window(0, MODEL, 200, 1.0, 0);
            f.close(0);
            assertEquals(List.of(), firing(f.alerts()));
            f.window(1, MODEL, 0, 1.0, 50); // 50 predictions: fewer than min_labeled counts
            f.close(1);
            assertEquals(List.of(), firing(f.alerts()), "too few predictions to judge");
            f.window(2, MODEL, 0, 1.0, 200); // the label feed is down
            f.close(2);
            List<JsonNode> alerts = wholeModel(f.alerts());
            assertEquals(1, alerts.size(), alerts.toString());
            assertEquals("FIRING", alerts.get(0).get("state").asText());
            assertEquals(0.0, alerts.get(0).get("value").asDouble());
        }
    }

    @Test
    void aRuleBackFromDisabledCountsItsStreakAfresh() {
        try (AlertFixture f = new AlertFixture(AlertFixture.hourly(List.of()).build())) {
            String on = "{\"models\":[\"*\"],\"metric\":\"f1\",\"below\":0.8,\"min_labeled\":50,\"for_windows\":3}";
            f.publishRule("f1", on);
            for (int i = 0; i < 2; i++) {
                f.window(i, 100, 0.6);
                f.close(i);
            }
            f.publishRule("f1", on.replace("}", ",\"enabled\":false}"));
            for (int i = 2; i < 6; i++) {
                f.window(i, 100, 0.9); // healthy windows the disabled rule does not see
                f.close(i);
            }
            f.driver.advanceWallClockTime(Duration.ofSeconds(10)); // the withdrawn check
            f.publishRule("f1", on);
            List<Integer> firedAt = new java.util.ArrayList<>();
            for (int i = 6; i < 9; i++) {
                f.window(i, 100, 0.6);
                f.close(i);
                if (!firing(f.alerts()).isEmpty()) {
                    firedAt.add(i);
                }
            }
            assertEquals(List.of(8), firedAt, "three breaches after it came back, not one (two were before it went)");
        }
    }
}
