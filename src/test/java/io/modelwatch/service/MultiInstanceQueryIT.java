package io.modelwatch.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelwatch.GoldenResources;
import io.modelwatch.ReferenceCheck;
import io.modelwatch.config.ModelwatchConfig;
import io.modelwatch.embedded.EmbeddedKafkaCluster;
import io.modelwatch.serving.MonitorHttpServer;
import io.modelwatch.window.WindowAggregation;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two service instances of one application share the partitions; a request to either instance's
 * API answers for both (the view asks the other instance with {@code scope=local}), and an instance
 * that is down leaves the answer partial, never failed.
 */
class MultiInstanceQueryIT {

    private static final int PARTITIONS = 4;
    private static final String APP_ID = "modelwatch-multi-instance-it";
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void anyInstanceAnswersForAll(@TempDir Path dir) throws Exception {
        try (EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.start(1)) {
            kafka.createTopic("predictions", PARTITIONS, 1);
            kafka.createTopic("labels", PARTITIONS, 1);
            JsonNode params = GoldenResources.params("basic");
            ModelwatchService a = null;
            ModelwatchService b = null;
            try {
                // the stream is on the broker before processing starts, so Kafka Streams reads the two
                // topics of a task in timestamp order (it waits for data already there, not for new data)
                long lastTs = produceReferenceStream(kafka.bootstrapServers());
                a = new ModelwatchService(config(kafka.bootstrapServers(), dir.resolve("state-a"), Map.of()));
                // b does not leave the group when it stops, as after a crash: a still names it as a host then
                // b also listens on the loopback interface only, where a reaches it by its advertised address
                b = new ModelwatchService(config(kafka.bootstrapServers(), dir.resolve("state-b"),
                        Map.of("MODELWATCH_LEAVE_GROUP_ON_STOP", "false", "MODELWATCH_HTTP_BIND_ADDRESS", "127.0.0.1",
                                "MODELWATCH_HTTP_ADVERTISED_HOST", "127.0.0.1")));
                a.start();
                b.start();
                awaitSharedWork(a, b);
                // the clock events go in only once everything else was consumed: else a prediction still
                // unread in one partition would count as late once event time passed its window
                awaitConsumed(kafka.bootstrapServers());
                // a window's curves live with the instance owning its key, in state while the window is open
                // or kept for rolling: asked now (before the clock events close and drop everything), both
                // instances answer the same, the other one's asked where the key lives (when the partitioner
                // sent every marker to every partition, a null value too, that lookup failed and each
                // instance answered from its own state only: 404 on one of them)
                long lastFraudWindow = GoldenResources.records("basic", "expected.jsonl").stream()
                        .filter(r -> r.get("model_id").asText().equals("fraud")
                                && r.get("model_version").asText().equals("v1"))
                        .mapToLong(r -> r.get("window_start").asLong()).max().orElseThrow();
                String curvesPath = "/api/models/fraud/curves?version=v1&window=" + lastFraudWindow;
                Answer curvesA = get(a, curvesPath);
                Answer curvesB = get(b, curvesPath);
                long curvesDeadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while ((curvesA.status != 200 || !curvesA.body.equals(curvesB.body))
                        && System.nanoTime() < curvesDeadline) {
                    Thread.sleep(500); // the last deltas reach the merge within an update interval
                    curvesA = get(a, curvesPath);
                    curvesB = get(b, curvesPath);
                }
                assertEquals(200, curvesA.status, curvesA.body.toString());
                assertEquals(200, curvesB.status, curvesB.body.toString());
                assertEquals(curvesA.body, curvesB.body, "the same curves from either instance");
                advanceEveryPartition(kafka.bootstrapServers(), lastTs
                        + Duration.parse(params.get("window").asText()).toMillis()
                        + 2 * Duration.parse(params.get("max_label_delay").asText()).toMillis() + 120_000);
                List<JsonNode> expected = GoldenResources.records("basic", "expected.jsonl");
                int finals = 2 * (expected.size() + GoldenResources.records("basic", "expected_slices.jsonl").size());
                assertEquals(finals, countFinals(kafka.bootstrapServers(), finals, Duration.ofMinutes(6)),
                        "final records on the topic");

                for (String model : List.of("fraud", "intent")) {
                    List<JsonNode> want = expected.stream().filter(r -> r.get("model_id").asText().equals(model))
                            .toList();
                    String path = "/api/models/" + model + "/metrics?slice=&from=0&to=9999999999999";
                    for (ModelwatchService s : List.of(a, b)) {
                        JsonNode body = awaitComplete(s, path, want.size());
                        List<JsonNode> got = records(body);
                        ReferenceCheck check = ReferenceCheck.compare(want, got, 1e-9);
                        assertTrue(check.ok(), model + " on " + s.url() + ": " + check);
                        assertEquals(want.size(), check.matched, model + " on " + s.url());
                        assertEquals(want.size(), got.size(), model + " on " + s.url() + ": no duplicates");
                        assertTrue(got.stream().allMatch(r -> r.get("final").asBoolean()), "finals only");
                        assertFalse(body.has("unreachable"), body.path("unreachable").toString());
                    }
                    List<JsonNode> localA = records(get(a, path + "&scope=local"));
                    List<JsonNode> localB = records(get(b, path + "&scope=local"));
                    assertEquals(want.size(), localA.size() + localB.size(),
                            model + ": the instances' own windows together are the whole history");
                }
                // scale-out: the pairs of one model's window were summed in several join tasks (on both
                // instances), not all in the one task that owns the model's key
                long partialsA = a.counters().window().partialsSent();
                long partialsB = b.counters().window().partialsSent();
                assertTrue(partialsA > 0 && partialsB > 0, "both instances pre-aggregate: " + partialsA + ", " + partialsB);
                long merged = a.counters().window().mergedPartials() + b.counters().window().mergedPartials();
                long finalsEmitted = a.counters().window().finalRecords() + b.counters().window().finalRecords();
                assertTrue(merged >= 2 * finalsEmitted, "a final merges partials of several join partitions: "
                        + merged + " partials over " + finalsEmitted + " finals");
                int ownA = a.view().scoped(true).latestMetrics().size();
                int ownB = b.view().scoped(true).latestMetrics().size();
                assertTrue(ownA > 0 && ownB > 0, "each instance holds some series: " + ownA + ", " + ownB);
                for (ModelwatchService s : List.of(a, b)) {
                    JsonNode models = get(s, "/api/models").body;
                    List<String> names = new ArrayList<>();
                    models.get("models").forEach(m -> names.add(m.get("model_id").asText()));
                    assertEquals(List.of(io.modelwatch.ClockEvents.MODEL, "fraud", "intent"), names, "models on " + s.url()
                            + " (the clock events' model too: its one window is open)");
                    assertEquals("[\"v1\",\"v2\"]", models.get("models").get(names.indexOf("fraud")).get("versions").toString());
                    assertEquals(ownA + ownB, s.view().latestMetrics().size(), "latest series on " + s.url());
                    // every window closed but the clock events' one: their latest is their last closed window
                    int withFinal = 0;
                    for (JsonNode m : models.get("models")) {
                        boolean clock = m.get("model_id").asText().equals(io.modelwatch.ClockEvents.MODEL);
                        for (JsonNode v : m.get("latest")) {
                            for (JsonNode sl : v.get("slices")) {
                                String what = m.get("model_id") + " " + v.get("model_version") + " " + sl.get("slice")
                                        + " on " + s.url();
                                if (clock) {
                                    assertTrue(sl.get("latest_final").isNull(), "open, none closed: " + what);
                                } else {
                                    assertEquals(sl.get("latest"), sl.get("latest_final"), what);
                                    withFinal++;
                                }
                            }
                        }
                    }
                    assertTrue(withFinal > 0);
                }

                // the alert rules in force: the rules topic is a global store, so each instance lists all of it
                publishRules(kafka.bootstrapServers(), Map.of(
                        "fraud-f1-topic", "{\"models\":[\"fraud\"],\"metric\":\"f1\",\"below\":0.5}",
                        "cut-short", "{\"models\":"));
                for (ModelwatchService s : List.of(a, b)) {
                    JsonNode rules = awaitRules(s, 2);
                    assertEquals(List.of("fraud-f1-topic"), names(rules.get("rules")), "on " + s.url());
                    JsonNode topicRule = rules.get("rules").get(0);
                    assertEquals("topic", topicRule.get("source").asText());
                    assertEquals("f1", topicRule.get("rule").get("metric").asText());
                    assertEquals(0.5, topicRule.get("rule").get("below").asDouble());
                    assertEquals(List.of("cut-short"), names(rules.get("unreadable")), "on " + s.url());
                    assertTrue(rules.get("unreadable").get(0).get("problems").asText().contains("cut-short"),
                            rules.toString());
                }

                // an instance that is down: the other answers with what it holds, naming the missing one
                String bAddress = "127.0.0.1:" + URI.create(b.url()).getPort(); // its advertised host
                b.close();
                b = null;
                Answer partial = get(a, "/api/models");
                assertEquals(200, partial.status, partial.body.toString());
                assertEquals(bAddress, partial.unreachableHeader, "header names the instance that did not answer");
                assertEquals("[\"" + bAddress + "\"]", partial.body.get("unreachable").toString());
                int series = 0;
                for (JsonNode m : partial.body.get("models")) {
                    for (JsonNode v : m.get("latest")) {
                        series += v.get("slices").size();
                    }
                }
                assertEquals(ownA, series, "only the survivor's series");
            } finally {
                if (b != null) {
                    b.close();
                }
                if (a != null) {
                    a.close();
                }
            }
        }
    }

