package io.modelwatch.serving;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** The query parameters of one request, parsed and validated with messages a client can act on. */
final class Query {

    private final Map<String, String> params;

    private Query(Map<String, String> params) {
        this.params = params;
    }

    /** Parses a raw (still percent-encoded) query string; a parameter given twice is an error. */
    static Query parse(String rawQuery) {
        Map<String, String> params = new LinkedHashMap<>();
        if (rawQuery != null && !rawQuery.isEmpty()) {
            for (String pair : rawQuery.split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String name = decode(eq < 0 ? pair : pair.substring(0, eq), true);
                String value = eq < 0 ? "" : decode(pair.substring(eq + 1), true);
                if (params.put(name, value) != null) {
                    throw ApiError.badRequest("parameter '" + name + "' is given more than once");
                }
            }
        }
        return new Query(params);
    }

    /** Refuses parameters the endpoint does not know (a typo such as 'verison' would silently widen the answer). */
    Query allow(String... names) {
        Set<String> allowed = Set.of(names);
        Set<String> unknown = new TreeSet<>();
        for (String n : params.keySet()) {
            if (!allowed.contains(n)) {
                unknown.add(n);
            }
        }
        if (!unknown.isEmpty()) {
            throw ApiError.badRequest("unknown parameter" + (unknown.size() > 1 ? "s " : " ") + String.join(", ", unknown)
                    + (names.length == 0 ? "; this endpoint takes none"
                            : "; allowed: " + String.join(", ", new TreeSet<>(allowed))));
        }
        return this;
    }

    /** The value, or null when the parameter is absent ("" when given empty). */
    String get(String name) {
        return params.get(name);
    }

    Map<String, String> all() {
        return Collections.unmodifiableMap(params);
    }

    /** A slice filter: absent = every slice (null), "" = the whole model, otherwise "dimension=value". */
    String slice(String name) {
        String s = params.get(name);
        if (s == null || s.isEmpty()) {
            return s;
        }
        int eq = s.indexOf('=');
        // an empty value is a slice too: a tag given as "" is accepted at ingest and counted as "cloud="
        if (eq <= 0) {
            throw ApiError.badRequest("parameter '" + name + "' must be empty (the whole model) or dimension=value,"
                    + " e.g. cloud=aws; got '" + s + "'");
        }
        return s;
    }

    /** A point in time: epoch milliseconds, an ISO-8601 instant or offset date-time, a UTC local date-time or date. */
    Long time(String name) {
        String s = params.get(name);
        if (s == null) {
            return null;
        }
        s = s.trim();
        if (s.isEmpty()) {
            throw ApiError.badRequest("parameter '" + name + "' is empty; give epoch milliseconds or an ISO-8601 time");
        }
        if (s.matches("-?\\d{1,19}")) {
            try {
                return Long.parseLong(s);
            } catch (NumberFormatException e) {
                throw ApiError.badRequest("parameter '" + name + "' is out of range: " + s);
            }
        }
        try {
            return Instant.parse(s).toEpochMilli();
        } catch (DateTimeParseException | ArithmeticException ignored) {
            // try the other forms
        }
        try {
            return OffsetDateTime.parse(s).toInstant().toEpochMilli();
        } catch (DateTimeParseException | ArithmeticException ignored) {
            // try the other forms
        }
        try {
            return LocalDateTime.parse(s).toInstant(ZoneOffset.UTC).toEpochMilli();
        } catch (DateTimeParseException | ArithmeticException ignored) {
            // try the other forms
        }
        try {
            return LocalDate.parse(s).atStartOfDay().toInstant(ZoneOffset.UTC).toEpochMilli();
        } catch (DateTimeParseException | ArithmeticException ignored) {
            // fall through
        }
        throw ApiError.badRequest("parameter '" + name + "' is not a time: '" + s
                + "'; give epoch milliseconds (e.g. 1793577600000) or ISO-8601 (e.g. 2026-11-01T12:00:00Z)"
                + (s.contains(" ") ? "; a '+' in a query is a space: write an offset's '+' as %2B" : ""));
    }

    /**
     * The {@code scope} parameter: true for "local" (this instance's own state only, how instances
     * ask each other), false when absent or "cluster" (every instance's state).
     */
    boolean localScope() {
        String s = params.get("scope");
        if (s == null || s.equals("cluster")) {
            return false;
        }
        if (s.equals("local")) {
            return true;
        }
        throw ApiError.badRequest("parameter 'scope' must be local or cluster; got '" + s + "'");
    }

    /** true/false (also 1/0, yes/no); the default when absent. */
    boolean bool(String name, boolean dflt) {
        String s = params.get(name);
        if (s == null) {
            return dflt;
        }
        switch (s.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "true", "1", "yes", "" -> {
                return true;
            }
            case "false", "0", "no" -> {
                return false;
            }
            default -> throw ApiError.badRequest("parameter '" + name + "' must be true or false (or 1, 0, yes, no); "
                    + "got '" + s + "'");
        }
    }

    /**
     * Percent-decodes a URI component as UTF-8; '+' means a space in a query but not in a path.
     * Malformed escapes are a client error. A character from U+0080 to U+00FF in a component whose characters are
     * all below U+0100 is a byte sent raw (curl sends {@code /api/models/fräud} so): the JDK's server reads the
     * request line a byte a character, so it is taken as that byte of UTF-8, as a percent-encoded one is.
     */
    static String decode(String s, boolean plusIsSpace) {
        boolean rawBytes = sentRaw(s);
        if (!rawBytes && s.indexOf('%') < 0 && (!plusIsSpace || s.indexOf('+') < 0)) {
            return s;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%') {
                if (i + 2 >= s.length()) {
                    throw ApiError.badRequest("malformed percent-encoding in '" + s + "'");
                }
                int hi = Character.digit(s.charAt(i + 1), 16);
                int lo = Character.digit(s.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    throw ApiError.badRequest("malformed percent-encoding in '" + s + "'");
                }
                out.write(hi * 16 + lo);
                i += 2;
            } else if (c == '+' && plusIsSpace) {
                out.write(' ');
            } else if (rawBytes && c >= 0x80) {
                out.write(c);
            } else {
                byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                if (Character.isHighSurrogate(c) && i + 1 < s.length()) {
                    b = s.substring(i, i + 2).getBytes(StandardCharsets.UTF_8);
                    i++;
                }
                out.write(b, 0, b.length);
            }
        }
        try {
            // not String(bytes, UTF_8), which turns bytes that are no UTF-8 into U+FFFD silently
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                    .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(out.toByteArray())).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw ApiError.badRequest((rawBytes ? "bytes that are" : "percent-encoding that is") + " not UTF-8 in '"
                    + s + "'");
        }
    }

    /** Whether {@code s} holds a character from U+0080 to U+00FF and none above: bytes read one a character. */
    private static boolean sentRaw(String s) {
        boolean high = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c > 0xFF) {
                return false;
            }
            high |= c >= 0x80;
        }
        return high;
    }
}
