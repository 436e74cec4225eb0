package io.modelwatch.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Per alert key the topic order decides which record is current (one key, one partition, one writer at a
 * time); the wall-clock "timestamp" of two instances (the task moved in a rebalance) or of one clock stepped
 * back is not ordered. What /api/alerts and the modelwatch_alert(s)_firing gauges report follows.
 */
class AlertsTest {

    static final long WINDOW_START = 1793577600000L;
    static final long WINDOW_END = WINDOW_START + 3_600_000;

    @Test
    void aResolvedRecordLaterOnTheTopicEndsTheEpisodeThoughItsClockWasBehind() {
        FakeMonitorView view = new FakeMonitorView();
        // FIRING written by instance A; RESOLVED written after it by instance B, whose clock is 1.5 s behind A's
        view.alerts.add(f1Alert("FIRING", 0.6, 1_793_600_001_500L));
        view.alerts.add(f1Alert("RESOLVED", 0.9, 1_793_600_000_000L));

        assertEquals(List.of(), Alerts.firing(view.alerts()), "the episode was resolved");
        assertEquals(List.of(), view.firingAlerts(), "what the demo's summary counts too");
        try (MonitorMetrics metrics = new MonitorMetrics(view)) {
            String scrape = metrics.scrape();
            assertFalse(scrape.contains("modelwatch_alert_firing{"), alertLines(scrape));
            assertEquals(List.of("modelwatch_alerts_firing 0.0"), scrape.lines()
                    .filter(l -> l.startsWith("modelwatch_alerts_firing ")).toList());
            JsonNode api = new MonitorHttpServer(view, metrics).alerts();
            assertEquals(0, api.get("firing_count").asInt());
            assertEquals(2, api.get("recent").size(), "both records stay in the history");
        }
    }

    @Test
    void aFiringRecordLaterOnTheTopicStartsAnEpisodeThoughItsClockWasBehind() {
        FakeMonitorView view = new FakeMonitorView();
        view.alerts.add(f1Alert("RESOLVED", 0.9, 1_793_600_001_500L));
        view.alerts.add(f1Alert("FIRING", 0.6, 1_793_600_000_000L));

        List<JsonNode> firing = Alerts.firing(view.alerts());
        assertEquals(1, firing.size());
        assertEquals("FIRING", firing.get(0).get("state").asText());
        try (MonitorMetrics metrics = new MonitorMetrics(view)) {
            String scrape = metrics.scrape();
            assertEquals(1, scrape.lines().filter(l -> l.startsWith("modelwatch_alert_firing{")).count(),
                    alertLines(scrape));
        }
    }

    @Test
    void acrossKeysTheNewestTimestampIsListedFirst() {
        FakeMonitorView view = new FakeMonitorView();
        JsonNode older = FakeMonitorView.alert("coverage-low", "fraud", "v1", "cloud=gcp", "label_coverage", 0.5,
                0.6, "FIRING", "warning", WINDOW_START, WINDOW_END, 1_793_600_002_000L);
        JsonNode newer = f1Alert("FIRING", 0.6, 1_793_600_003_000L);
        view.alerts.add(newer); // on another partition: read first, written last
        view.alerts.add(older);

        assertEquals(List.of(newer, older), Alerts.firing(view.alerts()));
    }

    private static JsonNode f1Alert(String state, double value, long timestamp) {
        return FakeMonitorView.alert("f1-floor", "fraud", "v3", "", "f1", value, 0.8, state, "critical",
                WINDOW_START, WINDOW_END, timestamp);
    }

    private static String alertLines(String scrape) {
        return scrape.lines().filter(l -> l.startsWith("modelwatch_alert")).toList().toString();
    }
}
