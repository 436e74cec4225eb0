package io.modelwatch.alerts;

/**
 * An invalid alert rule. The message names the rule (or its position when it has no name) and
 * the field, e.g. {@code rule 'f1-floor': field 'below': must be a number, got "high"}.
 */
public final class RulesException extends RuntimeException {

    private final String rule;
    private final String field;
    private final int position;

    public RulesException(String rule, String field, String problem) {
        this(rule, field, problem, 0);
    }

    private RulesException(String rule, String field, String problem, int position) {
        super(prefix(rule, field, position) + problem);
        this.rule = rule;
        this.field = field;
        this.position = position;
    }

    /** The same problem, its rule also named by its position in the file (#n): the file names two rules so. */
    RulesException at(int position) {
        String problem = getMessage().substring(prefix(rule, field, 0).length());
        return new RulesException(rule, field, problem, position);
    }

    private RulesException(String message) {
        super(message);
        this.rule = null;
        this.field = null;
        this.position = 0;
    }

    /**
     * Every problem at once, one a line (a single one as it is): of a rules file, or of one rule (the topic's).
     */
    static RulesException all(java.util.List<RulesException> problems) {
        if (problems.size() == 1) {
            return problems.get(0);
        }
        // two rules of one name (a duplicate) are two rules: count them by name and position
        long rules = problems.stream().map(p -> p.rule + "#" + p.position).distinct().count();
        String one = problems.get(0).rule;
        StringBuilder b = new StringBuilder(rules == 1 && one != null
                ? problems.size() + " problems in " + prefix(one, null).replaceFirst(": $", ":")
                : rules + " invalid rules" + (problems.size() > rules ? " (" + problems.size() + " problems)" : "") + ":");
        problems.forEach(p -> b.append("\n  ").append(p.getMessage()));
        return new RulesException(b.toString());
    }

    private static String prefix(String rule, String field) {
        return prefix(rule, field, 0);
    }

    private static String prefix(String rule, String field, int position) {
        StringBuilder b = new StringBuilder();
        if (rule != null) {
            b.append(rule.startsWith("#") ? "rule " + rule : "rule '" + rule + "'");
            if (position > 0) {
                b.append(" (#").append(position).append(')');
            }
        } else {
            b.append("rules");
        }
        if (field != null) {
            b.append(": field '").append(field).append('\'');
        }
        return b.append(": ").toString();
    }

    /** The rule's name, or {@code #n} (1-based position in the file) when it has none; null for the file. */
    public String rule() {
        return rule;
    }

    /** The offending field, or null when the problem is the rule as a whole. */
    public String field() {
        return field;
    }
}
