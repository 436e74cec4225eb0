package io.modelwatch.ingest;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.processor.api.Record;

/** The headers a rejected record carries on the dead-letter topic, and the cuts that make it fit there. */
public final class DeadLetters {

    public static final String REASON = "modelwatch.error.reason";
    public static final String MESSAGE = "modelwatch.error.message";
    public static final String SOURCE_TOPIC = "modelwatch.source.topic";
    public static final String SOURCE_PARTITION = "modelwatch.source.partition";
    public static final String SOURCE_OFFSET = "modelwatch.source.offset";
    /** Only on a dead letter cut to {@code limits.max-record-bytes}: the size of the original value. */
    public static final String ORIGINAL_BYTES = "modelwatch.original.bytes";
    /** Only on a dead letter whose key was cut to {@link #MAX_KEY_BYTES}: the size of the original key. */
    public static final String ORIGINAL_KEY_BYTES = "modelwatch.original.key.bytes";
    /** Only on a dead letter that left input headers out (no room for them): how many. */
    public static final String DROPPED_HEADERS = "modelwatch.dropped.headers";

    private static final String[] OWN_HEADERS = {REASON, MESSAGE, SOURCE_TOPIC, SOURCE_PARTITION, SOURCE_OFFSET,
        ORIGINAL_BYTES, ORIGINAL_KEY_BYTES, DROPPED_HEADERS};

    /** The broker's default {@code message.max.bytes}: the dead-letter topic is never made with less. */
    static final int BROKER_DEFAULT_MESSAGE_BYTES = 1048588;
    /** Room beside a dead letter's value for its key and headers (the input record's own included). */
    static final int KEY_AND_HEADERS_BYTES = 64 << 10;
    /** A longer key is cut to this, leaving most of the room to headers. */
    static final int MAX_KEY_BYTES = 16 << 10;
    /** A longer message (one naming a field of up to {@code limits.max-field-bytes}) is cut to this. */
    static final int MAX_MESSAGE_BYTES = 4 << 10;
    /**
     * Of that room, what the batch header (61 bytes) and the record's varints take, with margin: the producer
     * and the broker count them too.
     */
    private static final int FRAMING_BYTES = 256;
    /** A header's two length varints, at their longest. */
    private static final int HEADER_FRAMING_BYTES = 10;

    private DeadLetters() {
    }

    /**
     * The {@code max.message.bytes} a dead-letter topic needs: a dead letter's value is at most
     * {@code maxRecordBytes} (an oversized record's is cut to it), plus its key and headers.
     */
    public static int topicMaxMessageBytes(int maxRecordBytes) {
        return Math.max(BROKER_DEFAULT_MESSAGE_BYTES, maxRecordBytes + KEY_AND_HEADERS_BYTES);
    }

    /**
     * The dead letter of {@code input}: its value cut to {@code maxValueBytes}, its key to {@link #MAX_KEY_BYTES},
     * its own headers (less any of ours) kept in order while they fit the room left beside ours, then ours.
     * Whatever was cut or left out is said in a header. A record in a compressed batch can carry a value, key or
     * headers of many MiB: sent whole, its dead letter would exceed the topic's limit, and the producer's error
     * would kill the stream thread and each replacement on the same record.
     */
    static Record<byte[], byte[]> of(Record<byte[], byte[]> input, int maxValueBytes, RejectReason reason,
                                     String message, String topic, int partition, long offset, long timestamp) {
        Headers ours = new RecordHeaders();
        ours.add(REASON, utf8(reason.code));
        ours.add(MESSAGE, cut(utf8(message), MAX_MESSAGE_BYTES));
        ours.add(SOURCE_TOPIC, utf8(topic));
        ours.add(SOURCE_PARTITION, utf8(Integer.toString(partition)));
        ours.add(SOURCE_OFFSET, utf8(Long.toString(offset)));
        byte[] value = input.value();
        if (value != null && value.length > maxValueBytes) {
            ours.add(ORIGINAL_BYTES, utf8(Integer.toString(value.length)));
            value = Arrays.copyOf(value, maxValueBytes); // its first bytes show what it was
        }
        byte[] key = input.key();
        if (key != null && key.length > MAX_KEY_BYTES) {
            ours.add(ORIGINAL_KEY_BYTES, utf8(Integer.toString(key.length)));
            key = Arrays.copyOf(key, MAX_KEY_BYTES);
        }
        int room = KEY_AND_HEADERS_BYTES - FRAMING_BYTES - (key == null ? 0 : key.length) - bytesOf(ours)
                - bytesOf(DROPPED_HEADERS, 10); // said, if any are left out
        Headers h = new RecordHeaders();
        int dropped = 0;
        for (Header header : input.headers()) {
            // a dead letter sent back to an input as it was carries ours already: each is said once, of this reject
            // (an old original size would claim this one was cut)
            if (isOurs(header.key())) {
                continue;
            }
            int bytes = bytesOf(header);
            if (bytes <= room) {
                h.add(header);
                room -= bytes;
            } else {
                dropped++;
            }
        }
        ours.forEach(h::add);
        if (dropped > 0) {
            h.add(DROPPED_HEADERS, utf8(Integer.toString(dropped)));
        }
        return new Record<>(key, value, timestamp, h);
    }

    private static boolean isOurs(String name) {
        for (String ours : OWN_HEADERS) {
            if (ours.equals(name)) {
                return true;
            }
        }
        return false;
    }

    private static int bytesOf(Headers headers) {
        int n = 0;
        for (Header h : headers) {
            n += bytesOf(h);
        }
        return n;
    }

    private static int bytesOf(Header h) {
        return bytesOf(h.key(), h.value() == null ? 0 : h.value().length);
    }

    private static int bytesOf(String name, int valueBytes) {
        return Utils.utf8Length(name) + valueBytes + HEADER_FRAMING_BYTES;
    }

    /** UTF-8 text cut to at most {@code max} bytes, on a character boundary, ending "..." when cut. */
    static byte[] cut(byte[] text, int max) {
        if (text.length <= max) {
            return text;
        }
        int end = max - 3;
        while (end > 0 && (text[end] & 0xC0) == 0x80) { // not within a character's continuation bytes
            end--;
        }
        byte[] out = Arrays.copyOf(text, end + 3);
        out[end] = out[end + 1] = out[end + 2] = '.';
        return out;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
