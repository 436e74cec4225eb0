package io.modelwatch.serving;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the alert records say is firing now: per (rule, model, version, slice) the latest record on the
 * alerts topic decides. One key lives in one partition, so the topic's order is the order its records were
 * written in; their timestamps are not (two instances' clocks, or one clock stepped back).
 */
final class Alerts {

    private Alerts() {
    }

    /**
     * The alerts firing now, newest first. The view lists per key the latest record first (see
     * {@link MonitorView#alerts()}); later records of the key, such as an episode's FIRING before its
     * RESOLVED, are history.
     */
    static List<JsonNode> firing(List<JsonNode> alerts) {
        Map<String, JsonNode> latest = new LinkedHashMap<>();
        for (JsonNode a : alerts) {
            if (a != null && a.isObject()) {
                latest.putIfAbsent(Records.alertKey(a), a);
            }
        }
        List<JsonNode> firing = new ArrayList<>();
        for (JsonNode a : latest.values()) {
            if (Records.firing(a)) {
                firing.add(a);
            }
        }
        // across keys there is no topic order (other partitions, other writers): the timestamp orders the list
        firing.sort((x, y) -> Long.compare(stamp(y), stamp(x)));
        return firing;
    }

    /** The record's timestamp, else its window's end: for display order only, never for which record is current. */
    static long stamp(JsonNode a) {
        long t = Records.time(a, "timestamp");
        return t == Long.MIN_VALUE ? Records.windowEnd(a) : t;
    }
}
