package io.modelwatch.serving;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;

/**
 * The Kafka Streams client metrics modelwatch exports: a chosen few (client and thread health,
 * throughput, lag, rebalances, producer errors, RocksDB memory and size), looked up when
 * {@code /metrics} is scraped and read by the scrape, nothing in between.
 *
 * <p>Why not Micrometer's {@code KafkaStreamsMetrics}: it binds every client metric (~5000 after
 * start-up with 6 partitions, most of them per task, store or broker node) and every 30 s reads
 * the value of each one, RocksDB properties of every store included. The bench measured the latency
 * phase's worst slice at that moment (18th session: p99 up to 4.1 s against 0.6-0.9 s without it).
 * Every metric stays available over JMX.
 *
 * <p>Names follow Micrometer's convention so dashboards keep working: {@code kafka.<group without
 * -metrics>.<name>} with dashes as dots (Prometheus: {@code kafka_stream_thread_process_rate}), the
 * metric's tags as labels (dashes as underscores).
 */
final class KafkaClientMetrics {

    enum Kind { GAUGE, COUNTER }

    /**
     * A metric to export. {@code clientLevel}: only the client-wide one of a name Kafka also keeps
     * per topic or partition (tags: just {@code client-id}), so one name has one label set.
     */
    record Wanted(String group, String name, Kind kind, boolean clientLevel) {
        String meterName() {
            String g = group.endsWith("-metrics") ? group.substring(0, group.length() - "-metrics".length()) : group;
            return ("kafka." + g + "." + exportedName()).replace('-', '.');
        }

        /** Kafka counts some times in nanoseconds; Prometheus' base unit for time is the second. */
        boolean inNanoseconds() {
            return name.endsWith("-ns-total");
        }

        private String exportedName() {
            return inNanoseconds() ? name.substring(0, name.length() - "-ns-total".length()) + "-seconds-total" : name;
        }

        /** The series name on {@code /metrics}: dots as underscores, counters ending in {@code _total}. */
        String prometheusName() {
            String n = meterName().replace('.', '_');
            return kind == Kind.COUNTER && !n.endsWith("_total") ? n + "_total" : n;
        }
    }

    static final List<Wanted> WANTED = List.of(
            // the client and its threads: state, health, what each loop iteration costs
            gauge("stream-metrics", "client-state"),
            gauge("stream-metrics", "alive-stream-threads"),
            counter("stream-metrics", "failed-stream-threads"),
            gauge("stream-thread-metrics", "thread-state"),
            gauge("stream-thread-metrics", "process-rate"),
            gauge("stream-thread-metrics", "process-latency-avg"),
            gauge("stream-thread-metrics", "process-latency-max"),
            gauge("stream-thread-metrics", "process-ratio"),
            gauge("stream-thread-metrics", "poll-rate"),
            gauge("stream-thread-metrics", "poll-latency-avg"),
            gauge("stream-thread-metrics", "poll-records-avg"),
            gauge("stream-thread-metrics", "poll-ratio"),
            gauge("stream-thread-metrics", "commit-rate"),
            gauge("stream-thread-metrics", "commit-latency-avg"),
            gauge("stream-thread-metrics", "commit-latency-max"),
            gauge("stream-thread-metrics", "commit-ratio"),
            gauge("stream-thread-metrics", "punctuate-rate"),
            gauge("stream-thread-metrics", "punctuate-latency-avg"),
            gauge("stream-thread-metrics", "punctuate-ratio"),
            counter("stream-thread-metrics", "blocked-time-ns-total"),
            counter("stream-task-metrics", "dropped-records-total"),
            gauge("stream-state-updater-metrics", "active-restoring-tasks"),
            gauge("stream-state-updater-metrics", "restore-records-rate"),
            // RocksDB (per store): keys, memory, disk, compaction backlog
            gauge("stream-state-metrics", "estimate-num-keys"),
            gauge("stream-state-metrics", "size-all-mem-tables"),
            gauge("stream-state-metrics", "block-cache-usage"),
            gauge("stream-state-metrics", "block-cache-capacity"),
            gauge("stream-state-metrics", "block-cache-pinned-usage"),
            gauge("stream-state-metrics", "estimate-table-readers-mem"),
            gauge("stream-state-metrics", "total-sst-files-size"),
            gauge("stream-state-metrics", "live-sst-files-size"),
            gauge("stream-state-metrics", "estimate-pending-compaction-bytes"),
            gauge("stream-state-metrics", "background-errors"),
            // consumers: lag, intake, rebalances, time between polls
            clientGauge("consumer-fetch-manager-metrics", "records-lag-max"),
            gauge("consumer-fetch-manager-metrics", "records-lag"),
            clientGauge("consumer-fetch-manager-metrics", "records-consumed-rate"),
            clientGauge("consumer-fetch-manager-metrics", "bytes-consumed-rate"),
            gauge("consumer-fetch-manager-metrics", "fetch-latency-avg"),
            counter("consumer-coordinator-metrics", "rebalance-total"),
            counter("consumer-coordinator-metrics", "failed-rebalance-total"),
            gauge("consumer-coordinator-metrics", "last-rebalance-seconds-ago"),
            gauge("consumer-coordinator-metrics", "assigned-partitions"),
            // each stream thread's consumer heartbeats to its group coordinator every 3 s (heartbeat.interval.ms) and
            // stops while it cannot reach it: the age of the last one is the broker outage signal (README, "Failure
            // behaviour"; /ready stays 200 and Streams RUNNING through an outage)
            gauge("consumer-coordinator-metrics", "last-heartbeat-seconds-ago"),
            gauge("consumer-metrics", "last-poll-seconds-ago"),
            gauge("consumer-metrics", "time-between-poll-max"),
            // producers: output, errors, retries, transactions
            gauge("producer-metrics", "record-send-rate"),
            counter("producer-metrics", "record-send-total"),
            counter("producer-metrics", "record-error-total"),
            counter("producer-metrics", "record-retry-total"),
            gauge("producer-metrics", "request-latency-avg"),
            gauge("producer-metrics", "buffer-available-bytes"),
            counter("producer-metrics", "txn-commit-time-ns-total"),
            counter("producer-metrics", "txn-abort-time-ns-total"));

