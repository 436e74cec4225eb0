package io.modelwatch.ingest;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;

/**
 * The tree-based parser EventParser replaced (ObjectMapper.readTree per record), kept verbatim as the
 * reference EventParserEquivalenceTest compares the streaming parser with: same outcome, reason and message.
 * One rule came later, written here in the plainest way: given the slice tags, the tree's {@code tags} object
 * is cut to those names before it is checked (the whole record was read first, so a syntax error anywhere
 * still wins), and the checks apply to what is left.
 */
final class LegacyEventParser {

    /** One JSON object a record: trailing content ("{...} x", "{...}{...}") is an error. */
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private final IngestLimits limits;
    /** The tags kept, or null: every tag. */
    private final java.util.Set<String> keptTags;

    LegacyEventParser(IngestLimits limits) {
        this(limits, null);
    }

    LegacyEventParser(IngestLimits limits, java.util.Collection<String> keptTags) {
        this.limits = limits;
        this.keptTags = keptTags == null ? null : java.util.Set.copyOf(keptTags);
    }

    public Prediction parsePrediction(byte[] value) throws BadInputException {
        JsonNode root = parseObject(value);
        String id = requiredString(root, "prediction_id");
        String model = notReserved("model_id", requiredString(root, "model_id"));
        String version = notReserved("model_version", optionalString(root, "model_version", ""));
        long ts = timestamp(root);
        String predicted = classLabel(root, "predicted");
        ScoreRow row = scores(root.get("scores"));
        String[][] tags = tags(root.get("tags"));
        return new Prediction(id, model, version, ts, predicted, row.classes, row.values, tags[0], tags[1]);
    }

    public Label parseLabel(byte[] value) throws BadInputException {
        JsonNode root = parseObject(value);
        return new Label(requiredString(root, "prediction_id"), classLabel(root, "label"), timestamp(root));
    }

    private JsonNode parseObject(byte[] value) throws BadInputException {
        if (value == null) {
            throw new BadInputException(RejectReason.NULL_VALUE, "record value is null (a tombstone)");
        }
        if (value.length > limits.maxRecordBytes()) {
            throw new BadInputException(RejectReason.OVERSIZED_RECORD,
                    "record of " + value.length + " bytes exceeds the limit of " + limits.maxRecordBytes());
        }
        JsonNode root;
        try {
            root = MAPPER.readTree(value);
        } catch (JsonEOFException e) {
            throw new BadInputException(RejectReason.TRUNCATED_JSON, "JSON ends early: " + firstLine(e));
        } catch (IOException e) {
            if (!isUtf8(value)) {
                throw new BadInputException(RejectReason.NOT_UTF8, EventParser.notUtf8(value));
            }
            if (e instanceof JsonParseException && e.getMessage() != null && e.getMessage().contains("end-of-input")) {
                throw new BadInputException(RejectReason.TRUNCATED_JSON, "JSON ends early: " + firstLine(e));
            }
            throw new BadInputException(RejectReason.NOT_JSON, "not JSON: " + firstLine(e));
        }
        if (root == null || root.isMissingNode()) {
            throw new BadInputException(RejectReason.NOT_JSON, "empty record value");
        }
        if (!root.isObject()) {
            throw new BadInputException(RejectReason.NOT_AN_OBJECT,
                    "expected a JSON object, got " + root.getNodeType().name().toLowerCase());
        }
        if (!isUtf8(value)) {
            throw new BadInputException(RejectReason.NOT_UTF8, EventParser.notUtf8(value));
        }
        return root;
    }

    /** UTF-8 JSON text: decodes as UTF-8 and does not open like UTF-16 or UTF-32 text (a NUL in 4 bytes). */
    private static boolean isUtf8(byte[] value) {
        for (int i = 0; i < value.length && i < 4; i++) {
            if (value[i] == 0) {
                return false;
            }
        }
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(value));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    private static String firstLine(IOException e) {
        String m = e instanceof com.fasterxml.jackson.core.JacksonException je ? je.getOriginalMessage() : e.getMessage();
        int nl = m.indexOf('\n');
        return EventParser.plain(nl < 0 ? m : m.substring(0, nl));
    }

