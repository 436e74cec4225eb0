package io.modelwatch.serving;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.modelwatch.ModelwatchTopology;
import io.modelwatch.alerts.AlertCounters;
import io.modelwatch.ingest.IngestCounters;
import io.modelwatch.ingest.RejectReason;
import io.modelwatch.join.JoinCounters;
import io.modelwatch.window.WindowCounters;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Prometheus side of modelwatch: per model/version/slice gauges of the main figures of the
 * latest metrics records (two families, {@link ModelGauges}: the newest window's, usually open, and the
 * last closed window's), the pipeline's counters, JVM metrics and (once bound) a chosen set of
 * the Kafka Streams client metrics ({@link KafkaClientMetrics}), in one Micrometer registry. The
 * set of model gauges is refreshed from {@link MonitorView#latestWithFinal()} (or, without the final
 * family, the cheaper {@link MonitorView#latestMetrics()}) at every scrape, so models that appear later
 * are exported and series that are no longer known are removed. The README, "Prometheus metrics", lists
 * every name.
 */
public final class MonitorMetrics implements AutoCloseable {

    /**
     * The figures exported as {@code modelwatch_model_<figure>} and {@code modelwatch_model_final_<figure>}; the
     * record's counts and its {@code metrics} entries.
     */
    public static final List<String> FIGURES = List.of("f1", "precision", "recall", "accuracy", "roc_auc",
            "average_precision", "log_loss", "brier_score", "f1_macro", "roc_auc_ovr", "label_coverage",
            "labeled", "predictions");

    public static final String MODEL_PREFIX = "modelwatch.model.";
    /** The last closed window's family: a threshold on it holds across window boundaries (README). */
    public static final String FINAL_PREFIX = "modelwatch.model.final.";

    /** Content type of the Prometheus text exposition format 0.0.4. */
    public static final String TEXT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    /** Content type of the OpenMetrics text format. */
    public static final String OPENMETRICS_TYPE = "application/openmetrics-text; version=1.0.0; charset=utf-8";

    private static final Logger LOG = LoggerFactory.getLogger(MonitorMetrics.class);

    private final MonitorView view;
    private final boolean latestGauges;
    private final boolean finalGauges;
    private final PrometheusMeterRegistry registry;
    private final Map<SeriesKey, Series> series = new HashMap<>();
    private final Map<String, Meter> firingAlerts = new HashMap<>();
    private final List<AutoCloseable> closeables = new ArrayList<>();
    /**
     * Held for as long as the metrics are: Micrometer's gauges and function counters keep only weak references
     * to what they read, and a counter object nothing else held read NaN once collected.
     */
    private final ModelwatchTopology.Counters counters;
    private volatile int firingCount;
    /** modelwatch_alerts_firing: registered only while the alert list is complete (see refreshAlerts). */
    private Meter firingCountGauge;
    private volatile double alertFeedCaughtUp;
    private volatile double ready;
    private KafkaClientMetrics kafkaClientMetrics;

    public MonitorMetrics(MonitorView view) {
        this(view, null);
    }

    /** @param counters the pipeline's counters, or null when there are none to export (e.g. tests) */
    public MonitorMetrics(MonitorView view, ModelwatchTopology.Counters counters) {
        this(view, counters, Set.of(ModelGauges.values()));
    }

    /**
     * @param counters the pipeline's counters, or null when there are none to export (e.g. tests)
     * @param modelGauges the model gauge families to export ({@code http.model-gauges}); empty: none
     */
    public MonitorMetrics(MonitorView view, ModelwatchTopology.Counters counters, Set<ModelGauges> modelGauges) {
        this.view = view;
        this.latestGauges = modelGauges.contains(ModelGauges.LATEST);
        this.finalGauges = modelGauges.contains(ModelGauges.FINAL);
        this.counters = counters;
        this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        // Prometheus' linter refuses a gauge named *_count (the name of a summary's or histogram's part): Micrometer's
        // system_cpu_count failed `promtool check metrics` at every scrape
        registry.config().meterFilter(new io.micrometer.core.instrument.config.MeterFilter() {
            @Override
            public io.micrometer.core.instrument.Meter.Id map(io.micrometer.core.instrument.Meter.Id id) {
                return id.getName().equals("system.cpu.count") ? id.withName("system.cpu.logical.processors") : id;
            }
        });
        bindJvm();
        if (counters != null) {
            bindCounters(counters);
        }
        Gauge.builder("modelwatch.alert.feed.caught.up", this, m -> m.alertFeedCaughtUp)
                .description("1 once the alerts topic has been read up to where it ended at start (the alert gauges "
                        + "are exported from then on), else 0").register(registry);
        Gauge.builder("modelwatch.ready", this, m -> m.ready)
                .description("1 when Kafka Streams is RUNNING, else 0; it stays RUNNING while the brokers are unreachable "
                        + "(kafka_consumer_coordinator_last_heartbeat_seconds_ago tells that)").register(registry);
    }

    /** The Kafka client series exported once a client is bound (each where the client has the metric). */
    public static List<String> kafkaClientSeries() {
        return KafkaClientMetrics.WANTED.stream().map(KafkaClientMetrics.Wanted::prometheusName).toList();
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /**
     * Exports the chosen Kafka Streams client metrics ({@link KafkaClientMetrics#WANTED}: client,
     * threads, stores, and the embedded consumers and producers). Call it once the client is
     * created, before or after {@code start()}: each scrape binds the metrics Kafka added since
     * (tasks assigned after a rebalance) and drops those it removed. Binding another client
     * replaces the previous one.
     */
    public synchronized void bindKafkaStreams(KafkaStreams streams) {
        closeKafkaClientMetrics();
        kafkaClientMetrics = new KafkaClientMetrics(streams::metrics, registry);
        kafkaClientMetrics.refresh();
    }

    private void closeKafkaClientMetrics() {
        if (kafkaClientMetrics != null) {
            kafkaClientMetrics.close();
            kafkaClientMetrics = null;
        }
    }

    /** The Prometheus text exposition (0.0.4), after a refresh of the model gauges. */
    public String scrape() {
        refresh();
        return registry.scrape(TEXT_TYPE);
    }

    /**
     * Writes the exposition in the format the client's Accept header asks for (OpenMetrics or the
     * Prometheus text format) and returns its content type.
     */
    public String scrape(String acceptHeader, OutputStream out) throws IOException {
        refresh();
        String contentType = wantsOpenMetrics(acceptHeader) ? OPENMETRICS_TYPE : TEXT_TYPE;
        registry.scrape(out, contentType);
        return contentType;
    }

    /**
     * OpenMetrics when the client accepts it (quality above 0) at least as much as the text format (Prometheus asks
     * {@code application/openmetrics-text;version=1.0.0,...,text/plain;version=0.0.4;q=0.5,*}{@code /*;q=0.1}).
     */
    static boolean wantsOpenMetrics(String accept) {
        double open = HeaderQuality.of(accept, "application/openmetrics-text"::equals);
        return open > 0 && open >= HeaderQuality.of(accept, "text/plain"::equals);
    }

    /**
     * Re-reads the latest metrics and the alerts: registers gauges for new (model, version, slice)
     * series, updates the others and removes those the view no longer reports. A failing view keeps
     * the previous values (logged), so a scrape during a rebalance still answers.
     */
    public synchronized void refresh() {
        try {
            ready = view.ready() ? 1 : 0;
        } catch (RuntimeException e) {
            ready = 0;
        }
        try {
            // a stopped or failed client holds no state: no model gauges rather than its last values for ever;
            // one query for both families, the cheaper one when the finals are not exported
            refreshModels(view.stopped() ? List.of()
                    : finalGauges ? view.latestWithFinal() : latestOnly(view.latestMetrics()));
            recovered("model");
        } catch (RuntimeException e) {
            failed("model", e);
        }
        try {
            // asked before the alerts: once true, the list read after it is complete
            boolean caughtUp = view.alertsCaughtUp();
            alertFeedCaughtUp = caughtUp ? 1 : 0;
            refreshAlerts(caughtUp ? view.alerts() : null);
            recovered("alert");
        } catch (RuntimeException e) {
            failed("alert", e);
        }
        if (kafkaClientMetrics != null) {
            try {
                kafkaClientMetrics.refresh();
                recovered("Kafka client");
            } catch (RuntimeException e) {
                failed("Kafka client", e);
            }
        }
    }

    /** Gauge kinds whose last refresh failed: logged once when they start failing and once when they recover. */
    private final java.util.Set<String> failing = new java.util.HashSet<>();

    private void failed(String gauges, RuntimeException e) {
        if (failing.add(gauges)) {
            LOG.warn("could not refresh {} gauges, keeping the previous values until a refresh succeeds: {}",
                    gauges, e.toString());
        }
    }

    private void recovered(String gauges) {
        if (failing.remove(gauges)) {
            LOG.info("{} gauges refreshed again", gauges);
        }
    }

    private static List<MonitorView.LatestWindows> latestOnly(List<JsonNode> latest) {
        List<MonitorView.LatestWindows> out = new ArrayList<>(latest.size());
        for (JsonNode r : latest) {
            out.add(new MonitorView.LatestWindows(r, null));
        }
        return out;
    }

    private void refreshModels(List<MonitorView.LatestWindows> windows) {
        Map<SeriesKey, MonitorView.LatestWindows> now = new LinkedHashMap<>();
        for (MonitorView.LatestWindows w : windows) {
            JsonNode r = w == null ? null : w.latest();
            if (r == null || Records.isRolling(r) || Records.modelId(r).isEmpty()) {
                continue;
            }
            JsonNode f = w.latestFinal() == null || Records.isRolling(w.latestFinal()) ? null : w.latestFinal();
            SeriesKey key = new SeriesKey(Records.modelId(r), Records.version(r), Records.slice(r));
            now.merge(key, new MonitorView.LatestWindows(r, f), MonitorView.LatestWindows::newerOfEach);
        }
        for (Map.Entry<SeriesKey, MonitorView.LatestWindows> e : now.entrySet()) {
            Series s = series.computeIfAbsent(e.getKey(), this::register);
            s.latest = e.getValue().latest();
            JsonNode f = finalGauges ? e.getValue().latestFinal() : null;
            // no closed window yet (or none held any more): no final series, rather than NaN, which says "undefined";
            // the meters go before the record, so that a scrape meanwhile never reads a final gauge without it
            if (f == null && !s.finalMeters.isEmpty()) {
                s.finalMeters.forEach(registry::remove);
                s.finalMeters.clear();
            }
            s.latestFinal = f;
            if (f != null && s.finalMeters.isEmpty()) {
                registerFinal(s);
            }
        }
        for (var it = series.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (!now.containsKey(e.getKey())) {
                e.getValue().meters.forEach(registry::remove);
                e.getValue().finalMeters.forEach(registry::remove);
                it.remove();
            }
        }
    }

    private Series register(SeriesKey key) {
        Series s = new Series(Tags.of("model_id", key.model, "model_version", key.version, "slice", key.slice));
        if (latestGauges) {
            registerFamily(s, s.meters, MODEL_PREFIX, x -> x.latest, "the latest window",
                    "End of the window of the latest metrics record, epoch seconds");
        }
        return s;
    }

    private void registerFinal(Series s) {
        registerFamily(s, s.finalMeters, FINAL_PREFIX, x -> x.latestFinal, "the last closed (final) window",
                "End of the last closed (final) window, epoch seconds (it closed max-label-delay later)");
    }

    /** A family's gauges of one series: each figure, and the window's end, of the record {@code record} picks. */
    private void registerFamily(Series s, List<Meter> into, String prefix,
                                java.util.function.Function<Series, JsonNode> record, String which, String endDescription) {
        for (String figure : FIGURES) {
            into.add(Gauge.builder(prefix + figure, s, x -> Records.figure(record.apply(x), figure))
                    .tags(s.tags)
                    .description(describe(figure, which))
                    .register(registry));
        }
        into.add(Gauge.builder(prefix + "window.end", s, x -> windowEndSeconds(record.apply(x)))
                .tags(s.tags)
                .baseUnit("seconds")
                .description(endDescription)
                .register(registry));
    }

    private static double windowEndSeconds(JsonNode record) {
        long end = record == null ? Long.MIN_VALUE : Records.windowEnd(record);
        return end == Long.MIN_VALUE ? Double.NaN : end / 1000.0;
    }

    /**
     * The alert gauges from {@code alerts}; with null (the list is not complete yet: the instance started and
     * is reading the alerts topic again) none at all. Absent, not 0: this instance does not know yet, and a 0
     * would say "nothing fires", a resolve to a per-instance rule or panel, while an aggregation over the
     * instances (max) takes the others' answer alone. A rule on modelwatch_alert_firing ends alike on a gone
     * series and a 0, and a restarted process has no last-known state to export: keep_firing_for holds a rule
     * over the gap (README). modelwatch_alert_feed_caught_up tells "not known yet" from "none".
     */
    private void refreshAlerts(List<JsonNode> alerts) {
        if (alerts == null) {
            if (firingCountGauge != null) {
                registry.remove(firingCountGauge);
                firingCountGauge = null;
            }
            removeAllBut(firingAlerts, Set.of(), registry);
            return;
        }
        List<JsonNode> firing = Alerts.firing(alerts);
        firingCount = firing.size();
        if (firingCountGauge == null) {
            firingCountGauge = Gauge.builder("modelwatch.alerts.firing", this, m -> m.firingCount)
                    .description("Alerts currently firing").register(registry);
        }
        Set<String> keep = new HashSet<>();
        for (JsonNode a : firing) {
            // severity is a label: an episode that fires again with another severity is a new series
            String severity = a.path("severity").asText("");
            String key = Records.alertKey(a) + '\u0000' + severity;
            keep.add(key);
            firingAlerts.computeIfAbsent(key, k -> Gauge.builder("modelwatch.alert.firing", () -> 1)
                    .tags("rule", a.path("rule").asText(""), "model_id", Records.modelId(a),
                            "model_version", Records.version(a), "slice", Records.slice(a),
                            "severity", severity)
                    .description("1 for each alert currently firing")
                    .register(registry));
        }
        removeAllBut(firingAlerts, keep, registry);
    }

    /** Removes from {@code registry} and from {@code meters} every meter whose key is not in {@code keep}. */
    static <K> void removeAllBut(Map<K, Meter> meters, Set<K> keep, MeterRegistry registry) {
        for (var it = meters.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (!keep.contains(e.getKey())) {
                registry.remove(e.getValue());
                it.remove();
            }
        }
    }

    private void bindJvm() {
        new JvmMemoryMetrics().bindTo(registry);
        JvmGcMetrics gc = new JvmGcMetrics();
        gc.bindTo(registry);
        closeables.add(gc);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        bindProcessCpuSeconds();
        new UptimeMetrics().bindTo(registry);
    }

    /**
     * Micrometer counts the process's CPU time in nanoseconds ({@code process_cpu_time_ns_total});
     * Prometheus' own client and node dashboards expect {@code process_cpu_seconds_total}.
     */
    private void bindProcessCpuSeconds() {
        Meter nanos = registry.find("process.cpu.time").meter();
        if (nanos == null || !(java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.OperatingSystemMXBean os)) {
            return;
        }
        registry.remove(nanos);
        FunctionCounter.builder("process.cpu", os, o -> o.getProcessCpuTime() / 1e9)
                .baseUnit("seconds").description("CPU time the JVM process used").register(registry);
    }

    private void bindCounters(ModelwatchTopology.Counters counters) {
        IngestCounters ingest = counters.ingest();
        FunctionCounter.builder("modelwatch.ingest.accepted", ingest, IngestCounters::predictions)
                .tag("kind", "prediction").description("Input records accepted").register(registry);
        FunctionCounter.builder("modelwatch.ingest.accepted", ingest, IngestCounters::labels)
                .tag("kind", "label").description("Input records accepted").register(registry);
        FunctionCounter.builder("modelwatch.ingest.on.join.partition", ingest, IngestCounters::onJoinPartition)
                .description("Accepted input records read from the partition their prediction_id is joined on, "
                        + "which go straight to the join (when this keeps pace with accepted, the inputs are keyed by "
                        + "prediction_id)").register(registry);
        for (RejectReason reason : RejectReason.values()) {
            FunctionCounter.builder("modelwatch.ingest.rejected", ingest, c -> c.rejected(reason))
                    .tag("reason", reason.code)
                    .description("Input records sent to the dead-letter topic, by reason").register(registry);
        }
        JoinCounters join = counters.join();
        FunctionCounter.builder("modelwatch.join.late", join, JoinCounters::latePredictions)
                .tag("kind", "prediction").description("Events dropped by the join as too late").register(registry);
        FunctionCounter.builder("modelwatch.join.late", join, JoinCounters::lateLabels)
                .tag("kind", "label").description("Events dropped by the join as too late").register(registry);
        FunctionCounter.builder("modelwatch.join.duplicate.predictions", join, JoinCounters::duplicatePredictions)
                .description("Duplicate predictions ignored (same prediction_id)").register(registry);
        for (String kind : new String[] {"model", "version", "slice", "series"}) {
            FunctionCounter.builder("modelwatch.join.overflow", join, j -> j.overflow(kind)).tag("kind", kind)
                    .description("Predictions counted under the overflow name: a cardinality limit was reached")
                    .register(registry);
        }
        FunctionCounter.builder("modelwatch.join.versions.forgotten", join, JoinCounters::versionsForgotten)
                .description("Model versions forgotten by the cardinality limits after 7 days (or window + "
                        + "max-label-delay) without predictions, to make room for new ones").register(registry);
        String lookups = "Lookups of join-pending by prediction_id, by result: ruled out by the filter of held ids "
                + "(no RocksDB get), found, or absent (the filter's false positives)";
        FunctionCounter.builder("modelwatch.join.lookups", join, JoinCounters::lookupsRuledOut)
                .tag("result", "ruled_out").description(lookups).register(registry);
        FunctionCounter.builder("modelwatch.join.lookups", join, JoinCounters::lookupsFound)
                .tag("result", "found").description(lookups).register(registry);
        FunctionCounter.builder("modelwatch.join.lookups", join, JoinCounters::lookupsAbsent)
                .tag("result", "absent").description(lookups).register(registry);
        FunctionCounter.builder("modelwatch.join.expired", join, JoinCounters::expiredEntries)
                .description("Join entries expired from state").register(registry);
        FunctionCounter.builder("modelwatch.join.expiry.scan.visited", join, JoinCounters::expiryScanVisited)
                .description("Entries of join-pending the expiry scan visited (expired or not)").register(registry);
        FunctionCounter.builder("modelwatch.join.expiry.scan.seconds", join, j -> j.expiryScanNanos() / 1e9)
                .description("Time the stream threads spent in the expiry scan of join-pending (walk and deletes)")
                .register(registry);
        Gauge.builder("modelwatch.join.pending.entries", join, JoinCounters::pendingEntries)
                .description("Entries in join-pending of the join tasks active here (predictions awaiting their "
                        + "window's close, labels awaiting their prediction), counted exactly, as of the last second")
                .register(registry);
        WindowCounters window = counters.window();
        FunctionCounter.builder("modelwatch.window.partials.sent", window, WindowCounters::partialsSent)
                .description("Partial window aggregates the join tasks sent to the merge (pre-aggregation)")
                .register(registry);
        FunctionCounter.builder("modelwatch.window.partials.merged", window, WindowCounters::mergedPartials)
                .description("Join partitions' partials merged into final records (over finals: the spread)")
                .register(registry);
        FunctionCounter.builder("modelwatch.window.late.contributions", window, WindowCounters::lateContributions)
                .description("Contributions to windows already closed, dropped").register(registry);
        FunctionCounter.builder("modelwatch.window.partials.folded", window, WindowCounters::partialsFolded)
                .description("Partials the merge folded into one per window, key and join partition (bounded store)")
                .register(registry);
        FunctionCounter.builder("modelwatch.window.partials.redelivered", window, WindowCounters::redeliveredPartials)
                .description("Partials read again (at-least-once after a crash) and ignored: already in the store")
                .register(registry);
        FunctionCounter.builder("modelwatch.window.replay.fences.expired", window, WindowCounters::replayFencesExpired)
                .description("Replay fences (updates held while a restarted join partition re-sends its entries) "
                        + "taken down after 30 s without the replay's end").register(registry);
        FunctionCounter.builder("modelwatch.window.records", window, WindowCounters::finalRecords)
                .tag("kind", "final").description("Metrics records emitted").register(registry);
        FunctionCounter.builder("modelwatch.window.records", window, WindowCounters::updateRecords)
                .tag("kind", "update").description("Metrics records emitted").register(registry);
        AlertCounters alerts = counters.alerts();
        FunctionCounter.builder("modelwatch.alert.evaluations", alerts, AlertCounters::breaching)
                .tag("verdict", "breach").description("Rule evaluations of metrics records, by verdict").register(registry);
        FunctionCounter.builder("modelwatch.alert.evaluations", alerts, AlertCounters::healthy)
                .tag("verdict", "healthy").description("Rule evaluations of metrics records, by verdict").register(registry);
        FunctionCounter.builder("modelwatch.alert.evaluations", alerts, AlertCounters::notJudged)
                .tag("verdict", "not_judged").description("Rule evaluations of metrics records, by verdict")
                .register(registry);
        FunctionCounter.builder("modelwatch.alert.records", alerts, AlertCounters::firing)
                .tag("state", "FIRING").description("Alert records emitted").register(registry);
        FunctionCounter.builder("modelwatch.alert.records", alerts, AlertCounters::resolved)
                .tag("state", "RESOLVED").description("Alert records emitted").register(registry);
        FunctionCounter.builder("modelwatch.alert.rules.invalid", alerts, AlertCounters::invalidTopicRules)
                .description("Rules read from the rules topic that were invalid and ignored (the rule in force stays)")
                .register(registry);
    }

    private static String describe(String figure, String window) {
        return switch (figure) {
            case "labeled" -> "Labelled predictions in " + window;
            case "predictions" -> "Distinct predictions in " + window;
            case "label_coverage" -> "Share of " + window + "'s predictions that have a label";
            default -> figure + " of " + window + " (NaN when undefined)";
        };
    }

    @Override
    public synchronized void close() {
        closeKafkaClientMetrics();
        for (AutoCloseable c : closeables) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.debug("closing a metrics binder", e);
            }
        }
        closeables.clear();
        registry.close();
    }

    private record SeriesKey(String model, String version, String slice) {
    }

    private static final class Series {
        final Tags tags;
        volatile JsonNode latest;
        /** The last closed window's record; null while none is known (then no final gauges are registered). */
        volatile JsonNode latestFinal;
        final List<Meter> meters = new ArrayList<>();
        final List<Meter> finalMeters = new ArrayList<>();

        Series(Tags tags) {
            this.tags = tags;
        }
    }
}