    private static ModelwatchConfig config(String bootstrap, Path stateDir, Map<String, String> extra) {
        Map<String, String> env = io.modelwatch.GoldenResources.serviceEnv(bootstrap, APP_ID, stateDir, PARTITIONS);
        env.putAll(extra);
        return ModelwatchConfig.load(null, env);
    }

    /** Waits until both instances run and Streams metadata shows each hosting part of the window state. */
    private static void awaitSharedWork(ModelwatchService a, ModelwatchService b) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        String state = "";
        while (System.nanoTime() < deadline) {
            if (a.streams().state() == KafkaStreams.State.RUNNING && b.streams().state() == KafkaStreams.State.RUNNING) {
                List<StreamsMetadata> hosts = new ArrayList<>(
                        a.streams().streamsMetadataForStore(WindowAggregation.HISTORY_STORE));
                state = hosts.toString();
                if (hosts.size() == 2 && hosts.stream().allMatch(h -> !h.topicPartitions().isEmpty())) {
                    return;
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the two instances did not share the work: " + a.streams().state() + " "
                + b.streams().state() + " " + state);
    }

    /** Waits until the application committed every record of the input topics (they are not transactional). */
    private static void awaitConsumed(String bootstrap) throws Exception {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (Admin admin = Admin.create(p)) {
            Map<TopicPartition, OffsetSpec> request = new HashMap<>();
            for (String topic : List.of("predictions", "labels")) {
                for (int i = 0; i < PARTITIONS; i++) {
                    request.put(new TopicPartition(topic, i), OffsetSpec.latest());
                }
            }
            var ends = admin.listOffsets(request).all().get(30, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
            Map<TopicPartition, Long> lag = new HashMap<>();
            while (System.nanoTime() < deadline) {
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(APP_ID)
                        .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
                lag.clear();
                ends.forEach((tp, end) -> {
                    OffsetAndMetadata c = committed.get(tp);
                    lag.put(tp, end.offset() - (c == null ? 0 : c.offset()));
                });
                if (lag.values().stream().allMatch(l -> l == 0)) {
                    return;
                }
                Thread.sleep(200);
            }
            throw new AssertionError("the input was not consumed: lag " + lag);
        }
    }

    /** Polls until the history has {@code size} records (the last finals may still be on their way to the store). */
    private static JsonNode awaitComplete(ModelwatchService s, String path, int size) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        Answer last;
        do {
            last = get(s, path);
            if (last.status == 200 && records(last).size() == size
                    && records(last).stream().allMatch(r -> r.get("final").asBoolean())) {
                return last.body;
            }
            Thread.sleep(200);
        } while (System.nanoTime() < deadline);
        return last.body;
    }

    private static void publishRules(String bootstrap, Map<String, String> rules) throws Exception {
        try (KafkaProducer<String, String> p = new KafkaProducer<>(
                Map.<String, Object>of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                new StringSerializer(), new StringSerializer())) {
            for (var e : rules.entrySet()) {
                p.send(new ProducerRecord<>("modelwatch-rules", e.getKey(), e.getValue())).get();
            }
        }
    }

    /** {@code /api/rules} once it lists {@code n} names in all (the global store follows the topic). */
    private static JsonNode awaitRules(ModelwatchService s, int n) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        Answer r = get(s, "/api/rules");
        while ((r.status != 200 || r.body.get("rules").size() + r.body.get("unreadable").size() < n)
                && System.nanoTime() < deadline) {
            Thread.sleep(200);
            r = get(s, "/api/rules");
        }
        assertEquals(200, r.status, r.body.toString());
        return r.body;
    }

