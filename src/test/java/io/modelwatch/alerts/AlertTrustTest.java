package io.modelwatch.alerts;

import static io.modelwatch.alerts.AlertFixture.wholeModel;
import static io.modelwatch.alerts.AlertFixture.windowStart;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Alerts an on-call engineer can trust, in the cases a review found them wanting: no flapping when several
 * windows are open at once, no silence after an unreadable rule edit, no episode left open by a rule that
 * stopped applying.
 */
class AlertTrustTest {

    private static final long H = 3_600_000L;

    private static MetricsView record(long start, boolean isFinal, double f1) {
        ObjectNode r = new ObjectMapper().createObjectNode();
        r.put("model_id", "fraud-eu");
        r.put("model_version", "v1");
        r.put("window_start", start);
        r.put("window_end", start + H);
        r.put("final", isFinal);
        r.put("predictions", 100);
        r.put("labeled", 100);
        r.putObject("metrics").put("f1", f1);
        return MetricsView.of(r);
    }

    /**
     * With a label delay longer than the window, finals of old windows arrive while a newer window's updates
     * are judged: an old healthy final must not resolve the episode a newer window's update fired (and the
     * next update fire it again), once per close.
     */
    @Test
    void olderWindowsClosingDoNotResolveWhatANewerOneFired() {
        AlertRule rule = Rules.parseJson("r", "{\"models\":[\"*\"],\"metric\":\"f1\",\"below\":0.8,\"on_updates\":true}");
        List<MetricsView> records = List.of(
                record(0, true, 0.9),       // window 0 final, healthy
                record(5 * H, false, 0.5),  // update of the open window 5: breach
                record(H, true, 0.9),       // window 1 final, healthy
                record(5 * H, false, 0.5),  // window 5 still breaching
                record(2 * H, true, 0.9),
                record(5 * H, false, 0.5),
                record(5 * H, true, 0.9));  // window 5 final, healthy after all: resolves
        AlertState state = new AlertState();
        List<String> events = new ArrayList<>();
        for (MetricsView v : records) {
            Evaluation.Result result = Evaluation.evaluate(rule, v, state);
            state = result.state();
            events.add(result.event().name());
        }
        assertEquals(List.of("NONE", "FIRING", "NONE", "NONE", "NONE", "NONE", "RESOLVED"), events);
    }

    /**
     * A window emptied by an earlier copy of its only prediction gets a record with {@code predictions: 0}
     * (the merge's own rendering of an empty aggregate): no rule judges it, whatever its figure, even with
     * {@code min_labeled: 0}, {@code confidence} or a baseline, so it neither fires nor heals.
     */
    @Test
    void anEmptiedWindowsRecordIsNotJudged() {
        io.modelwatch.window.AggregationKey key = io.modelwatch.window.AggregationKey.wholeModel("fraud-eu", "v1");
        MetricsView update = MetricsView.parse(io.modelwatch.window.MetricsRecords.value(key, 5 * H, 6 * H, 1, false,
                new io.modelwatch.metrics.WindowAggregate()));
        MetricsView fin = MetricsView.parse(io.modelwatch.window.MetricsRecords.value(key, 5 * H, 6 * H, 1, true,
                new io.modelwatch.metrics.WindowAggregate()));
        assertEquals(0, fin.predictions);
        for (String metric : Rules.METRICS) {
            for (String extra : List.of("", ",\"min_labeled\":0",
                    Rules.CONFIDENCE_METRICS.contains(metric) ? ",\"min_labeled\":0,\"confidence\":0.95" : "")) {
                for (String condition : List.of("\"below\":0.8", "\"above\":0.1",
                        "\"drop_from_baseline\":0.1,\"baseline\":0.9")) {
                    // label_coverage cannot judge updates (refused): its finals alone
                    String updates = metric.equals("label_coverage") ? "" : ",\"on_updates\":true";
                    AlertRule rule = Rules.parseJson("r", "{\"models\":[\"*\"],\"metric\":\"" + metric + "\","
                            + condition + updates + extra + "}");
                    AlertState state = new AlertState();
                    for (MetricsView v : List.of(update, fin)) {
                        Evaluation.Result result = Evaluation.evaluate(rule, v, state);
                        assertEquals(Lifecycle.Verdict.NOT_JUDGED, result.judgement().verdict(), metric + extra);
                        assertEquals(Lifecycle.Event.NONE, result.event(), metric + extra);
                        state = result.state();
                    }
                }
            }
        }
    }

