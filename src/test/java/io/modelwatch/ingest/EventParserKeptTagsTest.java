package io.modelwatch.ingest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Only the tags named in {@code slices} are kept (README, Semantics, "Slices"): a tag of another name is read as
 * JSON and dropped unchecked, so what would make it a reject (an empty name, a NUL, {@code __overflow__}, an
 * oversized name or value, a value that is no string, more of them than {@code limits.max-tags}) no longer costs
 * the prediction; the same defect in a kept tag is still rejected, with the same reason and message as before.
 * Every case is read by both readers: the fast path ({@link PlainJsonReader}, ASCII without escapes) where its
 * subset allows, and Jackson's, which an escape elsewhere in the record ({@code "fr\u0061ud"}) forces.
 */
class EventParserKeptTagsTest {

    private static final String TS = "1793577600000";
    private static final List<String> SLICES = List.of("cloud", "region");
    private static final EventParser SLICED = new EventParser(IngestLimits.DEFAULTS, SLICES);
    private static final EventParser EVERY = new EventParser(IngestLimits.DEFAULTS);

    /** A prediction whose tags object holds {@code tags} (JSON members) besides cloud and region. */
    private static String prediction(String tags) {
        return "{\"prediction_id\":\"p-1\",\"model_id\":\"fraud\",\"model_version\":\"v1\",\"timestamp\":" + TS
                + ",\"predicted\":\"1\",\"scores\":{\"0\":0.25,\"1\":0.75},\"tags\":{\"cloud\":\"aws\"," + tags
                + ",\"region\":\"eu\"}}";
    }

