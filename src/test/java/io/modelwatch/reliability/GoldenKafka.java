package io.modelwatch.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelwatch.GoldenResources;
import io.modelwatch.ReferenceCheck;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * What the reliability tests share: the golden {@code basic} stream as Kafka records (merged by
 * event time, keyed by prediction id), cut into one chunk per window of event time; the service's
 * environment; waiting until the application consumed its inputs; the clock events that close
 * every window; and reading and checking the final metrics records.
 *
 * <p><b>Why chunks aligned to the windows.</b> Every time-based decision of the topology compares
 * a join partition's stream time (the largest event time it has seen) with a multiple of the window
 * size: a window's close ({@code window end + max label delay}), the expiry of a join entry, the
 * lateness checks. A join partition's input is not in event-time order even when both input topics
 * are: its ingest task merges a predictions partition and a labels partition and goes ahead with
 * whichever has fetched data when it believes the other caught up ({@code max.task.idle.ms} 0), and
 * a dead instance or a moving partition leader makes one side lag much further. A label that reaches
 * its join partition after that partition's stream time passed its window's close is lost to the
 * window (the window stage drops the contribution as late), although the input was in order: one
 * run with three-hour chunks lost 5 labels of {@code fraud/v1}'s first window that way. The tests
 * therefore produce the stream one window of event time at a time, and the next window only once
 * the application consumed and committed everything before it: whatever disorder batching or a
 * failure causes stays inside one window and crosses no close time, so every run has the outcome
 * of an ordered stream.
 */
final class GoldenKafka {

    static final String STREAM = "basic";
    static final String PREDICTIONS = "predictions";
    static final String LABELS = "labels";
    static final String METRICS = "model-metrics";
    static final String DLQ = "modelwatch-dlq";
    static final List<String> EXPECTED_FILES = List.of("expected.jsonl", "expected_rolling.jsonl",
            "expected_slices.jsonl");
    private static final long STARTED = System.nanoTime();

    private GoldenKafka() {
    }

    /** One input record: topic, key (prediction id), value, event time. */
    record Event(String topic, String key, String line, long ts) {
        byte[] bytes() {
            return line.getBytes(StandardCharsets.UTF_8);
        }
    }

    static JsonNode params() {
        return GoldenResources.params(STREAM);
    }

    static Duration window() {
        return Duration.parse(params().get("window").asText());
    }

    static Duration maxLabelDelay() {
        return Duration.parse(params().get("max_label_delay").asText());
    }

    /**
     * The reference stream and its expected final records. {@code trimmed} keeps only the
     * predictions of the first windows (and every label of those predictions, and the labels of no
     * prediction before the cut): the windows before the cut have exactly the same events as in the
     * full stream, so their expected records (single, and rolling spans ending by the cut) stay
     * valid, and there are no other windows.
     */
    record Golden(List<Event> events, Map<String, List<JsonNode>> expected, long cut) {

        static Golden full() {
            return trimmed(Long.MAX_VALUE);
        }

        /** Predictions of the first {@code windows} windows only. */
        static Golden firstWindows(int windows) {
            List<String> predictions = GoldenResources.lines(STREAM, "predictions.jsonl");
            long first = predictions.stream().mapToLong(GoldenKafka::ts).min().orElseThrow();
            long size = window().toMillis();
            return trimmed(Math.floorDiv(first, size) * size + windows * size);
        }

        private static Golden trimmed(long cut) {
            List<String> predictions = new ArrayList<>();
            Set<String> all = new java.util.HashSet<>();
            Set<String> kept = new java.util.HashSet<>();
            for (String line : GoldenResources.lines(STREAM, "predictions.jsonl")) {
                JsonNode p = GoldenResources.parse(line);
                String id = p.get("prediction_id").asText();
                all.add(id);
                if (GoldenResources.timestamp(p) < cut) {
                    predictions.add(line);
                    kept.add(id);
                }
            }
            List<String> labels = new ArrayList<>();
            for (String line : GoldenResources.lines(STREAM, "labels.jsonl")) {
                JsonNode l = GoldenResources.parse(line);
                String id = l.get("prediction_id").asText();
                if (kept.contains(id) || (!all.contains(id) && GoldenResources.timestamp(l) < cut)) {
                    labels.add(line);
                }
            }
            Map<String, List<JsonNode>> expected = new LinkedHashMap<>();
            for (String file : EXPECTED_FILES) {
                expected.put(file, GoldenResources.records(STREAM, file).stream()
                        .filter(r -> r.get("window_end").asLong() <= cut).toList()); // rolling spans too
            }
            return new Golden(merge(predictions, labels), expected, cut);
        }

