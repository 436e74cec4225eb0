package io.modelwatch.alerts;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.regex.Pattern;

/**
 * One validated alert rule (see the README, "Rules"). Built by {@link Rules}, never directly from
 * user input.
 *
 * @param name            unique name; the key of the rule on the rules topic and part of the alert key
 * @param models          globs ({@code *}, {@code ?}) on model_id
 * @param versions        globs on model_version; empty = every version
 * @param metric          a figure of the metrics record's {@code metrics} object
 * @param condition       how the figure is compared
 * @param limit           the threshold of {@code below}/{@code above}; the distance for the baseline conditions
 * @param baselineWindows N closed windows whose mean is the baseline (baseline conditions), or 0 when pinned
 * @param pinnedBaseline  a fixed baseline, or null
 * @param minLabeled      windows with fewer labelled pairs are not judged
 * @param forWindows      consecutive breaching windows before FIRING
 * @param resolveAfter    consecutive healthy windows before RESOLVED
 * @param resolveMargin   how far past the threshold, on the healthy side, a figure must be to count healthy while
 *                        the episode fires (hysteresis; 0: the threshold itself)
 * @param resolveWhenSilent windows of event time without a final record of the key after which a FIRING episode is
 *                        RESOLVED with reason {@code no_data}; 0 = never (silence can be the incident itself)
 * @param severity        {@code critical} or {@code warning}
 * @param confidence      two-sided confidence level of the interval that must clear the threshold, or null
 * @param rolling         1 = single windows; K &gt; 1 = the rolling records over K windows
 * @param onUpdates       also judge the open-window update records
 * @param enabled         false switches the rule off (e.g. a file rule, from the rules topic)
 */
public record AlertRule(String name, List<String> models, List<String> versions, String metric, Condition condition,
                        double limit, int baselineWindows, Double pinnedBaseline, long minLabeled, int forWindows,
                        int resolveAfter, double resolveMargin, int resolveWhenSilent, String severity, Double confidence, int rolling,
                        boolean onUpdates, boolean enabled) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The comparison a rule makes; the YAML field that selects it. */
    public enum Condition {
        BELOW("below"), ABOVE("above"), DROP_FROM_BASELINE("drop_from_baseline"),
        RISE_FROM_BASELINE("rise_from_baseline");

        public final String field;

        Condition(String field) {
            this.field = field;
        }

        public boolean usesBaseline() {
            return this == DROP_FROM_BASELINE || this == RISE_FROM_BASELINE;
        }

        /** True when lower figures are worse (the breach is "under the threshold"). */
        public boolean lowerIsWorse() {
            return this == BELOW || this == DROP_FROM_BASELINE;
        }
    }

    public AlertRule {
        models = List.copyOf(models);
        versions = List.copyOf(versions);
    }

    public boolean appliesTo(String modelId, String modelVersion) {
        if (!anyMatch(models, modelId)) {
            return false;
        }
        return versions.isEmpty() || anyMatch(versions, modelVersion);
    }

    /** The threshold the figure is compared with, given the baseline (null: not established yet). */
    public Double threshold(Double baseline) {
        return switch (condition) {
            case BELOW, ABOVE -> limit;
            // as the decimals they are written as: 0.8 - 0.1 is 0.7000000000000001 in doubles, and an accuracy of
            // exactly 0.7 breached a rule that breaches below 0.7
            case DROP_FROM_BASELINE -> baseline == null ? null : Evaluation.resolveLine(baseline, -limit);
            case RISE_FROM_BASELINE -> baseline == null ? null : Evaluation.resolveLine(baseline, limit);
        };
    }

    /**
     * What the rule asks of a figure: its metric and which side of the threshold is the breach. An episode
     * fired on one question is not resolved by the answers to another (the README, "Lifecycle"); a threshold,
     * a baseline, a confidence or a rolling span moved is the same question asked more or less strictly.
     */
    String question() {
        return metric + "|" + condition.field;
    }

    /** What a learned baseline depends on: when it changes, the baseline is learned again. */
    String baselineSpec() {
        return metric + "|" + rolling + "|" + baselineWindows + "|" + minLabeled;
    }

    private static boolean anyMatch(List<String> globs, String value) {
        for (String g : globs) {
            if (glob(g, value)) {
                return true;
            }
        }
        return false;
    }

    static boolean glob(String glob, String value) {
        if (glob.equals("*")) {
            return true;
        }
        if (glob.indexOf('*') < 0 && glob.indexOf('?') < 0) {
            return glob.equals(value);
        }
        StringBuilder re = new StringBuilder();
        StringBuilder literal = new StringBuilder();
        for (char c : glob.toCharArray()) {
            if (c == '*' || c == '?') {
                if (!literal.isEmpty()) {
                    re.append(Pattern.quote(literal.toString()));
                    literal.setLength(0);
                }
                re.append(c == '*' ? ".*" : ".");
            } else {
                literal.append(c);
            }
        }
        if (!literal.isEmpty()) {
            re.append(Pattern.quote(literal.toString()));
        }
        return Pattern.compile(re.toString(), Pattern.DOTALL).matcher(value).matches();
    }

    /** The rule as the JSON that {@link Rules#parseJson} reads back (the value format of the rules topic). */
    public String toJson() {
        ObjectNode o = JSON.createObjectNode();
        o.put("name", name);
        ArrayNode m = o.putArray("models");
        models.forEach(m::add);
        if (!versions.isEmpty()) {
            ArrayNode v = o.putArray("versions");
            versions.forEach(v::add);
        }
        o.put("metric", metric);
        o.put(condition.field, limit);
        if (condition.usesBaseline()) {
            if (pinnedBaseline != null) {
                o.put("baseline", pinnedBaseline);
            } else {
                o.put("baseline_windows", baselineWindows);
            }
        }
        o.put("min_labeled", minLabeled);
        o.put("for_windows", forWindows);
        o.put("resolve_after", resolveAfter);
        if (resolveMargin > 0) {
            o.put("resolve_margin", resolveMargin);
        }
        if (resolveWhenSilent > 0) {
            o.put("resolve_when_silent", resolveWhenSilent);
        }
        o.put("severity", severity);
        if (confidence != null) {
            o.put("confidence", confidence);
        }
        if (rolling > 1) {
            o.put("rolling", rolling);
        }
        if (onUpdates) {
            o.put("on_updates", true);
        }
        if (!enabled) {
            o.put("enabled", false);
        }
        return o.toString();
    }
}
