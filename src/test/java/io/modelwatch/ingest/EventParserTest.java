package io.modelwatch.ingest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The event contract of /work/shared/golden/README.md ("Event contract"), and one test per reject reason. */
class EventParserTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final EventParser PARSER = new EventParser(IngestLimits.DEFAULTS);
    static final long TS = 1_793_577_600_000L; // 2026-11-02T00:00:00Z

    /** Reasons covered below; {@link #everyRejectReasonIsCovered} keeps the list honest. */
    static final Set<RejectReason> COVERED = EnumSet.noneOf(RejectReason.class);

    static ObjectNode prediction() {
        ObjectNode n = JSON.createObjectNode();
        n.put("prediction_id", "p-1").put("model_id", "fraud").put("model_version", "v1").put("timestamp", TS)
                .put("predicted", "1");
        n.putObject("scores").put("0", 0.25).put("1", 0.75);
        n.putObject("tags").put("cloud", "aws");
        return n;
    }

    static ObjectNode label() {
        ObjectNode n = JSON.createObjectNode();
        n.put("prediction_id", "p-1").put("label", "0").put("timestamp", TS + 60_000);
        return n;
    }

    static ObjectNode prediction(Consumer<ObjectNode> change) {
        ObjectNode n = prediction();
        change.accept(n);
        return n;
    }

    static ObjectNode label(Consumer<ObjectNode> change) {
        ObjectNode n = label();
        change.accept(n);
        return n;
    }

    static byte[] bytes(ObjectNode n) {
        try {
            return JSON.writeValueAsBytes(n);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static Prediction parse(ObjectNode n) throws BadInputException {
        return PARSER.parsePrediction(bytes(n));
    }

    /** Asserts the reason and that the message names what is wrong. */
    static BadInputException rejectPrediction(byte[] value, RejectReason reason, String... mentions) {
        BadInputException e = assertThrows(BadInputException.class, () -> PARSER.parsePrediction(value));
        return check(e, reason, mentions);
    }

    static BadInputException rejectLabel(byte[] value, RejectReason reason, String... mentions) {
        BadInputException e = assertThrows(BadInputException.class, () -> PARSER.parseLabel(value));
        return check(e, reason, mentions);
    }

    private static BadInputException check(BadInputException e, RejectReason reason, String... mentions) {
        assertEquals(reason, e.reason(), e::getMessage);
        for (String m : mentions) {
            assertTrue(e.getMessage().contains(m), () -> "message '" + e.getMessage() + "' should mention " + m);
        }
        synchronized (COVERED) {
            COVERED.add(reason);
        }
        return e;
    }

    // ---------------------------------------------------------------- valid predictions

    @Test
    void parsesACompletePrediction() throws Exception {
        Prediction p = parse(prediction());
        assertEquals("p-1", p.predictionId());
        assertEquals("fraud", p.modelId());
        assertEquals("v1", p.modelVersion());
        assertEquals(TS, p.timestampMs());
        assertEquals("1", p.predicted());
        assertArrayEquals(new String[] {"0", "1"}, p.scoreClasses());
        assertArrayEquals(new double[] {0.25, 0.75}, p.scores());
        assertArrayEquals(new String[] {"cloud"}, p.tagNames());
        assertArrayEquals(new String[] {"aws"}, p.tagValues());
        assertEquals("aws", p.tag("cloud"));
    }

    @Test
    void integerPredictedIsTheClassOfItsDecimalString() throws Exception {
        Prediction asInt = parse(prediction(n -> n.put("predicted", 1)));
        Prediction asString = parse(prediction());
        assertEquals("1", asInt.predicted());
        assertEquals(asString, asInt);
        assertEquals("0", parse(prediction(n -> n.put("predicted", 0))).predicted());
        assertEquals("-3", parse(prediction(n -> n.put("predicted", -3))).predicted());
        assertEquals("12345678901234567890", PARSER.parsePrediction(utf8(
                "{\"prediction_id\":\"p\",\"model_id\":\"m\",\"timestamp\":" + TS
                        + ",\"predicted\":12345678901234567890}")).predicted());
    }

    @Test
    void timestampIsEpochMillisOrAnIso8601Instant() throws Exception {
        assertEquals(TS, parse(prediction(n -> n.put("timestamp", "2026-11-02T00:00:00Z"))).timestampMs());
        assertEquals(TS + 123, parse(prediction(n -> n.put("timestamp", "2026-11-02T00:00:00.123Z"))).timestampMs());
        assertEquals(TS, parse(prediction(n -> n.put("timestamp", "2026-11-02T01:00:00+01:00"))).timestampMs());
        assertEquals(TS, parse(prediction(n -> n.put("timestamp", "2026-11-01T19:00-05:00"))).timestampMs());
        assertEquals(Instant.parse("2026-11-02T00:00:00.123Z").toEpochMilli(),
                parse(prediction(n -> n.put("timestamp", "2026-11-02T00:00:00.123456789Z"))).timestampMs());
        assertEquals(TS, parse(prediction(n -> n.put("timestamp", TS))).timestampMs());
        assertEquals(TS, parse(prediction(n -> n.put("timestamp", (double) TS))).timestampMs(),
                "a whole number written as a float is still epoch milliseconds");
    }

    @Test
    void timestampRangeIsHalfOpen() throws Exception {
        assertEquals(946_684_800_000L, parse(prediction(n -> n.put("timestamp", "2000-01-01T00:00:00Z"))).timestampMs());
        assertEquals(7_258_118_399_999L, parse(prediction(n -> n.put("timestamp", 7_258_118_399_999L))).timestampMs());
        rejectPrediction(bytes(prediction(n -> n.put("timestamp", 946_684_799_999L))),
                RejectReason.TIMESTAMP_OUT_OF_RANGE, "timestamp");
        rejectPrediction(bytes(prediction(n -> n.put("timestamp", "2200-01-01T00:00:00Z"))),
                RejectReason.TIMESTAMP_OUT_OF_RANGE, "timestamp");
    }

    @Test
    void modelVersionIsOptionalAndDefaultsToEmpty() throws Exception {
        assertEquals("", parse(prediction(n -> n.remove("model_version"))).modelVersion());
        assertEquals("", parse(prediction(n -> n.putNull("model_version"))).modelVersion());
        assertEquals("", parse(prediction(n -> n.put("model_version", ""))).modelVersion());
        assertEquals("7", parse(prediction(n -> n.put("model_version", 7))).modelVersion());
    }

    @Test
    void scoresAreSortedByClass() throws Exception {
        Prediction p = parse(prediction(n -> {
            ObjectNode s = n.putObject("scores");
            s.put("c", 0.5).put("a", 0.2).put("b", 0.3);
        }));
        assertArrayEquals(new String[] {"a", "b", "c"}, p.scoreClasses());
        assertArrayEquals(new double[] {0.2, 0.3, 0.5}, p.scores());
        // within the 1e-3 tolerance
        Prediction thirds = parse(prediction(n -> n.putObject("scores").put("x", 0.3333).put("y", 0.3333)
                .put("z", 0.3333)));
        assertEquals(3, thirds.scores().length);
        // a score of exactly 0 or 1 is a probability
        assertArrayEquals(new double[] {0.0, 1.0}, parse(prediction(n -> n.putObject("scores").put("0", 0)
                .put("1", 1))).scores());
    }

    @Test
    void theScoreSumToleranceHoldsAsWrittenInDecimals() throws Exception {
        // 0.5 + 0.499 is 0.9989999999999999 in doubles: at the tolerance as written, as 0.5 + 0.501 is
        for (double second : new double[] {0.499, 0.501}) {
            assertEquals(2, parse(prediction(n -> n.putObject("scores").put("0", 0.5).put("1", second)))
                    .scores().length, "0.5 + " + second);
        }
        assertEquals(2, parse(prediction(n -> n.putObject("scores").put("0", 0.3).put("1", 0.699))).scores().length);
        BadInputException e = assertThrows(BadInputException.class, () -> parse(prediction(n -> n.putObject("scores")
                .put("0", 0.3).put("1", 0.6989))));
        assertEquals(RejectReason.SCORES_NOT_NORMALISED, e.reason());
        assertEquals("scores sum to 0.9989, not 1 (tolerance 0.001)", e.getMessage(), "the sum as written");
    }

    @Test
    void scoresAndTagsAreOptional() throws Exception {
        Prediction p = parse(prediction(n -> {
            n.remove("scores");
            n.putNull("tags");
        }));
        assertEquals(0, p.scoreClasses().length);
        assertEquals(0, p.scores().length);
        assertEquals(0, p.tagNames().length);
        assertEquals(0, p.tagValues().length);
    }

    @Test
    void tagsAreSortedByName() throws Exception {
        Prediction p = parse(prediction(n -> n.putObject("tags").put("region", "eu-west").put("cloud", "aws")
                .put("az", "b")));
        assertArrayEquals(new String[] {"az", "cloud", "region"}, p.tagNames());
        assertArrayEquals(new String[] {"b", "aws", "eu-west"}, p.tagValues());
        assertEquals("eu-west", p.tag("region"));
    }

    @Test
    void unknownFieldsAreIgnored() throws Exception {
        Prediction plain = parse(prediction());
        Prediction extra = parse(prediction(n -> {
            n.put("source", "batch-7");
            n.putArray("features").add(1).add(2);
            n.putObject("meta").put("x", true);
            n.putNull("comment");
        }));
        assertEquals(plain, extra);
        Label l = PARSER.parseLabel(bytes(label(n -> n.put("annotator", "bob").putObject("extra").put("a", 1))));
        assertEquals(new Label("p-1", "0", TS + 60_000), l);
    }

    @Test
    void idsMayUseTheFullByteBudget() throws Exception {
        assertEquals(256, parse(prediction(n -> n.put("prediction_id", "x".repeat(256)))).predictionId().length());
        // 64 four-byte characters are 256 UTF-8 bytes
        String emoji = "\uD83D\uDE00".repeat(64);
        assertEquals(emoji, parse(prediction(n -> n.put("prediction_id", emoji))).predictionId());
        // 32 tags is the limit, not beyond it
        assertEquals(32, parse(prediction(n -> {
            ObjectNode t = n.putObject("tags");
            for (int i = 0; i < 32; i++) {
                t.put("t" + i, "v");
            }
        })).tagNames().length);
    }

    @Test
    void unicodeSurvivesParsing() throws Exception {
        Prediction p = parse(prediction(n -> {
            n.put("prediction_id", "é-日本-\uD83D\uDE00");
            n.put("predicted", "chat");
            n.putObject("tags").put("pays", "França");
        }));
        assertEquals("é-日本-\uD83D\uDE00", p.predictionId());
        assertEquals("França", p.tag("pays"));
    }

    // ---------------------------------------------------------------- valid labels

    @Test
    void parsesStringAndIntegerLabels() throws Exception {
        assertEquals(new Label("p-1", "0", TS + 60_000), PARSER.parseLabel(bytes(label())));
        assertEquals(new Label("p-1", "1", TS + 60_000), PARSER.parseLabel(bytes(label(n -> n.put("label", 1)))));
        assertEquals(new Label("p-1", "spam", TS), PARSER.parseLabel(bytes(label(n -> {
            n.put("label", "spam");
            n.put("timestamp", "2026-11-02T00:00:00Z");
        }))));
    }

    // ---------------------------------------------------------------- one reject per reason

    @Test
    void nullValue() {
        rejectPrediction(null, RejectReason.NULL_VALUE, "null");
        rejectLabel(null, RejectReason.NULL_VALUE, "null");
    }

    @Test
    void oversizedRecord() {
        ObjectNode n = prediction(p -> p.put("padding", "x".repeat(64 * 1024)));
        byte[] value = bytes(n);
        rejectPrediction(value, RejectReason.OVERSIZED_RECORD, Integer.toString(value.length), "65536");
        rejectLabel(bytes(label(p -> p.put("padding", "x".repeat(64 * 1024)))), RejectReason.OVERSIZED_RECORD);
    }

    @Test
    void notUtf8() throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(utf8("{\"prediction_id\":\""));
        b.write(new byte[] {(byte) 0xFF, (byte) 0xFE, 'a'});
        b.write(utf8("\",\"model_id\":\"m\",\"timestamp\":" + TS + ",\"predicted\":\"1\"}"));
        rejectPrediction(b.toByteArray(), RejectReason.NOT_UTF8, "UTF-8");
        // bytes some decoders let through: an encoded surrogate (CESU-8) and an overlong NUL
        for (byte[] bad : new byte[][] {{(byte) 0xED, (byte) 0xA0, (byte) 0x80}, {(byte) 0xC0, (byte) 0x80}}) {
            ByteArrayOutputStream l = new ByteArrayOutputStream();
            l.write(utf8("{\"prediction_id\":\""));
            l.write(bad);
            l.write(utf8("\",\"label\":\"1\",\"timestamp\":" + TS + "}"));
            rejectLabel(l.toByteArray(), RejectReason.NOT_UTF8, "UTF-8");
        }
        rejectLabel(new byte[] {(byte) 0xFF, (byte) 0xFE, '{', '}'}, RejectReason.NOT_UTF8);
        // UTF-16 JSON: every byte valid UTF-8, its NULs say what it is
        rejectLabel("{\"prediction_id\":\"p\",\"label\":\"1\",\"timestamp\":1}".getBytes(
                java.nio.charset.StandardCharsets.UTF_16LE), RejectReason.NOT_UTF8, "a NUL among its first four bytes",
                "UTF-16");
    }

    /** JSON beyond the parser's bounds, in a field modelwatch does not read: said in words, not class names. */
    @Test
    void jsonBeyondTheParsersBoundsIsNotJsonSaidPlainly() throws Exception {
        String label = "{\"prediction_id\":\"p\",\"label\":\"1\",\"timestamp\":1793577600000,\"extra\":";
        BadInputException deep = rejectLabel(utf8(label + "[".repeat(1001) + "]".repeat(1001) + "}"),
                RejectReason.NOT_JSON);
        assertEquals("not JSON: nested deeper than the parser's limit of 1000 levels", deep.getMessage());
        assertEquals("1", PARSER.parseLabel(utf8(label + "[".repeat(990) + "]".repeat(990) + "}")).label(),
                "within the bound: the unknown field skipped");
        BadInputException digits = rejectLabel(utf8(label + "1".repeat(1001) + "}"), RejectReason.NOT_JSON);
        assertEquals("not JSON: a number of more than the parser's limit of 1000 digits", digits.getMessage());
        BadInputException name = rejectLabel(utf8(label + "{\"" + "n".repeat(50_001) + "\":1}}"), RejectReason.NOT_JSON);
        assertEquals("not JSON: a field name longer than the parser's limit of 50000 characters", name.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"hello", "{'prediction_id':'p'}", "{\"a\" 1}", "{\"a\":1,}", "", "   ", "<xml/>"})
    void notJson(String value) {
        rejectPrediction(utf8(value), RejectReason.NOT_JSON, value.isBlank() ? "empty" : "not JSON");
        rejectLabel(utf8(value), RejectReason.NOT_JSON);
    }

    @Test
    void nanIsNotJson() {
        // Jackson refuses the non-standard NaN token by default, so the record is not JSON at all
        byte[] value = utf8("{\"prediction_id\":\"p\",\"model_id\":\"m\",\"timestamp\":" + TS
                + ",\"predicted\":\"a\",\"scores\":{\"a\":NaN,\"b\":1}}");
        rejectPrediction(value, RejectReason.NOT_JSON, "NaN");
    }

    @Test
    void truncatedJson() {
        String whole = new String(bytes(prediction()), StandardCharsets.UTF_8);
        for (int cut : new int[] {1, 10, whole.indexOf("fraud") + 2, whole.indexOf("scores"), whole.length() - 1}) {
            BadInputException e = rejectPrediction(utf8(whole.substring(0, cut)), RejectReason.TRUNCATED_JSON,
                    "ends early");
            assertFalse(e.getMessage().contains("Source"), "no parser internals for the operator: " + e.getMessage());
            assertFalse(e.getMessage().contains("StreamReadFeature"), e.getMessage());
        }
        rejectLabel(utf8("{\"prediction_id\":\"p\",\"label\":"), RejectReason.TRUNCATED_JSON, "ends early");
    }

    @Test
    void notAnObject() {
        rejectPrediction(utf8("[1,2,3]"), RejectReason.NOT_AN_OBJECT, "object", "array");
        rejectPrediction(utf8("[" + new String(bytes(prediction()), StandardCharsets.UTF_8) + "]"),
                RejectReason.NOT_AN_OBJECT, "array");
        rejectPrediction(utf8("42"), RejectReason.NOT_AN_OBJECT, "number");
        rejectPrediction(utf8("\"p-1\""), RejectReason.NOT_AN_OBJECT, "string");
        rejectPrediction(utf8("true"), RejectReason.NOT_AN_OBJECT, "boolean");
        rejectLabel(utf8("null"), RejectReason.NOT_AN_OBJECT, "null");
    }

    @ParameterizedTest
    @ValueSource(strings = {"prediction_id", "model_id", "predicted", "timestamp"})
    void missingPredictionField(String field) {
        rejectPrediction(bytes(prediction(n -> n.remove(field))), RejectReason.MISSING_FIELD,
                "missing field '" + field + "'");
        // sent, but as null: the same reason, said as it is
        rejectPrediction(bytes(prediction(n -> n.putNull(field))), RejectReason.MISSING_FIELD,
                "field '" + field + "' is null");
    }

    @ParameterizedTest
    @ValueSource(strings = {"prediction_id", "label", "timestamp"})
    void missingLabelField(String field) {
        rejectLabel(bytes(label(n -> n.remove(field))), RejectReason.MISSING_FIELD, "missing field '" + field + "'");
        rejectLabel(bytes(label(n -> n.putNull(field))), RejectReason.MISSING_FIELD, "field '" + field + "' is null");
    }

    @Test
    void emptyField() {
        rejectPrediction(bytes(prediction(n -> n.put("prediction_id", ""))), RejectReason.EMPTY_FIELD, "'prediction_id'");
        rejectPrediction(bytes(prediction(n -> n.put("model_id", ""))), RejectReason.EMPTY_FIELD, "'model_id'");
        rejectPrediction(bytes(prediction(n -> n.put("predicted", ""))), RejectReason.EMPTY_FIELD, "'predicted'");
        rejectPrediction(bytes(prediction(n -> n.putObject("scores").put("", 1.0))), RejectReason.EMPTY_FIELD, "scores");
        rejectPrediction(bytes(prediction(n -> n.putObject("tags").put("", "x"))), RejectReason.EMPTY_FIELD, "tag");
        rejectLabel(bytes(label(n -> n.put("label", ""))), RejectReason.EMPTY_FIELD, "'label'");
        rejectLabel(bytes(label(n -> n.put("prediction_id", ""))), RejectReason.EMPTY_FIELD, "'prediction_id'");
    }

    @Test
    void wrongType() {
        rejectPrediction(bytes(prediction(n -> n.put("prediction_id", 17))), RejectReason.WRONG_TYPE,
                "'prediction_id'", "string", "number");
        rejectPrediction(bytes(prediction(n -> n.putObject("model_id"))), RejectReason.WRONG_TYPE, "'model_id'");
        rejectPrediction(bytes(prediction(n -> n.put("model_version", true))), RejectReason.WRONG_TYPE,
                "'model_version'");
        rejectPrediction(bytes(prediction(n -> n.put("predicted", true))), RejectReason.WRONG_TYPE,
                "'predicted'", "boolean");
        rejectPrediction(bytes(prediction(n -> n.put("predicted", 1.5))), RejectReason.WRONG_TYPE, "'predicted'");
        rejectPrediction(bytes(prediction(n -> n.putArray("scores").add(0.5).add(0.5))), RejectReason.WRONG_TYPE,
                "'scores'");
        rejectPrediction(bytes(prediction(n -> n.putObject("scores").put("0", "0.5").put("1", 0.5))),
                RejectReason.WRONG_TYPE, "score of class '0'");
        rejectPrediction(bytes(prediction(n -> n.putObject("tags").put("cloud", "aws").put("shard", 3))),
                RejectReason.WRONG_TYPE, "tag 'shard'");
        rejectPrediction(bytes(prediction(n -> n.putArray("tags").add("aws"))), RejectReason.WRONG_TYPE, "'tags'");
        rejectPrediction(bytes(prediction(n -> n.put("timestamp", true))), RejectReason.WRONG_TYPE, "timestamp");
        rejectLabel(bytes(label(n -> n.putArray("label").add("1"))), RejectReason.WRONG_TYPE, "'label'");
        rejectLabel(bytes(label(n -> n.putObject("timestamp"))), RejectReason.WRONG_TYPE, "timestamp");
    }

    @ParameterizedTest
    @ValueSource(strings = {"yesterday", "2026-13-01T00:00:00Z", "2026-11-02", "2026-11-02T00:00:00",
            "1793577600000", "02/11/2026 00:00", ""})
    void unparsableTimestampString(String text) {
        rejectPrediction(bytes(prediction(n -> n.put("timestamp", text))), RejectReason.BAD_TIMESTAMP,
                "timestamp", "ISO-8601");
        rejectLabel(bytes(label(n -> n.put("timestamp", text))), RejectReason.BAD_TIMESTAMP, "timestamp");
    }

    @Test
    void fractionalOrAbsurdNumericTimestamp() {
        rejectPrediction(bytes(prediction(n -> n.put("timestamp", TS + 0.5))), RejectReason.BAD_TIMESTAMP,
                "timestamp", "whole");
        // whole but beyond any instant: out of range, as a long of that size would be
        rejectPrediction(bytes(prediction(n -> n.put("timestamp", 1e300))), RejectReason.TIMESTAMP_OUT_OF_RANGE,
                "timestamp", "outside");
        rejectPrediction(bytes(prediction(n -> n.put("timestamp", Double.POSITIVE_INFINITY))),
                RejectReason.BAD_TIMESTAMP, "timestamp");
    }

    @Test
    void timestampOutOfRange() {
        // epoch seconds where milliseconds are wanted: said so
        rejectPrediction(bytes(prediction(n -> n.put("timestamp", 1796692054L))), RejectReason.TIMESTAMP_OUT_OF_RANGE,
                "outside", "as epoch seconds it would be 2026-12-08T01:07:34Z, but the contract's numbers are epoch "
                        + "milliseconds");
        // an ISO-8601 string is no number of seconds: no such hint
        BadInputException iso = assertThrows(BadInputException.class, () -> PARSER.parsePrediction(
                bytes(prediction(n -> n.put("timestamp", "1970-01-21T19:04:52Z")))));
        assertFalse(iso.getMessage().contains("epoch seconds"), iso.getMessage());
        rejectPrediction(bytes(prediction(n -> n.put("timestamp", 0))), RejectReason.TIMESTAMP_OUT_OF_RANGE,
                "timestamp 0", "2000-01-01");
        rejectPrediction(bytes(prediction(n -> n.put("timestamp", "1969-07-20T20:17:00Z"))),
                RejectReason.TIMESTAMP_OUT_OF_RANGE, "timestamp");
        rejectPrediction(bytes(prediction(n -> n.put("timestamp", "2999-01-01T00:00:00Z"))),
                RejectReason.TIMESTAMP_OUT_OF_RANGE, "timestamp", "2200-01-01");
        rejectPrediction(bytes(prediction(n -> n.put("timestamp", Long.MAX_VALUE))),
                RejectReason.TIMESTAMP_OUT_OF_RANGE, "timestamp");
        rejectPrediction(bytes(prediction(n -> n.put("timestamp", Long.MIN_VALUE))),
                RejectReason.TIMESTAMP_OUT_OF_RANGE, "timestamp");
        // an instant beyond what epoch milliseconds can hold
        rejectPrediction(bytes(prediction(n -> n.put("timestamp", "+999999999-01-01T00:00:00Z"))),
                RejectReason.TIMESTAMP_OUT_OF_RANGE, "timestamp");
        rejectLabel(bytes(label(n -> n.put("timestamp", -1))), RejectReason.TIMESTAMP_OUT_OF_RANGE, "timestamp");
    }

    @Test
    void scoreOutsideZeroOne() {
        rejectPrediction(bytes(prediction(n -> n.putObject("scores").put("0", -0.25).put("1", 1.25))),
                RejectReason.BAD_SCORE, "score of class '0'", "[0, 1]");
        rejectPrediction(bytes(prediction(n -> n.putObject("scores").put("0", 0.0).put("1", 1.5))),
                RejectReason.BAD_SCORE, "score of class '1'", "1.5");
        // NaN and infinities written as strings, and a number too large for a double
        rejectPrediction(bytes(prediction(n -> n.putObject("scores").put("0", "NaN").put("1", 1.0))),
                RejectReason.BAD_SCORE, "score of class '0'", "NaN");
        rejectPrediction(bytes(prediction(n -> n.putObject("scores").put("0", "-Infinity").put("1", 1.0))),
                RejectReason.BAD_SCORE, "score of class '0'");
        rejectPrediction(utf8("{\"prediction_id\":\"p\",\"model_id\":\"m\",\"timestamp\":" + TS
                + ",\"predicted\":\"a\",\"scores\":{\"a\":1e400,\"b\":0}}"), RejectReason.BAD_SCORE, "score of class 'a'");
    }

    @Test
    void scoresNotNormalised() {
        rejectPrediction(bytes(prediction(n -> n.putObject("scores").put("0", 0.25).put("1", 0.25))),
                RejectReason.SCORES_NOT_NORMALISED, "scores sum to 0.5");
        rejectPrediction(bytes(prediction(n -> n.putObject("scores").put("0", 0.6).put("1", 0.6))),
                RejectReason.SCORES_NOT_NORMALISED, "scores sum to 1.2");
        rejectPrediction(bytes(prediction(n -> n.putObject("scores").put("a", 0.998))),
                RejectReason.SCORES_NOT_NORMALISED, "scores");
    }

    @Test
    void oversizedField() {
        String big = "x".repeat(257);
        rejectPrediction(bytes(prediction(n -> n.put("prediction_id", big))), RejectReason.OVERSIZED_FIELD,
                "'prediction_id'", "256 bytes");
        rejectPrediction(bytes(prediction(n -> n.put("model_id", big))), RejectReason.OVERSIZED_FIELD, "'model_id'");
        rejectPrediction(bytes(prediction(n -> n.put("model_version", big))), RejectReason.OVERSIZED_FIELD,
                "'model_version'");
        rejectPrediction(bytes(prediction(n -> n.put("predicted", big))), RejectReason.OVERSIZED_FIELD, "'predicted'");
        rejectPrediction(bytes(prediction(n -> n.putObject("tags").put("cloud", big))), RejectReason.OVERSIZED_FIELD,
                "tag cloud");
        rejectPrediction(bytes(prediction(n -> n.putObject("scores").put(big, 1.0))), RejectReason.OVERSIZED_FIELD,
                "scores");
        // the limit is in UTF-8 bytes: 86 three-byte characters are 258 bytes
        rejectPrediction(bytes(prediction(n -> n.put("prediction_id", "€".repeat(86)))), RejectReason.OVERSIZED_FIELD,
                "'prediction_id'");
        rejectPrediction(bytes(prediction(n -> n.put("prediction_id", "\uD83D\uDE00".repeat(65)))),
                RejectReason.OVERSIZED_FIELD, "'prediction_id'");
        rejectLabel(bytes(label(n -> n.put("label", big))), RejectReason.OVERSIZED_FIELD, "'label'");
        // more score classes than the limit
        rejectPrediction(bytes(prediction(n -> {
            ObjectNode s = n.putObject("scores");
            for (int i = 0; i < 1001; i++) {
                s.put("c" + i, i == 0 ? 1.0 : 0.0);
            }
        })), RejectReason.OVERSIZED_FIELD, "scores", "1001");
    }

    @Test
    void tooManyTags() {
        rejectPrediction(bytes(prediction(n -> {
            ObjectNode t = n.putObject("tags");
            for (int i = 0; i < 33; i++) {
                t.put("t" + i, "v");
            }
        })), RejectReason.TOO_MANY_TAGS, "33 tags", "32");
    }

    @Test
    void nulCharacterInAName() {
        rejectPrediction(bytes(prediction(n -> n.put("model_id", "fraud\u0000v2"))), RejectReason.NUL_CHARACTER,
                "model_id", "U+0000");
    }

    @Test
    void theOverflowNameAsAModelVersionOrTagValue() {
        rejectPrediction(bytes(prediction(n -> n.put("model_id", "__overflow__"))), RejectReason.RESERVED_VALUE,
                "'model_id'", "__overflow__");
        rejectPrediction(bytes(prediction(n -> n.put("model_version", "__overflow__"))), RejectReason.RESERVED_VALUE,
                "'model_version'");
        rejectPrediction(bytes(prediction(n -> n.putObject("tags").put("cloud", "__overflow__"))),
                RejectReason.RESERVED_VALUE, "'tag cloud'");
    }

    @Test
    void everyRejectReasonIsCovered() {
        // run the reject tests once more here, so this holds whatever order the tests run in
        nullValue();
        oversizedRecord();
        try {
            notUtf8();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        notJson("hello");
        truncatedJson();
        notAnObject();
        missingPredictionField("model_id");
        emptyField();
        wrongType();
        unparsableTimestampString("yesterday");
        timestampOutOfRange();
        scoreOutsideZeroOne();
        scoresNotNormalised();
        oversizedField();
        tooManyTags();
        nulCharacterInAName();
        theOverflowNameAsAModelVersionOrTagValue();
        // UNREADABLE is ParseProcessor's answer to an exception the parser did not anticipate, and
        // NOT_ON_JOIN_PARTITION its check of where an event was read (JoinRoutingTest)
        assertEquals(EnumSet.complementOf(EnumSet.of(RejectReason.UNREADABLE, RejectReason.NOT_ON_JOIN_PARTITION)),
                COVERED);
    }

    @Test
    void aHugeYearWithoutSecondsIsOutOfRangeNotACrash() {
        for (String ts : new String[] {"+300000000-01-01T00:00Z", "-999999999-01-01T00:00Z"}) {
            ObjectNode p = prediction().put("timestamp", ts);
            BadInputException e = assertThrows(BadInputException.class,
                    () -> PARSER.parsePrediction(p.toString().getBytes(StandardCharsets.UTF_8)));
            assertEquals(RejectReason.TIMESTAMP_OUT_OF_RANGE, e.reason(), e.getMessage());
            assertTrue(e.getMessage().contains("timestamp"), e.getMessage());
        }
    }

    @Test
    void integerClassLabelsAreBoundedLikeStrings() {
        String huge = "1".repeat(300);
        String json = "{\"prediction_id\":\"p\",\"label\":" + huge + ",\"timestamp\":" + TS + "}";
        BadInputException e = assertThrows(BadInputException.class,
                () -> PARSER.parseLabel(json.getBytes(StandardCharsets.UTF_8)));
        assertEquals(RejectReason.OVERSIZED_FIELD, e.reason());
        assertTrue(e.getMessage().contains("label"), e.getMessage());
    }

    @Test
    void trailingContentAfterTheObjectIsRejected() {
        String json = label().toString() + " {}";
        BadInputException e = assertThrows(BadInputException.class,
                () -> PARSER.parseLabel(json.getBytes(StandardCharsets.UTF_8)));
        assertEquals(RejectReason.NOT_JSON, e.reason(), e.getMessage());
    }

    @Test
    void reasonCodesAreStable() {
        assertEquals("null_value", RejectReason.NULL_VALUE.code);
        assertEquals("not_utf8", RejectReason.NOT_UTF8.code);
        assertEquals("timestamp_out_of_range", RejectReason.TIMESTAMP_OUT_OF_RANGE.code);
        assertEquals("too_many_tags", RejectReason.TOO_MANY_TAGS.code);
        for (RejectReason r : RejectReason.values()) {
            assertEquals(r.name().toLowerCase(), r.code);
        }
    }
}
