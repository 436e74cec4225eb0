package io.modelwatch.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

/**
 * The streaming {@link EventParser} against the tree-based parser it replaced ({@link LegacyEventParser}):
 * for every input, as a prediction and as a label, under the default and under tight limits, the same
 * outcome: an equal event, or a reject with the same reason and message. The inputs: the golden streams,
 * the bad-input corpus, hand-written edge cases, and many seeded random mutations of them.
 */
class EventParserEquivalenceTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long TS = 1_793_577_600_000L;
    private static final IngestLimits TIGHT = new IngestLimits(400, 8, 2, 3, 946_684_800_000L, 7_258_118_400_000L,
            1e-3, 1000, 100, 1000, IngestLimits.NO_FUTURE_BOUND, 10_000);
    private static final IngestLimits[] LIMITS = {IngestLimits.DEFAULTS, TIGHT};
    /**
     * The tags a prediction parser keeps: every one (null), the slice tags of a configuration (names the inputs
     * use: the golden streams', the mutations', the many-tags case's, one that only Jackson's reader can match
     * as it is not ASCII), or none ({@code slices} empty).
     */
    private static final List<List<String>> KEPT_TAGS = java.util.Arrays.asList(null,
            List.of("cloud", "k", "t7", "r\u00e9gion"), List.of());

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            b.writeBytes(p);
        }
        return b.toByteArray();
    }

    private static final String P = "{\"prediction_id\":\"p-1\",\"model_id\":\"fraud\",\"model_version\":\"v1\",\"timestamp\":"
            + TS + ",\"predicted\":\"1\",\"scores\":{\"0\":0.25,\"1\":0.75},\"tags\":{\"cloud\":\"aws\",\"region\":\"eu\"}}";
    private static final String L = "{\"prediction_id\":\"p-1\",\"label\":\"0\",\"timestamp\":" + TS + "}";

    /** Hand-written cases around every rule (valid and not). */
    static List<byte[]> edgeCases() {
        List<String> s = new ArrayList<>(List.of(P, L, "", " ", "\n\t", "{}", "[]", "[1,2", "null", "true", "false", "42",
                "-0", "1e400", "\"p\"", "\"abc", "{\"a\":", "{\"a\"", "{\"a\" 1}", "{\"a\":1,}", "{,}", "{\"a\":1}}",
                "{\"a\":1} x", "{\"a\":1}{}", "{} []", "{} 1", "{} \"x\"", "{} null", "{} ,", "{} }", "{} ]", "}", "]",
                "{'a':1}", "{a:1}", "{\"a\":01}", "{\"a\":1.}", "{\"a\":.5}", "{\"a\":-}", "{\"a\":+1}", "{\"a\":NaN}",
                "{\"a\":Infinity}", "{\"a\":\"\\x\"}", "{\"a\":\"\\u12\"}", "{\"a\":\"\t\"}", "{\"a\":\"\\uD800\"}",
                "{\"a\":[1,{\"b\":[[]]},\"\\\"\"]}", "[{\"prediction_id\":\"p\"}]", "{\"a\":1 /* c */}", "{\"a\":tru}",
                "{\"a\":nul}", "{\"a\":\"\u0000\"}", "\uFEFF" + L, L + "\uFEFF", L + " ", L + "\n", " " + L,
                // duplicates
                "{\"prediction_id\":1,\"prediction_id\":\"q\",\"label\":\"1\",\"timestamp\":" + TS + "}",
                "{\"prediction_id\":\"q\",\"prediction_id\":null,\"label\":\"1\",\"timestamp\":" + TS + "}",
                "{\"prediction_id\":\"q\",\"label\":\"1\",\"timestamp\":" + TS + ",\"timestamp\":\"x\"}",
                "{\"prediction_id\":\"q\",\"label\":[1],\"label\":2,\"timestamp\":" + TS + "}",
                P.replace("\"tags\":", "\"scores\":{\"a\":1},\"tags\":"),
                P.replace("\"tags\":", "\"scores\":5,\"tags\":"),
                P.replace("\"scores\":{\"0\":0.25,\"1\":0.75}", "\"scores\":{\"0\":0.25,\"1\":0.5,\"1\":0.75}"),
                P.replace("\"scores\":{\"0\":0.25,\"1\":0.75}", "\"scores\":{\"1\":0.5,\"0\":0.25,\"1\":0.75,\"0\":0.25}"),
                P.replace("\"cloud\":\"aws\"", "\"cloud\":\"aws\",\"cloud\":3"),
                P.replace("\"cloud\":\"aws\"", "\"cloud\":3,\"cloud\":\"gcp\""),
                P.replace("\"cloud\":\"aws\"", "\"cloud\":\"a\",\"b\":\"b\",\"c\":\"c\",\"cloud\":\"d\""),
                P.replace("}}", "},\"tags\":null}"),
                P.replace("}}", "},\"tags\":{}}"),
                P.replace("}}", "},\"scores\":{}}"),
                P.replace("}}", "},\"scores\":[]}"),
                P.replace("}}", "},\"tags\":\"x\"}"),
                // scores and tags of every type
                P.replace("0.25", "\"0.25\""), P.replace("0.25", "\"NaN\""), P.replace("0.25", "\"-Infinity\""),
                P.replace("0.25", "\"xInfinity\""), P.replace("0.25", "null"), P.replace("0.25", "true"),
                P.replace("0.25", "{\"x\":1}"), P.replace("0.25", "[0.25]"), P.replace("0.25", "1e400"),
                P.replace("0.25", "-1e400"), P.replace("0.25", "-0.0"), P.replace("0.25", "2"), P.replace("0.25", "-1"),
                P.replace("0.25", "99999999999999999999"), P.replace("0.25", "0"), P.replace("0.75", "1"),
                P.replace("0.25", "1.0E-400"), P.replace("0.25", "0.2500000000000000000001"),
                P.replace("\"aws\"", "1"), P.replace("\"aws\"", "null"), P.replace("\"aws\"", "{}"),
                P.replace("\"aws\"", "[\"a\"]"), P.replace("\"aws\"", "\"\""), P.replace("\"cloud\"", "\"\""),
                // tags that may not be kept, with what would be a reject in a kept one; and syntax errors in them
                P.replace("\"eu\"}", "\"eu\",\"\":\"x\"}"), P.replace("\"eu\"}", "\"eu\",\"x\":\"a\\u0000\"}"),
                P.replace("\"eu\"}", "\"eu\",\"x\\u0000\":\"a\"}"), P.replace("\"eu\"", "\"__overflow__\""),
                P.replace("\"eu\"", "\"\\uD800\""), P.replace("\"eu\"", "\"" + "e".repeat(300) + "\""),
                P.replace("\"region\"", "\"" + "r".repeat(300) + "\""), P.replace("\"eu\"", "[1,{\"a\":null}]"),
                P.replace("\"eu\"", "{\"a\":[]}"), P.replace("\"eu\"", "-1.5e3"), P.replace("\"eu\"", "false"),
                P.replace("\"eu\"", "tru"), P.replace("\"eu\"", "\"\\q\""), P.replace("\"eu\"", "\"e\tu\""),
                P.replace("\"eu\"", "01"), P.replace("\"eu\"", "NaN"), P.replace("\"eu\"}}", "\"eu\""),
                P.replace("\"region\":\"eu\"", "\"r\u00e9gion\":\"eu\""),
                P.replace("\"region\":\"eu\"", "\"r\\u00e9gion\":\"\\u00e9\""),
                P.replace("\"region\":\"eu\"", "\"k\":\"1\",\"t7\":\"2\",\"r\u00e9gion\":\"3\""),
                P.replace("\"cloud\":\"aws\"", "\"cloud\":\"a\",\"x\":1,\"cloud\":\"b\",\"x\":\"\""),
                P.replace("\"0\":0.25", "\"\":0.25"),
                // field types
                P.replace("\"p-1\"", "17"), P.replace("\"p-1\"", "1.5"), P.replace("\"p-1\"", "true"),
                P.replace("\"p-1\"", "[]"), P.replace("\"p-1\"", "{}"), P.replace("\"p-1\"", "null"),
                P.replace("\"p-1\"", "\"\""), P.replace("\"v1\"", "7"), P.replace("\"v1\"", "-7"),
                P.replace("\"v1\"", "123456789012345678901234567890"), P.replace("\"v1\"", "7.5"),
                P.replace("\"v1\"", "null"), P.replace("\"v1\"", "\"\""), P.replace("\"v1\"", "false"),
                P.replace("\"v1\"", "[]"), P.replace("\"predicted\":\"1\"", "\"predicted\":1"),
                P.replace("\"predicted\":\"1\"", "\"predicted\":-0"), P.replace("\"predicted\":\"1\"", "\"predicted\":1.0"),
                P.replace("\"predicted\":\"1\"", "\"predicted\":12345678901234567890"),
                P.replace("\"predicted\":\"1\"", "\"predicted\":{}"), P.replace("\"predicted\":\"1\"", "\"predicted\":null"),
                P.replace("\"predicted\":\"1\",", ""), P.replace("\"model_id\":\"fraud\",", ""),
                L.replace("\"0\"", "0"), L.replace("\"0\"", "-12"), L.replace("\"0\"", "1.5"), L.replace("\"0\"", "true"),
                L.replace("\"0\"", "\"1".repeat(2) + "\""), L.replace("\"0\"", "1".repeat(300)),
                L.replace("\"0\"", "\"" + "x".repeat(300) + "\""), L.replace("\"p-1\"", "\"" + "é".repeat(5) + "\""),
                L.replace("\"p-1\"", "\"" + "\uD83D\uDE00".repeat(3) + "\""), L.replace("\"p-1\"", "\"\\uD83D\\uDE00\""),
                L.replace("\"p-1\"", "\"\\uDE00\""), L.replace("\"p-1\"", "\"a\\u0000b\""),
                // the overflow name: reserved as a model, version or tag value (plain or escaped), a name elsewhere; its
                // check comes before those of the later fields
                P.replace("\"fraud\"", "\"__overflow__\""), P.replace("\"v1\"", "\"__overflow__\""),
                P.replace("\"aws\"", "\"__overflow__\""), P.replace("\"fraud\"", "\"\\u005f_overflow__\""),
                P.replace("\"v1\"", "\"__overflow\\u005f_\""), P.replace("\"eu\"", "\"__overflow\\u005F_\""),
                P.replace("\"fraud\"", "\"__overflow__\"").replace("\"aws\"", "\"__overflow__\""),
                P.replace("\"fraud\"", "\"__overflow_\""), P.replace("\"v1\"", "\"__OVERFLOW__\""),
                P.replace("\"cloud\"", "\"__overflow__\""), P.replace("\"p-1\"", "\"__overflow__\""),
                P.replace("\"predicted\":\"1\"", "\"predicted\":\"__overflow__\""),
                P.replace("\"0\":0.25", "\"__overflow__\":0.25"), L.replace("\"0\"", "\"__overflow__\""),
                P.replace("\"fraud\"", "\"__overflow__\"").replace("\"timestamp\":", "\"timestamp\":\"x\",\"y\":"),
                // timestamps
                L.replace(Long.toString(TS), "\"2026-11-02T00:00:00Z\""),
                L.replace(Long.toString(TS), "\"2026-11-02T01:00:00+01:00\""),
                L.replace(Long.toString(TS), "\"2026-11-02T00:00:00.123456789Z\""),
                L.replace(Long.toString(TS), "\"2026-11-02\""), L.replace(Long.toString(TS), "\"\""),
                L.replace(Long.toString(TS), "\"+999999999-01-01T00:00:00Z\""),
                L.replace(Long.toString(TS), "\"+300000000-01-01T00:00Z\""),
                L.replace(Long.toString(TS), "\"" + "y".repeat(100) + "\""),
                L.replace(Long.toString(TS), TS + ".0"), L.replace(Long.toString(TS), TS + ".5"),
                L.replace(Long.toString(TS), "1.7935776E12"), L.replace(Long.toString(TS), "1e300"),
                L.replace(Long.toString(TS), "-1e300"), L.replace(Long.toString(TS), "1e400"),
                L.replace(Long.toString(TS), "9000000000000001"), L.replace(Long.toString(TS), "9e15"),
                L.replace(Long.toString(TS), "9.1e15"), L.replace(Long.toString(TS), "-0"),
                L.replace(Long.toString(TS), "0"), L.replace(Long.toString(TS), "-1"),
                L.replace(Long.toString(TS), "9223372036854775807"), L.replace(Long.toString(TS), "9223372036854775808"),
                L.replace(Long.toString(TS), "-9223372036854775809"), L.replace(Long.toString(TS), "1".repeat(1001)),
                L.replace(Long.toString(TS), "1".repeat(999)), L.replace(Long.toString(TS), "0." + "1".repeat(1001)),
                L.replace(Long.toString(TS), "true"), L.replace(Long.toString(TS), "[]"),
                L.replace(Long.toString(TS), "{\"a\":1}"), L.replace(Long.toString(TS), "null"),
                L.replace(Long.toString(TS), "7258118399999"), L.replace(Long.toString(TS), "7258118400000"),
                L.replace(Long.toString(TS), "946684800000"), L.replace(Long.toString(TS), "946684799999"),
                // unknown fields of every shape
                L.replace("}", ",\"x\":{\"y\":[1,2,{\"z\":\"w\"}],\"n\":null},\"f\":[1.5,-2e3,\"s\",true]}"),
                L.replace("}", ",\"x\":\"\\q\"}"), L.replace("}", ",\"x\":\"\u0001\"}"), L.replace("}", ",\"x\":1" + "0".repeat(1200) + "}"),
                L.replace("}", ",\"" + "k".repeat(300) + "\":1}"), L.replace("}", ",\"x\":[" + "[".repeat(1001) + "]".repeat(1001) + "]}"),
                L.replace("}", ",\"x\":" + "[".repeat(999) + "]".repeat(999) + "}"),
                L.replace("}", ",\"scores\":7,\"model_id\":[]}"), P.replace("}}", "},\"label\":{}}")));
        StringBuilder many = new StringBuilder("{\"prediction_id\":\"p\",\"model_id\":\"m\",\"timestamp\":" + TS
                + ",\"predicted\":\"a\",\"scores\":{");
        for (int i = 0; i < 1100; i++) {
            many.append(i == 0 ? "" : ",").append("\"c").append(i % 1050).append("\":").append(i == 0 ? "1" : "0");
        }
        s.add(many.append("}}").toString());
        StringBuilder tags = new StringBuilder("{\"prediction_id\":\"p\",\"model_id\":\"m\",\"timestamp\":" + TS
                + ",\"predicted\":\"a\",\"tags\":{");
        for (int i = 0; i < 40; i++) {
            tags.append(i == 0 ? "" : ",").append("\"t").append(i % 33).append("\":\"v").append(i).append('"');
        }
        s.add(tags.append("}}").toString());
        List<byte[]> out = new ArrayList<>();
        for (String x : s) {
            out.add(utf8(x));
        }
        // not UTF-8, or other encodings
        for (byte[] bad : new byte[][] {{(byte) 0xFF}, {(byte) 0xC0, (byte) 0x80}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
                {(byte) 0xC3}, {(byte) 0xE2, (byte) 0x82}, {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80},
                {(byte) 0xF0, (byte) 0x9F, (byte) 0x98}, {(byte) 0x80}, {0}}) {
            out.add(concat(utf8("{\"prediction_id\":\""), bad, utf8("\",\"label\":\"1\",\"timestamp\":" + TS + "}")));
            out.add(concat(utf8("{\"prediction_id\":\"p\",\"label\":\"1\",\"timestamp\":" + TS + ",\"x\":\""), bad,
                    utf8("\"}")));
            out.add(concat(utf8("{\"prediction_id\":\"p\",\"label\":\"1\",\"timestamp\":" + TS + ",\"x\":\""), bad));
            out.add(concat(utf8("{\"prediction_id\":\"p\",\"label\":\"1\",\"timestamp\":" + TS + "}"), bad));
            out.add(concat(bad, utf8(L)));
            out.add(concat(utf8("\""), bad, utf8("\"")));
        }
        out.add(L.getBytes(StandardCharsets.UTF_16BE));
        out.add(L.getBytes(StandardCharsets.UTF_16LE));
        out.add(L.getBytes(StandardCharsets.UTF_16));
        out.add(L.getBytes(java.nio.charset.Charset.forName("UTF-32")));
        out.add(P.replace("aws", "Fran\u00e7a").getBytes(StandardCharsets.ISO_8859_1));
        out.add(utf8("x".repeat(70_000)));
        out.add(utf8(L.replace("}", ",\"pad\":\"" + "x".repeat(65_400) + "\"}")));
        return out;
    }

    static List<byte[]> golden() throws IOException {
        List<byte[]> out = new ArrayList<>();
        for (String f : new String[] {"/golden/basic/predictions.jsonl.gz", "/golden/basic/labels.jsonl.gz",
                "/golden/edge/predictions.jsonl.gz", "/golden/edge/labels.jsonl.gz"}) {
            try (InputStream in = EventParserEquivalenceTest.class.getResourceAsStream(f)) {
                if (in == null) {
                    continue;
                }
                String[] lines = new String(new GZIPInputStream(in).readAllBytes(), StandardCharsets.UTF_8).split("\n");
                for (int i = 0; i < lines.length; i += Math.max(1, lines.length / 400)) {
                    out.add(utf8(lines[i]));
                }
            }
        }
        return out;
    }

    static List<byte[]> badInputCorpus() throws IOException {
        List<byte[]> out = new ArrayList<>();
        try (InputStream in = EventParserEquivalenceTest.class.getResourceAsStream("/reliability/bad-input-corpus.jsonl")) {
            if (in == null) {
                return out;
            }
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode e = JSON.readTree(line);
                if (e.has("base64")) {
                    out.add(Base64.getDecoder().decode(e.get("base64").asText()));
                } else if (e.has("text")) {
                    String text = e.get("text").asText();
                    JsonNode pad = e.get("pad");
                    if (pad != null) {
                        text = text.replace(pad.get("token").asText(), pad.get("with").asText().repeat(pad.get("times").asInt()));
                    }
                    out.add(utf8(text));
                }
            }
        }
        return out;
    }

    private static final String[] SNIPPETS = {"\"", "\\", "\\u00e9", "\\uD800", "\\u", "{", "}", "[", "]", ",", ":", "null",
            "true", "false", "NaN", "-Infinity", "1e400", "-0", "0.5", "12345678901234567890", "1.0", "01", "1.", "-",
            "\"timestamp\":", "\"scores\":{\"a\":1}", "\"tags\":{\"x\":\"y\"}", "\"prediction_id\":\"q\"", "\"label\":7",
            "\"predicted\":3", "\"model_id\":\"m\"", "\"model_version\":2", ",\"x\":[1,{\"y\":\"z\"}]", " ", "\t", "\n",
            "/* */", "\u00e9", "\uD83D\uDE00", "\"2026-11-02T00:00:00Z\"", "1793577600000", "1793577600000.5", "'"};
    private static final byte[][] RAW = {{(byte) 0xFF}, {(byte) 0xC3, (byte) 0xA9}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
            {0}, {1}, {(byte) 0xC3}, {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}, {(byte) 0x80}};

    static byte[] mutate(byte[] v, Random r) {
        int n = v.length;
        int at = n == 0 ? 0 : r.nextInt(n + 1);
        switch (r.nextInt(7)) {
            case 0: // truncate
                return java.util.Arrays.copyOf(v, at);
            case 1: { // replace a byte
                if (n == 0) {
                    return v;
                }
                byte[] c = v.clone();
                c[Math.min(at, n - 1)] = (byte) (r.nextBoolean() ? SNIPPETS[r.nextInt(SNIPPETS.length)].charAt(0)
                        : r.nextInt(256));
                return c;
            }
            case 2: { // insert a snippet
                byte[] snip = r.nextInt(4) == 0 ? RAW[r.nextInt(RAW.length)] : utf8(SNIPPETS[r.nextInt(SNIPPETS.length)]);
                return concat(java.util.Arrays.copyOf(v, at), snip, java.util.Arrays.copyOfRange(v, at, n));
            }
            case 3: { // delete a range
                int end = Math.min(n, at + 1 + r.nextInt(8));
                return concat(java.util.Arrays.copyOf(v, at), java.util.Arrays.copyOfRange(v, end, n));
            }
            case 4: { // a duplicate field before the closing brace
                String s = new String(v, StandardCharsets.UTF_8);
                int close = s.lastIndexOf('}');
                if (close < 0) {
                    return v;
                }
                String[] fields = {"\"prediction_id\":\"dup\"", "\"timestamp\":1793577600001", "\"label\":\"9\"",
                        "\"predicted\":\"9\"", "\"scores\":{\"9\":1}", "\"tags\":{\"k\":\"v\"}", "\"model_id\":null",
                        "\"timestamp\":\"2026-11-02T00:00:00Z\"", "\"scores\":null", "\"tags\":[]",
                        "\"model_id\":\"__overflow__\"", "\"model_version\":\"__overflow__\"",
                        "\"tags\":{\"k\":\"__overflow__\"}"};
                return utf8(s.substring(0, close) + "," + fields[r.nextInt(fields.length)] + s.substring(close));
            }
            case 5: // trailing content
                return concat(v, utf8(SNIPPETS[r.nextInt(SNIPPETS.length)]));
            default: { // swap a number for another number or a string
                String s = new String(v, StandardCharsets.UTF_8);
                String[] repl = {"0", "1", "-1", "0.5", "1e400", "99999999999999999999", "\"1\"", "true", "null", "[]", "{}"};
                return utf8(s.replaceFirst("(?<=:)-?[0-9][0-9.eE+-]*", repl[r.nextInt(repl.length)]));
            }
        }
    }

    private static String describe(Object outcome) {
        if (outcome instanceof BadInputException e) {
            return "reject " + e.reason() + ": " + e.getMessage();
        }
        if (outcome instanceof Throwable t) {
            return "exception " + t.getClass().getName();
        }
        return String.valueOf(outcome);
    }

    private static Object outcome(ThrowingParse parse) {
        try {
            return parse.run();
        } catch (Throwable t) {
            return t;
        }
    }

    interface ThrowingParse {
        Object run() throws Exception;
    }

    private int compared;
    /** Inputs the fast path ({@link PlainJsonReader}) read on its own, without falling back to Jackson. */
    private int readPlain;
    private final java.util.Map<String, Integer> kinds = new java.util.TreeMap<>();

    private void compare(byte[] value) {
        for (IngestLimits limits : LIMITS) {
            for (boolean prediction : new boolean[] {true, false}) {
                // labels carry no tags: one parser keeping every tag is enough
                for (List<String> kept : prediction ? KEPT_TAGS : KEPT_TAGS.subList(0, 1)) {
                    compare(value, limits, kept, prediction);
                }
            }
        }
    }

    private void compare(byte[] value, IngestLimits limits, List<String> kept, boolean prediction) {
        EventParser now = new EventParser(limits, kept);
        LegacyEventParser before = new LegacyEventParser(limits, kept);
        Object a = outcome(() -> prediction ? before.parsePrediction(value) : before.parseLabel(value));
        Object b = outcome(() -> prediction ? now.parsePrediction(value) : now.parseLabel(value));
        String da = describe(a);
        String db = describe(b);
        if (!da.equals(db) || (!(a instanceof Throwable) && !a.equals(b))) {
            fail((prediction ? "prediction" : "label") + " limits=" + limits + " kept tags=" + kept + "\ninput: "
                    + abbreviate(value) + "\nbefore: " + da + "\nnow:    " + db);
        }
        compared++;
        if (value != null && new PlainJsonReader().read(value, new EventParser.Scratch(), prediction,
                kept == null ? null : new KeptTags(kept))) {
            readPlain++;
        }
        kinds.merge(a instanceof BadInputException e ? e.reason().code : a instanceof Throwable t
                ? t.getClass().getSimpleName() : "valid", 1, Integer::sum);
    }

    private static String abbreviate(byte[] v) {
        String s = new String(v, 0, Math.min(v.length, 600), StandardCharsets.ISO_8859_1);
        return s + (v.length > 600 ? "... (" + v.length + " bytes)" : "") + "\nhex: "
                + HexFormat.of().formatHex(v, 0, Math.min(v.length, 200));
    }

    @Test
    void sameOutcomeOnEdgeCases() {
        for (byte[] v : edgeCases()) {
            compare(v);
        }
        compare(null);
    }

    @Test
    void sameOutcomeOnGoldenAndCorpus() throws IOException {
        List<byte[]> inputs = new ArrayList<>(golden());
        inputs.addAll(badInputCorpus());
        assertTrue(inputs.size() > 100, "golden and corpus inputs found: " + inputs.size());
        for (byte[] v : inputs) {
            compare(v);
        }
    }

    @Test
    void sameOutcomeOnEveryTruncation() {
        for (String s : new String[] {P, L, P.replace("aws", "Fran\u00e7a \uD83D\uDE00")}) {
            byte[] v = utf8(s);
            for (int cut = 0; cut <= v.length; cut++) {
                compare(java.util.Arrays.copyOf(v, cut));
            }
        }
    }

    @Test
    void sameOutcomeOnRandomMutations() throws IOException {
        List<byte[]> seeds = new ArrayList<>(edgeCases());
        seeds.addAll(golden());
        seeds.addAll(badInputCorpus());
        seeds.removeIf(v -> v.length > 5000);
        // -Dequivalence.mutations=N -Dequivalence.seed=S for a longer or different run
        Random r = new Random(Long.getLong("equivalence.seed", 20261202L));
        int mutations = Integer.getInteger("equivalence.mutations", 20_000);
        for (int i = 0; i < mutations; i++) {
            byte[] v = seeds.get(r.nextInt(seeds.size()));
            int rounds = 1 + r.nextInt(3);
            for (int k = 0; k < rounds; k++) {
                v = mutate(v, r);
            }
            compare(v);
        }
        assertTrue(compared >= 4 * mutations, "compared " + compared);
        // the mutations reach every stage of the checks, not only the JSON reader
        assertTrue(kinds.size() >= 14 && kinds.getOrDefault("valid", 0) > 1000, kinds::toString);
        // and both readers: the fast path's subset, and Jackson for the rest
        assertTrue(readPlain > compared / 10 && readPlain < compared * 9 / 10, "read by the fast path: " + readPlain
                + " of " + compared);
        System.out.println("EventParserEquivalenceTest outcomes: " + kinds + ", read by the fast path: " + readPlain
                + " of " + compared);
    }

    @Test
    void utf8CheckAgreesWithTheJdkDecoder() {
        Random r = new Random(7);
        int invalid = 0;
        for (int i = 0; i < 200_000; i++) {
            byte[] v = new byte[r.nextInt(12)];
            for (int k = 0; k < v.length; k++) {
                // mostly lead and continuation bytes and the boundaries between valid and invalid
                int pick = r.nextInt(6);
                v[k] = (byte) switch (pick) {
                    case 0 -> r.nextInt(0x80);
                    case 1, 2 -> 0x80 + r.nextInt(0x40);
                    case 3 -> 0xC0 + r.nextInt(0x20);
                    case 4 -> 0xE0 + r.nextInt(0x10);
                    default -> 0xF0 + r.nextInt(0x10);
                };
            }
            boolean jdk = jdkUtf8(v);
            assertEquals(jdk, EventParser.isUtf8(v), () -> HexFormat.of().formatHex(v));
            invalid += jdk ? 0 : 1;
        }
        assertTrue(invalid > 1000 && invalid < 199_000);
        for (int cp = 0; cp <= Character.MAX_CODE_POINT; cp++) {
            if (cp < Character.MIN_SURROGATE || cp > Character.MAX_SURROGATE) {
                byte[] v = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8);
                assertTrue(EventParser.isUtf8(v), Integer.toHexString(cp));
            }
        }
        assertFalse(EventParser.isUtf8(new byte[] {'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', (byte) 0xC3}));
        assertTrue(EventParser.isUtf8(utf8("abcdefgh\u00e9abcdefgh")));
    }

    private static boolean jdkUtf8(byte[] v) {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(v));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }
}
