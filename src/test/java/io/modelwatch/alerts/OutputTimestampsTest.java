package io.modelwatch.alerts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.time.Duration;
import java.util.List;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;

/**
 * Metrics and alert records are stamped when modelwatch emits them: stamped with their window's event time,
 * a final that comes days after its window (a long label delay) would fall to the topic's time-based
 * retention as soon as its segment rolls, and a restarted instance reading the alerts topic would miss a
 * FIRING still in force.
 */
class OutputTimestampsTest {

    private static final String F1_FLOOR = """
            rules:
              - name: f1-floor
                models: ["fraud*"]
                metric: f1
                below: 0.80
                min_labeled: 10
                severity: critical
            """;

    @Test
    void metricsAndAlertsCarryTheTimeTheyWereEmitted() {
        try (AlertFixture f = new AlertFixture(AlertFixture.hourly(Rules.parseYaml(F1_FLOOR)).build())) {
            f.driver.advanceWallClockTime(Duration.ofDays(30)); // processing a month behind event time
            long now = AlertFixture.T0 + Duration.ofDays(30).toMillis();
            f.window(0, 40, 0.5);
            f.close(0);
            List<TestRecord<String, String>> metrics = f.metricRecords();
            List<TestRecord<String, String>> alerts = f.alertRecords();
            assertFalse(metrics.isEmpty(), "window 0's final");
            assertFalse(alerts.isEmpty(), "window 0 breaches the floor");
            for (TestRecord<String, String> r : metrics) {
                assertEquals(now, r.timestamp(), "metrics record " + r.value());
            }
            for (TestRecord<String, String> r : alerts) {
                assertEquals(now, r.timestamp(), "alert record " + r.value());
            }
        }
    }
}
