package io.modelwatch.bench;

import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import java.util.function.ToDoubleFunction;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.KafkaStreams;

/** What the stream threads' loop did over a phase, from Kafka Streams' own thread metrics. */
final class StreamLoop {

    /** Kafka Streams' cumulative counts of the stream threads' loop that {@link #describe} turns into rates. */
    private static final List<String> TOTALS = List.of("commit-total", "poll-total", "process-total",
            "punctuate-total", "blocked-time-ns-total");
    /** Its averages and maxima: Streams keeps them over the last 30 to 60 s (two 30 s samples). */
    private static final List<String> LATENCIES = List.of("commit-latency-avg", "commit-latency-max",
            "poll-latency-avg", "punctuate-latency-avg", "punctuate-latency-max");

    private StreamLoop() {
    }

    /** The stream threads' {@link #TOTALS}, summed over the threads, and the thread count ("threads"). */
    static Map<String, Double> totals(KafkaStreams streams) {
        Map<String, Double> totals = new TreeMap<>();
        Set<String> threads = new HashSet<>();
        forEachThreadMetric(streams, TOTALS, (name, v) -> {
            totals.merge(name.name(), v, Double::sum);
            threads.add(name.tags().get("thread-id"));
        });
        totals.put("threads", (double) threads.size());
        return totals;
    }

    /**
     * The stream threads' loop over a phase: commits, polls, records and punctuations per thread and second
     * from the cumulative counts at its start and now (exact for the phase, whatever its length: Streams' own
     * rates average over their last 30 to 60 s, which for a phase of 30 s or less counts idle time in and
     * halved them in some rounds), records per poll, and Streams' recent latencies.
     */
    static String describe(Map<String, Double> atStart, KafkaStreams streams, double seconds) {
        Map<String, Double> sums = new HashMap<>();
        Map<String, Integer> counts = new HashMap<>();
        forEachThreadMetric(streams, LATENCIES, (name, v) -> {
            sums.merge(name.name(), v, Double::sum);
            counts.merge(name.name(), 1, Integer::sum);
        });
        Map<String, Double> averages = new LinkedHashMap<>(); // in LATENCIES' order
        LATENCIES.stream().filter(sums::containsKey).forEach(n -> averages.put(n, sums.get(n) / counts.get(n)));
        return describe(atStart, totals(streams), seconds, averages);
    }

    /** {@link #describe(Map, KafkaStreams, double)} from the counts and latencies read. */
    static String describe(Map<String, Double> atStart, Map<String, Double> now, double seconds,
                           Map<String, Double> latencies) {
        double perThreadSecond = Math.max(1, now.getOrDefault("threads", 1.0)) * Math.max(seconds, 1e-9);
        ToDoubleFunction<String> delta = n -> now.getOrDefault(n, 0.0) - atStart.getOrDefault(n, 0.0);
        double records = delta.applyAsDouble("process-total");
        double polls = delta.applyAsDouble("poll-total");
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "per thread and second over the %.1f s: "
                        + "commits %.1f, polls %.1f, records %.0f, punctuations %.1f; records per poll %.0f",
                seconds, delta.applyAsDouble("commit-total") / perThreadSecond, polls / perThreadSecond,
                records / perThreadSecond, delta.applyAsDouble("punctuate-total") / perThreadSecond,
                records / Math.max(1, polls)));
        if (now.containsKey("blocked-time-ns-total")) {
            // the time the threads waited in the consumer's poll (for input, or for a fetch) or on the producer
            // (a flush, a commit's round trip): what of the wall clock was neither their CPU nor a wait for one
            b.append(String.format(Locale.ROOT, "; blocked on Kafka %.0f%% of the time",
                    100 * delta.applyAsDouble("blocked-time-ns-total") / 1e9 / perThreadSecond));
        }
        if (!latencies.isEmpty()) {
            b.append("; ms (last 30-60 s):");
            latencies.forEach((n, v) -> b.append(String.format(Locale.ROOT, " %s=%.1f", n, v)));
        }
        return b.toString();
    }

    /** Each stream thread's value of the named metrics that has one (not NaN). */
    private static void forEachThreadMetric(KafkaStreams streams, List<String> names,
                                            BiConsumer<MetricName, Double> action) {
        forEachThreadMetricOf(streams, names, (name, metric) -> {
            if (metric.metricValue() instanceof Double v && !v.isNaN()) {
                action.accept(name, v);
            }
        });
    }

    /** Each stream thread's metric of the given names, as an object to read later ({@link LoopTimeline}). */
    static void forEachThreadMetricOf(KafkaStreams streams, List<String> names,
                                      BiConsumer<MetricName, Metric> action) {
        streams.metrics().forEach((name, metric) -> {
            if ("stream-thread-metrics".equals(name.group()) && names.contains(name.name())) {
                action.accept(name, metric);
            }
        });
    }
}
