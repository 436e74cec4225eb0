package io.modelwatch.ingest;

import io.modelwatch.serde.StringCache;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The fast path of {@link EventParser}: reads the events producers actually send straight from the bytes
 * into the parser's scratch, with no parser object, token or buffer per record. It knows a small subset
 * of JSON: one object whose values are strings of printable ASCII without escapes, plain decimal numbers
 * (no exponent, at most 18 digits), {@code null}, {@code true}, {@code false}, and for {@code scores} and
 * {@code tags} one object of such scalars. On anything else (an escape, a non-ASCII byte, an array, an
 * exponent, a syntax error) it gives up, and the Jackson reader reads the record from the start: every
 * error, and every unusual form, keeps its one implementation. What this reader does accept it fills
 * exactly as the Jackson reader would: the same kinds, texts and values; duplicate keys overwrite as there
 * ({@code EventParserEquivalenceTest} compares both against the tree parser). A tag whose name is not kept
 * ({@link KeptTags}) is read in place and dropped: its name is compared as bytes, and no String is made for it
 * or its value.
 *
 * <p>One instance per thread (it lives in the parser's per-thread scratch). Short strings that repeat
 * from record to record (model, version, classes, tag names and values) come from a small cache, so they
 * are not allocated again and their hash codes, used downstream, are already computed.
 */
final class PlainJsonReader {

    /** Longer strings go to the Jackson reader, which applies its own length limits. */
    private static final int MAX_STRING_BYTES = 4096;
    /** 10^0 .. 10^18, each exact as a double (up to 10^22 are). */
    private static final double[] POW10 = new double[19];
    /** Mantissas above 2^53 are not all exact doubles: such numbers go to the Jackson reader. */
    private static final long EXACT_MANTISSA = 1L << 53;

    static {
        double p = 1;
        for (int i = 0; i < POW10.length; i++) {
            POW10[i] = p;
            p *= 10;
        }
    }

    private static final byte[] PREDICTION_ID = ascii("prediction_id");
    private static final byte[] TIMESTAMP = ascii("timestamp");
    private static final byte[] MODEL_ID = ascii("model_id");
    private static final byte[] MODEL_VERSION = ascii("model_version");
    private static final byte[] PREDICTED = ascii("predicted");
    private static final byte[] LABEL = ascii("label");
    private static final byte[] SCORES = ascii("scores");
    private static final byte[] TAGS = ascii("tags");

    private final StringCache strings = new StringCache();
    private byte[] in;
    private int pos;

    private static final int BAD = -1;
    private static final int END = 0;
    private static final int MORE = 1;

    // the member name just read by readName
    private int nameStart;
    private int nameEnd;
    // the value just read by readScalar
    private byte kind;
    private int textStart;
    private int textEnd;
    private long lng;
    private double dbl;

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * Reads {@code value} into {@code s} (reset by the caller). False: not in the subset, {@code s} is left
     * partly filled, and the caller resets it and reads with Jackson.
     */
    boolean read(byte[] value, EventParser.Scratch s, boolean prediction) {
        return read(value, s, prediction, null);
    }

    /** As {@link #read(byte[], EventParser.Scratch, boolean)}, keeping only the tags named in {@code keptTags}. */
    boolean read(byte[] value, EventParser.Scratch s, boolean prediction, KeptTags keptTags) {
        in = value;
        pos = 0;
        try {
            return readObject(s, prediction, keptTags);
        } finally {
            in = null;
        }
    }

    private boolean readObject(EventParser.Scratch s, boolean prediction, KeptTags keptTags) {
        if (!skipSpaceTo('{')) {
            return false;
        }
        int open = openObject();
        if (open != MORE) {
            return open == END && atEnd();
        }
        while (true) {
            if (!readName()) {
                return false;
            }
            EventParser.Slot slot = null;
            EventParser.Entries entries = null;
            boolean cached = true;
            int len = nameEnd - nameStart;
            if (is(PREDICTION_ID, nameStart, len)) {
                slot = s.predictionId;
                cached = false; // one per record
            } else if (is(TIMESTAMP, nameStart, len)) {
                slot = s.timestamp;
            } else if (prediction) {
                if (is(MODEL_ID, nameStart, len)) {
                    slot = s.modelId;
                } else if (is(MODEL_VERSION, nameStart, len)) {
                    slot = s.modelVersion;
                } else if (is(PREDICTED, nameStart, len)) {
                    slot = s.label;
                } else if (is(SCORES, nameStart, len)) {
                    entries = s.scores;
                } else if (is(TAGS, nameStart, len)) {
                    entries = s.tags;
                }
            } else if (is(LABEL, nameStart, len)) {
                slot = s.label;
            }
            if (entries != null) {
                if (!readEntries(entries, entries == s.tags ? keptTags : null)) {
                    return false;
                }
            } else {
                if (!readScalar()) {
                    return false; // also a nested object or array of a field we do not read
                }
                if (slot != null) {
                    fill(slot, cached);
                }
            }
            int next = afterMember();
            if (next != MORE) {
                return next == END && atEnd();
            }
        }
    }

    /** As the Jackson reader's readValue: the kind always, the value for strings and numbers. */
    private void fill(EventParser.Slot slot, boolean cached) {
        slot.kind = kind;
        if (kind == EventParser.STRING) {
            slot.text = text(cached);
        } else if (kind == EventParser.INT) {
            slot.lng = lng;
        } else if (kind == EventParser.FLOAT) {
            slot.dbl = dbl;
        }
    }

    /**
     * As the Jackson reader's readEntries: a duplicate key starts the entries again; scalars keep only their kind;
     * with {@code kept} (tags), an entry of another name is read and not added.
     */
    private boolean readEntries(EventParser.Entries e, KeptTags kept) {
        e.reset();
        if (in[pos] != '{') {
            if (!readScalar()) {
                return false;
            }
            e.kind = kind;
            return true;
        }
        e.kind = EventParser.OBJECT;
        int open = openObject();
        if (open != MORE) {
            return open == END;
        }
        while (true) {
            if (!readName() || !readScalar()) {
                return false;
            }
            String name;
            if (kept == null) {
                name = strings.get(in, nameStart, nameEnd);
            } else if ((name = kept.find(in, nameStart, nameEnd)) == null) {
                int next = afterMember(); // not kept: its value was read (in the subset, or Jackson reads the record)
                if (next != MORE) {
                    return next == END;
                }
                continue;
            }
            int i = e.add(name);
            switch (kind) {
                case EventParser.STRING -> e.objs[i] = text(true);
                case EventParser.INT -> {
                    e.lngs[i] = lng;
                    e.dbls[i] = lng;
                }
                case EventParser.FLOAT -> e.dbls[i] = dbl;
                default -> {
                }
            }
            e.kinds[i] = kind;
            int next = afterMember();
            if (next != MORE) {
                return next == END;
            }
        }
    }

    /** At a '{': END if the object is empty (and read), MORE if a member follows, BAD otherwise. */
    private int openObject() {
        pos++;
        if (!skipSpace()) {
            return BAD;
        }
        if (in[pos] == '}') {
            pos++;
            return END;
        }
        return MORE;
    }

    /** A member's {@code "name" :} and the space after, into {@link #nameStart} and {@link #nameEnd}. */
    private boolean readName() {
        nameStart = pos + 1;
        nameEnd = stringEnd();
        if (nameEnd < 0 || !skipSpaceTo(':')) {
            return false;
        }
        pos++;
        return skipSpace();
    }

    /** After a member's value: END (the object closed), MORE (a comma, then a name) or BAD. */
    private int afterMember() {
        if (!skipSpace()) {
            return BAD;
        }
        byte b = in[pos++];
        if (b == '}') {
            return END;
        }
        return b == ',' && skipSpace() && in[pos] == '"' ? MORE : BAD;
    }

    private String text(boolean cached) {
        return cached ? strings.get(in, textStart, textEnd)
                : new String(in, textStart, textEnd - textStart, StandardCharsets.ISO_8859_1);
    }

    /** A string, number or literal at {@code pos}, into {@link #kind} and its value; false if not one of those. */
    private boolean readScalar() {
        byte b = in[pos];
        if (b == '"') {
            textStart = pos + 1;
            textEnd = stringEnd();
            kind = EventParser.STRING;
            return textEnd >= 0;
        }
        if (b == '-' || (b >= '0' && b <= '9')) {
            return readNumber();
        }
        if (literal("null")) {
            kind = EventParser.NULL;
            return true;
        }
        if (literal("true") || literal("false")) {
            kind = EventParser.BOOLEAN;
            return true;
        }
        return false;
    }

    private boolean literal(String word) {
        int n = word.length();
        if (pos + n > in.length) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            if (in[pos + i] != word.charAt(i)) {
                return false;
            }
        }
        // "nullx" and the like are Jackson's to reject
        if (pos + n < in.length && !endsValue(in[pos + n])) {
            return false;
        }
        pos += n;
        return true;
    }

    /**
     * JSON's {@code -?(0|[1-9][0-9]*)(\.[0-9]+)?} with at most 18 digits in all, no exponent. An integer is
     * exact as a long; a fraction is {@code m / 10^k} with both exact doubles, so the one rounded division is
     * the correctly rounded value of the decimal, which is what {@code Double.parseDouble} returns.
     */
    private boolean readNumber() {
        boolean negative = in[pos] == '-';
        int i = negative ? pos + 1 : pos;
        int n = in.length;
        if (i >= n || in[i] < '0' || in[i] > '9') {
            return false;
        }
        long m = 0;
        int digits = 0;
        if (in[i] == '0') {
            i++;
            digits = 1;
            if (i < n && in[i] >= '0' && in[i] <= '9') {
                return false; // a leading zero
            }
        } else {
            while (i < n && in[i] >= '0' && in[i] <= '9') {
                m = m * 10 + (in[i++] - '0');
                if (++digits > 18) {
                    return false;
                }
            }
        }
        int fraction = 0;
        if (i < n && in[i] == '.') {
            i++;
            while (i < n && in[i] >= '0' && in[i] <= '9') {
                m = m * 10 + (in[i++] - '0');
                fraction++;
                if (++digits > 18) {
                    return false;
                }
            }
            if (fraction == 0) {
                return false;
            }
        }
        if (i < n && !endsValue(in[i])) {
            return false; // an exponent, or something Jackson rejects
        }
        pos = i;
        if (fraction == 0) {
            kind = EventParser.INT;
            lng = negative ? -m : m;
            return true;
        }
        if (m > EXACT_MANTISSA) {
            return false;
        }
        double d = m / POW10[fraction];
        kind = EventParser.FLOAT;
        dbl = negative ? -d : d;
        return true;
    }

    private static boolean endsValue(byte b) {
        return b == ',' || b == '}' || b == ' ' || b == '\n' || b == '\r' || b == '\t';
    }

    /**
     * At {@code pos} a '"': the index of the closing quote of a string of printable ASCII without escapes,
     * with {@code pos} after it; -1 if the string is anything else (an escape, a control character, a
     * non-ASCII byte: signed bytes below 0x20 are both), too long, or not closed.
     */
    private int stringEnd() {
        if (pos >= in.length || in[pos] != '"') {
            return -1;
        }
        int limit = Math.min(in.length, pos + 1 + MAX_STRING_BYTES);
        for (int i = pos + 1; i < limit; i++) {
            byte b = in[i];
            if (b == '"') {
                pos = i + 1;
                return i;
            }
            if (b < 0x20 || b == '\\') {
                return -1;
            }
        }
        return -1;
    }

    /** Skips JSON whitespace; false at the end of the input. */
    private boolean skipSpace() {
        while (pos < in.length) {
            byte b = in[pos];
            if (b != ' ' && b != '\n' && b != '\r' && b != '\t') {
                return true;
            }
            pos++;
        }
        return false;
    }

    private boolean skipSpaceTo(char c) {
        return skipSpace() && in[pos] == c;
    }

    /** Only whitespace after the object. */
    private boolean atEnd() {
        return !skipSpace();
    }

    private boolean is(byte[] name, int start, int len) {
        return len == name.length && Arrays.equals(in, start, start + len, name, 0, len);
    }
}
