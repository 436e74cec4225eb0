package io.modelwatch.serving;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What the alert records say is firing now: per (rule, model, version, slice) the newest record decides. */
final class Alerts {

    private Alerts() {
    }

    /**
     * The alerts firing now, newest first. The view's list may hold both the current FIRING records
     * and recent history, in which an episode's RESOLVED record supersedes its FIRING one.
     */
    static List<JsonNode> firing(List<JsonNode> alerts) {
        Map<String, JsonNode> newest = new LinkedHashMap<>();
        for (JsonNode a : alerts) {
            if (a == null || !a.isObject()) {
                continue;
            }
            String key = Records.alertKey(a);
            JsonNode prev = newest.get(key);
            if (prev == null || newer(a, prev)) {
                newest.put(key, a);
            }
        }
        List<JsonNode> firing = new ArrayList<>();
        for (JsonNode a : newest.values()) {
            if (Records.firing(a)) {
                firing.add(a);
            }
        }
        firing.sort((x, y) -> Long.compare(stamp(y), stamp(x)));
        return firing;
    }

    /** Strictly newer by timestamp, then by window; on a tie the record seen first (the view lists newest first) stays. */
    private static boolean newer(JsonNode a, JsonNode b) {
        int c = Long.compare(stamp(a), stamp(b));
        if (c == 0) {
            c = Long.compare(Records.windowEnd(a), Records.windowEnd(b));
        }
        return c > 0;
    }

    static long stamp(JsonNode a) {
        long t = Records.time(a, "timestamp");
        return t == Long.MIN_VALUE ? Records.windowEnd(a) : t;
    }
}
