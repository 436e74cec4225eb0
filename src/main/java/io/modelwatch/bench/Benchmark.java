package io.modelwatch.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelwatch.config.ModelwatchConfig;
import io.modelwatch.embedded.EmbeddedKafkaCluster;
import io.modelwatch.service.ModelwatchService;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;

/**
 * {@code modelwatch bench}: how close the monitor comes to the broker's and the framework's limits on
 * this machine. One in-process broker; phases: produce the input, (a) a plain consumer reads it, (b) a
 * windowed count (the floor), (c) the modelwatch topology from offset zero until every window's final
 * record is readable, per guarantee, (d) label-to-metric latency at half the measured rate, (e) heap and
 * RocksDB memory. Prints a summary and a final {@code RESULT} line.
 */
public final class Benchmark {

    /** What to run; see {@code cli.BenchCommand} for the meaning and defaults. */
    public record Options(long predictions, double labelled, int partitions, int models, int classes, int threads,
                          List<String> guarantees, Duration window, Duration maxLabelDelay, int windows,
                          Duration updateInterval, boolean latency, boolean floorLatency, Duration latencyWindow,
                          Duration latencyUpdateInterval, Duration latencyCommitInterval,
                          Duration latencyDuration, Duration latencyWarmup,
                          double latencyRate, long seed, Duration timeout, Map<String, String> streamsProperties,
                          Map<String, String> config, boolean references, int warmups, int runs) {
    }

    /** The middle value (the lower middle of an even count). */
    static double median(double[] values) {
        double[] sorted = values.clone();
        java.util.Arrays.sort(sorted);
        return sorted[(sorted.length - 1) / 2];
    }

    /** The join's lookups by result, with the filter's false positives among the ids the store did not hold. */
    static String describeLookups(io.modelwatch.join.JoinCounters join) {
        long ruledOut = join.lookupsRuledOut();
        long found = join.lookupsFound();
        long absent = join.lookupsAbsent();
        long all = Math.max(1, ruledOut + found + absent);
        return String.format(Locale.ROOT, "%d, ruled out by the filter %.1f%%, found %.1f%%, absent %.1f%% "
                        + "(false positives: %.2f%% of the ids not held)", ruledOut + found + absent,
                100.0 * ruledOut / all, 100.0 * found / all, 100.0 * absent / all,
                100.0 * absent / Math.max(1, ruledOut + absent));
    }

