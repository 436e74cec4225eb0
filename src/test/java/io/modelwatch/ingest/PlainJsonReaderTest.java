package io.modelwatch.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The fast path's own rules: it reads the contract's common shape, gives up on everything outside its
 * subset, and its numbers are exactly {@code Double.parseDouble}'s. (That its results equal the Jackson
 * reader's, and so the tree parser's, is {@link EventParserEquivalenceTest}'s.)
 */
class PlainJsonReaderTest {

    private static final String P = "{\"prediction_id\":\"p-1\",\"model_id\":\"fraud\",\"model_version\":\"v1\","
            + "\"timestamp\":1793577600000,\"predicted\":\"1\",\"scores\":{\"0\":0.25,\"1\":0.75},"
            + "\"tags\":{\"cloud\":\"aws\",\"region\":\"eu\"}}";

    private static boolean readsPlain(String json, boolean prediction) {
        return new PlainJsonReader().read(json.getBytes(StandardCharsets.UTF_8), new EventParser.Scratch(), prediction);
    }

    @Test
    void readsEveryGoldenEventOfTheBasicStream() throws IOException {
        int n = 0;
        for (byte[] v : EventParserEquivalenceTest.golden()) {
            String line = new String(v, StandardCharsets.UTF_8);
            if (line.contains("\"label\"") || line.contains("\"predicted\"")) {
                boolean prediction = line.contains("\"predicted\"");
                // the edge stream holds escapes and non-ASCII on purpose; everything else is the plain shape
                if (!line.contains("\\") && line.chars().allMatch(c -> c < 0x80)) {
                    assertTrue(readsPlain(line, prediction), line);
                    n++;
                }
            }
        }
        assertTrue(n > 500, "golden events read: " + n);
    }

    @Test
    void fillsTheScratchAsTheContractSays() {
        EventParser.Scratch s = new EventParser.Scratch();
        assertTrue(new PlainJsonReader().read((" \n" + P.replace(",", " ,\t") + "\r\n").getBytes(StandardCharsets.UTF_8),
                s, true));
        assertEquals("p-1", s.predictionId.text);
        assertEquals("fraud", s.modelId.text);
        assertEquals(EventParser.INT, s.timestamp.kind);
        assertEquals(1793577600000L, s.timestamp.lng);
        assertEquals(2, s.scores.count);
        assertEquals("1", s.scores.keys[1]);
        assertEquals(0.75, s.scores.dbls[1]);
        assertEquals(EventParser.OBJECT, s.tags.kind);
        assertEquals("eu", s.tags.objs[1]);
        // a label's reader leaves a prediction's fields alone, as the Jackson reader does
        EventParser.Scratch l = new EventParser.Scratch();
        assertTrue(new PlainJsonReader().read(P.replace("\"predicted\":\"1\",", "\"label\":null,")
                .replace("\"scores\":{\"0\":0.25,\"1\":0.75},", "").replace(",\"tags\":{\"cloud\":\"aws\",\"region\":\"eu\"}",
                        "").getBytes(StandardCharsets.UTF_8), l, false));
        assertEquals(EventParser.ABSENT, l.modelId.kind);
        assertEquals(EventParser.NULL, l.label.kind);
    }

    @Test
    void givesUpOnEverythingOutsideItsSubset() {
        for (String s : List.of(P.replace("p-1", "p\\u0031"), P.replace("aws", "Fran\u00e7a"), P.replace("0.25", "2.5e-1"),
                P.replace("0.25", "[0.25]"), P.replace("\"v1\"", "{}"), P.replace("1793577600000", "1793577600000000000000"),
                P.replace("0.25", "0.250000000000000000001"), P.replace("0.25", "00.25"), P.replace("0.25", "0."),
                P.replace("0.25", ".25"), P.replace("0.25", "-"), P.replace("}}", "},}"), P + "x", "\uFEFF" + P,
                P.replace("\"p-1\"", "\"p\t1\""), P.replace("\"fraud\"", "\"" + "f".repeat(5000) + "\""),
                P.replace("0.25", "0.25x"), P.replace("0.25", "nul"), P.replace("0.25", "truex"),
                P.substring(0, P.length() - 1), "[]", "", "   ", "{\"a\":1 /* c */}", "{\"a\" 1}", "{a:1}")) {
            assertFalse(readsPlain(s, true), s);
        }
        // a prediction's object fields are not a label's: the label reader does not know them, nor nested objects
        assertFalse(readsPlain(P, false));
        assertTrue(readsPlain("{}", true));
        assertTrue(readsPlain("{\"x\":true,\"y\":-0,\"z\":\"\"}", false));
    }

    @Test
    void decimalsAreExactlyDoubleParseDouble() {
        Random r = new Random(53);
        EventParser.Scratch s = new EventParser.Scratch();
        PlainJsonReader reader = new PlainJsonReader();
        int read = 0;
        for (int i = 0; i < 300_000; i++) {
            int intDigits = r.nextInt(4) == 0 ? 1 + r.nextInt(17) : 1;
            StringBuilder n = new StringBuilder(r.nextBoolean() ? "-" : "");
            n.append(intDigits == 1 ? String.valueOf(r.nextInt(10)) : String.valueOf(1 + r.nextInt(9)));
            for (int k = 1; k < intDigits; k++) {
                n.append(r.nextInt(10));
            }
            int fraction = r.nextInt(5) == 0 ? 0 : 1 + r.nextInt(18);
            if (fraction > 0) {
                n.append('.');
                for (int k = 0; k < fraction; k++) {
                    n.append(r.nextInt(3) == 0 ? 9 : r.nextInt(10));
                }
            }
            String num = n.toString();
            s.reset();
            if (!reader.read(("{\"scores\":{\"a\":" + num + "}}").getBytes(StandardCharsets.US_ASCII), s, true)) {
                continue; // over 18 digits, or a mantissa beyond 2^53: Jackson's
            }
            read++;
            if (fraction == 0) {
                assertEquals(EventParser.INT, s.scores.kinds[0], num);
                assertEquals(Long.parseLong(num), s.scores.lngs[0], num);
            } else {
                assertEquals(EventParser.FLOAT, s.scores.kinds[0], num);
                assertEquals(Double.doubleToRawLongBits(Double.parseDouble(num)),
                        Double.doubleToRawLongBits(s.scores.dbls[0]), num);
            }
        }
        assertTrue(read > 200_000, "read " + read);
    }
}
