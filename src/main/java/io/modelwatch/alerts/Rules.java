package io.modelwatch.alerts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads and validates alert rules: the YAML rules file ({@code rules: [...]}) and single rules
 * as JSON (the values of the rules topic). Every problem is a {@link RulesException} naming the
 * rule and the field.
 */
public final class Rules {

    /** Every figure of the metrics record's {@code metrics} object (binary, multiclass and common). */
    public static final Set<String> METRICS = Set.copyOf(List.of("accuracy",
            "precision_micro", "recall_micro", "f1_micro",
            "precision_macro", "recall_macro", "f1_macro",
            "precision_weighted", "recall_weighted", "f1_weighted", "log_loss",
            "precision", "recall", "f1", "brier_score", "roc_auc", "average_precision",
            "roc_auc_ovr", "roc_auc_ovr_weighted", "roc_auc_ovo",
            "label_coverage", "label_delay_mean_ms"));

    /** The figures {@code confidence} works with, and the interval method of each (see {@link Intervals}). */
    public static final Set<String> CONFIDENCE_METRICS = Set.copyOf(List.of("accuracy", "precision_micro",
            "recall_micro", "f1_micro", "precision", "recall", "f1", "roc_auc", "label_coverage"));

    static final Set<String> FIELDS = Set.copyOf(List.of("name", "models", "versions", "metric", "below", "above",
            "drop_from_baseline", "rise_from_baseline", "baseline_windows", "baseline", "min_labeled", "for_windows",
            "resolve_after", "resolve_margin", "resolve_when_silent", "severity", "confidence", "rolling", "on_updates", "enabled"));

    /** A field written twice is refused (the parser would keep the last one without a word). */
    private static final ObjectMapper YAML = YAMLMapper.builder()
            .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
    private static final ObjectMapper JSON = new ObjectMapper();

    private Rules() {
    }

    /**
     * A threshold or baseline the metric cannot reach is a typo (f1 {@code below: 1.5}, meant 0.15), and would
     * make a rule that breaches on every window or never.
     */
    private static void checkRange(String rule, String field, String metric, double value) {
        boolean unbounded = hasNoCeiling(metric);
        if (unbounded ? value < 0 : value < 0 || value > 1) {
            throw new RulesException(rule, field, metric + (unbounded ? " is never negative" : " lies in [0, 1]")
                    + ", got " + value);
        }
    }

    /** Whether a resolve margin puts the line healthy windows must reach beyond the figure's [0, 1] range. */
    private static boolean beyondRange(String metric, AlertRule.Condition condition, Double limit, Double pinned,
                                       double margin) {
        if (metric == null || condition == null || limit == null) {
            return false;
        }
        Double threshold = condition.usesBaseline()
                ? (pinned == null ? null : Evaluation.resolveLine(pinned, condition.lowerIsWorse() ? -limit : limit))
                : limit;
        if (threshold == null) {
            return false; // a learned baseline: Evaluation caps the line at the baseline itself, always reachable
        }
        // a ceiling (above, rise) needs a line at 0 or above for every metric (all are never negative); a floor one
        // at most 1 on a [0, 1] metric
        return condition.lowerIsWorse() ? !hasNoCeiling(metric) && Evaluation.resolveLine(threshold, margin) > 1
                : Evaluation.resolveLine(threshold, -margin) < 0;
    }

    /** Every metric lies in [0, 1] but these two, which are only never negative. */
    private static boolean hasNoCeiling(String metric) {
        return metric.equals("log_loss") || metric.equals("label_delay_mean_ms");
    }

