package io.modelwatch.reliability;

import static io.modelwatch.reliability.GoldenKafka.log;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelwatch.GoldenResources;
import io.modelwatch.config.ModelwatchConfig;
import io.modelwatch.embedded.EmbeddedKafkaCluster;
import io.modelwatch.ingest.DeadLetters;
import io.modelwatch.ingest.RejectReason;
import io.modelwatch.service.ModelwatchService;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A producer with compression puts a record of several MiB on an input topic whose broker limit is the default
 * 1 MiB (the limit applies to the compressed batch). modelwatch rejects it as oversized_record; its dead letter
 * holds the first {@code limits.max-record-bytes} bytes, so that it fits the dead-letter topic, and the good
 * record behind it is processed. Sent whole, the dead letter was refused by the broker, which killed the stream
 * thread and each replacement on the same record: the partition stood still.
 *
 * <p>The same for a record whose key, or headers, are the MiB: its dead letter's key is cut and the headers that
 * do not fit are left out, so that it fits the room the topic has beside the value. Copied whole, they made the
 * dead letter too large for the topic, with the same stand-still.
 *
 * <p>{@code limits.max-record-bytes} is 2 MiB, above the broker's default message size, so that the dead letter
 * also needs the dead-letter topic modelwatch makes (sized for it) and the producers' larger requests.
 */
class OversizedDeadLetterIT {

    private static final String APP_ID = "modelwatch-oversized-dead-letter-it";
    private static final int MAX_RECORD_BYTES = 2 << 20;

    @Test
    void aCompressedHugeRecordIsCutOnTheDeadLetterTopicAndTheGoodRecordBehindItIsProcessed(@TempDir Path dir)
            throws Exception {
        long t0 = System.nanoTime();
        try (EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.start(1);
             Admin admin = GoldenKafka.admin(kafka.bootstrapServers())) {
            kafka.createTopic(GoldenKafka.PREDICTIONS, 1, 1);
            kafka.createTopic(GoldenKafka.LABELS, 1, 1);
            Map<String, String> env = new java.util.HashMap<>(GoldenResources.serviceEnv(kafka.bootstrapServers(),
                    APP_ID, dir.resolve("state"), 1));
            env.put("MODELWATCH_LIMITS_MAX_RECORD_BYTES", Integer.toString(MAX_RECORD_BYTES));
            try (ModelwatchService service = new ModelwatchService(ModelwatchConfig.load(null, env)).start()) {
                assertTrue(service.awaitRunning(Duration.ofSeconds(60)), "service did not reach RUNNING");
                log("service running");
                byte[] huge = ("{\"prediction_id\":\"huge\",\"pad\":\"" + "x".repeat(3 << 20) + "\"}")
                        .getBytes(StandardCharsets.UTF_8);
                byte[] good = ("{\"prediction_id\":\"good\",\"model_id\":\"m\",\"timestamp\":"
                        + System.currentTimeMillis() + ",\"predicted\":\"1\"}").getBytes(StandardCharsets.UTF_8);
                // a 3 MiB key on an oversized value (2 MiB of it kept), and 3 MiB of headers on a record not JSON
                byte[] hugeKey = bytes("k".repeat(3 << 20));
                List<Header> hugeHeaders = List.of(new RecordHeader("trace-id", bytes("t-1")),
                        new RecordHeader("big", new byte[3 << 20]), new RecordHeader("tenant", bytes("acme")));
                byte[] notJson = bytes("{\"prediction_id\":\"broken\",");
                try (KafkaProducer<byte[], byte[]> producer = gzipProducer(kafka.bootstrapServers())) {
                    GoldenKafka.get(producer.send(new ProducerRecord<>(GoldenKafka.PREDICTIONS, bytes("huge"), huge)));
                    GoldenKafka.get(producer.send(new ProducerRecord<>(GoldenKafka.PREDICTIONS, hugeKey, huge)));
                    GoldenKafka.get(producer.send(new ProducerRecord<>(GoldenKafka.PREDICTIONS, null, bytes("headers"),
                            notJson, hugeHeaders)));
                    GoldenKafka.get(producer.send(new ProducerRecord<>(GoldenKafka.PREDICTIONS, bytes("good"), good)));
                }
                // both records committed as consumed: their outputs (the dead letter) are committed too
                GoldenKafka.awaitConsumed(admin, APP_ID, List.of(GoldenKafka.PREDICTIONS), Duration.ofMinutes(2),
                        () -> "streams " + service.streams().state() + ", predictions accepted "
                                + service.counters().ingest().predictions() + ", oversized rejects "
                                + service.counters().ingest().rejected(RejectReason.OVERSIZED_RECORD));

                List<ConsumerRecord<byte[], byte[]>> dead = new ArrayList<>();
                GoldenKafka.readAll(kafka.bootstrapServers(), GoldenKafka.DLQ, () -> dead.size() >= 3, dead::add,
                        Duration.ofSeconds(60), Duration.ZERO);
                assertEquals(3, dead.size(), "records on " + GoldenKafka.DLQ);
                ConsumerRecord<byte[], byte[]> r = dead.get(0);
                assertEquals(RejectReason.OVERSIZED_RECORD.code, header(r, DeadLetters.REASON));
                assertEquals(Integer.toString(huge.length), header(r, DeadLetters.ORIGINAL_BYTES));
                assertEquals("0", header(r, DeadLetters.SOURCE_OFFSET));
                assertArrayEquals(bytes("huge"), r.key());
                assertArrayEquals(Arrays.copyOf(huge, MAX_RECORD_BYTES), r.value(), "the first max-record-bytes bytes");

                ConsumerRecord<byte[], byte[]> keyCut = dead.get(1);
                assertEquals(RejectReason.OVERSIZED_RECORD.code, header(keyCut, DeadLetters.REASON));
                assertEquals(Integer.toString(hugeKey.length), header(keyCut, DeadLetters.ORIGINAL_KEY_BYTES));
                assertEquals(16 << 10, keyCut.key().length, "the key's first 16 KiB");
                assertArrayEquals(Arrays.copyOf(huge, MAX_RECORD_BYTES), keyCut.value());

                ConsumerRecord<byte[], byte[]> headersLeftOut = dead.get(2);
                assertEquals(RejectReason.TRUNCATED_JSON.code, header(headersLeftOut, DeadLetters.REASON));
                assertArrayEquals(notJson, headersLeftOut.value());
                assertEquals("t-1", header(headersLeftOut, "trace-id"));
                assertEquals("acme", header(headersLeftOut, "tenant"));
                assertEquals(null, headersLeftOut.headers().lastHeader("big"));
                assertEquals("1", header(headersLeftOut, DeadLetters.DROPPED_HEADERS));
                assertEquals(1, service.counters().ingest().predictions(), "the good prediction behind it accepted");
            }
        }
        log("OversizedDeadLetterIT passed in %.1f s", (System.nanoTime() - t0) / 1e9);
    }

    /** gzip: the 3 MiB record is a few KiB on the wire, far under the broker's limit. */
    private static KafkaProducer<byte[], byte[]> gzipProducer(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "gzip");
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 8 << 20); // checked against the uncompressed record
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