    private static List<String> names(JsonNode entries) {
        List<String> out = new ArrayList<>();
        entries.forEach(e -> out.add(e.get("name").asText()));
        return out;
    }

    private record Answer(int status, JsonNode body, String unreachableHeader) {
    }

    private static Answer get(ModelwatchService s, String path) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(s.url() + path))
                .timeout(Duration.ofSeconds(20)).GET().build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(r.statusCode(), GoldenResources.parse(r.body()),
                r.headers().firstValue(MonitorHttpServer.UNREACHABLE_HEADER).orElse(null));
    }

    private static List<JsonNode> records(Answer a) {
        assertEquals(200, a.status, a.body.toString());
        return records(a.body);
    }

    private static List<JsonNode> records(JsonNode body) {
        List<JsonNode> out = new ArrayList<>();
        body.path("records").forEach(out::add);
        return out;
    }

    /** Produces both files keyed by prediction id, merged by timestamp as producers would. */
    private static long produceReferenceStream(String bootstrap) {
        List<String> predictions = GoldenResources.lines("basic", "predictions.jsonl");
        List<String> labels = GoldenResources.lines("basic", "labels.jsonl");
        long last = 0;
        try (KafkaProducer<String, String> producer = producer(bootstrap)) {
            int p = 0;
            int l = 0;
            while (p < predictions.size() || l < labels.size()) {
                boolean takePrediction = l >= labels.size() || (p < predictions.size()
                        && ts(predictions.get(p)) <= ts(labels.get(l)));
                String line = takePrediction ? predictions.get(p++) : labels.get(l++);
                JsonNode event = GoldenResources.parse(line);
                last = Math.max(last, GoldenResources.timestamp(event));
                producer.send(new ProducerRecord<>(takePrediction ? "predictions" : "labels",
                        event.get("prediction_id").asText(), line));
            }
            producer.flush();
        }
        return last;
    }

    /** Clock events (see {@link io.modelwatch.ClockEvents}), into every partition, to move event time past the last window. */
    private static void advanceEveryPartition(String bootstrap, long ts) {
        try (KafkaProducer<String, String> producer = producer(bootstrap)) {
            for (String id : io.modelwatch.ClockEvents.ids(PARTITIONS, PARTITIONS)) {
                producer.send(new ProducerRecord<>("predictions", id, io.modelwatch.ClockEvents.prediction(id, ts)));
                producer.send(new ProducerRecord<>("labels", id, io.modelwatch.ClockEvents.label(id, ts)));
            }
        }
    }

    private static long ts(String line) {
        return GoldenResources.timestamp(GoldenResources.parse(line));
    }

    private static KafkaProducer<String, String> producer(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }

    private static int countFinals(String bootstrap, int atLeast, Duration timeout) {
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        c.put(ConsumerConfig.GROUP_ID_CONFIG, "multi-instance-it-reader");
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        TreeSet<String> finals = new TreeSet<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c, new StringDeserializer(),
                new StringDeserializer())) {
            consumer.subscribe(List.of("model-metrics"));
            while (finals.size() < atLeast && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(500)).forEach(r -> {
                    if (GoldenResources.parse(r.value()).get("final").asBoolean()) {
                        finals.add(r.key());
                    }
                });
            }
        }
        return finals.size();
    }
}
