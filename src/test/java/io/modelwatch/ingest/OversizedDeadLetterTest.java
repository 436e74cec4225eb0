package io.modelwatch.ingest;

import static io.modelwatch.TopologyFixture.T0;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelwatch.TopologyFixture;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;

/**
 * A record far over {@code limits.max-record-bytes} (a compressed batch lets the broker take one of many MiB)
 * goes to the dead-letter topic cut to the limit, its original size in a header, so that the dead letter fits
 * the topic; other rejects keep every byte; the good record behind them is processed.
 */
class OversizedDeadLetterTest {

    private static final int LIMIT = IngestLimits.DEFAULTS.maxRecordBytes();

    @Test
    void anOversizedRecordsDeadLetterIsCutToTheLimitAndTheRecordsBehindItGoOn() {
        try (TopologyFixture t = TopologyFixture.hourly(Duration.ofHours(2))) {
            TestInputTopic<byte[], byte[]> predictions = t.driver.createInputTopic(t.settings.predictionsTopic(),
                    new ByteArraySerializer(), new ByteArraySerializer());
            byte[] huge = ("{\"prediction_id\":\"huge\",\"pad\":\"" + "x".repeat(3 * LIMIT) + "\"}")
                    .getBytes(StandardCharsets.UTF_8);
            byte[] notJson = "{\"prediction_id\":\"broken\",".getBytes(StandardCharsets.UTF_8);
            // as a dead letter sent back to the input would carry it: not this reject's size
            Headers stale = new RecordHeaders().add("trace-id", bytes("t-1"));
            for (String ours : List.of(DeadLetters.REASON, DeadLetters.MESSAGE, DeadLetters.SOURCE_TOPIC,
                    DeadLetters.SOURCE_PARTITION, DeadLetters.SOURCE_OFFSET, DeadLetters.ORIGINAL_BYTES)) {
                stale.add(ours, bytes("999"));
            }
            predictions.pipeInput(new TestRecord<>(bytes("huge"), huge, new RecordHeaders(), T0));
            predictions.pipeInput(new TestRecord<>(bytes("broken"), notJson, stale, T0));
            t.prediction("good", T0 + 60_000, "1", 0.9);

            List<TestRecord<byte[], byte[]>> dead = t.deadLetters.readRecordsToList();
            assertEquals(2, dead.size(), "dead letters");

            TestRecord<byte[], byte[]> cut = dead.get(0);
            assertEquals(RejectReason.OVERSIZED_RECORD.code, header(cut.headers(), DeadLetters.REASON));
            assertArrayEquals(Arrays.copyOf(huge, LIMIT), cut.value(), "the first max-record-bytes bytes");
            assertEquals(Integer.toString(huge.length), header(cut.headers(), DeadLetters.ORIGINAL_BYTES));
            assertEquals(1, count(cut.headers(), DeadLetters.ORIGINAL_BYTES), "one original-size header");
            assertArrayEquals(bytes("huge"), cut.key());

            TestRecord<byte[], byte[]> whole = dead.get(1);
            assertEquals(RejectReason.TRUNCATED_JSON.code, header(whole.headers(), DeadLetters.REASON));
            assertArrayEquals(notJson, whole.value(), "every byte of a reject within the limit");
            assertEquals(0, count(whole.headers(), DeadLetters.ORIGINAL_BYTES), "no original-size header");
            // sent back as it was, it says each of ours once, of this reject; the producer's own header stays
            for (String ours : List.of(DeadLetters.REASON, DeadLetters.MESSAGE, DeadLetters.SOURCE_TOPIC,
                    DeadLetters.SOURCE_PARTITION, DeadLetters.SOURCE_OFFSET)) {
                assertEquals(1, count(whole.headers(), ours), ours);
            }
            assertEquals(t.settings.predictionsTopic(), header(whole.headers(), DeadLetters.SOURCE_TOPIC));
            assertEquals("t-1", header(whole.headers(), "trace-id"));

            assertEquals(1, t.counters.ingest().rejected(RejectReason.OVERSIZED_RECORD));
            assertEquals(1, t.counters.ingest().predictions(), "the good prediction behind them accepted");
        }
    }

    @Test
    void aRecordOfExactlyTheLimitIsNotCut() {
        try (TopologyFixture t = TopologyFixture.hourly(Duration.ofHours(2))) {
            // at the limit the parser reads it (and rejects it for a missing field): the whole value is kept
            String prefix = "{\"pad\":\"";
            byte[] atLimit = (prefix + "x".repeat(LIMIT - prefix.length() - 2) + "\"}").getBytes(StandardCharsets.UTF_8);
            assertEquals(LIMIT, atLimit.length);
            t.driver.createInputTopic(t.settings.predictionsTopic(), new ByteArraySerializer(), new ByteArraySerializer())
                    .pipeInput(new TestRecord<>(null, atLimit, new RecordHeaders(), T0));
            TestRecord<byte[], byte[]> dead = t.deadLetters.readRecord();
            assertEquals(RejectReason.MISSING_FIELD.code, header(dead.headers(), DeadLetters.REASON));
            assertArrayEquals(atLimit, dead.value());
            assertNull(dead.headers().lastHeader(DeadLetters.ORIGINAL_BYTES));
            assertTrue(t.deadLetters.isEmpty(), "one dead letter");
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String header(Headers headers, String name) {
        Header h = headers.lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static int count(Headers headers, String name) {
        int n = 0;
        for (Header ignored : headers.headers(name)) {
            n++;
        }
        return n;
    }
}
