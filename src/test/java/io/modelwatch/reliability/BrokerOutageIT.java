package io.modelwatch.reliability;

import static io.modelwatch.reliability.GoldenKafka.log;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelwatch.config.ModelwatchConfig;
import io.modelwatch.embedded.EmbeddedKafkaCluster;
import io.modelwatch.service.ModelwatchService;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole cluster goes away and comes back: a one-node cluster whose node is stopped while predictions keep
 * coming, then restarted on its own data. Kafka Streams stays RUNNING through it (so {@code /ready} stays 200,
 * on purpose: README, "Failure behaviour"); what tells the outage on {@code /metrics} is the age of each stream
 * thread's last heartbeat to its group coordinator, {@code kafka_consumer_coordinator_last_heartbeat_seconds_ago}
 * (the alert rule ModelwatchKafkaUnreachable). It must grow while the broker is away and fall back once it is
 * back, and records must flow again. Prints an {@code OUTAGE} line with the times measured (nothing asserted on
 * them): {@code -Doutage.seconds=N} keeps the broker away at least N s, {@code -Doutage.kafka.properties=k=v,...}
 * adds Kafka properties (e.g. {@code reconnect.backoff.max.ms=1000}, Kafka's default, to compare).
 */
class BrokerOutageIT {

    private static final String APP_ID = "modelwatch-broker-outage-it";
    private static final String HEARTBEAT_AGE = "kafka_consumer_coordinator_last_heartbeat_seconds_ago";
    /** Heartbeats come every 3 s (heartbeat.interval.ms) while the coordinator answers. */
    private static final double AWAY = 15;
    private static final double BACK = 10;

    @Test
    void aBrokerOutageShowsOnMetricsAndRecordsFlowAgainWhenTheBrokerIsBack(@TempDir Path dir) throws Exception {
        long minOutageMs = TimeUnit.SECONDS.toMillis(Integer.getInteger("outage.seconds", 0));
        String extra = System.getProperty("outage.kafka.properties", "");
        try (EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.start(1);
             KafkaProducer<byte[], byte[]> producer = GoldenKafka.producer(kafka.bootstrapServers())) {
            kafka.createTopic(GoldenKafka.PREDICTIONS, 2, 1);
            kafka.createTopic(GoldenKafka.LABELS, 2, 1);
            Map<String, String> env = io.modelwatch.GoldenResources.serviceEnv(kafka.bootstrapServers(), APP_ID,
                    dir.resolve("state"), 2);
            for (String kv : extra.split(",")) {
                if (!kv.isBlank()) {
                    String[] p = kv.split("=", 2);
                    env.put(ModelwatchConfig.kafkaPropertyEnvName(p[0].trim()), p[1].trim());
                }
            }
            AtomicBoolean feeding = new AtomicBoolean(true);
            Thread feeder = new Thread(() -> feed(producer, feeding), "outage-feeder");
            feeder.setDaemon(true);
            try (ModelwatchService service = new ModelwatchService(ModelwatchConfig.load(null, env)).start()) {
                assertTrue(service.awaitRunning(Duration.ofSeconds(60)), "service did not reach RUNNING");
                feeder.start();
                await("records processed", Duration.ofSeconds(60), () -> service.counters().ingest().predictions() > 0);
                // -1 until the first heartbeat, sent 3 s after the group is joined
                await("a heartbeat", Duration.ofSeconds(30), () -> heartbeatAge(service) >= 0
                        && heartbeatAge(service) <= BACK);
                log("running, heartbeat age %.0f s", heartbeatAge(service));

                kafka.stopBroker(0);
                long stopped = System.nanoTime();
                log("broker stopped");
                await("the heartbeat age to pass " + AWAY + " s", Duration.ofMinutes(2),
                        () -> heartbeatAge(service) >= AWAY);
                double flipped = since(stopped);
                log("heartbeat age %.0f s, %.1f s after the stop", heartbeatAge(service), flipped);
                assertEquals(200, get(service, "/ready").statusCode(),
                        "/ready stays 200 through a broker outage (Kafka Streams RUNNING)");
                GoldenKafka.sleep(Math.max(0, minOutageMs - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stopped)));
                long processedBefore = service.counters().ingest().predictions();

                long restarting = System.nanoTime();
                double down = since(stopped);
                kafka.restartBroker(0);
                long back = System.nanoTime();
                log("broker back (unfenced) %.1f s after the stop, its start took %.1f s", since(stopped),
                        since(restarting));
                try (Admin admin = GoldenKafka.admin(kafka.bootstrapServers())) {
                    // what the broker held when it came back (predictions the feeder's producer still had buffered
                    // may be among it): records flow again once the monitor commits past it
                    long endAtReturn = endOffsets(admin);
                    double processed = Double.NaN;
                    double heartbeat = Double.NaN;
                    double committed = Double.NaN;
                    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
                    while (Double.isNaN(processed) || Double.isNaN(heartbeat) || Double.isNaN(committed)) {
                        assertTrue(System.nanoTime() < deadline, "3 minutes after the broker's return: first record "
                                + "processed " + processed + " s, heartbeat age " + heartbeatAge(service)
                                + " s, committed " + committed(admin) + " of " + endAtReturn);
                        if (Double.isNaN(processed) && service.counters().ingest().predictions() > processedBefore) {
                            processed = since(back);
                        }
                        double age = heartbeatAge(service);
                        if (Double.isNaN(heartbeat) && age >= 0 && age <= BACK) {
                            heartbeat = since(back);
                        }
                        if (Double.isNaN(committed) && committed(admin) > endAtReturn) {
                            committed = since(back);
                        }
                        GoldenKafka.sleep(100);
                    }
                    log("OUTAGE broker away %.1f s, kafka.properties [%s]: heartbeat age >= %.0f s %.1f s after the "
                            + "stop; after the broker's return (unfenced; its start took %.1f s): first record "
                            + "processed %.1f s, heartbeat age <= %.0f s %.1f s, records written after the return "
                            + "committed %.1f s", down, extra, AWAY, flipped, (back - restarting) / 1e9, processed,
                            BACK, heartbeat, committed);
                }
            } finally {
                feeding.set(false);
                feeder.join(10_000);
            }
            assertEquals(List.of(), kafka.fatalFaults(), "no broker hit a fatal fault");
        }
    }

    /** A prediction every 50 ms; sends fail while the broker is away and are dropped. */
    private static void feed(KafkaProducer<byte[], byte[]> producer, AtomicBoolean feeding) {
        long n = 0;
        while (feeding.get()) {
            String id = "p-" + n++;
            String json = "{\"prediction_id\":\"" + id + "\",\"model_id\":\"m\",\"model_version\":\"v1\",\"timestamp\":"
                    + System.currentTimeMillis() + ",\"predicted\":\"1\",\"scores\":{\"0\":0.3,\"1\":0.7}}";
            try {
                producer.send(new ProducerRecord<>(GoldenKafka.PREDICTIONS, id.getBytes(StandardCharsets.UTF_8),
                        json.getBytes(StandardCharsets.UTF_8)));
            } catch (RuntimeException e) {
                // the broker is away: the send timed out
            }
            GoldenKafka.sleep(50);
        }
    }

    /** As the alert rule reads it: the least of the instance's stream threads' heartbeat ages on /metrics. */
    private static double heartbeatAge(ModelwatchService service) {
        double min = Double.NaN;
        for (String line : get(service, "/metrics").body().split("\n")) {
            if (line.startsWith(HEARTBEAT_AGE + "{")) {
                double v = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                min = Double.isNaN(min) ? v : Math.min(min, v);
            }
        }
        return min;
    }

    private static HttpResponse<String> get(ModelwatchService service, String path) {
        try {
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(service.url() + path))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The application's committed offsets on the predictions topic, summed. */
    private static long committed(Admin admin) {
        try {
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(APP_ID)
                    .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
            return offsets.entrySet().stream().filter(e -> e.getKey().topic().equals(GoldenKafka.PREDICTIONS)
                    && e.getValue() != null).mapToLong(e -> e.getValue().offset()).sum();
        } catch (Exception e) {
            return -1; // asked again
        }
    }

    /** The predictions topic's end offsets, summed; asked again until the broker answers. */
    private static long endOffsets(Admin admin) {
        while (true) {
            try {
                Map<TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> latest = new java.util.HashMap<>();
                for (int p = 0; p < 2; p++) {
                    latest.put(new TopicPartition(GoldenKafka.PREDICTIONS, p),
                            org.apache.kafka.clients.admin.OffsetSpec.latest());
                }
                return admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS).values().stream()
                        .mapToLong(org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo::offset).sum();
            } catch (Exception e) {
                GoldenKafka.sleep(100);
            }
        }
    }

    private static double since(long nanos) {
        return (System.nanoTime() - nanos) / 1e9;
    }

    private static void await(String what, Duration timeout, BooleanSupplier done) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + ": not within " + timeout);
            }
            GoldenKafka.sleep(100);
        }
    }
}
