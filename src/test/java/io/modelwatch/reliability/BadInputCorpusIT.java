package io.modelwatch.reliability;

import static io.modelwatch.reliability.GoldenKafka.log;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelwatch.GoldenResources;
import io.modelwatch.TopologySettings;
import io.modelwatch.config.ModelwatchConfig;
import io.modelwatch.embedded.EmbeddedKafkaCluster;
import io.modelwatch.ingest.DeadLetters;
import io.modelwatch.ingest.RejectReason;
import io.modelwatch.reliability.BadInputCorpus.Entry;
import io.modelwatch.reliability.GoldenKafka.Event;
import io.modelwatch.replay.Replay;
import io.modelwatch.service.ModelwatchService;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input never stops processing and never costs a good record: the corpus of bad records
 * ({@link BadInputCorpus}, every kind the reliability issue lists) is mixed into the whole
 * reference stream, on both topics, with some golden lines rewritten to carry unknown extra fields
 * and tags nothing slices by, each of which would be a reject if it were sliced by (named with '=' and ',',
 * empty, holding a NUL, {@code __overflow__}, oversized, not strings, more of them than {@code limits.max-tags}):
 * they must be dropped unchecked, so the metrics must not change. Through a real broker the final metrics
 * still equal the reference, and every bad record is on {@code modelwatch-dlq}, once, with its
 * original key, bytes (an oversized one's first {@code max-record-bytes}, its size in a header) and
 * headers, the expected reason and the topic, partition and offset it was produced to; the Prometheus counters count them by reason. Through {@code replay --dead-letter}
 * (the same corpus mixed into the first four windows of the stream) every bad line is in the
 * dead-letter file with its reason and original text, and the replay output passes the reference.
 */
class BadInputCorpusIT {

    private static final int PARTITIONS = 3;
    private static final String APP_ID = "modelwatch-bad-input-it";
    private static final String CORPUS_HEADER = "corpus-id";
    /** Every this many golden events one is rewritten with unknown extra fields. */
    private static final int EXTRA_FIELDS_EVERY = 20;
    /**
     * Tags some rewritten golden predictions carry besides theirs, none sliced by: names no slice tag may hold, and
     * what would be a reject in a tag that is sliced by (an empty name, a NUL, the overflow name, 300 bytes, values
     * that are no strings, and 40 more tags than the golden two, beyond {@code limits.max-tags}).
     */
    private static final String EXTRA_TAGS;

    static {
        StringBuilder b = new StringBuilder("\"a=b\":\"c=d\",\"x,y\":\"1,2\",\"=\":\",\",\"\":\"empty name\","
                + "\"nul\":\"a\\u0000b\",\"n\\u0000l\":\"x\",\"shard\":\"__overflow__\",\"half\":\"\\uD800\","
                + "\"long\":\"" + "x".repeat(300) + "\",\"" + "k".repeat(300) + "\":\"long name\",\"n\":3,\"z\":null,"
                + "\"o\":{\"a\":[1,\"b\"]}");
        for (int i = 0; i < 40; i++) {
            b.append(",\"t").append(i).append("\":\"v\"");
        }
        EXTRA_TAGS = b.toString();
    }

    /**
     * Replay runs on the predictions of the first four windows only: the TopologyTestDriver costs
     * about 1 ms of CPU per record, and the whole stream's replay is checked by GoldenConformanceTest.
     */
    private static final int REPLAY_WINDOWS = 4;

    private static List<Entry> corpus;
    private static GoldenKafka.Golden golden;
    private static List<Event> events;

    @BeforeAll
    static void load() {
        corpus = BadInputCorpus.load();
        golden = GoldenKafka.Golden.full();
        events = withExtraFields(golden.events());
        Set<String> reasons = corpus.stream().map(Entry::reason).collect(Collectors.toSet());
        for (RejectReason r : RejectReason.values()) {
            // not_on_join_partition: only with repartition-inputs false (JoinRoutingTest); too_many_tags: only
            // the tags sliced by count, so only with more slices than limits.max-tags (EventParserKeptTagsTest),
            // and the service here slices by one
            assertTrue(r == RejectReason.UNREADABLE || r == RejectReason.NOT_ON_JOIN_PARTITION
                    || r == RejectReason.TOO_MANY_TAGS || reasons.contains(r.code), "the corpus has no case of " + r.code);
        }
        assertEquals(corpus.size(), corpus.stream().map(Entry::id).distinct().count(), "corpus ids are unique");
    }

    @Test
    void badRecordsGoToTheDeadLetterTopicAndMetricsStayExact(@TempDir Path dir) throws Exception {
        long t0 = System.nanoTime();
        List<List<Event>> chunks = GoldenKafka.chunks(events);
        int[] slot = slots(events.size(), corpus.size());
        log("BadInputCorpusIT: %d golden events in %d chunks, %d bad records mixed in", events.size(), chunks.size(),
                corpus.size());
        Map<String, RecordMetadata> sent = new HashMap<>();
        try (EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.start(1);
             Admin admin = GoldenKafka.admin(kafka.bootstrapServers());
             KafkaProducer<byte[], byte[]> producer = GoldenKafka.producer(kafka.bootstrapServers())) {
            kafka.createTopic(GoldenKafka.PREDICTIONS, PARTITIONS, 1);
            kafka.createTopic(GoldenKafka.LABELS, PARTITIONS, 1);
            Map<String, String> env = io.modelwatch.GoldenResources.serviceEnv(kafka.bootstrapServers(), APP_ID, dir.resolve("state"),
                    PARTITIONS);
            try (ModelwatchService service = new ModelwatchService(ModelwatchConfig.load(null, env)).start()) {
                assertTrue(service.awaitRunning(Duration.ofSeconds(60)), "service did not reach RUNNING");
                log("service running");
                int index = 0;
                int bad = 0;
                for (List<Event> chunk : chunks) {
                    List<Future<RecordMetadata>> acks = new ArrayList<>();
                    Map<String, Future<RecordMetadata>> badAcks = new HashMap<>();
                    for (Event e : chunk) {
                        while (bad < corpus.size() && slot[bad] == index) {
                            Entry entry = corpus.get(bad);
                            badAcks.put(entry.id(), producer.send(badRecord(entry, bad)));
                            bad++;
                        }
                        acks.add(producer.send(new ProducerRecord<>(e.topic(), e.key().getBytes(StandardCharsets.UTF_8),
                                e.bytes())));
                        index++;
                    }
                    producer.flush();
                    acks.forEach(GoldenKafka::get);
                    badAcks.forEach((id, f) -> sent.put(id, GoldenKafka.get(f)));
                    GoldenKafka.awaitConsumed(admin, APP_ID, List.of(GoldenKafka.PREDICTIONS, GoldenKafka.LABELS),
                            Duration.ofMinutes(2), null);
                }
                assertEquals(corpus.size(), sent.size(), "bad records produced");
                log("stream produced and consumed");
                GoldenKafka.sendClockEvents(producer, PARTITIONS, GoldenKafka.clockTime(golden.lastTimestamp()));

                List<JsonNode> finals = GoldenKafka.readFinals(kafka.bootstrapServers(), golden.expectedFinals(),
                        Duration.ofMinutes(2), Duration.ofSeconds(1));
                golden.assertMatches(finals);
                GoldenKafka.assertNothingLate("service", service.counters());

                List<ConsumerRecord<byte[], byte[]>> dead = new ArrayList<>();
                GoldenKafka.readAll(kafka.bootstrapServers(), GoldenKafka.DLQ, () -> dead.size() >= corpus.size(),
                        dead::add, Duration.ofSeconds(60), Duration.ofSeconds(1));
                assertDeadLetters(dead, sent, service.settings().limits().maxRecordBytes());
                assertRejectCounters(service);
            }
        }
        log("BadInputCorpusIT (Kafka) passed in %.1f s", (System.nanoTime() - t0) / 1e9);
    }

    @Test
    void replayWritesEveryBadLineToTheDeadLetterFile(@TempDir Path dir) throws IOException {
        long t0 = System.nanoTime();
        List<Entry> lines = corpus.stream().filter(Entry::isReplayLine).toList();
        GoldenKafka.Golden trimmed = GoldenKafka.Golden.firstWindows(REPLAY_WINDOWS);
        List<Event> mixed = withExtraFields(trimmed.events());
        int[] slot = slots(mixed.size(), lines.size());
        Path predictionsFile = dir.resolve("predictions.jsonl");
        Path labelsFile = dir.resolve("labels.jsonl");
        writeMixed(predictionsFile, mixed, GoldenKafka.PREDICTIONS, lines, slot);
        writeMixed(labelsFile, mixed, GoldenKafka.LABELS, lines, slot);

        TopologySettings settings = GoldenResources.settings(GoldenKafka.STREAM).slices(List.of("cloud")).build();
        StringWriter out = new StringWriter();
        StringWriter deadLetters = new StringWriter();
        Replay.ReplayResult result = Replay.run(settings, predictionsFile, labelsFile, out, deadLetters);

        List<JsonNode> finals = out.toString().lines().filter(l -> !l.isBlank()).map(GoldenResources::parse).toList();
        trimmed.assertMatches(finals);
        assertEquals(finals.size(), result.finalRecords());

        List<JsonNode> dead = deadLetters.toString().lines().filter(l -> !l.isBlank()).map(GoldenResources::parse)
                .toList();
        assertEquals(lines.size(), result.deadLetters(), "rejects counted by replay");
        assertEquals(lines.size(), dead.size(), "lines in the dead-letter file");
        // each bad line once, with its reason and original text (invalid UTF-8 shows as U+FFFD)
        int maxRecordBytes = settings.limits().maxRecordBytes();
        Map<String, List<String>> want = new TreeMap<>();
        for (Entry e : lines) {
            String text = new String(deadLetterValue(e, maxRecordBytes), StandardCharsets.UTF_8);
            want.computeIfAbsent(e.topic() + " " + text, k -> new ArrayList<>()).add(e.reason());
        }
        Map<String, List<String>> got = new TreeMap<>();
        for (JsonNode d : dead) {
            assertTrue(d.hasNonNull("message") && !d.get("message").asText().isEmpty(), "message in " + d);
            assertEquals(d.path("reason").asText().equals(RejectReason.OVERSIZED_RECORD.code),
                    d.path("original_bytes").asLong() > maxRecordBytes, "original_bytes of a cut line only: " + d);
            got.computeIfAbsent(d.path("source_topic").asText() + " " + d.path("original").asText(),
                    k -> new ArrayList<>()).add(d.path("reason").asText());
        }
        want.values().forEach(l -> l.sort(null));
        got.values().forEach(l -> l.sort(null));
        assertEquals(want, got, "dead-letter lines (topic + original text -> reasons)");
        log("BadInputCorpusIT (replay) passed in %.1f s: %d final records, %d dead letters", (System.nanoTime() - t0) / 1e9,
                finals.size(), dead.size());
    }

    /** The golden stream with every {@value #EXTRA_FIELDS_EVERY}th event carrying unknown fields. */
    private static List<Event> withExtraFields(List<Event> events) {
        List<Event> out = new ArrayList<>(events.size());
        for (int i = 0; i < events.size(); i++) {
            Event e = events.get(i);
            if (i % EXTRA_FIELDS_EVERY != 7) {
                out.add(e);
                continue;
            }
            String line = e.line();
            String body = line.substring(1, line.length() - 1);
            boolean prediction = e.topic().equals(GoldenKafka.PREDICTIONS);
            String rewritten = switch ((i / EXTRA_FIELDS_EVERY) % 3) {
                case 0 -> prediction
                        ? "{\"schema_version\":2,\"x_extra\":{\"nested\":[1,\"two\",null],\"flag\":true}," + body + "}"
                        : "{\"labeler\":\"crm-7\",\"confidence\":0.93," + body + "}";
                // tags nothing slices by (names holding '=' and ',', which no slice tag may, and what a sliced tag
                // would be rejected for): dropped unchecked, never a reject
                case 1 -> "{" + body.replace("\"tags\":{", "\"tags\":{" + EXTRA_TAGS + ",")
                        + ",\"debug\":{\"latency_ms\":12.5,\"host\":\"scorer-3\"},\"note\":null}";
                // a near miss of a known field name is just another unknown field
                default -> "{" + body + ",\"Timestamp\":\"not a time\",\"model\":[],\"labels\":{}}";
            };
            assertEquals(GoldenResources.parse(line), withoutUnknown(GoldenResources.parse(rewritten), line));
            out.add(new Event(e.topic(), e.key(), rewritten, e.ts()));
        }
        return out;
    }

    private static JsonNode withoutUnknown(JsonNode rewritten, String original) {
        var copy = ((com.fasterxml.jackson.databind.node.ObjectNode) rewritten).deepCopy();
        copy.retain(iterable(GoldenResources.parse(original).fieldNames()));
        if (copy.get("tags") instanceof com.fasterxml.jackson.databind.node.ObjectNode tags) {
            tags.remove(iterable(GoldenResources.parse("{" + EXTRA_TAGS + "}").fieldNames()));
        }
        return copy;
    }

    private static List<String> iterable(java.util.Iterator<String> it) {
        List<String> out = new ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }

    /** Where each of {@code n} bad records goes among {@code total} good ones: spread evenly, in order. */
    private static int[] slots(int total, int n) {
        int[] slot = new int[n];
        for (int i = 0; i < n; i++) {
            slot[i] = (int) ((long) (i + 1) * total / (n + 1));
        }
        return slot;
    }

    /** A bad record: to partition {@code i} mod the partition count, keyed (every fourth without a key). */
    private static ProducerRecord<byte[], byte[]> badRecord(Entry e, int i) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(CORPUS_HEADER, e.id().getBytes(StandardCharsets.UTF_8));
        return new ProducerRecord<>(e.topic(), i % PARTITIONS, null, key(e, i), e.value(), headers);
    }

    private static byte[] key(Entry e, int i) {
        return i % 4 == 0 ? null : ("bad-" + e.id()).getBytes(StandardCharsets.UTF_8);
    }

    /** What a bad record's dead letter holds: its bytes, of an oversized one the first max-record-bytes. */
    private static byte[] deadLetterValue(Entry e, int maxRecordBytes) {
        return e.value() != null && e.value().length > maxRecordBytes ? Arrays.copyOf(e.value(), maxRecordBytes)
                : e.value();
    }

    private static void assertDeadLetters(List<ConsumerRecord<byte[], byte[]>> dead, Map<String, RecordMetadata> sent,
                                          int maxRecordBytes) {
        Map<String, Entry> byId = corpus.stream().collect(Collectors.toMap(Entry::id, e -> e));
        Map<String, Integer> seen = new TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> r : dead) {
            String id = header(r, CORPUS_HEADER);
            assertNotNull(id, "a dead letter that is not from the corpus (its headers must be kept): " + r);
            Entry e = byId.get(id);
            assertNotNull(e, "unknown corpus id " + id);
            seen.merge(id, 1, Integer::sum);
            RecordMetadata m = sent.get(id);
            int i = corpus.indexOf(e);
            assertEquals(e.reason(), header(r, DeadLetters.REASON), e + ": reason");
            assertTrue(header(r, DeadLetters.MESSAGE) != null && !header(r, DeadLetters.MESSAGE).isEmpty(),
                    e + ": message");
            assertEquals(e.topic(), header(r, DeadLetters.SOURCE_TOPIC), e + ": source topic");
            assertEquals(Integer.toString(m.partition()), header(r, DeadLetters.SOURCE_PARTITION), e + ": source partition");
            assertEquals(Long.toString(m.offset()), header(r, DeadLetters.SOURCE_OFFSET), e + ": source offset");
            assertArrayEquals(deadLetterValue(e, maxRecordBytes), r.value(), e + ": original bytes");
            String originalBytes = header(r, DeadLetters.ORIGINAL_BYTES);
            if (e.value() != null && e.value().length > maxRecordBytes) {
                assertEquals(Integer.toString(e.value().length), originalBytes, e + ": original size");
            } else {
                assertNull(originalBytes, e + ": an original size on a dead letter not cut");
            }
            assertArrayEquals(key(e, i), r.key(), e + ": original key");
        }
        List<String> missing = corpus.stream().map(Entry::id).filter(id -> !seen.containsKey(id)).toList();
        assertEquals(List.of(), missing.stream().map(byId::get).map(Entry::toString).toList(),
                "bad records missing from " + GoldenKafka.DLQ);
        Map<String, Integer> twice = seen.entrySet().stream().filter(x -> x.getValue() > 1)
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
        assertEquals(Map.of(), twice, "bad records on " + GoldenKafka.DLQ + " more than once");
        assertEquals(corpus.size(), dead.size(), "records on " + GoldenKafka.DLQ);
        log("%d dead letters checked (reason, source topic/partition/offset, key, bytes, original size, headers)",
                dead.size());
    }

    /**
     * {@code modelwatch_ingest_rejected_total{reason}} on {@code /metrics}. The counters live in
     * the instance's memory, outside Kafka's transactions, so a retried transaction could count a
     * record twice: at least the corpus count, and nothing for reasons the corpus does not have.
     */
    private static void assertRejectCounters(ModelwatchService service) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> res = http.send(HttpRequest.newBuilder(URI.create(service.url().replaceAll("/$", "") + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, res.statusCode(), "/metrics");
        Map<String, Double> counted = new TreeMap<>();
        Matcher m = Pattern.compile("(?m)^modelwatch_ingest_rejected_total\\{[^}]*reason=\"([a-z_0-9]+)\"[^}]*}\\s+(\\S+)$")
                .matcher(res.body());
        while (m.find()) {
            counted.put(m.group(1), Double.parseDouble(m.group(2)));
        }
        Map<String, Long> want = corpus.stream().collect(Collectors.groupingBy(Entry::reason, TreeMap::new,
                Collectors.counting()));
        for (RejectReason r : EnumSet.allOf(RejectReason.class)) {
            Double c = counted.get(r.code);
            assertNotNull(c, "/metrics has no modelwatch_ingest_rejected_total{reason=\"" + r.code + "\"}");
            long expected = want.getOrDefault(r.code, 0L);
            assertTrue(expected == 0 ? c == 0 : c >= expected, r.code + ": counted " + c + ", corpus has " + expected);
        }
        log("rejects by reason on /metrics: %s", counted);
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    /** One topic's golden lines with the corpus lines of that topic at their slots, as raw bytes. */
    private static void writeMixed(Path file, List<Event> events, String topic, List<Entry> lines, int[] slot)
            throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int bad = 0;
        for (int i = 0; i < events.size(); i++) {
            while (bad < lines.size() && slot[bad] == i) {
                Entry e = lines.get(bad++);
                if (e.topic().equals(topic)) {
                    buf.write(e.value());
                    buf.write('\n');
                }
            }
            Event ev = events.get(i);
            if (ev.topic().equals(topic)) {
                buf.write(ev.bytes());
                buf.write('\n');
            }
        }
        Files.write(file, buf.toByteArray());
    }
}
