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
import org.apache.kafka.common.record.internal.AbstractRecords;
import org.apache.kafka.common.record.internal.CompressionType;
import org.apache.kafka.common.record.internal.RecordBatch;
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

    /**
     * A record's key and headers are not bound by {@code limits.max-record-bytes}: in a compressed batch they can
     * be MiB. Copied whole, the dead letter exceeded the topic's limit, and the producer's error killed the stream
     * thread on the same record again and again. The key is cut (its size in a header), input headers beyond the
     * room left out (how many in a header), so that key and headers fit the room the topic has beside the value.
     */
    @Test
    void aHugeKeyIsCutAndHugeHeadersAreLeftOutSoTheDeadLetterFits() {
        try (TopologyFixture t = TopologyFixture.hourly(Duration.ofHours(2))) {
            TestInputTopic<byte[], byte[]> predictions = t.driver.createInputTopic(t.settings.predictionsTopic(),
                    new ByteArraySerializer(), new ByteArraySerializer());
            byte[] hugeKey = "k".repeat(3 << 20).getBytes(StandardCharsets.UTF_8);
            byte[] notJson = "{\"prediction_id\":\"broken\",".getBytes(StandardCharsets.UTF_8);
            Headers headers = new RecordHeaders().add("trace-id", bytes("t-1"))
                    .add("big", new byte[1 << 20])
                    .add("n".repeat(100_000), bytes("a huge name"))
                    .add("tenant", bytes("acme"))
                    .add("null-valued", null);
            byte[] huge = ("{\"prediction_id\":\"huge\",\"pad\":\"" + "x".repeat(3 * LIMIT) + "\"}")
                    .getBytes(StandardCharsets.UTF_8);
            Headers many = new RecordHeaders();
            for (int i = 0; i < 20_000; i++) {
                many.add("h" + i, new byte[100]);
            }
            predictions.pipeInput(new TestRecord<>(hugeKey, notJson, headers, T0));
            predictions.pipeInput(new TestRecord<>(hugeKey, huge, many, T0));
            t.prediction("good", T0 + 60_000, "1", 0.9);

            List<TestRecord<byte[], byte[]>> dead = t.deadLetters.readRecordsToList();
            assertEquals(2, dead.size(), "dead letters");
            for (TestRecord<byte[], byte[]> r : dead) {
                assertFits(r, LIMIT);
                assertArrayEquals(Arrays.copyOf(hugeKey, DeadLetters.MAX_KEY_BYTES), r.key(), "the key's first bytes");
                assertEquals(Integer.toString(hugeKey.length), header(r.headers(), DeadLetters.ORIGINAL_KEY_BYTES));
                assertEquals(1, count(r.headers(), DeadLetters.ORIGINAL_KEY_BYTES));
            }

            TestRecord<byte[], byte[]> first = dead.get(0);
            assertEquals(RejectReason.TRUNCATED_JSON.code, header(first.headers(), DeadLetters.REASON));
            assertArrayEquals(notJson, first.value(), "the value is within the limit: whole");
            assertNull(first.headers().lastHeader(DeadLetters.ORIGINAL_BYTES));
            // the small headers stay, in order; the two that would not fit are left out and counted
            List<String> names = new java.util.ArrayList<>();
            first.headers().forEach(h -> names.add(h.key()));
            assertEquals(List.of("trace-id", "tenant", "null-valued"), names.subList(0, 3), names.toString());
            assertEquals("t-1", header(first.headers(), "trace-id"));
            assertEquals("2", header(first.headers(), DeadLetters.DROPPED_HEADERS));

            TestRecord<byte[], byte[]> second = dead.get(1);
            assertEquals(RejectReason.OVERSIZED_RECORD.code, header(second.headers(), DeadLetters.REASON));
            assertArrayEquals(Arrays.copyOf(huge, LIMIT), second.value());
            assertEquals(Integer.toString(huge.length), header(second.headers(), DeadLetters.ORIGINAL_BYTES));
            int kept = count(second.headers(), null);
            int dropped = Integer.parseInt(header(second.headers(), DeadLetters.DROPPED_HEADERS));
            assertTrue(kept > 100 && dropped > 10_000, kept + " kept, " + dropped + " dropped");
            Header[] all = second.headers().toArray();
            for (int i = 0; i < 100; i++) {
                assertEquals("h" + i, all[i].key(), "the first headers, in order");
            }
            for (String ours : List.of(DeadLetters.REASON, DeadLetters.MESSAGE, DeadLetters.SOURCE_TOPIC,
                    DeadLetters.SOURCE_PARTITION, DeadLetters.SOURCE_OFFSET, DeadLetters.ORIGINAL_BYTES,
                    DeadLetters.ORIGINAL_KEY_BYTES, DeadLetters.DROPPED_HEADERS)) {
                assertEquals(1, count(second.headers(), ours), ours);
            }
            assertEquals(1, t.counters.ingest().predictions(), "the good prediction behind them accepted");
        }
    }

    /** A key of exactly the limit, and headers that fit, are kept whole, with no header saying otherwise. */
    @Test
    void aKeyOfExactlyTheLimitAndHeadersThatFitAreKept() {
        try (TopologyFixture t = TopologyFixture.hourly(Duration.ofHours(2))) {
            byte[] key = new byte[DeadLetters.MAX_KEY_BYTES];
            Arrays.fill(key, (byte) 'k');
            Headers headers = new RecordHeaders().add("a", new byte[20_000]).add("b", bytes("b"));
            t.driver.createInputTopic(t.settings.predictionsTopic(), new ByteArraySerializer(), new ByteArraySerializer())
                    .pipeInput(new TestRecord<>(key, bytes("nope"), headers, T0));
            TestRecord<byte[], byte[]> dead = t.deadLetters.readRecord();
            assertArrayEquals(key, dead.key());
            assertEquals(20_000, dead.headers().lastHeader("a").value().length);
            assertEquals("b", header(dead.headers(), "b"));
            assertNull(dead.headers().lastHeader(DeadLetters.ORIGINAL_KEY_BYTES));
            assertNull(dead.headers().lastHeader(DeadLetters.DROPPED_HEADERS));
            assertFits(dead, LIMIT);
        }
    }

    /**
     * With {@code limits.max-field-bytes} up to 65535, a message naming a field (here a tag name) could itself
     * fill the room: it is cut, and says so.
     */
    @Test
    void aMessageNamingAHugeFieldIsCut() {
        IngestLimits limits = new IngestLimits(LIMIT, 65535, 32, 1000, 946_684_800_000L, 7_258_118_400_000L, 1e-3,
                1000, 100, 1000, IngestLimits.NO_FUTURE_BOUND, 10_000);
        String name = "\u00e9".repeat(20_000); // 40000 UTF-8 bytes (the JSON parser takes names of up to 50000)
        // sliced by (a tag of any other name is dropped unchecked, and its value is no reject)
        try (TopologyFixture t = new TopologyFixture(io.modelwatch.TopologySettings.builder()
                .window(Duration.ofHours(1), Duration.ofHours(2)).limitsOf(limits).slices(java.util.List.of(name))
                .build())) {
            t.predictionJson("{\"prediction_id\":\"p\",\"model_id\":\"m\",\"timestamp\":" + T0
                    + ",\"predicted\":\"1\",\"tags\":{\"" + name + "\":1}}", T0);
            TestRecord<byte[], byte[]> dead = t.deadLetters.readRecord();
            assertEquals(RejectReason.WRONG_TYPE.code, header(dead.headers(), DeadLetters.REASON));
            byte[] message = dead.headers().lastHeader(DeadLetters.MESSAGE).value();
            assertTrue(message.length <= DeadLetters.MAX_MESSAGE_BYTES, message.length + " bytes");
            String text = new String(message, StandardCharsets.UTF_8);
            assertTrue(text.startsWith("tag '\u00e9\u00e9") && text.endsWith("\u00e9..."), text.substring(0, 20));
            assertFits(dead, LIMIT);
        }
    }

    /**
     * The dead letter, as the producer sizes it (a batch of its own, uncompressed), fits beside a value of
     * {@code maxRecordBytes} in the room the dead-letter topic has for key and headers.
     */
    private static void assertFits(TestRecord<byte[], byte[]> r, int maxRecordBytes) {
        byte[] value = new byte[maxRecordBytes]; // the largest value a dead letter has
        int size = AbstractRecords.estimateSizeInBytesUpperBound(RecordBatch.CURRENT_MAGIC_VALUE, CompressionType.NONE,
                r.key(), value, r.headers().toArray());
        assertTrue(size <= maxRecordBytes + DeadLetters.KEY_AND_HEADERS_BYTES, size + " bytes");
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String header(Headers headers, String name) {
        Header h = headers.lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    /** How many headers named {@code name} (null: not ours, the input's). */
    private static int count(Headers headers, String name) {
        int n = 0;
        for (Header h : headers) {
            if (name == null ? !h.key().startsWith("modelwatch.") : h.key().equals(name)) {
                n++;
            }
        }
        return n;
    }
}
