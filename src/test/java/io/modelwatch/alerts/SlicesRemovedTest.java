package io.modelwatch.alerts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelwatch.TopologySettings;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * A tag taken out of the service's {@code slices} (a config edit and a restart): its slices get no record any
 * more, so their FIRING episodes would never heal; the 10 s check resolves them with {@code slice_withdrawn}.
 */
class SlicesRemovedTest {

    private static final List<AlertRule> RULES = Rules.parseYaml("""
            rules:
              - {name: accuracy-floor, models: ["fraud*"], metric: accuracy, below: 0.8, min_labeled: 20}
            """);

    private static TopologySettings slicedBy(List<String> slices) {
        return AlertFixture.hourly(RULES).slices(slices).build();
    }

    /** "slice or whole/state/reason" of each alert, e.g. {@code cloud=aws/RESOLVED/slice_withdrawn}. */
    private static List<String> summary(List<JsonNode> alerts) {
        return alerts.stream().map(a -> (a.get("slice").isNull() ? "whole"
                : "cloud=" + a.get("slice").get("cloud").asText()) + "/" + a.get("state").asText()
                + (a.has("reason") ? "/" + a.get("reason").asText() : "")).sorted().toList();
    }

    @Test
    void firingSlicesOfARemovedTagAreResolvedOnce() {
        AlertFixture f = new AlertFixture(slicedBy(List.of("cloud")), null);
        try {
            f.window(0, 200, 0.6);
            f.close(0);
            List<JsonNode> fired = f.alerts();
            assertEquals(List.of("cloud=aws/FIRING", "cloud=gcp/FIRING", "whole/FIRING"), summary(fired));
            Map<String, String> ids = new TreeMap<>();
            fired.forEach(a -> ids.put(a.get("slice").toString(), a.get("alert_id").asText()));

            f = AlertFixture.restart(f, slicedBy(List.of()));
            f.driver.advanceWallClockTime(AlertEvaluator.WITHDRAWN_CHECK);
            List<JsonNode> resolved = f.alerts();
            assertEquals(List.of("cloud=aws/RESOLVED/slice_withdrawn", "cloud=gcp/RESOLVED/slice_withdrawn"),
                    summary(resolved));
            for (JsonNode r : resolved) {
                assertEquals(ids.get(r.get("slice").toString()), r.get("alert_id").asText(), "the episode it ends");
                assertNotNull(r.get("model_id"));
            }
            f.driver.advanceWallClockTime(AlertEvaluator.WITHDRAWN_CHECK);
            assertEquals(List.of(), f.alerts(), "once");

            // the whole model's episode goes on as the rule says
            f.window(1, 200, 0.6);
            f.close(1);
            assertEquals(List.of(), f.alerts());
            f.window(2, 200, 0.9);
            f.close(2);
            assertEquals(List.of("whole/RESOLVED"), summary(f.alerts()));
        } finally {
            f.close();
        }
    }

    /**
     * Predictions read before the restart still count in the removed tag's slices until their windows close: those
     * slices' records are not judged, or each close would fire them again and the next check resolve them again.
     */
    @Test
    void aWindowOpenAtTheRestartDoesNotFireTheWithdrawnSlicesAgain() {
        AlertFixture f = new AlertFixture(slicedBy(List.of("cloud")), null);
        try {
            f.window(0, 200, 0.6);
            f.close(0);
            assertEquals(3, f.alerts().size());
            f.window(1, 200, 0.6); // open at the restart, its pairs held with their cloud tag

            f = AlertFixture.restart(f, slicedBy(List.of()));
            f.driver.advanceWallClockTime(AlertEvaluator.WITHDRAWN_CHECK);
            assertEquals(List.of("cloud=aws/RESOLVED/slice_withdrawn", "cloud=gcp/RESOLVED/slice_withdrawn"),
                    summary(f.alerts()));
            f.close(1);
            assertTrue(f.metrics().stream().anyMatch(m -> m.path("slice").isObject() && m.get("final").asBoolean()),
                    "the open window's slices still close");
            assertEquals(List.of(), f.alerts(), "and fire nothing");
            f.driver.advanceWallClockTime(AlertEvaluator.WITHDRAWN_CHECK);
            assertEquals(List.of(), f.alerts(), "nothing to withdraw again");
        } finally {
            f.close();
        }
    }

    @Test
    void slicesStillConfiguredKeepTheirEpisodes() {
        AlertFixture f = new AlertFixture(slicedBy(List.of("cloud")), null);
        try {
            f.window(0, 200, 0.6);
            f.close(0);
            assertEquals(3, f.alerts().size());
            f = AlertFixture.restart(f, slicedBy(List.of("region", "cloud")));
            f.driver.advanceWallClockTime(AlertEvaluator.WITHDRAWN_CHECK);
            assertEquals(List.of(), f.alerts(), "cloud is still sliced");
            f.window(1, 200, 0.9);
            f.close(1);
            assertEquals(List.of("cloud=aws/RESOLVED", "cloud=gcp/RESOLVED", "whole/RESOLVED"), summary(f.alerts()));
        } finally {
            f.close();
        }
    }
}
