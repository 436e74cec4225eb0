package io.modelwatch.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Inputs an audit found mishandled: text no UTF-8 can hold, other encodings, a timestamp's reason depending on
 * its spelling, ISO-8601's decimal comma, and a clear word for a fractional class label.
 */
class EventParserEdgeCasesTest {

    private static final EventParser P = new EventParser(IngestLimits.DEFAULTS);
    private static final String TS = "1793577601426";

    private static byte[] label(String idJson, String labelJson, String ts) {
        return ("{\"prediction_id\":" + idJson + ",\"label\":" + labelJson + ",\"timestamp\":" + ts + "}")
                .getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Half a surrogate pair spelled as a {@code \\u} escape: no UTF-8 holds it, and written out again it
     * would become '?' (so "a\\ud800", "a\\udbff" and "a?" would be one id). Rejected like its raw bytes are.
     */
    @Test
    void anUnpairedSurrogateEscapeIsNotUtf8() throws Exception {
        for (String id : new String[] {"\"a\\ud800\"", "\"a\\udbff\"", "\"\\udc00b\""}) {
            BadInputException e = assertThrows(BadInputException.class, () -> P.parseLabel(label(id, "\"1\"", TS)));
            assertEquals(RejectReason.NOT_UTF8, e.reason(), id);
            assertTrue(e.getMessage().contains("field 'prediction_id' holds an unpaired surrogate"), e.getMessage());
        }
        BadInputException cls = assertThrows(BadInputException.class,
                () -> P.parseLabel(label("\"x\"", "\"\\udc00\"", TS)));
        assertEquals(RejectReason.NOT_UTF8, cls.reason());
        // a whole pair, escaped or not, is an ordinary character
        assertEquals("a\uD83D\uDE00", P.parseLabel(label("\"a\\ud83d\\ude00\"", "\"1\"", TS)).predictionId());
        assertEquals("a\uD83D\uDE00", P.parseLabel(label("\"a\uD83D\uDE00\"", "\"1\"", TS)).predictionId());
        byte[] raw = {'{', '"', 'p', 'r', 'e', 'd', 'i', 'c', 't', 'i', 'o', 'n', '_', 'i', 'd', '"', ':', '"', 'a',
                (byte) 0xED, (byte) 0xA0, (byte) 0x80, '"', '}'};
        assertEquals(RejectReason.NOT_UTF8, assertThrows(BadInputException.class, () -> P.parseLabel(raw)).reason());
    }

    /** 1e400 reads as Infinity: the message says what was sent is out of range, not that Infinity was sent. */
    @Test
    void aScoreBeyondADoublesRangeIsSaidSo() {
        String p = "{\"prediction_id\":\"a\",\"model_id\":\"m\",\"timestamp\":" + TS
                + ",\"predicted\":\"1\",\"scores\":{\"0\":0,\"1\":1e400}}";
        BadInputException e = assertThrows(BadInputException.class,
                () -> P.parsePrediction(p.getBytes(StandardCharsets.UTF_8)));
        assertEquals(RejectReason.BAD_SCORE, e.reason());
        assertEquals("score of class '1' must be a probability in [0, 1], got a number beyond a double's range",
                e.getMessage());
    }

    /** A dead-letter message an operator can act on: no advice to enable parser features, no class names. */
    @Test
    void notJsonMessagesSpeakToTheOperator() {
        String p = "{\"prediction_id\":\"a\",\"model_id\":\"m\",\"timestamp\":" + TS + ",\"predicted\":\"1\"";
        String[][] cases = {
            {p + "} {}", "more content after the JSON object"},
            {p + ",\"scores\":{\"1\":NaN}}", "NaN is not a JSON number"},
            {p + ",\"scores\":{\"1\":-Infinity}}", "is not a JSON number"},
            {p + ",\"scores\":{\"1\":Infinity}}", "Infinity is not a JSON number (JSON has neither NaN nor Infinity)"},
            {p + ",\"scores\":{\"1\":01}}", "Leading zeroes not allowed"},
            {p + " /* a comment */ }", "maybe a (non-standard) comment?"},
        };
        for (String[] c : cases) {
            BadInputException e = assertThrows(BadInputException.class,
                    () -> P.parsePrediction(c[0].getBytes(StandardCharsets.UTF_8)), c[0]);
            assertEquals(RejectReason.NOT_JSON, e.reason(), c[0]);
            assertTrue(e.getMessage().contains(c[1]), e.getMessage());
            for (String internal : new String[] {"enable", "Feature", "jackson", "JsonNode"}) {
                assertTrue(!e.getMessage().contains(internal), "'" + internal + "' in: " + e.getMessage());
            }
        }
    }

    /** UTF-16 and UTF-32 text is not UTF-8, whatever its content (the JSON parser would guess and read it). */
    @Test
    void utf16AndUtf32RecordsAreNotUtf8() {
        String json = "{\"prediction_id\":\"a\",\"model_id\":\"m\",\"timestamp\":" + TS + ",\"predicted\":\"1\"}";
        for (Charset cs : new Charset[] {StandardCharsets.UTF_16, StandardCharsets.UTF_16LE, StandardCharsets.UTF_16BE,
                Charset.forName("UTF-32BE"), Charset.forName("UTF-32LE")}) {
            byte[] v = json.getBytes(cs);
            BadInputException e = assertThrows(BadInputException.class, () -> P.parsePrediction(v), cs.name());
            assertEquals(RejectReason.NOT_UTF8, e.reason(), cs.name());
        }
    }

    /** A timestamp beyond any instant is out of range however it is written, not "not whole". */
    @Test
    void aHugeTimestampIsOutOfRangeWhateverItsSpelling() {
        for (String ts : new String[] {"10000000000000000", "1e16", "1.0E16", "99999999999999999999"}) {
            BadInputException e = assertThrows(BadInputException.class, () -> P.parseLabel(label("\"a\"", "\"1\"", ts)));
            assertEquals(RejectReason.TIMESTAMP_OUT_OF_RANGE, e.reason(), ts + ": " + e.getMessage());
        }
        BadInputException fractional = assertThrows(BadInputException.class,
                () -> P.parseLabel(label("\"a\"", "\"1\"", "1793577601426.5")));
        assertEquals(RejectReason.BAD_TIMESTAMP, fractional.reason());
    }

    /** ISO-8601 allows a comma as the decimal sign. */
    @Test
    void anIsoInstantWithADecimalCommaIsRead() throws Exception {
        assertEquals(1_793_577_601_500L, P.parseLabel(label("\"a\"", "\"1\"", "\"2026-11-02T00:00:01,5Z\"")).timestampMs());
        assertEquals(1_793_574_001_500L,
                P.parseLabel(label("\"a\"", "\"1\"", "\"2026-11-02T00:00:01,5+01:00\"")).timestampMs());
    }

    @Test
    void aFractionalClassLabelSaysSo() {
        BadInputException e = assertThrows(BadInputException.class, () -> P.parseLabel(label("\"a\"", "1.0", TS)));
        assertEquals(RejectReason.WRONG_TYPE, e.reason());
        assertEquals("field 'label' must be a string or an integer, got a non-integer number 1.0", e.getMessage());
    }

    /**
     * U+0000 separates names in state and series keys: a score class spelled like the scored-pairs marker,
     * or a model "a\u0000b", would pass for something else.
     */
    @Test
    void aNulCharacterInAnyNameIsRejected() {
        String[] predictions = {
            "{\"prediction_id\":\"a\",\"model_id\":\"m\",\"timestamp\":" + TS
                + ",\"predicted\":\"1\",\"scores\":{\"\\u0000scored\":0.5,\"1\":0.5}}",
            "{\"prediction_id\":\"a\",\"model_id\":\"m\\u0000v\",\"timestamp\":" + TS + ",\"predicted\":\"1\"}",
            "{\"prediction_id\":\"a\",\"model_id\":\"m\",\"timestamp\":" + TS
                + ",\"predicted\":\"1\",\"tags\":{\"region\":\"eu\\u0000\"}}",
        };
        String[] fields = {"scores key", "model_id", "tag region"};
        for (int i = 0; i < predictions.length; i++) {
            byte[] v = predictions[i].getBytes(StandardCharsets.UTF_8);
            BadInputException e = assertThrows(BadInputException.class, () -> P.parsePrediction(v), predictions[i]);
            assertEquals(RejectReason.NUL_CHARACTER, e.reason(), predictions[i]);
            assertTrue(e.getMessage().startsWith("field '" + fields[i] + "' holds the NUL character"), e.getMessage());
        }
        BadInputException label = assertThrows(BadInputException.class,
                () -> P.parseLabel(label("\"a\"", "\"1\\u0000\"", TS)));
        assertEquals(RejectReason.NUL_CHARACTER, label.reason());
    }

    /**
     * Models, versions and slice values beyond the cardinality limits are counted under {@code __overflow__}: a
     * producer's model, version or tag value spelled so would pass for that overflow. Rejected whether the fast
     * path reads it or Jackson does (an escape); the name elsewhere (an id, a class, a tag name) is only a name.
     */
    @Test
    void theOverflowNameIsReservedForModelsVersionsAndTagValues() throws Exception {
        String base = "{\"prediction_id\":\"a\",\"model_id\":\"m\",\"model_version\":\"v1\",\"timestamp\":" + TS
                + ",\"predicted\":\"1\",\"tags\":{\"cloud\":\"aws\"}}";
        for (String spelling : new String[] {"__overflow__", "\\u005f_overflow__", "__overflow\\u005f_"}) {
            String[][] cases = {
                {base.replace("\"m\"", "\"" + spelling + "\""), "model_id"},
                {base.replace("\"v1\"", "\"" + spelling + "\""), "model_version"},
                {base.replace("\"aws\"", "\"" + spelling + "\""), "tag cloud"},
            };
            for (String[] c : cases) {
                BadInputException e = assertThrows(BadInputException.class,
                        () -> P.parsePrediction(c[0].getBytes(StandardCharsets.UTF_8)), c[0]);
                assertEquals(RejectReason.RESERVED_VALUE, e.reason(), c[0]);
                assertEquals("field '" + c[1] + "' is '__overflow__', reserved for what modelwatch counts beyond its "
                        + "cardinality limits", e.getMessage());
            }
        }
        for (String near : new String[] {"__overflow_", "_overflow__", "__OVERFLOW__", "__overflow__ ", "x__overflow__"}) {
            Prediction p = P.parsePrediction(base.replace("\"m\"", "\"" + near + "\"").replace("\"v1\"", "\"" + near
                    + "\"").replace("\"aws\"", "\"" + near + "\"").getBytes(StandardCharsets.UTF_8));
            assertEquals(near, p.modelId());
            assertEquals(near, p.modelVersion());
            assertEquals(near, p.tag("cloud"));
        }
        Prediction other = P.parsePrediction(("{\"prediction_id\":\"__overflow__\",\"model_id\":\"m\",\"timestamp\":" + TS
                + ",\"predicted\":\"__overflow__\",\"tags\":{\"__overflow__\":\"aws\"}}").getBytes(StandardCharsets.UTF_8));
        assertEquals("__overflow__", other.predictionId());
        assertEquals("__overflow__", other.predicted());
        assertEquals("aws", other.tag("__overflow__"));
        assertEquals("__overflow__", P.parseLabel(label("\"__overflow__\"", "\"__overflow__\"", TS)).label());
    }

    /**
     * A tag name or value may hold '=' or ',': only tags named in {@code slices} make slices, and no slice tag may
     * hold either (refused at start-up, {@code TopologySettings.sliceDimensionProblem}), so a tag named {@code a=b}
     * can never pass for tag {@code a} valued {@code b=...}. Rejecting such a prediction would lose a good record:
     * both readers keep it as sent, the fast path (plain ASCII) and Jackson's (an escape).
     */
    @Test
    void tagNamesAndValuesHoldingEqualsOrCommasAreKept() throws Exception {
        String plain = "{\"prediction_id\":\"a\",\"model_id\":\"m\",\"timestamp\":" + TS + ",\"predicted\":\"1\","
                + "\"tags\":{\"a=b\":\"c\",\"a\":\"b=c\",\"x,y\":\"1,2\",\"=\":\"=\"}}";
        assertTrue(new PlainJsonReader().read(plain.getBytes(StandardCharsets.UTF_8), new EventParser.Scratch(), true),
                "the fast path reads it");
        String escaped = plain.replace("\"a=b\"", "\"a\\u003db\"");
        assertTrue(!new PlainJsonReader().read(escaped.getBytes(StandardCharsets.UTF_8), new EventParser.Scratch(), true),
                "Jackson reads it");
        for (String json : new String[] {plain, escaped}) {
            Prediction p = P.parsePrediction(json.getBytes(StandardCharsets.UTF_8));
            assertEquals(java.util.List.of("=", "a", "a=b", "x,y"), java.util.List.of(p.tagNames()), json);
            assertEquals(java.util.List.of("=", "b=c", "c", "1,2"), java.util.List.of(p.tagValues()), json);
        }
    }
}