    private String requiredString(JsonNode root, String field) throws BadInputException {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            throw missing(n, field);
        }
        if (!n.isTextual()) {
            throw new BadInputException(RejectReason.WRONG_TYPE,
                    "field '" + field + "' must be a string, got " + n.getNodeType().name().toLowerCase());
        }
        return checkedText(field, n.textValue());
    }

    private String optionalString(JsonNode root, String field, String fallback) throws BadInputException {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            return fallback;
        }
        if (n.isTextual()) {
            return checkedLength(field, n.textValue());
        }
        if (n.isIntegralNumber()) {
            return checkedLength(field, n.asText());
        }
        throw new BadInputException(RejectReason.WRONG_TYPE, "field '" + field + "' must be a string or an integer");
    }

    // the wording of the parser that replaced this one (null said apart from absent): the same, for the equivalence
    private static BadInputException missing(JsonNode n, String field) {
        return new BadInputException(RejectReason.MISSING_FIELD, n != null
                ? "field '" + field + "' is null" : "missing field '" + field + "'");
    }

    /** Class labels: strings, or integers that mean the class of their decimal string. */
    private String classLabel(JsonNode root, String field) throws BadInputException {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            throw missing(n, field);
        }
        if (n.isTextual()) {
            return checkedText(field, n.textValue());
        }
        if (n.isIntegralNumber()) {
            return checkedLength(field, n.bigIntegerValue().toString());
        }
        if (n.isNumber()) {
            throw new BadInputException(RejectReason.WRONG_TYPE,
                    "field '" + field + "' must be a string or an integer, got a non-integer number " + n.asText());
        }
        throw new BadInputException(RejectReason.WRONG_TYPE,
                "field '" + field + "' must be a string or an integer, got " + n.getNodeType().name().toLowerCase());
    }

    private String checkedText(String field, String text) throws BadInputException {
        if (text.isEmpty()) {
            throw new BadInputException(RejectReason.EMPTY_FIELD, "field '" + field + "' is empty");
        }
        return checkedLength(field, text);
    }

    private String checkedLength(String field, String text) throws BadInputException {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == 0) {
                throw new BadInputException(RejectReason.NUL_CHARACTER, "field '" + field
                        + "' holds the NUL character U+0000 (not allowed in ids, names, classes and tags)");
            }
            boolean pair = Character.isHighSurrogate(c) && i + 1 < text.length()
                    && Character.isLowSurrogate(text.charAt(i + 1));
            if (pair) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new BadInputException(RejectReason.NOT_UTF8, "field '" + field + "' holds an unpaired surrogate "
                        + String.format("\\u%04X", (int) c) + " (not encodable as UTF-8)");
            }
        }
        if (text.length() > limits.maxFieldBytes() || utf8Length(text) > limits.maxFieldBytes()) {
            throw new BadInputException(RejectReason.OVERSIZED_FIELD,
                    "field '" + field + "' is longer than " + limits.maxFieldBytes() + " bytes");
        }
        return text;
    }

    private static String notReserved(String field, String text) throws BadInputException {
        if (text.equals("__overflow__")) {
            throw new BadInputException(RejectReason.RESERVED_VALUE, "field '" + field + "' is '__overflow__', reserved"
                    + " for what modelwatch counts beyond its cardinality limits");
        }
        return text;
    }

    private static int utf8Length(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            n += c < 0x80 ? 1 : c < 0x800 ? 2 : Character.isSurrogate(c) ? 2 : 3;
        }
        return n;
    }

    private long timestamp(JsonNode root) throws BadInputException {
        JsonNode n = root.get("timestamp");
        if (n == null || n.isNull()) {
            throw missing(n, "timestamp");
        }
        long ts;
        if (n.isIntegralNumber() && n.canConvertToLong()) {
            ts = n.longValue();
        } else if (n.isNumber()) {
            double d = n.doubleValue();
            if (!Double.isFinite(d) || d != Math.rint(d)) {
                throw new BadInputException(RejectReason.BAD_TIMESTAMP,
                        "timestamp must be whole epoch milliseconds, got " + n.asText());
            }
            if (Math.abs(d) > 9e15) {
                throw new BadInputException(RejectReason.TIMESTAMP_OUT_OF_RANGE, "timestamp " + n.asText()
                        + " is outside [" + Instant.ofEpochMilli(limits.minTimestampMs()) + ", "
                        + Instant.ofEpochMilli(limits.maxTimestampMs()) + ")");
            }
            ts = (long) d;
        } else if (n.isTextual()) {
            ts = parseInstant(n.textValue());
        } else {
            throw new BadInputException(RejectReason.WRONG_TYPE,
                    "timestamp must be epoch milliseconds or an ISO-8601 string");
        }
        if (ts < limits.minTimestampMs() || ts >= limits.maxTimestampMs()) {
            // the hint for epoch seconds came after this parser: the same words, so that the equivalence holds
            boolean seconds = !n.isTextual() && ts > 0 && ts < Long.MAX_VALUE / 1000
                    && ts * 1000 >= limits.minTimestampMs() && ts * 1000 < limits.maxTimestampMs();
            throw new BadInputException(RejectReason.TIMESTAMP_OUT_OF_RANGE, "timestamp " + ts
                    + " is outside [" + Instant.ofEpochMilli(limits.minTimestampMs()) + ", "
                    + Instant.ofEpochMilli(limits.maxTimestampMs()) + ")" + (seconds ? "; as epoch seconds it would be "
                    + Instant.ofEpochSecond(ts) + ", but the contract's numbers are epoch milliseconds" : ""));
        }
        if (limits.maxFutureMs() != IngestLimits.NO_FUTURE_BOUND
                && ts - System.currentTimeMillis() > limits.maxFutureMs()) {
            throw new BadInputException(RejectReason.TIMESTAMP_OUT_OF_RANGE, "timestamp " + Instant.ofEpochMilli(ts)
                    + " is more than " + java.time.Duration.ofMillis(limits.maxFutureMs()) + " ahead of the clock");
        }
        return ts;
    }

    private static long parseInstant(String text) throws BadInputException {
        String iso = text.replace(',', '.'); // ISO-8601's decimal comma
        try {
            try {
                return Instant.parse(iso).toEpochMilli();
            } catch (DateTimeParseException e) {
                return OffsetDateTime.parse(iso).toInstant().toEpochMilli();
            }
        } catch (DateTimeParseException e) {
            throw new BadInputException(RejectReason.BAD_TIMESTAMP,
                    "timestamp '" + abbreviate(text) + "' is not an ISO-8601 instant");
        } catch (ArithmeticException e) {
            throw new BadInputException(RejectReason.TIMESTAMP_OUT_OF_RANGE,
                    "timestamp '" + abbreviate(text) + "' is out of range");
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 64 ? s : s.substring(0, 64) + "...";
    }

    private record ScoreRow(String[] classes, double[] values) {
    }

    private static final ScoreRow NO_SCORES = new ScoreRow(new String[0], new double[0]);

    private ScoreRow scores(JsonNode n) throws BadInputException {
        if (n == null || n.isNull()) {
            return NO_SCORES;
        }
        if (!n.isObject()) {
            throw new BadInputException(RejectReason.WRONG_TYPE, "field 'scores' must be an object of class -> probability");
        }
        int size = n.size();
        if (size > limits.maxScoreClasses()) {
            throw new BadInputException(RejectReason.OVERSIZED_FIELD,
                    "scores has " + size + " classes, more than " + limits.maxScoreClasses());
        }
        String[] classes = new String[size];
        int i = 0;
        Iterator<Map.Entry<String, JsonNode>> it = n.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            classes[i++] = checkedText("scores key", e.getKey());
        }
        Arrays.sort(classes);
        double[] values = new double[size];
        double sum = 0;
        for (i = 0; i < size; i++) {
            JsonNode v = n.get(classes[i]);
            if (!v.isNumber() && !(v.isTextual() && isNonFinite(v.textValue()))) {
                throw new BadInputException(RejectReason.WRONG_TYPE, "score of class '" + classes[i] + "' is not a number");
            }
            double d = v.isNumber() ? v.doubleValue() : Double.NaN;
            if (!Double.isFinite(d) || d < 0 || d > 1) {
                throw new BadInputException(RejectReason.BAD_SCORE,
                        "score of class '" + classes[i] + "' must be a probability in [0, 1], got "
                                + (v.isNumber() && Double.isInfinite(d) ? "a number beyond a double's range" : v.asText()));
            }
            values[i] = d;
            sum += d;
        }
        if (size > 0 && !limits.sumsToOne(sum)) {
            throw new BadInputException(RejectReason.SCORES_NOT_NORMALISED,
                    "scores sum to " + IngestLimits.readable(sum) + ", not 1 (tolerance " + limits.scoreSumTolerance() + ")");
        }
        return new ScoreRow(classes, values);
    }

    private static boolean isNonFinite(String s) {
        return s.equals("NaN") || s.endsWith("Infinity");
    }

    private String[][] tags(JsonNode n) throws BadInputException {
        if (n == null || n.isNull()) {
            return new String[][] {new String[0], new String[0]};
        }
        if (!n.isObject()) {
            throw new BadInputException(RejectReason.WRONG_TYPE, "field 'tags' must be an object of string -> string");
        }
        if (keptTags != null) {
            com.fasterxml.jackson.databind.node.ObjectNode kept = ((com.fasterxml.jackson.databind.node.ObjectNode) n)
                    .deepCopy();
            kept.retain(keptTags);
            n = kept;
        }
        if (n.size() > limits.maxTags()) {
            throw new BadInputException(RejectReason.TOO_MANY_TAGS,
                    n.size() + " tags, more than the limit of " + limits.maxTags());
        }
        String[] names = new String[n.size()];
        int i = 0;
        Iterator<String> it = n.fieldNames();
        while (it.hasNext()) {
            names[i++] = checkedText("tag name", it.next());
        }
        Arrays.sort(names);
        String[] values = new String[names.length];
        for (i = 0; i < names.length; i++) {
            JsonNode v = n.get(names[i]);
            if (v.getNodeType() != JsonNodeType.STRING) {
                throw new BadInputException(RejectReason.WRONG_TYPE, "tag '" + names[i] + "' must be a string");
            }
            values[i] = notReserved("tag " + names[i], checkedLength("tag " + names[i], v.textValue()));
        }
        return new String[][] {names, values};
    }
}