        /** Single and rolling final records, whole model and slices. */
        int expectedFinals() {
            return 2 * (expected.get("expected.jsonl").size() + expected.get("expected_slices.jsonl").size());
        }

        long lastTimestamp() {
            return events.stream().mapToLong(Event::ts).max().orElseThrow();
        }

        /**
         * The final records match the expected ones of all three reference files (ReferenceCheck,
         * ranking tolerance 1e-9), and no window has two final records.
         */
        void assertMatches(List<JsonNode> finals) {
            Map<String, Integer> perWindow = new TreeMap<>();
            for (JsonNode f : finals) {
                perWindow.merge(windowKey(f), 1, Integer::sum);
            }
            Map<String, Integer> repeated = perWindow.entrySet().stream().filter(e -> e.getValue() > 1)
                    .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a, TreeMap::new));
            assertEquals(Map.of(), repeated, "windows with more than one final record (exactly once means one each)");
            assertEquals(expectedFinals(), finals.size(), "final records on " + METRICS);
            Map<String, JsonNode> byWindow = new HashMap<>();
            finals.forEach(f -> byWindow.put(windowKey(f), f));
            for (String file : EXPECTED_FILES) {
                List<JsonNode> want = expected.get(file);
                assertTrue(!want.isEmpty(), file);
                ReferenceCheck check = ReferenceCheck.compare(want, finals, 1e-9);
                assertTrue(check.ok(), () -> file + ": " + countDifferences(want, byWindow) + "\n" + check);
                assertEquals(want.size(), check.matched, file);
            }
        }
    }

    /** Windows whose prediction or label counts differ from the reference (a compact diagnosis). */
    private static String countDifferences(List<JsonNode> want, Map<String, JsonNode> byWindow) {
        List<String> out = new ArrayList<>();
        for (JsonNode w : want) {
            JsonNode got = byWindow.get(windowKey(w));
            if (got == null) {
                out.add(windowKey(w) + ": missing");
            } else if (got.get("predictions").asLong() != w.get("predictions").asLong()
                    || got.get("labeled").asLong() != w.get("labeled").asLong()) {
                out.add(windowKey(w) + ": predictions " + got.get("predictions") + "/" + w.get("predictions")
                        + ", labeled " + got.get("labeled") + "/" + w.get("labeled"));
            }
        }
        return out.size() + " windows with other counts (got/expected): " + out;
    }

    /** Both files merged by event time (predictions first on ties), as producers would send them. */
    static List<Event> merge(List<String> predictions, List<String> labels) {
        List<Event> ps = predictions.stream().map(l -> event(PREDICTIONS, l)).toList();
        List<Event> ls = labels.stream().map(l -> event(LABELS, l)).toList();
        List<Event> out = new ArrayList<>(ps.size() + ls.size());
        int p = 0;
        int l = 0;
        while (p < ps.size() || l < ls.size()) {
            boolean takePrediction = l >= ls.size() || (p < ps.size() && ps.get(p).ts() <= ls.get(l).ts());
            out.add(takePrediction ? ps.get(p++) : ls.get(l++));
        }
        return out;
    }

    private static Event event(String topic, String line) {
        JsonNode e = GoldenResources.parse(line);
        return new Event(topic, e.get("prediction_id").asText(), line, GoldenResources.timestamp(e));
    }

    private static long ts(String line) {
        return GoldenResources.timestamp(GoldenResources.parse(line));
    }

    /** The events cut at every window boundary (event time, windows aligned to the epoch): one chunk a window. */
    static List<List<Event>> chunks(List<Event> events) {
        long size = window().toMillis();
        List<List<Event>> out = new ArrayList<>();
        List<Event> current = new ArrayList<>();
        long window = Long.MIN_VALUE;
        for (Event e : events) {
            long w = Math.floorDiv(e.ts(), size);
            if (w < window) {
                throw new IllegalStateException("events out of event-time order at " + e);
            }
            if (w != window && !current.isEmpty()) {
                out.add(current);
                current = new ArrayList<>();
            }
            window = w;
            current.add(e);
        }
        if (!current.isEmpty()) {
            out.add(current);
        }
        return out;
    }

    static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000);
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** Sends the events (keyed by prediction id, default partitioner) and waits until all are acknowledged. */
    static void send(KafkaProducer<byte[], byte[]> producer, List<Event> events) {
        List<java.util.concurrent.Future<?>> acks = new ArrayList<>(events.size());
        for (Event e : events) {
            acks.add(producer.send(new ProducerRecord<>(e.topic(), e.key().getBytes(StandardCharsets.UTF_8),
                    e.bytes())));
        }
        producer.flush();
        for (var f : acks) {
            get(f);
        }
    }

    static Admin admin(String bootstrap) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        return Admin.create(p);
    }

    /**
     * Waits until the application committed every input record (the input topics are not
     * transactional, so a fully consumed partition's committed offset equals its end offset). Its
     * outputs to the join stage are then committed too, so whatever is produced next reaches
     * every join partition after them.
     */
    static void awaitConsumed(Admin admin, String applicationId, List<String> topics, Duration timeout,
                              Supplier<String> diagnostics) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String state = "";
        while (true) {
            Map<TopicPartition, Long> lag = lag(admin, applicationId, topics);
            if (lag.values().stream().allMatch(l -> l == 0)) {
                return;
            }
            state = "lag " + new TreeMap<>(lag.entrySet().stream()
                    .collect(Collectors.toMap(e -> e.getKey().toString(), Map.Entry::getValue)));
            if (System.nanoTime() > deadline) {
                throw new AssertionError(applicationId + " did not consume its input within " + timeout + ": " + state
                        + (diagnostics == null ? "" : "\n" + diagnostics.get()));
            }
            sleep(100);
        }
    }

    /** End offset minus committed offset of every partition of the topics. */
    static Map<TopicPartition, Long> lag(Admin admin, String group, List<String> topics) {
        try {
            Map<TopicPartition, OffsetSpec> request = new HashMap<>();
            for (var d : admin.describeTopics(topics).allTopicNames().get(30, TimeUnit.SECONDS).values()) {
                d.partitions().forEach(p -> request.put(new TopicPartition(d.name(), p.partition()),
                        OffsetSpec.latest()));
            }
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(request)
                    .all().get(30, TimeUnit.SECONDS);
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
            Map<TopicPartition, Long> lag = new HashMap<>();
            ends.forEach((tp, end) -> {
                OffsetAndMetadata c = committed.get(tp);
                lag.put(tp, end.offset() - (c == null ? 0 : c.offset()));
            });
            return lag;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            // e.g. a coordinator moving while a broker is down: report a lag and ask again
            Map<TopicPartition, Long> unknown = new HashMap<>();
            unknown.put(new TopicPartition("unknown: " + e, 0), -1L);
            return unknown;
        }
    }

    /** Event time past the close of every window of a stream whose last event is at {@code lastTs}. */
    static long clockTime(long lastTs) {
        return lastTs + window().toMillis() + 2 * maxLabelDelay().toMillis() + 120_000;
    }

    /**
     * A prediction and a label that match nothing else, one of each into every input partition (so every join
     * partition), at {@code ts}: event time passes every window's close in every join partition, so all
     * windows close (see {@link io.modelwatch.ClockEvents}). Sent only after everything else was consumed
     * (see {@link #awaitConsumed}).
     */
    static void sendClockEvents(KafkaProducer<byte[], byte[]> producer, int partitions, long ts) {
        List<Event> clocks = new ArrayList<>();
        for (String id : io.modelwatch.ClockEvents.ids(partitions, partitions)) {
            clocks.add(new Event(PREDICTIONS, id, io.modelwatch.ClockEvents.prediction(id, ts), ts));
            clocks.add(new Event(LABELS, id, io.modelwatch.ClockEvents.label(id, ts), ts));
        }
        send(producer, clocks);
    }

    /**
     * Reads {@code model-metrics} (read_committed) from the start until {@code expected} final
     * records arrived, then on to the end of the topic and for {@code settle} more, so that a
     * duplicate final would be seen.
     */
    static List<JsonNode> readFinals(String bootstrap, int expected, Duration timeout, Duration settle) {
        List<JsonNode> finals = new ArrayList<>();
        List<ConsumerRecord<byte[], byte[]>> records = readAll(bootstrap, METRICS, () -> finals.size() >= expected,
                r -> {
                    JsonNode v = GoldenResources.parse(new String(r.value(), StandardCharsets.UTF_8));
                    if (v.path("final").asBoolean()) {
                        finals.add(v);
                    }
                }, timeout, settle);
        log("read %d records of %s, %d finals", records.size(), METRICS, finals.size());
        return finals;
    }

    /**
     * Reads a topic from the beginning, read_committed, handing each record to {@code each}, until
     * {@code done} holds, then to the topic's end and for {@code settle} longer.
     */
    static List<ConsumerRecord<byte[], byte[]>> readAll(String bootstrap, String topic, Supplier<Boolean> done,
                                                       java.util.function.Consumer<ConsumerRecord<byte[], byte[]>> each,
                                                       Duration timeout, Duration settle) {
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, IsolationLevel.READ_COMMITTED.toString());
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 2 * 1024 * 1024);
        List<ConsumerRecord<byte[], byte[]>> all = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long settleUntil = Long.MAX_VALUE;
            while (System.nanoTime() < Math.min(deadline, settleUntil)) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    all.add(r);
                    each.accept(r);
                }
                if (settleUntil == Long.MAX_VALUE && done.get() && atEnd(consumer, partitions)) {
                    settleUntil = System.nanoTime() + settle.toNanos();
                }
            }
        }
        return all;
    }

    private static boolean atEnd(KafkaConsumer<?, ?> consumer, List<TopicPartition> partitions) {
        Map<TopicPartition, Long> ends = consumer.endOffsets(partitions); // the last stable offsets (read_committed)
        return partitions.stream().allMatch(tp -> consumer.position(tp) >= ends.get(tp));
    }

    /**
     * Nothing this instance processed was dropped as late: not at the join (predictions, labels)
     * and not at the window stage (contributions to a window already closed); and every replay fence
     * (updates held while a restarted join partition re-sends its entries) came down by its end marker,
     * none by timeout.
     */
    static void assertNothingLate(String instance, io.modelwatch.ModelwatchTopology.Counters c) {
        log("%s: %d late predictions, %d late labels, %d late contributions, %d duplicate predictions, "
                        + "%d expired join entries, %d final records", instance, c.join().latePredictions(),
                c.join().lateLabels(), c.window().lateContributions(), c.join().duplicatePredictions(),
                c.join().expiredEntries(), c.window().finalRecords());
        assertEquals(0, c.join().latePredictions(), instance + ": late predictions");
        assertEquals(0, c.join().lateLabels(), instance + ": late labels");
        assertEquals(0, c.window().lateContributions(), instance + ": late contributions");
        assertEquals(0, c.window().replayFencesExpired(), instance + ": replay fences timed out");
    }

    /** model/version@window[slice] rolling K: what identifies a window's final record. */
    static String windowKey(JsonNode r) {
        JsonNode slice = r.get("slice");
        String s = slice == null || slice.isNull() ? "" : new TreeMap<>(toMap(slice)).toString();
        return r.get("model_id").asText() + "/" + r.path("model_version").asText("") + "@"
                + r.get("window_start").asLong() + "[" + s + "] rolling " + Math.max(1, r.path("rolling").asInt(1));
    }

    private static Map<String, String> toMap(JsonNode o) {
        Map<String, String> m = new TreeMap<>();
        o.fields().forEachRemaining(f -> m.put(f.getKey(), f.getValue().asText()));
        return m;
    }

    static <T> T get(java.util.concurrent.Future<T> f) {
        try {
            return f.get(120, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException(e);
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Progress lines with the seconds since the test JVM loaded this class. */
    static void log(String format, Object... args) {
        System.out.printf("[reliability %6.1f s] %s%n", (System.nanoTime() - STARTED) / 1e9,
                String.format(format, args));
        System.out.flush();
    }
}