    /** The same record, with an escape that sends it to the Jackson reader (it decodes to the same event). */
    private static String viaJackson(String json) {
        return json.replace("\"fraud\"", "\"fr\\u0061ud\"");
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static boolean readPlain(String json, List<String> kept) {
        return new PlainJsonReader().read(utf8(json), new EventParser.Scratch(), true, new KeptTags(kept));
    }

    private static String manyTags(String prefix, int n) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            b.append(i == 0 ? "" : ",").append('"').append(prefix).append(i).append("\":\"v").append(i).append('"');
        }
        return b.toString();
    }

    /**
     * Tags nothing slices by, each with what makes a kept tag a reject: {tags, the reason a parser keeping every
     * tag gives, whether the fast path can read it (else Jackson does in both forms)}.
     */
    private static List<String[]> unconfigured() {
        String big = "x".repeat(300);
        List<String[]> c = new ArrayList<>();
        c.add(new String[] {"\"\":\"x\"", "empty_field", "plain"});
        c.add(new String[] {"\"shard\":\"a\\u0000b\"", "nul_character", "jackson"});
        c.add(new String[] {"\"a\\u0000b\":\"x\"", "nul_character", "jackson"});
        c.add(new String[] {"\"shard\":\"__overflow__\"", "reserved_value", "plain"});
        c.add(new String[] {"\"shard\":\"__overflow\\u005f_\"", "reserved_value", "jackson"});
        c.add(new String[] {"\"shard\":\"" + big + "\"", "oversized_field", "plain"});
        c.add(new String[] {"\"" + big + "\":\"x\"", "oversized_field", "plain"});
        c.add(new String[] {"\"shard\":3", "wrong_type", "plain"});
        c.add(new String[] {"\"shard\":null", "wrong_type", "plain"});
        c.add(new String[] {"\"shard\":{\"a\":[1,\"b\"]}", "wrong_type", "jackson"});
        c.add(new String[] {"\"shard\":\"\\uD800\"", "not_utf8", "jackson"});
        c.add(new String[] {manyTags("t", 40), "too_many_tags", "plain"});
        c.add(new String[] {"\"\":\"\"," + manyTags("u", 33) + ",\"shard\":7,\"x\":\"__overflow__\"", "too_many_tags",
                "plain"});
        return c;
    }

    @Test
    void anUnconfiguredTagThatWouldBeARejectIsDroppedAndThePredictionCounted() throws Exception {
        for (String[] c : unconfigured()) {
            String plain = prediction(c[0]);
            // before: a reject (every tag kept and checked)
            BadInputException before = assertThrows(BadInputException.class, () -> EVERY.parsePrediction(utf8(plain)),
                    c[0]);
            assertEquals(c[1], before.reason().code, c[0]);
            assertEquals(c[2].equals("plain"), readPlain(plain, SLICES), "read by the fast path: " + c[0]);
            assertEquals(false, readPlain(viaJackson(plain), SLICES), c[0]);
            Prediction expected = null;
            for (String json : new String[] {plain, viaJackson(plain)}) {
                IngestCounters counters = new IngestCounters();
                Parsed out = ParseRun.once(SLICED, true, counters, 0, false, "predictions", 0, 1_000L, null, utf8(json));
                Prediction p = assertInstanceOf(Prediction.class, out, c[0]);
                assertEquals(1, counters.predictions(), c[0]);
                assertEquals(0, counters.rejectedTotal(), c[0]);
                // the kept tags intact, nothing else
                assertArrayEquals(new String[] {"cloud", "region"}, p.tagNames(), c[0]);
                assertArrayEquals(new String[] {"aws", "eu"}, p.tagValues(), c[0]);
                assertEquals("fraud", p.modelId());
                if (expected == null) {
                    expected = p;
                } else {
                    assertEquals(expected, p, "both readers give the same event: " + c[0]);
                }
            }
        }
    }

    /** The same defects in a tag that is kept: the reject and the message of the parser that kept every tag. */
    @Test
    void theSameDefectsInAKeptTagAreStillRejected() {
        String big = "x".repeat(300);
        String[][] cases = {
            // {tags, the tag names kept, reason}
            {"\"cloud\":\"a\\u0000b\"", "cloud", "nul_character"},
            {"\"cloud\":\"__overflow__\"", "cloud", "reserved_value"},
            {"\"cloud\":\"__overflow\\u005f_\"", "cloud", "reserved_value"},
            {"\"cloud\":\"" + big + "\"", "cloud", "oversized_field"},
            {"\"cloud\":3", "cloud", "wrong_type"},
            {"\"cloud\":null", "cloud", "wrong_type"},
            {"\"cloud\":{\"a\":1}", "cloud", "wrong_type"},
            {"\"cloud\":\"\\uDC00\"", "cloud", "not_utf8"},
            // names no configuration would pass (TopologySettings.sliceDimensionProblem refuses an empty one), but
            // a parser told to keep them checks them as every tag was
            {"\"\":\"x\"", "", "empty_field"},
            {"\"" + big + "\":\"x\"", big, "oversized_field"},
            {"\"a\\u0000b\":\"x\"", "a\u0000b", "nul_character"},
        };
        for (String[] c : cases) {
            String json = "{\"prediction_id\":\"p-1\",\"model_id\":\"fraud\",\"timestamp\":" + TS
                    + ",\"predicted\":\"1\",\"tags\":{\"region\":\"eu\"," + c[0] + ",\"zone\":\"\"}}";
            EventParser kept = new EventParser(IngestLimits.DEFAULTS, List.of(c[1], "region"));
            for (String form : new String[] {json, viaJackson(json)}) {
                BadInputException e = assertThrows(BadInputException.class, () -> kept.parsePrediction(utf8(form)), form);
                assertEquals(c[2], e.reason().code, form);
                BadInputException every = assertThrows(BadInputException.class, () -> EVERY.parsePrediction(utf8(
                        form.replace(",\"zone\":\"\"", ""))), form);
                assertEquals(every.reason(), e.reason(), form);
                assertEquals(every.getMessage(), e.getMessage(), form);
                IngestCounters counters = new IngestCounters();
                Parsed out = ParseRun.once(kept, true, counters, 0, false, "predictions", 0, 1_000L, null, utf8(form));
                assertEquals(c[2], assertInstanceOf(Parsed.Rejected.class, out).reason().code);
                assertEquals(1, counters.rejectedTotal());
            }
        }
    }

    /** {@code limits.max-tags} counts the kept tags: those that reach the join's state and the repartition topic. */
    @Test
    void theTagLimitCountsTheKeptTags() throws Exception {
        IngestLimits two = new IngestLimits(64 * 1024, 256, 2, 1000, 946_684_800_000L, 7_258_118_400_000L, 1e-3, 1000,
                100, 1000, IngestLimits.NO_FUTURE_BOUND, 10_000);
        EventParser abc = new EventParser(two, List.of("a", "b", "c"));
        String json = "{\"prediction_id\":\"p-1\",\"model_id\":\"m\",\"timestamp\":" + TS + ",\"predicted\":\"1\","
                + "\"tags\":{" + manyTags("t", 10) + ",\"a\":\"1\",\"b\":\"2\"}}";
        for (String form : new String[] {json, json.replace("\"m\"", "\"\\u006d\"")}) {
            // two kept (the limit), ten dropped
            Prediction p = abc.parsePrediction(utf8(form));
            assertEquals(List.of("a", "b"), List.of(p.tagNames()));
            // a third kept one is one too many, the same reason and message as ever
            String three = form.replace("\"b\":\"2\"", "\"b\":\"2\",\"c\":\"3\"");
            BadInputException e = assertThrows(BadInputException.class, () -> abc.parsePrediction(utf8(three)));
            assertEquals(RejectReason.TOO_MANY_TAGS, e.reason());
            assertEquals("3 tags, more than the limit of 2", e.getMessage());
            // a repeated kept name is one tag, its last value
            Prediction again = abc.parsePrediction(utf8(form.replace("\"b\":\"2\"", "\"b\":\"2\",\"a\":\"9\"")));
            assertEquals(List.of("9", "2"), List.of(again.tagValues()));
        }
    }

    /** Dropped unchecked, but read: a tag that is not JSON makes the record no JSON, whatever its name. */
    @Test
    void aMalformedUnconfiguredTagIsStillAReject() {
        String[][] cases = {
            {"\"shard\":tru", "not_json"},
            {"\"shard\":\"\\q\"", "not_json"},
            {"\"shard\":\"a\tb\"", "not_json"},
            {"\"shard\":01", "not_json"},
            {"\"shard\":NaN", "not_json"},
            {"\"shard\" 1", "not_json"},
            {"\"shard\":[1,}", "not_json"},
        };
        for (String[] c : cases) {
            for (String json : new String[] {prediction(c[0]), viaJackson(prediction(c[0]))}) {
                BadInputException e = assertThrows(BadInputException.class, () -> SLICED.parsePrediction(utf8(json)),
                        json);
                assertEquals(c[1], e.reason().code, json);
            }
        }
        String cut = prediction("\"shard\":\"abc");
        BadInputException truncated = assertThrows(BadInputException.class,
                () -> SLICED.parsePrediction(utf8(cut.substring(0, cut.indexOf("abc") + 3))));
        assertEquals(RejectReason.TRUNCATED_JSON, truncated.reason());
        byte[] latin1 = prediction("\"shard\":\"caf\u00e9\"").getBytes(StandardCharsets.ISO_8859_1);
        assertEquals(RejectReason.NOT_UTF8, assertThrows(BadInputException.class,
                () -> SLICED.parsePrediction(latin1)).reason());
        // the tags field itself is still an object
        String notAnObject = "{\"prediction_id\":\"p-1\",\"model_id\":\"m\",\"timestamp\":" + TS
                + ",\"predicted\":\"1\",\"tags\":\"cloud=aws\"}";
        assertEquals(RejectReason.WRONG_TYPE, assertThrows(BadInputException.class,
                () -> SLICED.parsePrediction(utf8(notAnObject))).reason());
    }

    /** No slices: no tag is kept, and none is checked. */
    @Test
    void withoutSlicesNoTagIsKept() throws Exception {
        EventParser none = new EventParser(IngestLimits.DEFAULTS, List.of());
        for (String[] c : unconfigured()) {
            for (String json : new String[] {prediction(c[0]), viaJackson(prediction(c[0]))}) {
                Prediction p = none.parsePrediction(utf8(json));
                assertEquals(0, p.tagNames().length, json);
                assertEquals(0, p.tagValues().length, json);
            }
        }
    }
}
