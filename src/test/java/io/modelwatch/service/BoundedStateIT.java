package io.modelwatch.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.modelwatch.embedded.EmbeddedKafkaCluster;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bounded state: two million predictions wait for labels in {@code join-pending} while the service
 * runs in its own JVM capped at {@code -Xmx256m} (and {@code -XX:+ExitOnOutOfMemoryError}, so an
 * out-of-memory anywhere ends the process and fails the test). The pending entries live in RocksDB,
 * off-heap and bounded by {@link BoundedRocksDbConfig}; the heap is read from the service's own
 * {@code /metrics} during the whole run. Then event time moves past the windows' close on every
 * partition and the expiry punctuators delete every entry: {@code modelwatch_join_expired_total}
 * reaches the number of predictions and RocksDB's estimate of the keys in {@code join-pending}
 * drops to about zero.
 *
 * <p>System properties {@code boundedstate.predictions} and {@code boundedstate.partitions} change
 * the volume (for a quick local run), {@code boundedstate.timeout-minutes} each wait (default 10);
 * the defaults are what the issue asks for. Measured on a 2-core machine (2026-12-02, expiry by the
 * scan of the pending store): 91 s in all (2M through the join in 69 s, expiry 19 s), heap at most
 * 183 MB used; with the former expiry index, under heavy load, 529 s (expiry 195 s).
 */
class BoundedStateIT {

