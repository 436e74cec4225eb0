package io.modelwatch.alerts;

import static io.modelwatch.alerts.AlertFixture.wholeModel;
import static io.modelwatch.alerts.AlertFixture.windowStart;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A reviewer's case: after a restart the task's time must not be guessed from the stored episodes. An on_updates
 * rule's episode was last seen in an OPEN window, with a label delay of several windows far ahead of every final;
 * taken as the task's time, a live model's episode under a resolve_when_silent rule was RESOLVED no_data at the
 * first check after the restart.
 */
class ResolveWhenSilentRestartTest {

    private static final long H = Duration.ofHours(1).toMillis();

    @Test
    void aLiveModelIsNotResolvedAsSilentAfterARestart() {
        String yaml = """
                rules:
                  - name: f1-live
                    models: ["fraud*"]
                    metric: f1
                    below: 0.80
                    min_labeled: 50
                    on_updates: true
                  - name: f1-closed
                    models: ["other*"]
                    metric: f1
                    below: 0.80
                    min_labeled: 50
                    resolve_when_silent: 2
                """;
        var settings = io.modelwatch.TopologySettings.builder().window(Duration.ofHours(1), Duration.ofHours(6))
                .updateInterval(Duration.ofSeconds(10)).rules(Rules.parseYaml(yaml)).inMemoryState(true).build();
        AlertFixture f = new AlertFixture(settings, null);
        try {
            // other-model sends (degraded) in every window 0..5; fraud-detector degrades in open window 5
            for (int i = 0; i <= 5; i++) {
                f.window(i, "other-model", 200, 0.6, 0);
            }
            f.window(5, "fraud-detector", 200, 0.6, 0);
            f.driver.advanceWallClockTime(Duration.ofSeconds(11)); // updates: f1-live FIRING on open window 5
            List<JsonNode> live = wholeModel(f.alerts());
            assertEquals(List.of("f1-live/FIRING"), live.stream()
                    .map(a -> a.get("rule").asText() + "/" + a.get("state").asText()).toList());
            // window 0 closes (6 h label delay): f1-closed FIRING for other-model
            f.label("__clock__0", windowStart(0) + 7 * H + 60_000, "0");
            List<JsonNode> closed = wholeModel(f.alerts());
            assertEquals(List.of("f1-closed/FIRING"), closed.stream()
                    .map(a -> a.get("rule").asText() + "/" + a.get("state").asText()).toList());

            f = AlertFixture.restart(f);
            f.driver.advanceWallClockTime(AlertEvaluator.WITHDRAWN_CHECK);
            // other-model is live: windows 1..5 hold its data and their finals are due in the next hours
            assertEquals(List.of(), wholeModel(f.alerts()), "no no_data for a model that is sending");
        } finally {
            f.close();
        }
    }
}