    /**
     * A threshold the figure can never cross makes a rule that never fires: {@code below: 0} (no figure is under
     * 0), {@code above: 1} on a figure in [0, 1], a drop or rise of the whole range or more, or a pinned baseline
     * whose threshold, {@code baseline ∓ d}, lies at or beyond the range's end. Compared as
     * {@link AlertRule#threshold} computes it.
     */
    private static void checkReachable(String rule, String metric, AlertRule.Condition condition, double limit,
                                       Double pinned) {
        boolean bounded = !hasNoCeiling(metric);
        String range = bounded ? metric + " lies in [0, 1]" : metric + " is never negative";
        switch (condition) {
            case BELOW -> {
                if (limit <= 0) {
                    throw new RulesException(rule, condition.field, range + ": no figure is below " + limit
                            + ", the rule would never fire");
                }
            }
            case ABOVE -> {
                if (bounded && limit >= 1) {
                    throw new RulesException(rule, condition.field, range + ": no figure is above " + limit
                            + ", the rule would never fire");
                }
            }
            case DROP_FROM_BASELINE, RISE_FROM_BASELINE -> {
                String change = condition == AlertRule.Condition.DROP_FROM_BASELINE ? "drop" : "rise";
                if (bounded && limit >= 1) {
                    throw new RulesException(rule, condition.field, range + ": no figure can " + change + " by "
                            + limit + " or more, the rule would never fire");
                }
                if (pinned != null) {
                    boolean drop = condition == AlertRule.Condition.DROP_FROM_BASELINE;
                    double threshold = drop ? pinned - limit : pinned + limit;
                    if (drop ? threshold <= 0 : bounded && threshold >= 1) {
                        // in decimal, as written: 0.93 - 0.95 = -0.02, not -0.019999999999999907
                        java.math.BigDecimal shown = drop
                                ? java.math.BigDecimal.valueOf(pinned).subtract(java.math.BigDecimal.valueOf(limit))
                                : java.math.BigDecimal.valueOf(pinned).add(java.math.BigDecimal.valueOf(limit));
                        throw new RulesException(rule, condition.field, range + ": the threshold, baseline " + pinned
                                + (drop ? " - " : " + ") + limit + " = " + shown.toPlainString() + ", is never crossed, "
                                + "the rule would never fire");
                    }
                }
            }
        }
    }

    /** What went wrong reading a file: the JDK's message of a missing file is only its path. */
    static String why(IOException e) {
        if (e instanceof java.nio.file.NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied";
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    public static List<AlertRule> load(Path file) {
        return load(file, null);
    }

    /**
     * The rules of a file, each also checked against the topology's {@code rolling} (null: not checked), every
     * problem of every rule at once.
     */
    public static List<AlertRule> load(Path file, Integer topologyRolling) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new RulesException(null, null, "cannot read " + file + ": " + why(e));
        }
        return parseYaml(text, topologyRolling);
    }

    /** A rules file: a mapping with a {@code rules} list (an empty file or list means no rules). */
    public static List<AlertRule> parseYaml(String yaml) {
        return parseYaml(yaml, null);
    }

