package io.modelwatch.alerts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelwatch.TopologySettings;
import io.modelwatch.cli.Main;
import io.modelwatch.replay.Replay;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code replay --rules --alerts-out}: every alert record, in order, from JSONL files. */
class ReplayAlertsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long HOUR = 3_600_000;
    private static final long T0 = AlertFixture.T0;

    /** 12 hourly windows of 80 pairs: accuracy 0.9, windows 4-7 at 0.6, then 0.9 again. */
    private static void writeStream(Path predictions, Path labels) throws IOException {
        StringBuilder p = new StringBuilder();
        StringBuilder l = new StringBuilder();
        int id = 0;
        for (int w = 0; w < 12; w++) {
            double accuracy = w >= 4 && w < 8 ? 0.6 : 0.9;
            int right = (int) Math.round(accuracy * 40);
            for (int j = 0; j < 80; j++) {
                long ts = T0 + w * HOUR + 60_000L + j * 1000L;
                String truth = j % 2 == 0 ? "1" : "0";
                String predicted = (j / 2) < right ? truth : (truth.equals("1") ? "0" : "1");
                double s1 = predicted.equals("1") ? 0.8 : 0.2;
                p.append(String.format(Locale.ROOT, "{\"prediction_id\":\"p%d\",\"model_id\":\"fraud\","
                                + "\"model_version\":\"v1\",\"timestamp\":%d,\"predicted\":\"%s\","
                                + "\"scores\":{\"0\":%s,\"1\":%s}}%n", id, ts, predicted, Double.toString(1 - s1),
                        Double.toString(s1)));
                l.append(String.format(Locale.ROOT, "{\"prediction_id\":\"p%d\",\"label\":\"%s\",\"timestamp\":%d}%n",
                        id, truth, ts + 5000));
                id++;
            }
        }
        Files.writeString(predictions, p);
        Files.writeString(labels, l);
    }

    private static final String RULES = """
            rules:
              - name: f1-floor
                models: ["fraud*"]
                metric: f1
                below: 0.80
                min_labeled: 50
                for_windows: 2
                resolve_after: 2
                severity: critical
            """;

    @Test
    void replayWritesEveryAlertRecordInOrder(@TempDir Path dir) throws IOException {
        Path predictions = dir.resolve("p.jsonl");
        Path labels = dir.resolve("l.jsonl");
        writeStream(predictions, labels);
        TopologySettings settings = TopologySettings.builder().window(Duration.ofHours(1), Duration.ofMinutes(30))
                .rules(Rules.parseYaml(RULES)).build();
        StringWriter metrics = new StringWriter();
        StringWriter alerts = new StringWriter();
        Replay.ReplayResult result = Replay.run(settings, predictions, labels, metrics, null, alerts);
        assertEquals(12, result.finalRecords());
        List<JsonNode> records = lines(alerts.toString());
        assertEquals(2, result.alerts());
        assertEquals(2, records.size(), alerts.toString());
        assertEquals("FIRING", records.get(0).get("state").asText());
        assertEquals(T0 + 5 * HOUR, records.get(0).get("window_start").asLong(), "the 2nd breaching window");
        assertEquals("RESOLVED", records.get(1).get("state").asText());
        assertEquals(T0 + 9 * HOUR, records.get(1).get("window_start").asLong(), "the 2nd healthy window");
        assertEquals(records.get(0).get("alert_id"), records.get(1).get("alert_id"));
    }

    @Test
    void replayCommandTakesRulesAndAlertsOut(@TempDir Path dir) throws IOException {
        Path predictions = dir.resolve("p.jsonl");
        Path labels = dir.resolve("l.jsonl");
        writeStream(predictions, labels);
        Path rules = dir.resolve("rules.yaml");
        Files.writeString(rules, RULES);
        Path alertsOut = dir.resolve("alerts.jsonl");
        int code = new CommandLine(new Main()).execute("replay", "--predictions", predictions.toString(),
                "--labels", labels.toString(), "--out", dir.resolve("m.jsonl").toString(), "--max-label-delay", "PT30M",
                "--rules", rules.toString(), "--alerts-out", alertsOut.toString());
        assertEquals(0, code);
        List<JsonNode> records = lines(Files.readString(alertsOut));
        assertEquals(List.of("FIRING", "RESOLVED"), records.stream().map(r -> r.get("state").asText()).toList());
    }

    @Test
    void replayCommandRejectsInvalidRulesNamingRuleAndField(@TempDir Path dir) throws IOException {
        Path rules = dir.resolve("rules.yaml");
        Files.writeString(rules, """
                rules:
                  - name: f1-floor
                    models: ["*"]
                    metric: f1
                    below: 0.8
                    for_windows: zero
                """);
        Path empty = dir.resolve("e.jsonl");
        Files.writeString(empty, "");
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new Main());
        cli.setErr(new PrintWriter(err));
        int code = cli.execute("replay", "--predictions", empty.toString(), "--labels", empty.toString(),
                "--out", dir.resolve("m.jsonl").toString(), "--rules", rules.toString());
        assertEquals(2, code, err.toString());
        assertTrue(err.toString().contains("rule 'f1-floor': field 'for_windows'"), err.toString());
    }

    private static List<JsonNode> lines(String jsonl) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String line : jsonl.split("\n")) {
            if (!line.isBlank()) {
                out.add(JSON.readTree(line));
            }
        }
        return out;
    }
}