    /** One run of the full topology. */
    record TopologyRun(String guarantee, long inputRecords, double seconds, double startupSeconds, long pairs,
                       long finals, long expectedFinals, long mismatches, long latePredictions, long lateLabels,
                       long peakHeapMb, long peakLiveMb, long peakRocksDbMb, Map<String, Long> written,
                       long midRunLiveMb, double cpuSeconds, String threadCpu, long peakPendingEntries,
                       String lookups) {
        double recordsPerSecond() {
            return inputRecords / seconds;
        }

        double pairsPerSecond() {
            return pairs / seconds;
        }

        /** CPU of the whole JVM (app, broker, bench) per input record, in microseconds. */
        double cpuMicrosPerRecord() {
            return cpuSeconds * 1e6 / inputRecords;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Options o;
    private final PrintStream out;

    public Benchmark(Options options, PrintStream out) {
        this.o = options;
        this.out = out;
    }

    public int run() throws Exception {
        long benchStart = System.nanoTime();
        CpuYardstick.shared(); // compiled and steady by the first measured phase
        List<Events.Model> models = Events.models(o.models(), o.classes());
        out.printf(Locale.ROOT, "modelwatch bench: %d predictions (%.0f%% labelled), %d models %s, %d partitions, "
                        + "%d stream threads, guarantees %s; %d CPUs, max heap %d MB%n", o.predictions(),
                o.labelled() * 100, models.size(), models.stream().map(m -> m.id() + "/" + m.classes().length).toList(),
                o.partitions(), o.threads(), o.guarantees(), Runtime.getRuntime().availableProcessors(),
                Runtime.getRuntime().maxMemory() / (1024 * 1024));
        out.printf(Locale.ROOT, "JVM %s, options %s; transparent huge pages: %s; %s%n",
                System.getProperty("java.vm.version"), ManagementFactory.getRuntimeMXBean().getInputArguments(),
                transparentHugePages(), keepHeapThroughFullGcs());
        try (EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.start(1);
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            String bootstrap = kafka.bootstrapServers();
            kafka.createTopic("predictions", o.partitions(), 1);
            kafka.createTopic("labels", o.partitions(), 1);
            List<String> inputs = List.of("predictions", "labels");

            Workload.Produced produced = Workload.produce(bootstrap, "predictions", "labels", o.partitions(),
                    o.predictions(), o.labelled(), models, o.window().toMillis(), o.maxLabelDelay().toMillis(),
                    o.windows(), o.seed());
            long total = produced.records();
            out.printf(Locale.ROOT, "produced %d records (%d predictions, %d labels, each incl. %d clock events), %.1f MB "
                            + "in %.1f s (%.0f records/s); %d windows of %s, max label delay %s; %d final records "
                            + "expected, %d labelled pairs%n", total, produced.predictionRecords(),
                    produced.labelRecords(), o.partitions(), produced.bytes() / 1048576.0, produced.seconds(),
                    total / produced.seconds(), o.windows(), o.window(), o.maxLabelDelay(),
                    produced.expected().windows.size(), produced.expected().labelled);

            // rounds of (a), (b), (c) interleaved, so that drift of the machine touches all three alike. The
            // warm-up rounds run first and count for nothing: a cold JVM spends a third of its CPU compiling
            // (C2) during a --quick-sized modelwatch phase, and the two apps' code would warm unevenly
            List<Phases.Rate> raws = new ArrayList<>();
            Map<String, List<Phases.Rate>> floors = new HashMap<>();
            Map<String, List<TopologyRun>> runs = new HashMap<>();
            for (int round = 1 - o.warmups(); round <= o.runs(); round++) {
                boolean counted = round >= 1;
                String tag = !counted ? "[warm-up, not counted] "
                        : o.runs() > 1 ? String.format(Locale.ROOT, "[round %d/%d] ", round, o.runs()) : "";
                if (o.references()) {
                    Phases.Rate raw = Phases.plainConsumer(bootstrap, inputs);
                    if (counted) {
                        raws.add(raw);
                    }
                    out.printf(Locale.ROOT, "%s(a) plain consumer: %d records in %.2f s = %.0f records/s, %.1f MB/s%n",
                            tag, raw.records(), raw.seconds(), raw.perSecond(), raw.mbPerSecond());
                }
                for (String g : o.references() ? o.guarantees() : List.<String>of()) {
                    Phases.Rate f = Phases.windowedCount(bootstrap, admin, inputs, total, g, o.threads(), o.window(),
                            o.maxLabelDelay(), o.partitions(), o.timeout());
                    if (counted) {
                        floors.computeIfAbsent(g, k -> new ArrayList<>()).add(f);
                    }
                    out.printf(Locale.ROOT, "%s(b) windowed count, %s: %d records in %.2f s = %.0f records/s "
                            + "(startup %.1f s not counted); CPU %.1f s, %.1f us per input record%n", tag, g,
                            f.records(), f.seconds(), f.perSecond(), f.startupSeconds(), f.cpuSeconds(),
                            f.cpuMicrosPerRecord());
                    out.printf(Locale.ROOT, "    records it wrote to Kafka: %s%n", Phases.describeWritten(f.written(), total));
                    out.printf(Locale.ROOT, "    CPU by thread: %s%n", f.threadCpu());
                }
                for (String g : o.guarantees()) {
                    TopologyRun r = topology(kafka, admin, bootstrap, g, total, produced.expected());
                    if (counted) {
                        runs.computeIfAbsent(g, k -> new ArrayList<>()).add(r);
                    }
                    out.printf(Locale.ROOT, "%s(c) modelwatch, %s: %d records in %.2f s = %.0f records/s, %d labelled "
                                    + "pairs = %.0f pairs/s (startup %.1f s not counted); finals %d/%d, mismatching %d, "
                                    + "late predictions %d, late labels %d; peak heap %d MB, max heap after GC %d MB, "
                                    + "live heap at half the finals (after a full GC) %d MB, RocksDB %s; CPU %.1f s, "
                                    + "%.1f us per input record%n", tag, g, r.inputRecords(), r.seconds(),
                            r.recordsPerSecond(), r.pairs(), r.pairsPerSecond(), r.startupSeconds(), r.finals(),
                            r.expectedFinals(), r.mismatches(), r.latePredictions(), r.lateLabels(), r.peakHeapMb(),
                            r.peakLiveMb(), r.midRunLiveMb(), r.peakRocksDbMb() < 0 ? "n/a" : r.peakRocksDbMb() + " MB",
                            r.cpuSeconds(), r.cpuMicrosPerRecord());
                    out.printf(Locale.ROOT, "    records it wrote to Kafka: %s%n", Phases.describeWritten(r.written(), total));
                    out.printf(Locale.ROOT, "    join-pending entries, all join tasks (modelwatch_join_pending_entries): "
                            + "peak %d%n", r.peakPendingEntries());
                    out.printf(Locale.ROOT, "    join lookups (modelwatch_join_lookups_total): %s%n", r.lookups());
                    out.printf(Locale.ROOT, "    CPU by thread: %s%n", r.threadCpu());
                }
            }

            String main = o.guarantees().get(0);
            List<TopologyRun> mainRuns = runs.get(main);
            // the median round of the main guarantee stands for it (its memory figures too); the ratios are
            // medians of each round's own ratio, so that a slow round slows both sides of its ratio alike
            TopologyRun mw = mainRuns.stream().sorted(java.util.Comparator.comparingDouble(TopologyRun::recordsPerSecond))
                    .toList().get((mainRuns.size() - 1) / 2);
            double rawRate = raws.isEmpty() ? -1 : median(raws.stream().mapToDouble(Phases.Rate::perSecond).toArray());
            List<Phases.Rate> mainFloors = floors.getOrDefault(main, List.of());
            double floorRate = mainFloors.isEmpty() ? -1
                    : median(mainFloors.stream().mapToDouble(Phases.Rate::perSecond).toArray());
            double[] ratioRaw = new double[raws.size()];
            double[] ratioFloor = new double[mainFloors.size()];
            for (int i = 0; i < raws.size(); i++) {
                ratioRaw[i] = mainRuns.get(i).recordsPerSecond() / raws.get(i).perSecond();
            }
            for (int i = 0; i < mainFloors.size(); i++) {
                ratioFloor[i] = mainRuns.get(i).recordsPerSecond() / mainFloors.get(i).perSecond();
            }
            // the count's own ratio to the plain consumer, round by round: what ratio_raw is to be compared with
            double[] floorRatioRaw = new double[Math.min(raws.size(), mainFloors.size())];
            for (int i = 0; i < floorRatioRaw.length; i++) {
                floorRatioRaw[i] = mainFloors.get(i).perSecond() / raws.get(i).perSecond();
            }
            if (o.runs() > 1) {
                out.printf(Locale.ROOT, "medians of %d rounds: modelwatch %.0f records/s, plain consumer %.0f, "
                                + "windowed count %.0f, ratio_raw %.3f (the windowed count's own %.3f), ratio_floor "
                                + "%.3f%n", o.runs(), mw.recordsPerSecond(), rawRate, floorRate,
                        ratioRaw.length == 0 ? -1 : median(ratioRaw),
                        floorRatioRaw.length == 0 ? -1 : median(floorRatioRaw),
                        ratioFloor.length == 0 ? -1 : median(ratioFloor));
            }
            LatencyProbe.Result lat = null;
            double measured = runs.values().stream().flatMap(List::stream)
                    .mapToDouble(TopologyRun::recordsPerSecond).max().orElse(0);
            double rate = o.latencyRate() > 0 ? o.latencyRate()
                    : mw.recordsPerSecond() > 0 ? mw.recordsPerSecond() / 2 : measured / 2;
            if ((o.latency() || o.floorLatency()) && rate <= 0) {
                out.println("(d) latency: skipped, no measured rate to take half of");
            } else if (o.latency()) {
                try {
                    lat = latency(kafka, bootstrap, main, models, rate);
                } catch (RuntimeException e) {
                    out.println("(d) latency: FAILED: " + e);
                }
            }
            if (lat != null) {
                out.printf(Locale.ROOT, "(d) latency, %s, %s windows, update interval %s, commit interval %s ms: "
                                + "target %.0f records/s, "
                                + "achieved %.0f; label append -> metrics record: p50 %.0f ms, p90 %.0f ms, p99 %.0f ms, "
                                + "max %.0f ms (%d samples after %s warm-up, %d never counted, %d metrics records)%n",
                        main, o.latencyWindow(), o.latencyUpdateInterval(), latencyCommitMs(), lat.targetRate(),
                        lat.achievedRate(),
                        lat.p50(), lat.p90(), lat.p99(), lat.max(), lat.samples(), o.latencyWarmup(),
                        lat.unobserved(), lat.updateRecords());
                out.printf(Locale.ROOT, "    p50/p99 ms by %d s of label appends (production from %s): %s%n",
                        LatencyProbe.SLICE_NANOS / 1_000_000_000L, lat.started(), lat.timeline());
                out.printf(Locale.ROOT, "    stream threads' time in the join's expiry scan (s since production "
                        + "started): %s%n", lat.expiryScan());
                if (!lat.loopAroundSlowSlices().isEmpty()) {
                    out.printf(Locale.ROOT, "    stream threads' loop by %d ms around the slices with a p99 over %.0f ms "
                                    + "(s since production started; the two threads together):%n%s",
                            LoopTimeline.STEP_NANOS / 1_000_000, LatencyProbe.SLOW_SLICE_MS, lat.loopAroundSlowSlices());
                }
                if (!lat.stallDumps().isEmpty()) {
                    out.printf(Locale.ROOT, "    threads while the pipeline stood still (s since production started):%n%s",
                            lat.stallDumps());
                }
            }

            if (o.floorLatency() && rate > 0) {
                try {
                    floorLatency(kafka, admin, bootstrap, main, models, rate);
                } catch (Exception e) {
                    out.println("(d) floor latency: FAILED: " + e);
                }
            }

            out.printf(Locale.ROOT, "(e) memory, modelwatch %s: peak heap used %d MB, max heap after GC %d MB, "
                            + "live heap at half the finals %d MB (whole JVM: broker and clients included), "
                            + "RocksDB %s%n", main, mw.peakHeapMb(), mw.peakLiveMb(), mw.midRunLiveMb(),
                    mw.peakRocksDbMb() < 0 ? "n/a" : mw.peakRocksDbMb() + " MB");
            out.printf(Locale.ROOT, "bench took %.0f s%n", (System.nanoTime() - benchStart) / 1e9);
            long heap = mw.midRunLiveMb() >= 0 ? mw.midRunLiveMb()
                    : mw.peakLiveMb() >= 0 ? mw.peakLiveMb() : mw.peakHeapMb();
            out.printf(Locale.ROOT, "RESULT records_per_s=%d raw_records_per_s=%d floor_records_per_s=%d ratio_raw=%.3f "
                            + "ratio_floor=%.3f pairs_per_s=%d p50_ms=%d p99_ms=%d heap_mb=%d%n",
                    Math.round(mw.recordsPerSecond()), Math.round(rawRate), Math.round(floorRate),
                    // -1 when the references were skipped (--no-reference), as p50/p99 without the latency phase
                    ratioRaw.length == 0 ? -1 : median(ratioRaw), ratioFloor.length == 0 ? -1 : median(ratioFloor),
                    Math.round(mw.pairsPerSecond()), lat == null ? -1 : Math.round(lat.p50()),
                    lat == null ? -1 : Math.round(lat.p99()), heap);
        }
        return 0;
    }

    /**
     * The kernel's transparent huge page mode ({@code always}, {@code madvise} or {@code never}, the one in
     * brackets in sysfs), or "unknown". With {@code madvise} the heap gets huge pages only with the JVM option
     * {@code -XX:+UseTransparentHugePages}; runs with and without differ (docs/performance.md, 25th session).
     */
    static String transparentHugePages() {
        try {
            return thpMode(Files.readString(Path.of("/sys/kernel/mm/transparent_hugepage/enabled")));
        } catch (java.io.IOException | RuntimeException e) {
            return "unknown";
        }
    }

    /** The bracketed mode in sysfs' "always [madvise] never", or "unknown". */
    static String thpMode(String sysfs) {
        int open = sysfs.indexOf('[');
        int close = sysfs.indexOf(']', open + 1);
        return open < 0 || close < 0 ? "unknown" : sysfs.substring(open + 1, close);
    }

    private Map<String, String> env(String bootstrap, String guarantee, String run, Path stateDir) {
        Map<String, String> env = new HashMap<>();
        env.put("MODELWATCH_KAFKA_BOOTSTRAP_SERVERS", bootstrap);
        env.put("MODELWATCH_APPLICATION_ID", run);
        env.put("MODELWATCH_STATE_DIR", stateDir.toString());
        env.put("MODELWATCH_PROCESSING_GUARANTEE", guarantee);
        env.put("MODELWATCH_STREAM_THREADS", Integer.toString(o.threads()));
        env.put("MODELWATCH_TOPICS_PARTITIONS", Integer.toString(o.partitions()));
        env.put("MODELWATCH_TOPICS_METRICS", run + "-metrics");
        env.put("MODELWATCH_TOPICS_DEAD_LETTER", run + "-dlq");
        env.put("MODELWATCH_TOPICS_ALERTS", run + "-alerts");
        env.put("MODELWATCH_TOPICS_RULES", run + "-rules");
        env.put("MODELWATCH_HTTP_PORT", "0");
        o.config().forEach((k, v) -> env.put(ModelwatchConfig.envName(k), v));
        o.streamsProperties().forEach((k, v) ->
                env.put(ModelwatchConfig.kafkaPropertyEnvName(k), v));
        return env;
    }

    /** Phase (c): the full topology over the bulk input, until every expected final record is readable. */
    private TopologyRun topology(EmbeddedKafkaCluster kafka, Admin admin, String bootstrap, String guarantee, long total,
                                 Workload.Expected expected)
            throws Exception {
        String run = "bench-mw-" + Phases.shortName(guarantee) + "-" + System.currentTimeMillis();
        Path stateDir = Files.createTempDirectory("bench-mw");
        Map<String, String> env = env(bootstrap, guarantee, run, stateDir);
        env.put("MODELWATCH_TOPICS_PREDICTIONS", "predictions");
        env.put("MODELWATCH_TOPICS_LABELS", "labels");
        env.put("MODELWATCH_WINDOW", o.window().toString());
        env.put("MODELWATCH_MAX_LABEL_DELAY", o.maxLabelDelay().toString());
        env.put("MODELWATCH_UPDATE_INTERVAL", o.updateInterval().toString());
        ModelwatchConfig config = ModelwatchConfig.load(null, env);
        createRunTopics(kafka, run);
        System.gc();
        AtomicReference<KafkaStreams> streamsRef = new AtomicReference<>();
        Map<Workload.WindowKey, long[]> seen = new HashMap<>();
        try (ModelwatchService service = new ModelwatchService(config);
             KafkaConsumer<byte[], byte[]> reader = Phases.committedReader(bootstrap, config.topology().metricsTopic());
             ResourceSampler sampler = new ResourceSampler(streamsRef::get)) {
            streamsRef.set(service.streams());
            long tStart = System.nanoTime();
            service.start();
            long tRunning = Phases.awaitRunning(service.streams(), o.timeout());
            long cpuRunning = Phases.processCpuNanos();
            ThreadCpu threadCpu = ThreadCpu.start();
            Map<String, Double> loopAtStart = StreamLoop.totals(service.streams());
            long deadline = System.nanoTime() + o.timeout().toNanos();
            long tEnd = 0;
            long cpuEnd = 0;
            long midRunLiveMb = -1;
            long peakPending = 0;
            while (seen.size() < expected.windows.size()) {
                peakPending = Math.max(peakPending, service.counters().join().pendingEntries());
                if (midRunLiveMb < 0 && seen.size() >= expected.windows.size() / 2) {
                    midRunLiveMb = liveHeapMb();
                }
                if (System.nanoTime() > deadline || service.streams().state() == KafkaStreams.State.ERROR) {
                    out.printf(Locale.ROOT, "    modelwatch %s: gave up after %s with %d of %d final records (state %s)%n",
                            guarantee, o.timeout(), seen.size(), expected.windows.size(), service.streams().state());
                    break;
                }
                for (ConsumerRecord<byte[], byte[]> r : reader.poll(Duration.ofMillis(50))) {
                    JsonNode n = JSON.readTree(r.value());
                    if (!n.path("final").asBoolean() || n.has("rolling") || n.has("slice")) {
                        continue;
                    }
                    seen.put(new Workload.WindowKey(n.get("model_id").asText(), n.get("model_version").asText(),
                            n.get("window_start").asLong()), new long[] {n.get("predictions").asLong(),
                                n.get("labeled").asLong()});
                    tEnd = System.nanoTime();
                    cpuEnd = Phases.processCpuNanos();
                }
            }
            if (tEnd == 0) {
                tEnd = System.nanoTime();
                cpuEnd = Phases.processCpuNanos();
            }
            if (midRunLiveMb < 0 && !seen.isEmpty()) {
                // the second half of the finals came in one poll: take the live set now, the app still running
                midRunLiveMb = liveHeapMb();
            }
            long pairs = 0;
            long mismatches = 0;
            for (var e : expected.windows.entrySet()) {
                long[] got = seen.get(e.getKey());
                if (got == null || got[0] != e.getValue()[0] || got[1] != e.getValue()[1]) {
                    mismatches++;
                }
                if (got != null) {
                    pairs += got[1];
                }
            }
            var join = service.counters().join();
            long inputRecords = total;
            if (seen.size() < expected.windows.size()) {
                // did not finish: finals come out in window order, so the share of predictions in the windows
                // closed so far estimates the share of the input that went all the way through
                long closedPredictions = 0;
                for (long[] v : seen.values()) {
                    closedPredictions += v[0];
                }
                tEnd = System.nanoTime();
                cpuEnd = Phases.processCpuNanos();
                inputRecords = Math.round((double) total * closedPredictions / expected.predictions);
                out.printf(Locale.ROOT, "    modelwatch %s DID NOT FINISH: rate estimated from the closed windows "
                        + "(%d of %d predictions)%n", guarantee, closedPredictions, expected.predictions);
            }
            TopologyRun r = new TopologyRun(guarantee, inputRecords, (tEnd - tRunning) / 1e9, (tRunning - tStart) / 1e9,
                    pairs, seen.size(), expected.windows.size(), mismatches, join.latePredictions(), join.lateLabels(),
                    sampler.peakHeapUsedMb(), sampler.peakLiveMb(), sampler.peakRocksDbMb(),
                    Phases.written(admin, run), midRunLiveMb, (cpuEnd - cpuRunning) / 1e9,
                    threadCpu.describeSinceStart(inputRecords) + "; stream threads' loop: "
                            + StreamLoop.describe(loopAtStart, service.streams(), (System.nanoTime() - tRunning) / 1e9),
                    peakPending, describeLookups(join));
            streamsRef.set(null);
            return r;
        } finally {
            Utils.delete(stateDir.toFile());
            Phases.deleteTopics(admin, run);
        }
    }

    /** The latency phase's commit.interval.ms: its option, unless a --streams-property sets it for every run. */
    private String latencyCommitMs() {
        return o.streamsProperties().getOrDefault("commit.interval.ms",
                Long.toString(o.latencyCommitInterval().toMillis()));
    }

    /** Phase (d): live input at {@code rate} records/s into a fresh instance with short windows and updates. */
    private LatencyProbe.Result latency(EmbeddedKafkaCluster kafka, String bootstrap, String guarantee,
                                        List<Events.Model> models, double rate) throws Exception {
        String run = "bench-lat-" + System.currentTimeMillis();
        kafka.createTopic(run + "-predictions", o.partitions(), 1);
        kafka.createTopic(run + "-labels", o.partitions(), 1);
        Path stateDir = Files.createTempDirectory("bench-lat");
        Map<String, String> env = env(bootstrap, guarantee, run, stateDir);
        env.put("MODELWATCH_TOPICS_PREDICTIONS", run + "-predictions");
        env.put("MODELWATCH_TOPICS_LABELS", run + "-labels");
        env.put("MODELWATCH_WINDOW", o.latencyWindow().toString());
        env.put("MODELWATCH_MAX_LABEL_DELAY", o.latencyWindow().toString());
        env.put("MODELWATCH_UPDATE_INTERVAL", o.latencyUpdateInterval().toString());
        // what a deployment that wants sub-second metrics sets besides a short update-interval (README,
        // Latency): Streams commits every 100 ms with exactly_once_v2 unless told, and a label's way to its
        // metrics waits for two commits
        env.put(ModelwatchConfig.kafkaPropertyEnvName("commit.interval.ms"), latencyCommitMs());
        ModelwatchConfig config = ModelwatchConfig.load(null, env);
        createRunTopics(kafka, run);
        System.gc(); // each latency phase starts from the same heap: the garbage the phases before left is gone
        try (ModelwatchService service = new ModelwatchService(config)) {
            service.start();
            Phases.awaitRunning(service.streams(), o.timeout());
            ThreadCpu threadCpu = ThreadCpu.start();
            Map<String, Double> loopAtStart = StreamLoop.totals(service.streams());
            long probeStart = System.nanoTime();
            CpuSlices slices = CpuSlices.start(LatencyProbe.SLICE_NANOS);
            LatencyProbe.Result result;
            try {
                result = LatencyProbe.run(service, bootstrap, run + "-predictions", run + "-labels",
                        config.topology().metricsTopic(), models, o.labelled(), rate, o.latencyWindow().toMillis(),
                        o.latencyDuration().toMillis(), o.latencyWarmup().toMillis(), o.seed() + 1);
            } finally {
                slices.close();
            }
            out.printf(Locale.ROOT, "    CPU by 5 s of the phase (from about the start of production): %s%n",
                    slices.describe());
            out.printf(Locale.ROOT, "    stream threads' loop, (d): %s%n",
                    StreamLoop.describe(loopAtStart, service.streams(), (System.nanoTime() - probeStart) / 1e9));
            out.printf(Locale.ROOT, "    production -> read, avg/max ms (Streams e2e metrics, last 30-60 s): %s%n",
                    inputLatency(service.streams()));
            // "main" is the bench's own producer of the live input, which competes with the monitor here
            out.printf(Locale.ROOT, "    CPU by thread, (d): %s%n", threadCpu.describeSinceStart());
            return result;
        } finally {
            Utils.delete(stateDir.toFile());
        }
    }

    /**
     * Phase (d) for the floor ({@code --floor-latency}): the windowed count, live, at the same rate, windows and
     * commit interval as modelwatch's latency phase, on fresh topics (see {@link FloorLatencyProbe}).
     */
    private void floorLatency(EmbeddedKafkaCluster kafka, Admin admin, String bootstrap, String guarantee,
                              List<Events.Model> models, double rate) throws Exception {
        String run = "bench-floor-lat-" + System.currentTimeMillis();
        kafka.createTopic(run + "-predictions", o.partitions(), 1);
        kafka.createTopic(run + "-labels", o.partitions(), 1);
        // as modelwatch's latency phase does: not on a heap holding that phase's garbage (docs/performance.md,
        // 37th session: the count's young pauses a median 118 ms after modelwatch's phase, 77 after a full GC)
        System.gc();
        FloorLatencyProbe.Result f = FloorLatencyProbe.run(bootstrap, admin, run, models, o.labelled(), rate,
                guarantee, o.threads(), o.partitions(), Long.parseLong(latencyCommitMs()),
                o.latencyWindow().toMillis(), o.latencyDuration().toMillis(), o.latencyWarmup().toMillis(),
                o.seed() + 1, o.timeout());
        out.printf(Locale.ROOT, "(d) floor latency, windowed count, %s, %s windows, commit interval %s ms: target %.0f "
                        + "records/s, achieved %.0f; label append -> count read: p50 %.0f ms, p90 %.0f ms, p99 %.0f ms, "
                        + "max %.0f ms (%d samples after %s warm-up, %d never read)%n", guarantee, o.latencyWindow(),
                latencyCommitMs(), f.targetRate(), f.achievedRate(), f.p50(), f.p90(), f.p99(), f.max(), f.samples(),
                o.latencyWarmup(), f.unobserved());
        out.printf(Locale.ROOT, "    p50/p99 ms by %d s of label appends: %s%n",
                LatencyProbe.SLICE_NANOS / 1_000_000_000L, f.timeline());
        out.printf(Locale.ROOT, "    CPU by thread, floor (d): %s%n", f.threadCpu());
    }

    /**
     * Kafka Streams' end-to-end latency at the nodes that read the live input (event time = wall clock at
     * production in phase d): avg/max ms from production to being read by the ingest task and by the join.
     * Further nodes carry window times, not production times, and are left out.
     */
    static String inputLatency(KafkaStreams streams) {
        List<String> nodes = List.of("predictions-source", "labels-source", "join-input-repartition-source");
        Map<String, double[]> acc = new java.util.LinkedHashMap<>(); // node -> sum of avgs, count, max
        for (String n : nodes) {
            acc.put(n, new double[3]);
        }
        streams.metrics().forEach((name, metric) -> {
            double[] a = acc.get(name.tags().get("processor-node-id"));
            if (a != null && metric.metricValue() instanceof Double v && !v.isNaN()) {
                if (name.name().equals("record-e2e-latency-avg")) {
                    a[0] += v;
                    a[1]++;
                } else if (name.name().equals("record-e2e-latency-max")) {
                    a[2] = Math.max(a[2], v);
                }
            }
        });
        StringBuilder b = new StringBuilder();
        acc.forEach((n, a) -> b.append(b.isEmpty() ? "" : ", ").append(n).append(' ')
                .append(a[1] == 0 ? "n/a" : String.format(Locale.ROOT, "%.0f/%.0f", a[0] / a[1], a[2])));
        return b.toString();
    }

    /**
     * The run's output topics, created and ready (leaders elected) before the service starts: the service
     * would create them itself, but its global rules store can then start before the new rules topic's
     * metadata has propagated ("no partitions available ... global store alert-rules"), seen here once.
     */
    private void createRunTopics(EmbeddedKafkaCluster kafka, String run) {
        kafka.createTopic(run + "-metrics", o.partitions(), 1);
        kafka.createTopic(run + "-dlq", o.partitions(), 1);
        kafka.createTopic(run + "-alerts", o.partitions(), 1);
        kafka.createTopic(run + "-rules", 1, 1, Map.of("cleanup.policy", "compact"));
    }

    /**
     * Keeps the heap G1 has grown through the bench's own full GCs ({@link #liveHeapMb}, before and in the
     * middle of every modelwatch phase): by default G1 gives back all but 70% free after a full GC, so each
     * of them shrank the heap to about three times the live set, and the phase went on with a small young
     * generation, collecting often until G1 had grown it again. A service is never made to do that (nothing
     * calls for a full GC); the windowed count's phases were not either. With {@code MaxHeapFreeRatio=100}
     * (a manageable flag, so settable here) a full GC gives nothing back. Says what it did.
     */
    static String keepHeapThroughFullGcs() {
        try {
            ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class)
                    .setVMOption("MaxHeapFreeRatio", "100");
            return "MaxHeapFreeRatio=100 (the bench's full GCs do not shrink the heap)";
        } catch (RuntimeException e) {
            return "MaxHeapFreeRatio not settable (" + e.getMessage() + "): the bench's full GCs may shrink the heap";
        }
    }

    /**
     * The live set: a full GC (one pause), then the heap in use. The heap left after young GCs includes
     * old-generation garbage and overstates it several-fold.
     */
    static long liveHeapMb() {
        System.gc();
        return usedHeapMb();
    }

    static long usedHeapMb() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / (1024 * 1024);
    }

    static boolean isEos(String guarantee) {
        return StreamsConfig.EXACTLY_ONCE_V2.equals(guarantee);
    }
}
