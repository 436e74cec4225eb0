package io.modelwatch.alerts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** What {@code /api/rules} lists: the file's rules overlaid by the topic's readable values, and the unreadable ones. */
class RulesInForceTest {

    private static final List<AlertRule> FILE = Rules.parseYaml("""
            rules:
              - {name: f1-floor, models: ["fraud*"], metric: f1, below: 0.8}
              - {name: coverage, models: ["*"], metric: label_coverage, below: 0.5}
              - {name: auc, models: ["*"], metric: roc_auc, below: 0.7}
            """);

    private static List<String> names(JsonNode entries) {
        List<String> out = new ArrayList<>();
        entries.forEach(e -> out.add(e.get("name").asText()));
        return out;
    }

    private static JsonNode entry(JsonNode entries, String name) {
        for (JsonNode e : entries) {
            if (e.get("name").asText().equals(name)) {
                return e;
            }
        }
        throw new AssertionError(name + " not in " + entries);
    }

    @Test
    void theTopicsReadableValuesOverrideTheFilesAndItsUnreadableOnesAreListedApart() {
        Map<String, String> topic = new TreeMap<>();
        topic.put("f1-floor", "{\"models\":[\"fraud*\"],\"metric\":\"f1\",\"below\":0.6}");
        topic.put("coverage", "{\"models\":[\"*\"],\"metric\":\"label_coverage\",\"below\":0.5,\"enabled\":false}");
        topic.put("auc", "{\"models\":[\"*\"],\"metric\":\"roc_auc\",\"below\":1.5}"); // unreachable threshold
        topic.put("only-on-topic", "{\"models\":[\"*\"],\"metric\":\"accuracy\",\"below\":0.9}");
        topic.put("rolling-3", "{\"models\":[\"*\"],\"metric\":\"accuracy\",\"below\":0.9,\"rolling\":3}");
        topic.put("cut", "{\"models\":" + "x".repeat(2000));
        topic.put("n".repeat(3000), "{}");
        ObjectNode d = RulesInForce.describe(FILE, topic, 1);

        assertEquals(List.of("auc", "coverage", "f1-floor", "only-on-topic"), names(d.get("rules")), "by name");
        JsonNode f1 = entry(d.get("rules"), "f1-floor");
        assertEquals("topic", f1.get("source").asText());
        assertTrue(f1.get("overrides_file_rule").asBoolean());
        assertEquals(0.6, f1.get("rule").get("below").asDouble());
        JsonNode coverage = entry(d.get("rules"), "coverage");
        assertFalse(coverage.get("enabled").asBoolean(), "a file rule switched off from the topic");
        JsonNode auc = entry(d.get("rules"), "auc");
        assertEquals("file", auc.get("source").asText(), "the topic's value is unreadable: the file's stands in");
        assertFalse(auc.has("overrides_file_rule"));
        assertEquals("topic", entry(d.get("rules"), "only-on-topic").get("source").asText());
        assertFalse(entry(d.get("rules"), "only-on-topic").has("overrides_file_rule"));

        assertEquals(List.of("auc", "cut", "n".repeat(RulesInForce.SHOWN_VALUE_CHARS) + "…", "rolling-3"),
                names(d.get("unreadable")), "a long name cut too");
        for (JsonNode u : d.get("unreadable")) {
            assertTrue(u.get("problems").asText().length() <= RulesInForce.SHOWN_VALUE_CHARS + 1, u.toString());
        }
        JsonNode badAuc = entry(d.get("unreadable"), "auc");
        assertTrue(badAuc.get("problems").asText().contains("below"), badAuc.toString());
        assertTrue(badAuc.get("file_has_rule").asBoolean());
        assertTrue(entry(d.get("unreadable"), "rolling-3").get("problems").asText().contains("rolling"));
        JsonNode cut = entry(d.get("unreadable"), "cut");
        assertFalse(cut.get("file_has_rule").asBoolean());
        assertEquals(RulesInForce.SHOWN_VALUE_CHARS + 1, cut.get("value").asText().length(), "cut, with an ellipsis");
    }

    /** Bytes that are not UTF-8, in a value or a key, make the record unreadable, saying where. */
    @Test
    void aRecordThatIsNotUtf8IsUnreadable() {
        byte[] value = "{\"models\":[\"*\"],\"metric\":\"accuracy\",\"below\":0.9}".getBytes(StandardCharsets.UTF_8);
        byte[] bad = value.clone();
        bad[12] = (byte) 0xC3; // a lead byte before '"': truncated sequence
        byte[] badKey = {'k', (byte) 0xFF};
        List<RulesTopicEntry> topic = List.of(
                RulesTopicEntry.decode("fine\uFFFD".getBytes(StandardCharsets.UTF_8), value), // a real U+FFFD is UTF-8
                RulesTopicEntry.decode("bad-value".getBytes(StandardCharsets.UTF_8), bad),
                RulesTopicEntry.decode(badKey, value));
        ObjectNode d = RulesInForce.describe(List.of(), topic, 1);

        assertEquals(List.of("fine\uFFFD"), names(d.get("rules")));
        assertEquals("rule 'bad-value': not valid UTF-8 (byte 12 of the value)",
                entry(d.get("unreadable"), "bad-value").get("problems").asText());
        assertEquals("rule 'k\uFFFD': its key is not valid UTF-8 (byte 1)",
                entry(d.get("unreadable"), "k\uFFFD").get("problems").asText());
    }

    @Test
    void aRulesJsonReadsBackAsTheRule() {
        ObjectNode d = RulesInForce.describe(FILE, Map.of(), 1);
        for (JsonNode e : d.get("rules")) {
            AlertRule back = Rules.parseJson(e.get("name").asText(), e.get("rule").toString());
            AlertRule original = FILE.stream().filter(r -> r.name().equals(back.name())).findFirst().orElseThrow();
            assertEquals(original, back, "what the API shows is the rule, as the topic would take it");
        }
        assertEquals(0, d.get("unreadable").size());
    }
}
