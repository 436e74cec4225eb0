package io.modelwatch.alerts;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.util.Arrays;

/**
 * A record of the rules topic as the {@code alert-rules} store holds it, bytes, decoded here. Kafka's
 * {@code StringDeserializer} turns bytes that are not UTF-8 into U+FFFD without a word, and a rule for a model
 * so named would never match anything; such a record is unreadable instead, saying where.
 *
 * @param encodingProblem null when key and value are UTF-8
 */
public record RulesTopicEntry(String name, String json, String encodingProblem) {

    public static RulesTopicEntry decode(byte[] key, byte[] value) {
        String name = new String(key, UTF_8);
        String json = new String(value, UTF_8);
        int badKey = firstReplaced(key, name);
        int badValue = firstReplaced(value, json);
        String problem = badKey >= 0 ? "its key is not valid UTF-8 (byte " + badKey + ")"
                : badValue >= 0 ? "not valid UTF-8 (byte " + badValue + " of the value)" : null;
        return new RulesTopicEntry(name, json, problem);
    }

    /** Where decoding replaced a byte: valid UTF-8 encodes back to the same bytes. -1 when none. */
    static int firstReplaced(byte[] bytes, String decoded) {
        return Arrays.mismatch(bytes, decoded.getBytes(UTF_8));
    }

    /** The rule, checked against the topology's {@code rolling}; a {@link RulesException} says why not. */
    AlertRule rule(int rolling) {
        if (encodingProblem != null) {
            throw new RulesException(name, null, encodingProblem);
        }
        AlertRule rule = Rules.parseJson(name, json);
        Rules.checkAgainst(rule, rolling);
        return rule;
    }
}