    /** {@link #parseYaml(String)}, each rule also checked against the topology's {@code rolling} (if not null). */
    public static List<AlertRule> parseYaml(String yaml, Integer topologyRolling) {
        JsonNode root;
        try {
            root = YAML.readTree(yaml);
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            // a YAML syntax error's own message names its line and column, which Jackson's suffix contradicted;
            // Jackson's own errors (a duplicate field) have no other place than its location
            String own = e.getOriginalMessage();
            com.fasterxml.jackson.core.JsonLocation at = e.getLocation();
            throw new RulesException(null, null, "not valid YAML: " + own + (own.contains("line ") || at == null ? ""
                    : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")"));
        } catch (IOException e) {
            throw new RulesException(null, null, "not valid YAML: " + e.getMessage());
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            return List.of();
        }
        if (!root.isObject()) {
            throw new RulesException(null, null, "the file must be a mapping with a 'rules' list");
        }
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!f.equals("rules")) {
                throw new RulesException(null, f, "unknown field (the file holds only 'rules')");
            }
        }
        JsonNode list = root.get("rules");
        if (list == null || list.isNull()) {
            return List.of();
        }
        if (!list.isArray()) {
            throw new RulesException(null, "rules", "must be a list of rules");
        }
        List<AlertRule> rules = new ArrayList<>();
        Map<String, Integer> firstAt = new HashMap<>();
        Set<String> named = new HashSet<>();
        Set<String> namedTwice = new HashSet<>();
        for (JsonNode node : list) {
            String declared = declaredName(node);
            if (declared != null && !named.add(declared)) {
                namedTwice.add(declared);
            }
        }
        int position = 0;
        List<RulesException> problems = new ArrayList<>();
        for (JsonNode node : list) {
            position++;
            int before = problems.size();
            // every problem of every rule at once, not one fix and restart at a time
            AlertRule rule = parseRule(node, "#" + position, null, problems);
            // checked on the rule as written, so that an invalid rule's name or rolling is judged too
            String declared = declaredName(node);
            Integer first = declared == null ? null : firstAt.putIfAbsent(declared, position);
            if (first != null) {
                problems.add(new RulesException(declared, "name", "duplicate rule name (as #" + first + ")"));
            } else if (rule != null) {
                rules.add(rule);
            }
            JsonNode rolling = node == null ? null : node.get("rolling");
            if (topologyRolling != null && declared != null && rolling != null
                    && rolling.isIntegralNumber() && rolling.canConvertToInt()) {
                RulesException mismatch = rollingMismatch(declared, rolling.asInt(), topologyRolling);
                if (mismatch != null) {
                    problems.add(mismatch);
                }
            }
            if (declared != null && namedTwice.contains(declared)) {
                // which of the rules of that name each problem is of
                for (int i = before; i < problems.size(); i++) {
                    problems.set(i, problems.get(i).at(position));
                }
            }
        }
        if (!problems.isEmpty()) {
            throw RulesException.all(problems);
        }
        return List.copyOf(rules);
    }

    /** A rule's name as written, when it is a usable one (a non-blank string), else null. */
    private static String declaredName(JsonNode node) {
        JsonNode declared = node == null ? null : node.get("name");
        return declared != null && declared.isTextual() && !declared.asText().isBlank() ? declared.asText() : null;
    }

    /**
     * One rule as JSON, as published on the rules topic under {@code key}; a {@code name} in the
     * value, if any, must equal the key.
     */
    public static AlertRule parseJson(String key, String json) {
        JsonNode node;
        try {
            node = JSON.readTree(json);
        } catch (IOException e) {
            throw new RulesException(key, null, "not valid JSON: " + jsonProblem(e));
        }
        List<RulesException> problems = new ArrayList<>();
        AlertRule rule = parseRule(node, key, key, problems);
        if (!problems.isEmpty()) {
            throw RulesException.all(problems);
        }
        return rule;
    }

    /**
     * Jackson's message on one line, with its place but without its advice to the programmer ("enable
     * `JsonReadFeature...`") or the document it quotes: the problem goes into one WARN line.
     */
    static String jsonProblem(IOException e) {
        if (!(e instanceof com.fasterxml.jackson.core.JsonProcessingException j)) {
            return e.getMessage();
        }
        String m = j.getOriginalMessage();
        int nl = m.indexOf('\n');
        m = nl < 0 ? m : m.substring(0, nl);
        for (String advice : new String[] {": enable `", "; enable `", " (or enable `"}) {
            int i = m.indexOf(advice);
            if (i > 0) {
                m = m.substring(0, i);
            }
        }
        com.fasterxml.jackson.core.JsonLocation at = j.getLocation();
        return at == null || at.getLineNr() < 0 ? m : m + " (line " + at.getLineNr() + ", column " + at.getColumnNr()
                + ")";
    }

    /**
     * Rejects rules the topology cannot serve: a {@code rolling} the metrics stream does not carry. Every such
     * rule at once, as for the file's other problems.
     */
    public static void checkAgainst(List<AlertRule> rules, int topologyRolling) {
        List<RulesException> problems = new ArrayList<>();
        for (AlertRule r : rules) {
            try {
                checkAgainst(r, topologyRolling);
            } catch (RulesException e) {
                problems.add(e);
            }
        }
        if (!problems.isEmpty()) {
            throw RulesException.all(problems);
        }
    }

    /** The largest {@code rolling} a rule may name. */
    private static final int MAX_ROLLING = 10_000;

    public static void checkAgainst(AlertRule r, int topologyRolling) {
        RulesException mismatch = rollingMismatch(r.name(), r.rolling(), topologyRolling);
        if (mismatch != null) {
            throw mismatch;
        }
    }

    private static RulesException rollingMismatch(String rule, int rolling, int topologyRolling) {
        if (rolling > 1 && rolling <= MAX_ROLLING && rolling != topologyRolling) {
            return new RulesException(rule, "rolling", "is " + rolling + " but the topology emits "
                    + (topologyRolling > 1 ? "rolling records over " + topologyRolling + " windows"
                    : "no rolling records (rolling: 1)"));
        }
        return null;
    }

    /**
     * One rule, or null with every problem found added to {@code problems}: each field is checked whatever the
     * others hold (a check that needs another field's value, such as a threshold's range its metric's, is made
     * once that value is good). A rule that cannot be named has its other problems listed under its position.
     */
    static AlertRule parseRule(JsonNode node, String position, String key, List<RulesException> problems) {
        int before = problems.size();
        if (node == null || !node.isObject()) {
            problems.add(new RulesException(key != null ? key : position, null, "a rule must be a mapping of fields"));
            return null;
        }
        String name = namedOrListed(node.get("name"), position, key, problems);
        Fields f = new Fields(name, node, problems);
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (!FIELDS.contains(field)) {
                String closest = io.modelwatch.Spelling.closest(field, FIELDS);
                f.problem(field, "unknown field" + (closest != null ? " (did you mean " + closest
                        + "?)" : "") + " (known: " + String.join(", ", new java.util.TreeSet<>(FIELDS)) + ")");
            }
        }

        List<String> models = f.globs("models", true);
        List<String> versions = f.globs("versions", false);
        String metric = f.string("metric", null);
        if (metric == null && !f.failed("metric")) {
            f.problem("metric", "required");
        } else if (metric != null && !METRICS.contains(metric)) {
            f.problem("metric", "unknown metric '" + metric + "' (known: "
                    + String.join(", ", new java.util.TreeSet<>(METRICS)) + ")");
            metric = null;
        }

        AlertRule.Condition condition = null;
        for (AlertRule.Condition c : AlertRule.Condition.values()) {
            if (node.has(c.field)) {
                if (condition != null) {
                    f.problem(c.field, "only one of below, above, drop_from_baseline, rise_from_baseline may be set "
                            + "(also has " + condition.field + ")");
                } else {
                    condition = c;
                }
            }
        }
        if (condition == null) {
            f.problem("below", "one of below, above, drop_from_baseline, rise_from_baseline is required");
        }
        Double limit = condition == null ? null : f.number(condition.field);
        int baselineWindows = 0;
        Double pinned = null;
        if (condition != null && condition.usesBaseline()) {
            if (limit != null && !(limit > 0)) {
                f.problem(condition.field, "must be greater than 0");
                limit = null;
            }
            boolean hasWindows = node.has("baseline_windows");
            boolean hasPinned = node.has("baseline");
            if (hasWindows == hasPinned) {
                f.problem(hasPinned ? "baseline" : "baseline_windows", "exactly one of baseline_windows (learned "
                        + "baseline) and baseline (pinned) is required with " + condition.field);
            } else if (hasWindows) {
                baselineWindows = (int) f.integer("baseline_windows", 1, 1, 10_000);
            } else {
                Double value = f.number("baseline");
                if (value != null && metric != null) {
                    final String m = metric;
                    final double v = value;
                    if (!f.check(() -> checkRange(name, "baseline", m, v))) {
                        value = null;
                    }
                }
                pinned = value;
            }
        } else if (condition != null) {
            for (String only : List.of("baseline_windows", "baseline")) {
                if (node.has(only)) {
                    f.problem(only, "only applies to drop_from_baseline or rise_from_baseline");
                }
            }
        }
        if (condition != null && limit != null && metric != null) {
            final AlertRule.Condition c = condition;
            final double l = limit;
            final String m = metric;
            final Double pin = pinned;
            if (c.usesBaseline() || f.check(() -> checkRange(name, c.field, m, l))) {
                f.check(() -> checkReachable(name, m, c, l, pin));
            }
        }
        long minLabeled = f.integer("min_labeled", 1, 0, Long.MAX_VALUE);
        int forWindows = (int) f.integer("for_windows", 1, 1, 10_000);
        int resolveAfter = (int) f.integer("resolve_after", 1, 1, 10_000);
        double resolveMargin = 0;
        if (node.has("resolve_margin") && !node.get("resolve_margin").isNull()) {
            Double margin = f.number("resolve_margin");
            if (margin != null && !(margin >= 0)) {
                f.problem("resolve_margin", "must not be negative, got " + margin);
            } else if (margin != null && beyondRange(metric, condition, limit, pinned, margin)) {
                // a resolve line no figure can reach: the episode could only end by silence or an edit
                f.problem("resolve_margin", "puts the line a window must reach to count healthy "
                        + (condition.lowerIsWorse() ? "above 1, which no " + metric + " exceeds"
                                : "below 0, which no " + metric + " goes")
                        + " (the episode would never resolve), got " + margin);
            } else if (margin != null) {
                resolveMargin = margin;
            }
        }
        // absent = 0: never resolved by silence (opt-in, as a model that stops sending can be the incident)
        int resolveWhenSilent = (int) f.integer("resolve_when_silent", 0, 1, 10_000);
        String severity = f.string("severity", "warning");
        if (severity != null && !severity.equals("critical") && !severity.equals("warning")) {
            f.problem("severity", "must be critical or warning, got '" + severity + "'");
        }
        Double confidence = null;
        if (node.has("confidence") && !node.get("confidence").isNull()) {
            confidence = f.number("confidence");
            if (confidence != null && !(confidence > 0 && confidence < 1)) {
                f.problem("confidence", "must be between 0 and 1 (exclusive), e.g. 0.95");
            } else if (confidence != null && metric != null && !CONFIDENCE_METRICS.contains(metric)) {
                f.problem("confidence", "not supported for metric '" + metric + "' (supported: "
                        + String.join(", ", new java.util.TreeSet<>(CONFIDENCE_METRICS)) + ")");
            }
        }
        int rolling = (int) f.integer("rolling", 1, 1, MAX_ROLLING);
        boolean onUpdates = f.bool("on_updates", false);
        if (onUpdates && "label_coverage".equals(metric)) {
            // an open window's coverage only grows as its labels come in: every window fired on its first update
            // and resolved at its final, a page per window however quickly the labels came
            f.problem("on_updates", "not for label_coverage: an open window's coverage lacks the labels still to "
                    + "come, so every window would fire on its first update and resolve at its final");
        }
        boolean enabled = f.bool("enabled", true);
        if (problems.size() > before) {
            return null;
        }
        return new AlertRule(name, models, versions, metric, condition, limit, baselineWindows, pinned, minLabeled,
                forWindows, resolveAfter, resolveMargin, resolveWhenSilent, severity, confidence, rolling, onUpdates,
                enabled);
    }

    /** The rule's name, or (its problem recorded) what its other problems are listed under: its key or position. */
    private static String namedOrListed(JsonNode nameNode, String position, String key, List<RulesException> problems) {
        try {
            return name(nameNode, position, key);
        } catch (RulesException e) {
            problems.add(e);
            return key != null ? key : position;
        }
    }

    /** The rule's name (the record key on the topic, which a name in the value must equal), or a refusal. */
    private static String name(JsonNode nameNode, String position, String key) {
        String name;
        if (key != null) {
            if (nameNode != null && !(nameNode.isTextual() && nameNode.asText().equals(key))) {
                throw new RulesException(key, "name", "must equal the record key '" + key + "', got "
                        + (nameNode.isTextual() ? "'" + nameNode.asText() + "'" : nameNode.toString()));
            }
            name = key;
        } else {
            if (nameNode == null || nameNode.isNull()) {
                throw new RulesException(position, "name", "required");
            }
            if (!nameNode.isTextual()) {
                throw new RulesException(position, "name", "must be a string");
            }
            name = nameNode.asText();
        }
        if (name.isBlank()) {
            throw new RulesException(position, "name", "must not be blank");
        }
        if (name.length() > 200) {
            throw new RulesException(position, "name", "longer than 200 characters");
        }
        return name;
    }

    /**
     * Typed access to the fields of one rule. A field that is not what it must be is a problem recorded with the
     * rule's name, and reads as absent: null, or for a number with a default, that default.
     */
    private static final class Fields {

        private final String rule;
        private final JsonNode node;
        private final List<RulesException> problems;
        private final Set<String> failed = new HashSet<>();

        Fields(String rule, JsonNode node, List<RulesException> problems) {
            this.rule = rule;
            this.node = node;
            this.problems = problems;
        }

        void problem(String field, String problem) {
            failed.add(field);
            problems.add(new RulesException(rule, field, problem));
        }

        /** Whether a problem was recorded for {@code field}. */
        boolean failed(String field) {
            return failed.contains(field);
        }

        /** Runs a check that throws its problem; false (and the problem recorded) when it did. */
        boolean check(Runnable check) {
            try {
                check.run();
                return true;
            } catch (RulesException e) {
                failed.add(e.field());
                problems.add(e);
                return false;
            }
        }

        String string(String field, String dflt) {
            JsonNode v = node.get(field);
            if (v == null || v.isNull()) {
                return dflt;
            }
            if (!v.isTextual()) {
                problem(field, "must be a string, got " + v);
                return null;
            }
            return v.asText();
        }

        Double number(String field) {
            JsonNode v = node.get(field);
            if (v == null || v.isNull()) {
                problem(field, "required");
                return null;
            }
            if (!v.isNumber() || !Double.isFinite(v.asDouble())) {
                problem(field, "must be a number, got " + v);
                return null;
            }
            return v.asDouble();
        }

        long integer(String field, long dflt, long min, long max) {
            JsonNode v = node.get(field);
            if (v == null || v.isNull()) {
                return dflt;
            }
            if (!v.isIntegralNumber() && !(v.isNumber() && v.asDouble() == Math.rint(v.asDouble()))) {
                problem(field, "must be a whole number, got " + v);
                return dflt;
            }
            if (!v.canConvertToLong()) { // asLong() would wrap it round to some other number
                problem(field, (v.asDouble() < 0 ? "must be at least " + min : "must be at most " + max)
                        + ", got " + v);
                return dflt;
            }
            long n = v.asLong();
            if (n < min || n > max) {
                problem(field, "must be at least " + min + (max == Long.MAX_VALUE ? "" : " and at most " + max)
                        + ", got " + n);
                return dflt;
            }
            return n;
        }

        boolean bool(String field, boolean dflt) {
            JsonNode v = node.get(field);
            if (v == null || v.isNull()) {
                return dflt;
            }
            if (!v.isBoolean()) {
                problem(field, "must be true or false, got " + v);
                return dflt;
            }
            return v.asBoolean();
        }

        List<String> globs(String field, boolean required) {
            JsonNode v = node.get(field);
            if (v == null || v.isNull()) {
                if (required) {
                    problem(field, "required (a list of globs on " + (field.equals("models")
                            ? "model_id, e.g. [\"fraud*\"])" : "model_version)"));
                }
                return List.of();
            }
            List<JsonNode> items = new ArrayList<>();
            if (v.isTextual()) {
                items.add(v);
            } else if (v.isArray()) {
                v.forEach(items::add);
            } else {
                problem(field, "must be a list of strings, got " + v);
                return List.of();
            }
            if (items.isEmpty()) {
                problem(field, "must not be empty");
                return List.of();
            }
            Set<String> out = new LinkedHashSet<>();
            for (JsonNode item : items) {
                if (!item.isTextual() || item.asText().isBlank()) {
                    problem(field, "every entry must be a non-blank string, got " + item);
                    return List.of();
                }
                out.add(item.asText());
            }
            return List.copyOf(out);
        }
    }
}
