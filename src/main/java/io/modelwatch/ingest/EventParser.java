package io.modelwatch.ingest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.core.io.NumberOutput;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.math.BigInteger;
import java.nio.ByteOrder;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Parses and validates the JSON events of the contract (see README, "Event contract").
 *
 * <p>One streaming pass over the bytes (no Jackson tree): the whole document is read first, so that a
 * syntax error anywhere wins over a validation error, exactly as with the tree parse this replaces
 * ({@code ObjectMapper.readTree} with {@code FAIL_ON_TRAILING_TOKENS}): the same token calls in the same
 * order (so the same exceptions and messages), duplicate keys keep the last value, numbers keep their
 * tree semantics (int / long / big integer / double). Then the fields are checked in the same order with
 * the same reasons and messages. The common shape (ASCII strings without escapes, plain decimals) is read
 * first by {@link PlainJsonReader}, without Jackson; anything else falls back to the Jackson pass.
 *
 * <p>Tags: a parser made with the slice dimensions ({@link #EventParser(IngestLimits, List)}, as the topology's
 * and replay's are) keeps only the tags of those names. Any other tag is read as JSON, as an unknown field is
 * (so a malformed document is still {@code not_json}), and dropped unchecked: nothing downstream reads it, so
 * its name or value (empty, NUL, {@code __overflow__}, oversized, not a string) cannot cost the prediction,
 * and it is not carried through the join-input topic. The kept tags are checked as every tag was, and only
 * they count towards {@link IngestLimits#maxTags()}: the limit bounds what a prediction carries into the join's
 * state and the repartition topic, which a dropped tag does not reach.
 */
public final class EventParser {

    /** Thread-safe and shared: parsers created from it share its canonicalised field names. */
    private static final JsonFactory JSON = new JsonFactory();
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);
    private static final String[] NONE = new String[0];
    private static final double[] NO_SCORES = new double[0];

    /** Tests only: called once per parse (prediction or label) that reaches the JSON reader. */
    static volatile Runnable parseHook;

    private final IngestLimits limits;
    /** The tags kept (the slice dimensions), or null: every tag. */
    private final KeptTags keptTags;

    /** A parser that keeps every tag: the whole event as the contract allows it (tests, tools). */
    public EventParser(IngestLimits limits) {
        this(limits, null);
    }

    /**
     * A parser that keeps only the tags named in {@code keptTags} (the slice dimensions; none for an empty
     * list), or every tag for null. See the class comment.
     */
    public EventParser(IngestLimits limits, List<String> keptTags) {
        this.limits = limits;
        this.keptTags = keptTags == null ? null : new KeptTags(keptTags);
    }

    IngestLimits limits() {
        return limits;
    }

    /**
     * Whether {@code other} gives every record of that kind ({@code prediction} or label) the outcome this
     * parser gives it: the same limits, and for predictions the same tags kept.
     */
    boolean judgesAlike(EventParser other, boolean prediction) {
        // per record (ParseHandoff): the topology's parsers share their limits' instance, so identity answers first
        return other == this || ((limits == other.limits || limits.equals(other.limits))
                && (!prediction || keptTags == other.keptTags || Objects.equals(keptTags, other.keptTags)));
    }

    public Prediction parsePrediction(byte[] value) throws BadInputException {
        Scratch s = read(value, true);
        String id = requiredString(s.predictionId, "prediction_id");
        String model = notReserved("", "model_id", requiredString(s.modelId, "model_id"));
        String version = notReserved("", "model_version", optionalString(s.modelVersion, "model_version", ""));
        long ts = timestamp(s.timestamp);
        String predicted = classLabel(s.label, "predicted");
        scores(s.scores);
        tags(s.tags);
        return new Prediction(id, model, version, ts, predicted, s.scores.outKeys, s.scores.outScores,
                s.tags.outKeys, s.tags.outValues);
    }

    public Label parseLabel(byte[] value) throws BadInputException {
        Scratch s = read(value, false);
        String id = requiredString(s.predictionId, "prediction_id");
        String label = classLabel(s.label, "label");
        return new Label(id, label, timestamp(s.timestamp));
    }

    // ------------------------------------------------------------------ reading

    /** What a field held: absent, or the JSON type of its (last) value, with the value for scalars. */
    static final byte ABSENT = 0;
    static final byte NULL = 1;
    static final byte STRING = 2;
    /** An integer that fits a long (an int or long node of the tree). */
    static final byte INT = 3;
    /** An integer beyond a long (a big integer node). */
    static final byte BIG_INT = 4;
    static final byte FLOAT = 5;
    static final byte BOOLEAN = 6;
    static final byte OBJECT = 7;
    static final byte ARRAY = 8;

    private static String typeName(byte kind) {
        return switch (kind) {
            case NULL -> "null";
            case STRING -> "string";
            case INT, BIG_INT, FLOAT -> "number";
            case BOOLEAN -> "boolean";
            case OBJECT -> "object";
            case ARRAY -> "array";
            default -> "missing";
        };
    }

    /** One top-level field. */
    static final class Slot {
        byte kind;
        String text;
        long lng;
        BigInteger big;
        double dbl;
    }

    /** An object of name -> value (scores, tags: the kept ones), entries in document order, duplicates included. */
    static final class Entries {
        byte kind;
        int count;
        String[] keys = new String[8];
        byte[] kinds = new byte[8];
        long[] lngs = new long[8];
        double[] dbls = new double[8];
        Object[] objs = new Object[8]; // the text of a string, the value of a big integer
        // the outcome of the checks
        String[] outKeys;
        double[] outScores;
        String[] outValues;
        int[] order = new int[8];

        void reset() {
            kind = ABSENT;
            if (keys.length > 1024) { // a huge record once: do not keep its buffers
                keys = new String[8];
                kinds = new byte[8];
                lngs = new long[8];
                dbls = new double[8];
                objs = new Object[8];
                order = new int[8];
            }
            count = 0;
            outKeys = null;
            outScores = null;
            outValues = null;
        }

        int add(String key) {
            if (count == keys.length) {
                int n = count * 2;
                keys = Arrays.copyOf(keys, n);
                kinds = Arrays.copyOf(kinds, n);
                lngs = Arrays.copyOf(lngs, n);
                dbls = Arrays.copyOf(dbls, n);
                objs = Arrays.copyOf(objs, n);
                order = new int[n];
            }
            keys[count] = key;
            objs[count] = null;
            return count++;
        }
    }

    static final class Scratch {
        final Slot predictionId = new Slot();
        final Slot modelId = new Slot();
        final Slot modelVersion = new Slot();
        final Slot timestamp = new Slot();
        /** {@code predicted} of a prediction, {@code label} of a label. */
        final Slot label = new Slot();
        final Entries scores = new Entries();
        final Entries tags = new Entries();
        final PlainJsonReader plain = new PlainJsonReader();

        void reset() {
            predictionId.kind = ABSENT;
            modelId.kind = ABSENT;
            modelVersion.kind = ABSENT;
            timestamp.kind = ABSENT;
            label.kind = ABSENT;
            scores.reset();
            tags.reset();
        }
    }

    /** FAIL_ON_TRAILING_TOKENS, with the message databind gives it. */
    private static final class TrailingTokenException extends IOException {
        TrailingTokenException(JsonToken t) {
            super("Trailing token (of type " + t + ") found after value (bound as "
                    + "`com.fasterxml.jackson.databind.JsonNode`): not allowed as per "
                    + "`DeserializationFeature.FAIL_ON_TRAILING_TOKENS`");
        }
    }

    private Scratch read(byte[] value, boolean prediction) throws BadInputException {
        if (value == null) {
            throw new BadInputException(RejectReason.NULL_VALUE, "record value is null (a tombstone)");
        }
        if (value.length > limits.maxRecordBytes()) {
            throw new BadInputException(RejectReason.OVERSIZED_RECORD,
                    "record of " + value.length + " bytes exceeds the limit of " + limits.maxRecordBytes());
        }
        Runnable hook = parseHook;
        if (hook != null) {
            hook.run();
        }
        Scratch s = SCRATCH.get();
        s.reset();
        if (s.plain.read(value, s, prediction, keptTags)) {
            return s; // the common shape, read without Jackson (all ASCII, so valid UTF-8)
        }
        s.reset();
        byte root;
        try (JsonParser p = JSON.createParser(value)) {
            JsonToken t = p.nextToken();
            if (t == null) {
                throw new BadInputException(RejectReason.NOT_JSON, "empty record value");
            }
            if (t == JsonToken.START_OBJECT) {
                root = OBJECT;
                readFields(p, s, prediction, keptTags);
            } else {
                root = kind(t);
                skip(p, t);
            }
            JsonToken trailing = p.nextToken();
            if (trailing != null) {
                throw new TrailingTokenException(trailing);
            }
        } catch (JsonEOFException e) {
            throw new BadInputException(RejectReason.TRUNCATED_JSON, "JSON ends early: " + firstLine(e));
        } catch (IOException e) {
            if (!isUtf8Text(value)) {
                throw new BadInputException(RejectReason.NOT_UTF8, notUtf8(value));
            }
            if (e instanceof JsonParseException && e.getMessage() != null && e.getMessage().contains("end-of-input")) {
                throw new BadInputException(RejectReason.TRUNCATED_JSON, "JSON ends early: " + firstLine(e));
            }
            throw new BadInputException(RejectReason.NOT_JSON, "not JSON: " + firstLine(e));
        }
        if (root != OBJECT) {
            throw new BadInputException(RejectReason.NOT_AN_OBJECT, "expected a JSON object, got " + typeName(root));
        }
        if (!isUtf8Text(value)) {
            throw new BadInputException(RejectReason.NOT_UTF8, notUtf8(value));
        }
        return s;
    }

    /** The top-level object, after its START_OBJECT: the fields we know, the rest skipped (and tags not kept). */
    private static void readFields(JsonParser p, Scratch s, boolean prediction, KeptTags kept) throws IOException {
        for (String name = p.nextFieldName(); name != null; name = p.nextFieldName()) {
            JsonToken t = p.nextToken();
            Slot slot = null;
            Entries entries = null;
            switch (name) {
                case "prediction_id" -> slot = s.predictionId;
                case "timestamp" -> slot = s.timestamp;
                case "model_id" -> slot = prediction ? s.modelId : null;
                case "model_version" -> slot = prediction ? s.modelVersion : null;
                case "predicted" -> slot = prediction ? s.label : null;
                case "label" -> slot = prediction ? null : s.label;
                case "scores" -> entries = prediction ? s.scores : null;
                case "tags" -> entries = prediction ? s.tags : null;
                default -> {
                }
            }
            if (slot != null) {
                readValue(p, t, slot);
            } else if (entries != null) {
                readEntries(p, t, entries, entries == s.tags ? kept : null);
            } else {
                skip(p, t);
            }
        }
    }

    private static byte kind(JsonToken t) throws IOException {
        if (t == null) {
            throw new JsonParseException(null, "unexpected end of tokens");
        }
        return switch (t) {
            case VALUE_STRING -> STRING;
            case VALUE_NUMBER_INT -> INT;
            case VALUE_NUMBER_FLOAT -> FLOAT;
            case VALUE_TRUE, VALUE_FALSE -> BOOLEAN;
            case VALUE_NULL -> NULL;
            case START_OBJECT -> OBJECT;
            case START_ARRAY -> ARRAY;
            default -> throw new JsonParseException(null, "unexpected token " + t);
        };
    }

    /** A field's value as the tree would hold it (the same parser calls, hence the same errors). */
    private static void readValue(JsonParser p, JsonToken t, Slot slot) throws IOException {
        byte kind = kind(t);
        switch (kind) {
            case STRING -> slot.text = p.getText();
            case INT -> {
                if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                    kind = BIG_INT;
                    slot.big = p.getBigIntegerValue();
                } else {
                    slot.lng = p.getLongValue();
                }
            }
            case FLOAT -> slot.dbl = p.getDoubleValue();
            default -> skip(p, t);
        }
        slot.kind = kind;
    }

    /**
     * scores or tags: an object's entries (each value as {@link #readValue} would read it), or its type. With
     * {@code kept} (tags), an entry of another name is skipped as an unknown field is, and not added.
     */
    private static void readEntries(JsonParser p, JsonToken t, Entries e, KeptTags kept) throws IOException {
        e.reset(); // a duplicate key: the last value wins
        e.kind = kind(t);
        if (t != JsonToken.START_OBJECT) {
            skip(p, t);
            return;
        }
        for (String name = p.nextFieldName(); name != null; name = p.nextFieldName()) {
            JsonToken v = p.nextToken();
            byte kind = kind(v);
            if (kept != null) {
                String keptName = kept.find(name);
                if (keptName == null) {
                    skip(p, v);
                    continue;
                }
                name = keptName;
            }
            int i = e.add(name);
            switch (kind) {
                case STRING -> e.objs[i] = p.getText();
                case INT -> {
                    if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                        kind = BIG_INT;
                        BigInteger big = p.getBigIntegerValue();
                        e.objs[i] = big;
                        e.dbls[i] = big.doubleValue();
                    } else {
                        long l = p.getLongValue();
                        e.lngs[i] = l;
                        e.dbls[i] = l;
                    }
                }
                case FLOAT -> e.dbls[i] = p.getDoubleValue();
                default -> skip(p, v);
            }
            e.kinds[i] = kind;
        }
    }

    /**
     * Skips the value at the current token, through the same tokens the tree parse reads: names with
     * {@code nextFieldName} in objects, {@code nextToken} in arrays, and every string decoded (an error
     * inside a string is only found when it is decoded).
     */
    private static void skip(JsonParser p, JsonToken t) throws IOException {
        if (t == JsonToken.VALUE_STRING) {
            p.finishToken();
            return;
        }
        if (t != JsonToken.START_OBJECT && t != JsonToken.START_ARRAY) {
            return;
        }
        int depth = 1;
        while (depth > 0) {
            JsonToken n;
            if (p.getParsingContext().inObject()) {
                if (p.nextFieldName() == null) { // END_OBJECT
                    depth--;
                    continue;
                }
                n = p.nextToken();
            } else {
                n = p.nextToken();
                if (n == JsonToken.END_ARRAY) {
                    depth--;
                    continue;
                }
            }
            if (n == JsonToken.START_OBJECT || n == JsonToken.START_ARRAY) {
                depth++;
            } else if (n == JsonToken.VALUE_STRING) {
                p.finishToken();
            } else if (n == null) {
                throw new JsonParseException(p, "unexpected end of tokens");
            }
        }
    }

    // ------------------------------------------------------------------ UTF-8

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    /**
     * Strictly valid UTF-8 that the JSON parser reads as UTF-8: it guesses UTF-16 or UTF-32 from a NUL among
     * the first four bytes (which UTF-8 JSON text never starts with) and would read such text happily. A NUL
     * further on is no encoding question: the parser refuses it as JSON.
     */
    /** Why a record value is no UTF-8 text, in words: a NUL among its first bytes is another encoding's. */
    static String notUtf8(byte[] v) {
        for (int i = 0; i < Math.min(4, v.length); i++) {
            if (v[i] == 0) {
                return "record value is not UTF-8 text: a NUL among its first four bytes, as UTF-16 or UTF-32 text "
                        + "has (the contract is UTF-8 JSON)";
            }
        }
        return "record value is not valid UTF-8";
    }

    static boolean isUtf8Text(byte[] v) {
        for (int i = 0; i < Math.min(4, v.length); i++) {
            if (v[i] == 0) {
                return false;
            }
        }
        return isUtf8(v);
    }

    /** Strictly valid UTF-8, as the JDK's decoder reports it (no overlong forms, surrogates or beyond U+10FFFF). */
    static boolean isUtf8(byte[] v) {
        int n = v.length;
        int i = 0;
        long or = 0;
        for (; i + 8 <= n; i += 8) {
            or |= (long) LONGS.get(v, i);
        }
        for (; i < n; i++) {
            or |= v[i];
        }
        if ((or & 0x8080808080808080L) == 0) {
            return true; // ASCII, the common case
        }
        return isUtf8Strict(v);
    }

    private static boolean isUtf8Strict(byte[] v) {
        int n = v.length;
        int i = 0;
        while (i < n) {
            int b = v[i] & 0xFF;
            if (b < 0x80) {
                i++;
                continue;
            }
            int need;
            int lo = 0x80;
            int hi = 0xBF;
            if (b >= 0xC2 && b <= 0xDF) {
                need = 1;
            } else if (b >= 0xE0 && b <= 0xEF) {
                need = 2;
                if (b == 0xE0) {
                    lo = 0xA0;
                } else if (b == 0xED) {
                    hi = 0x9F;
                }
            } else if (b >= 0xF0 && b <= 0xF4) {
                need = 3;
                if (b == 0xF0) {
                    lo = 0x90;
                } else if (b == 0xF4) {
                    hi = 0x8F;
                }
            } else {
                return false;
            }
            if (i + need >= n) { // the sequence is cut off
                return false;
            }
            int c = v[i + 1] & 0xFF;
            if (c < lo || c > hi) {
                return false;
            }
            for (int k = 2; k <= need; k++) {
                c = v[i + k] & 0xFF;
                if (c < 0x80 || c > 0xBF) {
                    return false;
                }
            }
            i += need + 1;
        }
        return true;
    }

    private static String firstLine(IOException e) {
        String m = e instanceof com.fasterxml.jackson.core.JacksonException je ? je.getOriginalMessage() : e.getMessage();
        int nl = m.indexOf('\n');
        return plain(nl < 0 ? m : m.substring(0, nl));
    }

    /**
     * The JSON parser's message without its advice to the programmer (features to enable, the class it would
     * bind to), which an operator reading the dead-letter topic cannot act on.
     */
    static String plain(String message) {
        // the parser's bounds (StreamReadConstraints), said without its class names
        if (message.startsWith("Document nesting depth (")) {
            return "nested deeper than the parser's limit of 1000 levels";
        }
        if (message.startsWith("Number value length (") || message.startsWith("Number length (")) {
            return "a number of more than the parser's limit of 1000 digits";
        }
        if (message.startsWith("Name length (")) {
            return "a field name longer than the parser's limit of 50000 characters";
        }
        if (message.startsWith("Trailing token")) {
            return "more content after the JSON object (one JSON object per record)";
        }
        if (message.startsWith("Non-standard token '")) {
            int end = message.indexOf('\'', "Non-standard token '".length());
            String token = end < 0 ? "?" : message.substring("Non-standard token '".length(), end);
            return token + " is not a JSON number (JSON has neither NaN nor Infinity)";
        }
        for (String advice : new String[] {": enable `", " (not recognized as one since Feature", "; enable `",
                " (or enable `", " (for Object value)", " (start marker at [Source"}) {
            int i = message.indexOf(advice);
            if (i > 0) {
                message = message.substring(0, i);
            }
        }
        return message;
    }

    // ------------------------------------------------------------------ checks

    private String requiredString(Slot n, String field) throws BadInputException {
        if (n.kind == ABSENT || n.kind == NULL) {
            throw missing(n, field);
        }
        if (n.kind != STRING) {
            throw new BadInputException(RejectReason.WRONG_TYPE,
                    "field '" + field + "' must be a string, got " + typeName(n.kind));
        }
        return checkedText(field, n.text);
    }

    private String optionalString(Slot n, String field, String fallback) throws BadInputException {
        switch (n.kind) {
            case ABSENT, NULL:
                return fallback;
            case STRING:
                return checkedLength(field, n.text);
            case INT:
                return checkedLength(field, Long.toString(n.lng));
            case BIG_INT:
                return checkedLength(field, n.big.toString());
            default:
                throw new BadInputException(RejectReason.WRONG_TYPE, "field '" + field + "' must be a string or an "
                        + "integer");
        }
    }

    /** A required field absent, or sent as null: both missing_field, each said as it is. */
    private static BadInputException missing(Slot n, String field) {
        return new BadInputException(RejectReason.MISSING_FIELD, n.kind == NULL
                ? "field '" + field + "' is null" : "missing field '" + field + "'");
    }

    /** Class labels: strings, or integers that mean the class of their decimal string. */
    private String classLabel(Slot n, String field) throws BadInputException {
        switch (n.kind) {
            case ABSENT, NULL:
                throw missing(n, field);
            case STRING:
                return checkedText(field, n.text);
            case INT:
                return checkedLength(field, Long.toString(n.lng));
            case BIG_INT:
                return checkedLength(field, n.big.toString());
            case FLOAT:
                throw new BadInputException(RejectReason.WRONG_TYPE, "field '" + field
                        + "' must be a string or an integer, got a non-integer number " + NumberOutput.toString(n.dbl));
            default:
                throw new BadInputException(RejectReason.WRONG_TYPE,
                        "field '" + field + "' must be a string or an integer, got " + typeName(n.kind));
        }
    }

    private String checkedText(String field, String text) throws BadInputException {
        if (text.isEmpty()) {
            throw new BadInputException(RejectReason.EMPTY_FIELD, "field '" + field + "' is empty");
        }
        return checkedLength(field, text);
    }

    private String checkedLength(String field, String text) throws BadInputException {
        return checkedLength("", field, text);
    }

    /** The field is named {@code prefix + field} in messages, joined only for one (tags: per record otherwise). */
    private String checkedLength(String prefix, String field, String text) throws BadInputException {
        checkText(prefix, field, text);
        int max = limits.maxFieldBytes();
        // at most 3 UTF-8 bytes a char (a surrogate pair is 4 for 2): short text needs no count
        if (text.length() > max || (text.length() > max / 3 && utf8Length(text) > max)) {
            throw new BadInputException(RejectReason.OVERSIZED_FIELD,
                    "field '" + prefix + field + "' is longer than " + max + " bytes");
        }
        return text;
    }

    /**
     * A {@code \\u} escape can spell half a surrogate pair, which no UTF-8 encodes: written out again (as the
     * join key, in state) it would become '?', and distinct ids or classes would merge. U+0000 separates
     * names in state and series keys, so no name may hold it.
     */
    private static void checkText(String prefix, String field, String text) throws BadInputException {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == 0) {
                throw new BadInputException(RejectReason.NUL_CHARACTER, "field '" + prefix + field
                        + "' holds the NUL character U+0000 (not allowed in ids, names, classes and tags)");
            }
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new BadInputException(RejectReason.NOT_UTF8, "field '" + prefix + field + "' holds an unpaired surrogate "
                        + String.format("\\u%04X", (int) c) + " (not encodable as UTF-8)");
            }
        }
    }

    /**
     * Model, version and tag values are counted under {@link IngestLimits#OVERFLOW} beyond the cardinality
     * limits: a producer's value spelled so would pass for that overflow. (equals compares lengths first: no
     * cost for other names.)
     */
    private static String notReserved(String prefix, String field, String text) throws BadInputException {
        if (IngestLimits.OVERFLOW.equals(text)) {
            throw new BadInputException(RejectReason.RESERVED_VALUE, "field '" + prefix + field + "' is '"
                    + IngestLimits.OVERFLOW + "', reserved for what modelwatch counts beyond its cardinality limits");
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

    private long timestamp(Slot n) throws BadInputException {
        long ts;
        switch (n.kind) {
            case ABSENT, NULL:
                throw missing(n, "timestamp");
            case INT:
                ts = n.lng;
                break;
            case BIG_INT:
            case FLOAT: {
                double d = n.kind == FLOAT ? n.dbl : n.big.doubleValue();
                if (!Double.isFinite(d) || d != Math.rint(d)) {
                    throw new BadInputException(RejectReason.BAD_TIMESTAMP, "timestamp must be whole epoch milliseconds, got "
                            + (n.kind == FLOAT ? NumberOutput.toString(d) : n.big.toString()));
                }
                if (Math.abs(d) > 9e15) {
                    throw new BadInputException(RejectReason.TIMESTAMP_OUT_OF_RANGE, "timestamp "
                            + (n.kind == FLOAT ? NumberOutput.toString(d) : n.big.toString()) + " is outside ["
                            + Instant.ofEpochMilli(limits.minTimestampMs()) + ", "
                            + Instant.ofEpochMilli(limits.maxTimestampMs()) + ")");
                }
                ts = (long) d;
                break;
            }
            case STRING:
                ts = parseInstant(n.text);
                break;
            default:
                throw new BadInputException(RejectReason.WRONG_TYPE,
                        "timestamp must be epoch milliseconds or an ISO-8601 string");
        }
        if (ts < limits.minTimestampMs() || ts >= limits.maxTimestampMs()) {
            throw new BadInputException(RejectReason.TIMESTAMP_OUT_OF_RANGE, "timestamp " + ts
                    + " is outside [" + Instant.ofEpochMilli(limits.minTimestampMs()) + ", "
                    + Instant.ofEpochMilli(limits.maxTimestampMs()) + ")" + (n.kind == STRING ? "" : secondsHint(ts)));
        }
        checkFuture(ts);
        return ts;
    }

    /** A number that is in range as epoch seconds, not milliseconds: the commonest mistake, said so. */
    private String secondsHint(long ts) {
        if (ts > 0 && ts < Long.MAX_VALUE / 1000 && ts * 1000 >= limits.minTimestampMs()
                && ts * 1000 < limits.maxTimestampMs()) {
            return "; as epoch seconds it would be " + Instant.ofEpochSecond(ts) + ", but the contract's numbers are "
                    + "epoch milliseconds";
        }
        return "";
    }

    /** The bound relative to the wall clock, the one check whose answer changes with time. */
    void checkFuture(long ts) throws BadInputException {
        if (limits.maxFutureMs() != IngestLimits.NO_FUTURE_BOUND
                && ts - System.currentTimeMillis() > limits.maxFutureMs()) {
            throw new BadInputException(RejectReason.TIMESTAMP_OUT_OF_RANGE, "timestamp " + Instant.ofEpochMilli(ts)
                    + " is more than " + java.time.Duration.ofMillis(limits.maxFutureMs()) + " ahead of the clock");
        }
    }

    private static long parseInstant(String text) throws BadInputException {
        // ISO-8601 allows a comma as the decimal sign (java.time does not)
        String iso = text.indexOf(',') >= 0 ? text.replace(',', '.') : text;
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

    /**
     * The distinct keys of {@code e}, as the tree's object holds them: in order of first appearance, each
     * with the index of its last value. Returns how many; their indexes are in {@code e.order}.
     */
    private static int distinct(Entries e) {
        int n = e.count;
        int[] order = e.order;
        String[] keys = e.keys;
        int u = 0;
        if (n <= 32) {
            outer:
            for (int i = 0; i < n; i++) {
                String k = keys[i];
                for (int j = 0; j < u; j++) {
                    if (keys[order[j]].equals(k)) {
                        order[j] = i;
                        continue outer;
                    }
                }
                order[u++] = i;
            }
            return u;
        }
        Map<String, Integer> seen = new HashMap<>(n * 2);
        for (int i = 0; i < n; i++) {
            Integer at = seen.putIfAbsent(keys[i], u);
            if (at == null) {
                order[u++] = i;
            } else {
                order[at] = i;
            }
        }
        return u;
    }

    /** Sorts the first {@code u} indexes of {@code order} by their (distinct) keys. */
    private static void sortByKey(String[] keys, int[] order, int u) {
        if (u <= 32) {
            for (int i = 1; i < u; i++) {
                int x = order[i];
                String k = keys[x];
                int j = i - 1;
                while (j >= 0 && keys[order[j]].compareTo(k) > 0) {
                    order[j + 1] = order[j];
                    j--;
                }
                order[j + 1] = x;
            }
            return;
        }
        Integer[] boxed = new Integer[u];
        for (int i = 0; i < u; i++) {
            boxed[i] = order[i];
        }
        Arrays.sort(boxed, (a, b) -> keys[a].compareTo(keys[b]));
        for (int i = 0; i < u; i++) {
            order[i] = boxed[i];
        }
    }

    private static boolean isNonFinite(String s) {
        return s.equals("NaN") || s.endsWith("Infinity");
    }

    private static String asText(Entries e, int i) {
        return switch (e.kinds[i]) {
            case STRING -> (String) e.objs[i];
            case INT -> NumberOutput.toString(e.lngs[i]);
            case BIG_INT -> e.objs[i].toString();
            // 1e400 reads as Infinity: say what was sent is out of range, not that Infinity was sent
            case FLOAT -> Double.isInfinite(e.dbls[i]) ? "a number beyond a double's range" : NumberOutput.toString(e.dbls[i]);
            default -> "";
        };
    }

    private void scores(Entries e) throws BadInputException {
        if (e.kind == ABSENT || e.kind == NULL) {
            e.outKeys = NONE;
            e.outScores = NO_SCORES;
            return;
        }
        if (e.kind != OBJECT) {
            throw new BadInputException(RejectReason.WRONG_TYPE, "field 'scores' must be an object of class -> probability");
        }
        int size = distinct(e);
        if (size > limits.maxScoreClasses()) {
            throw new BadInputException(RejectReason.OVERSIZED_FIELD,
                    "scores has " + size + " classes, more than " + limits.maxScoreClasses());
        }
        int[] order = e.order;
        for (int i = 0; i < size; i++) {
            checkedText("scores key", e.keys[order[i]]);
        }
        sortByKey(e.keys, order, size);
        String[] classes = new String[size];
        double[] values = new double[size];
        double sum = 0;
        for (int i = 0; i < size; i++) {
            int at = order[i];
            String cls = e.keys[at];
            classes[i] = cls;
            byte kind = e.kinds[at];
            boolean number = kind == INT || kind == BIG_INT || kind == FLOAT;
            if (!number && !(kind == STRING && isNonFinite((String) e.objs[at]))) {
                throw new BadInputException(RejectReason.WRONG_TYPE, "score of class '" + cls + "' is not a number");
            }
            double d = number ? e.dbls[at] : Double.NaN;
            if (!Double.isFinite(d) || d < 0 || d > 1) {
                throw new BadInputException(RejectReason.BAD_SCORE,
                        "score of class '" + cls + "' must be a probability in [0, 1], got " + asText(e, at));
            }
            values[i] = d;
            sum += d;
        }
        if (size > 0 && !limits.sumsToOne(sum)) {
            throw new BadInputException(RejectReason.SCORES_NOT_NORMALISED,
                    "scores sum to " + IngestLimits.readable(sum) + ", not 1 (tolerance " + limits.scoreSumTolerance() + ")");
        }
        e.outKeys = size == 0 ? NONE : classes;
        e.outScores = size == 0 ? NO_SCORES : values;
    }

    private void tags(Entries e) throws BadInputException {
        if (e.kind == ABSENT || e.kind == NULL) {
            e.outKeys = NONE;
            e.outValues = NONE;
            return;
        }
        if (e.kind != OBJECT) {
            throw new BadInputException(RejectReason.WRONG_TYPE, "field 'tags' must be an object of string -> string");
        }
        int size = distinct(e);
        if (size > limits.maxTags()) {
            throw new BadInputException(RejectReason.TOO_MANY_TAGS,
                    size + " tags, more than the limit of " + limits.maxTags());
        }
        int[] order = e.order;
        for (int i = 0; i < size; i++) {
            checkedText("tag name", e.keys[order[i]]);
        }
        if (size == 0) {
            e.outKeys = NONE;
            e.outValues = NONE;
            return;
        }
        sortByKey(e.keys, order, size);
        String[] names = new String[size];
        String[] values = new String[size];
        for (int i = 0; i < size; i++) {
            int at = order[i];
            names[i] = e.keys[at];
            if (e.kinds[at] != STRING) {
                throw new BadInputException(RejectReason.WRONG_TYPE, "tag '" + names[i] + "' must be a string");
            }
            values[i] = notReserved("tag ", names[i], checkedLength("tag ", names[i], (String) e.objs[at]));
        }
        e.outKeys = names;
        e.outValues = values;
    }
}
