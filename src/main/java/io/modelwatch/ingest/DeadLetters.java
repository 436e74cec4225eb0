package io.modelwatch.ingest;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/** The headers a rejected record carries on the dead-letter topic. */
public final class DeadLetters {

    public static final String REASON = "modelwatch.error.reason";
    public static final String MESSAGE = "modelwatch.error.message";
    public static final String SOURCE_TOPIC = "modelwatch.source.topic";
    public static final String SOURCE_PARTITION = "modelwatch.source.partition";
    public static final String SOURCE_OFFSET = "modelwatch.source.offset";
    /** Only on a dead letter cut to {@code limits.max-record-bytes}: the size of the original value. */
    public static final String ORIGINAL_BYTES = "modelwatch.original.bytes";

    private static final String[] OWN_HEADERS = {REASON, MESSAGE, SOURCE_TOPIC, SOURCE_PARTITION, SOURCE_OFFSET,
        ORIGINAL_BYTES};

    /** The broker's default {@code message.max.bytes}: the dead-letter topic is never made with less. */
    static final int BROKER_DEFAULT_MESSAGE_BYTES = 1048588;
    /** Room beside a dead letter's value for its key and headers (the input record's own included). */
    static final int KEY_AND_HEADERS_BYTES = 64 << 10;

    private DeadLetters() {
    }

    /**
     * The {@code max.message.bytes} a dead-letter topic needs: a dead letter's value is at most
     * {@code maxRecordBytes} (an oversized record's is cut to it), plus its key and headers.
     */
    public static int topicMaxMessageBytes(int maxRecordBytes) {
        return Math.max(BROKER_DEFAULT_MESSAGE_BYTES, maxRecordBytes + KEY_AND_HEADERS_BYTES);
    }

    static Headers headers(Headers original, RejectReason reason, String message, String topic, int partition,
                           long offset) {
        Headers h = new RecordHeaders(original.toArray());
        // a dead letter sent back to an input as it was carries ours already: each is said once, of this reject
        // (an old original size would claim this one was cut)
        for (String ours : OWN_HEADERS) {
            h.remove(ours);
        }
        h.add(REASON, utf8(reason.code));
        h.add(MESSAGE, utf8(message));
        h.add(SOURCE_TOPIC, utf8(topic));
        h.add(SOURCE_PARTITION, utf8(Integer.toString(partition)));
        h.add(SOURCE_OFFSET, utf8(Long.toString(offset)));
        return h;
    }

    /** Marks a dead letter whose value was cut from {@code originalBytes}. */
    static void markCut(Headers h, int originalBytes) {
        h.add(ORIGINAL_BYTES, utf8(Integer.toString(originalBytes)));
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