    /**
     * A rule changed from single windows to {@code rolling: 3} keeps its place in window order: the next
     * rolling final (span start two windows earlier) is judged, not taken as already seen.
     */
    @Test
    void aRuleChangedToRollingJudgesTheNextWindow() {
        AlertRule single = Rules.parseJson("r", "{\"models\":[\"*\"],\"metric\":\"f1\",\"below\":0.8}");
        AlertRule rolled = Rules.parseJson("r", "{\"models\":[\"*\"],\"metric\":\"f1\",\"below\":0.8,\"rolling\":3}");
        AlertState state = Evaluation.evaluate(single, record(10 * H, true, 0.9), new AlertState()).state();
        List<String> events = new ArrayList<>();
        for (int w = 10; w <= 12; w++) {
            // the rolling record of window w spans [w - 2, w + 1) hours; window 10's was seen as a single one
            ObjectNode r = new ObjectMapper().createObjectNode();
            r.put("model_id", "fraud-eu");
            r.put("model_version", "v1");
            r.put("window_start", (w - 2) * H);
            r.put("window_end", (w + 1) * H);
            r.put("rolling", 3);
            r.put("final", true);
            r.put("predictions", 100);
            r.put("labeled", 100);
            r.putObject("metrics").put("f1", 0.5);
            Evaluation.Result result = Evaluation.evaluate(rolled, MetricsView.of(r), state);
            state = result.state();
            events.add(result.event() + "/" + result.judgement().verdict());
        }
        assertEquals(List.of("NONE/NOT_JUDGED", "FIRING/BREACH", "NONE/BREACH"), events);
    }