    private static final Map<String, Map<String, Wanted>> BY_GROUP = new HashMap<>();

    static {
        for (Wanted w : WANTED) {
            BY_GROUP.computeIfAbsent(w.group, g -> new HashMap<>()).put(w.name, w);
        }
    }

    private final Supplier<Map<MetricName, ? extends Metric>> metrics;
    private final MeterRegistry registry;
    private final Map<MetricName, Meter> bound = new HashMap<>();

    /** @param metrics the client's metrics, e.g. {@code streams::metrics} (read at every refresh) */
    KafkaClientMetrics(Supplier<Map<MetricName, ? extends Metric>> metrics, MeterRegistry registry) {
        this.metrics = metrics;
        this.registry = registry;
    }

    /**
     * Binds the wanted metrics the client has now (tasks, stores and partitions come and go with
     * rebalances) and removes the meters of those it no longer has. Called before each scrape.
     */
    synchronized void refresh() {
        Map<MetricName, ? extends Metric> now = metrics.get();
        Set<MetricName> seen = new HashSet<>();
        for (Map.Entry<MetricName, ? extends Metric> e : now.entrySet()) {
            MetricName name = e.getKey();
            Map<String, Wanted> group = BY_GROUP.get(name.group());
            Wanted w = group == null ? null : group.get(name.name());
            if (w == null || (w.clientLevel && !isClientLevel(name))) {
                continue;
            }
            seen.add(name);
            Metric metric = e.getValue();
            bound.computeIfAbsent(name, n -> register(w, n, metric));
        }
        MonitorMetrics.removeAllBut(bound, seen, registry);
    }

    /** Removes every meter bound so far. */
    synchronized void close() {
        bound.values().forEach(registry::remove);
        bound.clear();
    }

    int boundCount() {
        return bound.size();
    }

    private Meter register(Wanted w, MetricName name, Metric metric) {
        List<Tag> tags = new ArrayList<>(name.tags().size());
        name.tags().forEach((k, v) -> tags.add(Tag.of(k.replace('-', '.'), v)));
        String description = name.description() == null || name.description().isEmpty() ? null : name.description();
        if (w.inNanoseconds() && description != null) {
            description += " (exported in seconds)";
        }
        return w.kind == Kind.COUNTER
                ? FunctionCounter.builder(w.meterName(), metric,
                                w.inNanoseconds() ? KafkaClientMetrics::nanosAsSeconds : KafkaClientMetrics::value)
                        .tags(tags).description(description).register(registry)
                : Gauge.builder(w.meterName(), metric, KafkaClientMetrics::value)
                        .tags(tags).description(description).register(registry);
    }

    private static boolean isClientLevel(MetricName name) {
        return name.tags().size() == 1 && name.tags().containsKey("client-id");
    }

    /** The metric's value; NaN for a value that is not a number or cannot be read (e.g. a closed store). */
    static double value(Metric metric) {
        try {
            return metric.metricValue() instanceof Number n ? n.doubleValue() : Double.NaN;
        } catch (RuntimeException e) {
            return Double.NaN;
        }
    }

    static double nanosAsSeconds(Metric metric) {
        return value(metric) / 1e9;
    }

    private static Wanted gauge(String group, String name) {
        return new Wanted(group, name, Kind.GAUGE, false);
    }

    private static Wanted clientGauge(String group, String name) {
        return new Wanted(group, name, Kind.GAUGE, true);
    }

    private static Wanted counter(String group, String name) {
        return new Wanted(group, name, Kind.COUNTER, false);
    }
}