    private static final int PREDICTIONS = Integer.getInteger("boundedstate.predictions", 2_000_000);
    private static final int PARTITIONS = Integer.getInteger("boundedstate.partitions", 4);
    private static final long HEAP_CAP = 256L << 20;
    private static final String[] MODELS = {"fraud", "churn", "spam", "ctr"};
    /** All predictions fall in one one-hour window; labels may come six hours later. */
    private static final long T0 = Instant.parse("2024-01-01T00:00:00Z").toEpochMilli();
    private static final Duration WINDOW = Duration.ofHours(1);
    private static final Duration MAX_LABEL_DELAY = Duration.ofHours(6);
    private static final Duration PROCESS_TIMEOUT = Duration.ofMinutes(Integer.getInteger("boundedstate.timeout-minutes", 10));

    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{([^}]*)\\})?\\s+(\\S+)");

    @Test
    void twoMillionPendingPredictionsFitA256MbHeapAndExpire(@TempDir Path dir) throws Exception {
        long t0 = System.nanoTime();
        try (EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.start(1)) {
            kafka.createTopic("predictions", PARTITIONS, 1);
            kafka.createTopic("labels", PARTITIONS, 1);
            int port = freePort();
            Process service = startService(kafka.bootstrapServers(), dir, port);
            Sampler sampler = new Sampler(service, "http://127.0.0.1:" + port + "/metrics");
            System.out.println("BoundedStateIT: service pid " + service.pid() + " at http://127.0.0.1:" + port);
            Thread sampling = new Thread(sampler, "bounded-state-sampler");
            sampling.setDaemon(true);
            sampling.start();
            try {
                long p0 = System.nanoTime();
                producePredictions(kafka.bootstrapServers());
                double produceSeconds = seconds(p0);
                System.out.printf("BoundedStateIT: produced %,d predictions in %.1f s%n", PREDICTIONS, produceSeconds);

                // every prediction went through the join into the open window's aggregate, none labelled
                Metrics pending = sampler.await("all predictions counted in the open window",
                        m -> m.sum("modelwatch_model_predictions", Map.of()) >= PREDICTIONS, PROCESS_TIMEOUT);
                double processedAt = seconds(t0);
                assertEquals(PREDICTIONS, (long) pending.sum("modelwatch_model_predictions", Map.of()),
                        "distinct predictions in the window");
                assertEquals(0, (long) pending.sum("modelwatch_join_expired_total", Map.of()), "nothing expired yet");
                assertEquals(0, (long) pending.sum("modelwatch_join_late_total", Map.of()), "nothing late");
                // RocksDB's estimate is approximate; the entries are there, one per prediction
                Metrics keys = sampler.await("join-pending holds the predictions",
                        m -> pendingKeys(m) >= 0.9 * PREDICTIONS, Duration.ofSeconds(60));
                long pendingKeys = pendingKeys(keys);
                // the join's own count is exact: one entry per prediction id (published once a second)
                Metrics counted = sampler.await("the join counts one pending entry per prediction",
                        m -> m.sum("modelwatch_join_pending_entries", Map.of()) == PREDICTIONS, Duration.ofSeconds(30));
                assertEquals(PREDICTIONS, (long) counted.sum("modelwatch_join_pending_entries", Map.of()));
                System.out.printf("BoundedStateIT: %,d predictions pending after %.1f s; join-pending estimate-num-keys"
                        + " %,d%n", PREDICTIONS, processedAt, pendingKeys);

                // event time past every window's close on every partition: the punctuators expire everything
                long e0 = System.nanoTime();
                advanceEveryPartition(kafka.bootstrapServers(), T0 + WINDOW.toMillis() + MAX_LABEL_DELAY.toMillis()
                        + Duration.ofHours(1).toMillis());
                Metrics expired = sampler.await("every pending prediction expired",
                        m -> m.sum("modelwatch_join_expired_total", Map.of()) >= PREDICTIONS, PROCESS_TIMEOUT);
                Metrics freed = sampler.await("join-pending is empty (RocksDB estimate)",
                        m -> pendingKeys(m) <= PREDICTIONS / 1000, Duration.ofSeconds(60));
                double expirySeconds = seconds(e0);
                // what is left: the clock events' entries, one per partition, their window still open
                Metrics left = sampler.await("the join counts only the clock events' entries",
                        m -> m.sum("modelwatch_join_pending_entries", Map.of()) == PARTITIONS, Duration.ofSeconds(30));
                assertEquals(PARTITIONS, (long) left.sum("modelwatch_join_pending_entries", Map.of()));
                // a little more processing after the expiry, still under the cap
                Thread.sleep(2_000);
                sampler.stop();
                sampling.join(10_000);
                assertTrue(service.isAlive(), "the service is still running (no OutOfMemoryError): " + tail(dir));

                long expiredCount = (long) expired.sum("modelwatch_join_expired_total", Map.of());
                System.out.printf("BoundedStateIT: expired %,d entries in %.1f s; join-pending estimate-num-keys %,d"
                        + " -> %,d%n", expiredCount, expirySeconds, pendingKeys, pendingKeys(freed));
                System.out.printf("BoundedStateIT: service heap: max used %.1f MB of a %.0f MB cap, max after GC"
                        + " (live data) %.1f MB, max old gen %.1f MB; RocksDB block cache max %.1f MB, memtables max"
                        + " %.1f MB; process RSS max %.1f MB; %d samples; total %.1f s%n",
                        mb(sampler.maxHeapUsed), mb(sampler.heapMax), mb(sampler.maxLiveData), mb(sampler.maxOldGen),
                        mb(sampler.maxBlockCache), mb(sampler.maxMemTables), mb(sampler.maxRss), sampler.samples,
                        seconds(t0));

                assertTrue(expiredCount >= PREDICTIONS, "every pending prediction expired: " + expiredCount);
                assertTrue(sampler.samples >= 5, "heap sampled through the run: " + sampler.samples);
                assertTrue(sampler.heapMax > 0 && sampler.heapMax <= HEAP_CAP,
                        "the service runs with a heap cap of 256 MB: " + sampler.heapMax);
                assertTrue(sampler.maxHeapUsed < HEAP_CAP, "heap stays below 256 MB: " + sampler.maxHeapUsed);
                // the shared cache bounds RocksDB: its usage never exceeds the configured 64 MiB by much
                assertTrue(sampler.maxBlockCache <= 1.1 * BoundedRocksDbConfig.DEFAULT_BLOCK_CACHE_BYTES,
                        "RocksDB block cache (memtables included) bounded: " + sampler.maxBlockCache);
            } catch (AssertionError | Exception e) {
                System.out.println("BoundedStateIT: service log tail:\n" + tail(dir));
                throw e;
            } finally {
                sampler.stop();
                stop(service);
                String keep = System.getProperty("boundedstate.keep-log");
                if (keep != null && Files.exists(dir.resolve("service.log"))) {
                    Files.copy(dir.resolve("service.log"), Path.of(keep), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    /** The service as operators run it, in its own JVM with a 256 MB heap; configured by environment only. */
    private static Process startService(String bootstrap, Path dir, int port) throws IOException {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-Xmx256m", "-XX:+ExitOnOutOfMemoryError"));
        String extra = System.getProperty("boundedstate.jvm-args", "");
        if (!extra.isBlank()) {
            command.addAll(List.of(extra.trim().split("\\s+")));
        }
        command.addAll(List.of("-cp", classpath, "io.modelwatch.cli.Main", "run"));
        ProcessBuilder pb = new ProcessBuilder(command);
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("MODELWATCH_"));
        env.put("MODELWATCH_KAFKA_BOOTSTRAP_SERVERS", bootstrap);
        env.put("MODELWATCH_APPLICATION_ID", "modelwatch-bounded-state-it");
        env.put("MODELWATCH_STATE_DIR", dir.resolve("state").toString());
        env.put("MODELWATCH_WINDOW", WINDOW.toString());
        env.put("MODELWATCH_MAX_LABEL_DELAY", MAX_LABEL_DELAY.toString());
        env.put("MODELWATCH_UPDATE_INTERVAL", "PT2S");
        env.put("MODELWATCH_TOPICS_PARTITIONS", Integer.toString(PARTITIONS));
        env.put("MODELWATCH_HTTP_PORT", Integer.toString(port));
        // extra settings for local experiments: boundedstate.env=KEY=VALUE,KEY=VALUE
        for (String kv : System.getProperty("boundedstate.env", "").split(",")) {
            int eq = kv.indexOf('=');
            if (eq > 0) {
                env.put(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
            }
        }
        pb.redirectErrorStream(true);
        pb.redirectOutput(dir.resolve("service.log").toFile());
        return pb.start();
    }

    private static void stop(Process service) throws InterruptedException {
        if (service.isAlive()) {
            service.destroy(); // SIGTERM: the service closes cleanly
            if (!service.waitFor(40, java.util.concurrent.TimeUnit.SECONDS)) {
                service.destroyForcibly().waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
            }
        }
    }

    /**
     * Small binary-model predictions keyed by prediction id, event time rising through one window
     * (so every partition's stream time stays below the close: nothing is late, nothing expires).
     */
    private static void producePredictions(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "1");
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 64L << 20);
        AtomicReference<Exception> failed = new AtomicReference<>();
        long span = WINDOW.toMillis() - 1;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            StringBuilder sb = new StringBuilder(160);
            for (int i = 0; i < PREDICTIONS; i++) {
                String id = "p" + i;
                long ts = T0 + span * i / PREDICTIONS;
                int p1 = 1 + i % 98; // score of class "1" in hundredths: few distinct scores, rows sum to 1
                sb.setLength(0);
                sb.append("{\"prediction_id\":\"").append(id).append("\",\"model_id\":\"")
                        .append(MODELS[i % MODELS.length]).append("\",\"model_version\":\"v1\",\"timestamp\":")
                        .append(ts).append(",\"predicted\":\"").append(p1 >= 50 ? '1' : '0')
                        .append("\",\"scores\":{\"0\":0.").append(hundredths(100 - p1)).append(",\"1\":0.")
                        .append(hundredths(p1)).append("}}");
                // record timestamps stay wall-clock (the event time is in the JSON): input topics keep them
                producer.send(new ProducerRecord<>("predictions", id.getBytes(StandardCharsets.UTF_8),
                        sb.toString().getBytes(StandardCharsets.UTF_8)), (md, e) -> {
                            if (e != null) {
                                failed.compareAndSet(null, e);
                            }
                        });
            }
            producer.flush();
        }
        if (failed.get() != null) {
            throw new IllegalStateException("producing predictions failed", failed.get());
        }
    }

    private static String hundredths(int n) {
        return n < 10 ? "0" + n : Integer.toString(n);
    }

    /** Clock events (see {@link io.modelwatch.ClockEvents}), into every partition, to move event time past the last window. */
    private static void advanceEveryPartition(String bootstrap, long ts) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (String id : io.modelwatch.ClockEvents.ids(PARTITIONS, PARTITIONS)) {
                byte[] key = id.getBytes(StandardCharsets.UTF_8);
                producer.send(new ProducerRecord<>("predictions", key,
                        io.modelwatch.ClockEvents.prediction(id, ts).getBytes(StandardCharsets.UTF_8)));
                producer.send(new ProducerRecord<>("labels", key,
                        io.modelwatch.ClockEvents.label(id, ts).getBytes(StandardCharsets.UTF_8)));
            }
        }
    }

    /** RocksDB's estimate of the keys in join-pending, summed over the tasks. */
    private static long pendingKeys(Metrics m) {
        return (long) m.sum("kafka_stream_state_estimate_num_keys", Map.of("rocksdb_state_id", "join-pending"));
    }

    /** One scrape of the Prometheus text exposition: samples by name with their labels. */
    record Metrics(List<Sample> samples) {
        record Sample(String name, Map<String, String> labels, double value) {
        }

        static Metrics parse(String text) {
            List<Sample> out = new ArrayList<>();
            for (String line : text.split("\n")) {
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                Matcher m = SAMPLE.matcher(line);
                if (!m.find()) {
                    continue;
                }
                Map<String, String> labels = new HashMap<>();
                if (m.group(3) != null) {
                    Matcher l = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(m.group(3));
                    while (l.find()) {
                        labels.put(l.group(1), l.group(2));
                    }
                }
                double v;
                try {
                    v = Double.parseDouble(m.group(4));
                } catch (NumberFormatException e) {
                    continue;
                }
                out.add(new Sample(m.group(1), labels, v));
            }
            return new Metrics(out);
        }

        /** Sum of the (non-NaN) samples of {@code name} whose labels include {@code match}. */
        double sum(String name, Map<String, String> match) {
            return samples.stream().filter(s -> s.name.equals(name) && s.labels.entrySet().containsAll(match.entrySet()))
                    .mapToDouble(Sample::value).filter(v -> !Double.isNaN(v)).sum();
        }

        double max(String name, Map<String, String> match) {
            return samples.stream().filter(s -> s.name.equals(name) && s.labels.entrySet().containsAll(match.entrySet()))
                    .mapToDouble(Sample::value).filter(v -> !Double.isNaN(v)).max().orElse(0);
        }
    }

    /** Scrapes the service's /metrics every 3 s and keeps the maxima. */
    static final class Sampler implements Runnable {
        private final Process process;
        private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        private final HttpRequest request;
        private volatile boolean running = true;
        private volatile Metrics latest;
        volatile long samples;
        volatile double maxHeapUsed;
        volatile double heapMax;
        volatile double maxLiveData;
        volatile double maxOldGen;
        volatile double maxBlockCache;
        volatile double maxMemTables;
        volatile double maxRss;

        Sampler(Process process, String url) {
            this.process = process;
            this.request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60)).GET().build();
        }

        @Override
        public void run() {
            while (running && process.isAlive()) {
                try {
                    HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() == 200) {
                        Metrics m = Metrics.parse(r.body());
                        Map<String, String> heap = Map.of("area", "heap");
                        maxHeapUsed = Math.max(maxHeapUsed, m.sum("jvm_memory_used_bytes", heap));
                        double cap = m.sum("jvm_memory_max_bytes", heap);
                        heapMax = Math.max(heapMax, Math.max(cap, Math.max(
                                m.max("jvm_memory_max_bytes", Map.of("id", "G1 Old Gen")), 0)));
                        maxLiveData = Math.max(maxLiveData, m.max("jvm_gc_live_data_size_bytes", Map.of()));
                        maxOldGen = Math.max(maxOldGen, m.max("jvm_memory_used_bytes", Map.of("id", "G1 Old Gen")));
                        // the cache is shared: every store reports the same usage
                        maxBlockCache = Math.max(maxBlockCache, m.max("kafka_stream_state_block_cache_usage", Map.of()));
                        maxMemTables = Math.max(maxMemTables, m.sum("kafka_stream_state_size_all_mem_tables", Map.of()));
                        maxRss = Math.max(maxRss, rss(process.pid()));
                        latest = m;
                        if (samples++ % 5 == 0) {
                            System.out.printf("BoundedStateIT: [%tT] accepted %,.0f, in windows %,.0f, expired %,.0f, heap"
                                    + " %.0f MB, old gen %.0f MB, block cache %.0f MB%n", System.currentTimeMillis(),
                                    m.sum("modelwatch_ingest_accepted_total", Map.of("kind", "prediction")),
                                    m.sum("modelwatch_model_predictions", Map.of()),
                                    m.sum("modelwatch_join_expired_total", Map.of()),
                                    mb(m.sum("jvm_memory_used_bytes", heap)),
                                    mb(m.max("jvm_memory_used_bytes", Map.of("id", "G1 Old Gen"))),
                                    mb(m.max("kafka_stream_state_block_cache_usage", Map.of())));
                        }
                    }
                } catch (IOException e) {
                    // not serving yet
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                try {
                    Thread.sleep(3000); // a scrape of every Kafka client metric costs the service CPU
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        void stop() {
            running = false;
        }

        Metrics await(String what, Predicate<Metrics> condition, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    fail("the service process ended (exit code " + process.exitValue() + ") while waiting until " + what);
                }
                Metrics m = latest;
                if (m != null && condition.test(m)) {
                    return m;
                }
                Thread.sleep(200);
            }
            Metrics m = latest;
            fail("timed out after " + timeout + " waiting until " + what + "; predictions counted "
                    + (m == null ? "-" : m.sum("modelwatch_model_predictions", Map.of())) + ", expired "
                    + (m == null ? "-" : m.sum("modelwatch_join_expired_total", Map.of())) + ", join-pending keys "
                    + (m == null ? "-" : pendingKeys(m)) + " (estimate), "
                    + (m == null ? "-" : m.sum("modelwatch_join_pending_entries", Map.of())) + " (exact)");
            return null;
        }

        private static double rss(long pid) {
            try {
                for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                    if (line.startsWith("VmRSS:")) {
                        return Double.parseDouble(line.replaceAll("[^0-9]", "")) * 1024;
                    }
                }
            } catch (IOException | RuntimeException e) {
                // not Linux, or the process is gone
            }
            return 0;
        }
    }

    private static String tail(Path dir) {
        try {
            List<String> lines = Files.readAllLines(dir.resolve("service.log"), StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
        } catch (IOException | RuntimeException e) {
            return "(no service log: " + e + ")";
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    private static double mb(double bytes) {
        return bytes / (1 << 20);
    }
}