    /** The same through the topology: hourly windows, 3 h of label delay, 10 s updates. */
    @Test
    void oneDegradationFiresOnceThroughTheTopologyWhileOlderWindowsClose() {
        String yaml = """
                rules:
                  - name: f1-live
                    models: ["*"]
                    metric: f1
                    below: 0.80
                    min_labeled: 50
                    on_updates: true
                """;
        var settings = io.modelwatch.TopologySettings.builder().window(Duration.ofHours(1), Duration.ofHours(3))
                .updateInterval(Duration.ofSeconds(10)).rules(Rules.parseYaml(yaml)).inMemoryState(true).build();
        try (AlertFixture f = new AlertFixture(settings)) {
            List<String> seen = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                f.window(i, 100, 0.9);
            }
            f.driver.advanceWallClockTime(Duration.ofSeconds(11));
            wholeModel(f.alerts()).forEach(a -> seen.add(a.get("state").asText()));
            f.window(3, 100, 0.6); // window 3 degrades while windows 0 to 2 are still open
            f.driver.advanceWallClockTime(Duration.ofSeconds(11));
            wholeModel(f.alerts()).forEach(a -> seen.add(a.get("state").asText()));
            for (int i = 0; i < 3; i++) {
                f.label("__clock__" + i, windowStart(i) + 4 * H + 60_000, "0"); // window i closes, healthy
                wholeModel(f.alerts()).forEach(a -> seen.add(a.get("state").asText()));
                f.window(3, 10, 0.6); // window 3 still degraded: another update
                f.driver.advanceWallClockTime(Duration.ofSeconds(11));
                wholeModel(f.alerts()).forEach(a -> seen.add(a.get("state").asText()));
            }
            assertEquals(List.of("FIRING"), seen);
        }
    }

    /** An unreadable edit on the rules topic is ignored: the last readable version stays in force. */
    @Test
    void anUnreadableRuleEditKeepsTheRuleInForce() {
        try (AlertFixture f = new AlertFixture(AlertFixture.hourly(List.of()).build())) {
            f.publishRule("f1-topic", "{\"models\":[\"fraud*\"],\"metric\":\"f1\",\"below\":0.8,\"min_labeled\":50}");
            f.window(0, 100, 0.6);
            f.close(0);
            List<JsonNode> fired = wholeModel(f.alerts());
            assertEquals(List.of("FIRING"), fired.stream().map(a -> a.get("state").asText()).toList());
            f.publishRule("f1-topic", "{\"models\":[\"fraud*\"],\"metric\":\"f1\",\"below\":0.8,\"for_window\":2}");
            f.driver.advanceWallClockTime(AlertEvaluator.WITHDRAWN_CHECK.multipliedBy(2));
            assertEquals(List.of(), wholeModel(f.alerts()), "not withdrawn: the rule in force stays");
            f.window(1, 100, 0.9);
            f.close(1);
            List<JsonNode> resolved = wholeModel(f.alerts());
            assertEquals(List.of("RESOLVED"), resolved.stream().map(a -> a.get("state").asText()).toList(),
                    "judged by the readable version: a healthy window resolves");
            assertEquals(fired.get(0).get("alert_id"), resolved.get(0).get("alert_id"));
        }
    }

    /**
     * An edit whose bytes are not UTF-8 is unreadable, not read with U+FFFD in their place: "fraud\uFFFD*" would
     * select no model, withdraw the firing episode and judge nothing more.
     */
    @Test
    void aRuleEditThatIsNotUtf8KeepsTheRuleInForce() {
        try (AlertFixture f = new AlertFixture(AlertFixture.hourly(List.of()).build())) {
            f.publishRule("f1-topic", "{\"models\":[\"fraud*\"],\"metric\":\"f1\",\"below\":0.8,\"min_labeled\":50}");
            f.window(0, 100, 0.6);
            f.close(0);
            assertEquals(List.of("FIRING"), wholeModel(f.alerts()).stream().map(a -> a.get("state").asText()).toList());
            byte[] edit = "{\"models\":[\"fraud?*\"],\"metric\":\"f1\",\"below\":0.8,\"min_labeled\":50}"
                    .getBytes(StandardCharsets.UTF_8);
            edit[17] = (byte) 0xFF; // the '?'
            f.publishRule("f1-topic".getBytes(StandardCharsets.UTF_8), edit);
            f.driver.advanceWallClockTime(AlertEvaluator.WITHDRAWN_CHECK.multipliedBy(2));
            assertEquals(List.of(), wholeModel(f.alerts()), "not withdrawn: the rule in force stays");
            assertEquals(1, f.counters.alerts().invalidTopicRules());
            f.window(1, 100, 0.9);
            f.close(1);
            assertEquals(List.of("RESOLVED"), wholeModel(f.alerts()).stream().map(a -> a.get("state").asText()).toList(),
                    "judged by the readable version");
        }
    }

    @Test
    void aRulesNameIsLoggedOnOneLine() {
        assertEquals("x\\u000aINFO forged\\u2028", AlertEvaluator.printable("x\nINFO forged\u2028"));
        assertEquals("plain 'ü' name", AlertEvaluator.printable("plain 'ü' name"));
    }

    /** A rule edited so that it no longer selects a firing model withdraws that episode. */
    @Test
    void aRuleEditedAwayFromAFiringModelResolvesItsEpisode() {
        try (AlertFixture f = new AlertFixture(AlertFixture.hourly(List.of()).build())) {
            f.publishRule("f1-topic", "{\"models\":[\"fraud*\"],\"metric\":\"f1\",\"below\":0.8,\"min_labeled\":50}");
            f.window(0, 100, 0.6);
            f.close(0);
            assertEquals(1, wholeModel(f.alerts()).size());
            f.publishRule("f1-topic", "{\"models\":[\"credit*\"],\"metric\":\"f1\",\"below\":0.8,\"min_labeled\":50}");
            f.driver.advanceWallClockTime(AlertEvaluator.WITHDRAWN_CHECK.multipliedBy(2));
            List<JsonNode> withdrawn = wholeModel(f.alerts());
            assertEquals(1, withdrawn.size(), withdrawn.toString());
            assertEquals("RESOLVED", withdrawn.get(0).get("state").asText());
            assertEquals("rule_withdrawn", withdrawn.get(0).get("reason").asText());
            // edited back: a breach opens a new episode
            f.publishRule("f1-topic", "{\"models\":[\"fraud*\"],\"metric\":\"f1\",\"below\":0.8,\"min_labeled\":50}");
            f.window(1, 100, 0.6);
            f.close(1);
            List<JsonNode> again = wholeModel(f.alerts());
            assertEquals(List.of("FIRING"), again.stream().map(a -> a.get("state").asText()).toList());
        }
    }
}
