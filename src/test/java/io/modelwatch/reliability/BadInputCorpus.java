package io.modelwatch.reliability;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The bad-input corpus, {@code src/test/resources/reliability/bad-input-corpus.jsonl}: one JSON
 * object a line, each a record that must be rejected, with
 * <ul>
 *   <li>{@code id}: unique name; {@code topic}: {@code predictions} or {@code labels};</li>
 *   <li>{@code reason}: the expected {@code modelwatch.error.reason} (a {@code RejectReason} code);</li>
 *   <li>{@code about}: what is wrong, for people;</li>
 *   <li>the value, as exactly one of: {@code text} (UTF-8), {@code base64} (raw bytes, e.g. not
 *       UTF-8 or with a NUL byte) or {@code "tombstone": true} (a null value);</li>
 *   <li>optionally {@code pad}: {@code {"token": T, "with": S, "times": N}} replaces T in the text
 *       with S repeated N times (oversized records without a 70 KB line in the file);</li>
 *   <li>optionally {@code "service_only": true}: rejected by the service only, not by replay (event
 *       times far ahead of the wall clock: the service bounds them by {@code limits.max-future},
 *       replay, with no broker to refuse them, only by {@code limits.max-timestamp}).</li>
 * </ul>
 */
final class BadInputCorpus {

    static final String RESOURCE = "/reliability/bad-input-corpus.jsonl";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One bad record: where it goes, what it is, and why it must be rejected. */
    record Entry(String id, String topic, String reason, String about, byte[] value, boolean serviceOnly) {

        /** Whether replay rejects it too, and it can be a line of a JSONL file: not a tombstone, no line break, not blank. */
        boolean isReplayLine() {
            if (serviceOnly) {
                return false;
            }
            if (value == null || value.length == 0) {
                return false;
            }
            boolean blank = true;
            for (byte b : value) {
                if (b == '\n' || b == '\r') {
                    return false;
                }
                blank &= b == ' ' || b == '\t';
            }
            return !blank;
        }

        /** The value as replay's dead-letter file shows it (UTF-8, invalid bytes replaced). */
        String text() {
            return value == null ? null : new String(value, StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            return id + " (" + topic + ", " + reason + ": " + about + ")";
        }
    }

    private BadInputCorpus() {
    }

    static List<Entry> load() {
        List<Entry> out = new ArrayList<>();
        try (InputStream in = BadInputCorpus.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + RESOURCE);
            }
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank()) {
                    out.add(entry(JSON.readTree(line)));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    private static Entry entry(JsonNode e) {
        byte[] value;
        if (e.path("tombstone").asBoolean(false)) {
            value = null;
        } else if (e.has("base64")) {
            value = Base64.getDecoder().decode(e.get("base64").asText());
        } else {
            String text = e.get("text").asText();
            JsonNode pad = e.get("pad");
            if (pad != null) {
                text = text.replace(pad.get("token").asText(), pad.get("with").asText().repeat(pad.get("times").asInt()));
            }
            value = text.getBytes(StandardCharsets.UTF_8);
        }
        String topic = e.get("topic").asText();
        if (!topic.equals(GoldenKafka.PREDICTIONS) && !topic.equals(GoldenKafka.LABELS)) {
            throw new IllegalStateException("corpus entry " + e.get("id") + ": unknown topic " + topic);
        }
        return new Entry(e.get("id").asText(), topic, e.get("reason").asText(), e.get("about").asText(), value,
                e.path("service_only").asBoolean(false));
    }
}
