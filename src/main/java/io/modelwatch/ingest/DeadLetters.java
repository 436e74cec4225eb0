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

    private DeadLetters() {
    }

    static Headers headers(Headers original, RejectReason reason, String message, String topic, int partition,
                           long offset) {
        Headers h = new RecordHeaders(original.toArray());
        h.remove(REASON);
        h.add(REASON, utf8(reason.code));
        h.add(MESSAGE, utf8(message));
        h.add(SOURCE_TOPIC, utf8(topic));
        h.add(SOURCE_PARTITION, utf8(Integer.toString(partition)));
        h.add(SOURCE_OFFSET, utf8(Long.toString(offset)));
        return h;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
