package io.modelwatch.alerts;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What {@code GET /api/rules} answers: the rules the alert tasks judge with, the file's overlaid by the rules
 * topic's as {@link AlertEvaluator} overlays them (same name: the topic's readable value wins), and the topic's
 * values that cannot be read, with their problems. Not per record: built per request.
 */
public final class RulesInForce {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** An unreadable value is shown up to this many characters (it can be anything anyone published). */
    static final int SHOWN_VALUE_CHARS = 1000;

    private RulesInForce() {
    }

    /**
     * @param fileRules   the rules of the service's rules file
     * @param topicValues the rules topic's current values by rule name (the {@code alert-rules} global store)
     * @param rolling     the topology's {@code rolling}, which a topic rule must match to be readable
     */
    public static ObjectNode describe(List<AlertRule> fileRules, Map<String, String> topicValues, int rolling) {
        List<RulesTopicEntry> entries = new ArrayList<>();
        topicValues.forEach((name, json) -> {
            if (name != null && json != null) {
                entries.add(new RulesTopicEntry(name, json, null));
            }
        });
        return describe(fileRules, entries, rolling);
    }

    /** As above, from the store's records as they are ({@link RulesTopicEntry#decode}). */
    public static ObjectNode describe(List<AlertRule> fileRules, Collection<RulesTopicEntry> topicValues,
                                      int rolling) {
        TreeMap<String, ObjectNode> inForce = new TreeMap<>();
        for (AlertRule r : fileRules) {
            inForce.put(r.name(), entry(r, "file", false));
        }
        TreeMap<String, ObjectNode> unreadable = new TreeMap<>();
        for (RulesTopicEntry topicValue : topicValues) {
            String name = topicValue.name();
            String json = topicValue.json();
            try {
                AlertRule rule = topicValue.rule(rolling);
                inForce.put(name, entry(rule, "topic", inForce.containsKey(name)));
            } catch (RulesException e) {
                // names, problems (which quote names and fields) and values are anything anyone published: cut
                ObjectNode u = JSON.createObjectNode();
                u.put("name", cut(name));
                u.put("problems", cut(e.getMessage()));
                u.put("value", cut(json));
                // the alert tasks keep the topic's last readable version if they read one since they started;
                // the topic holds only the newest value, so what is known here is whether the file has one
                u.put("file_has_rule", inForce.containsKey(name));
                unreadable.put(name, u);
            }
        }
        ObjectNode root = JSON.createObjectNode();
        ArrayNode rules = root.putArray("rules");
        inForce.values().forEach(rules::add);
        ArrayNode bad = root.putArray("unreadable");
        unreadable.values().forEach(bad::add);
        return root;
    }

    private static String cut(String text) {
        return text.length() > SHOWN_VALUE_CHARS ? text.substring(0, SHOWN_VALUE_CHARS) + "…" : text;
    }

    private static ObjectNode entry(AlertRule rule, String source, boolean overridesFile) {
        ObjectNode e = JSON.createObjectNode();
        e.put("name", rule.name());
        e.put("source", source);
        if (overridesFile) {
            e.put("overrides_file_rule", true);
        }
        e.put("enabled", rule.enabled());
        try {
            e.set("rule", JSON.readTree(rule.toJson()));
        } catch (IOException ex) {
            throw new UncheckedIOException(ex); // our own JSON
        }
        return e;
    }
}
