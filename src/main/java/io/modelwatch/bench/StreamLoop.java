package io.modelwatch.bench;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.streams.KafkaStreams;

/** What the stream threads' loop did over a phase, from Kafka Streams' own thread metrics. */
final class StreamLoop {

    private StreamLoop() {
    }

    /** Kafka Streams' cumulative counts of the stream threads' loop that {@link #describe} turns into rates. */
    private static final List<String> LOOP_TOTALS = List.of("commit-total", "poll-total", "process-total",
            "punctuate-total");
    /** Its averages and maxima: Streams keeps them over the last 30 to 60 s (two 30 s samples). */
    private static final List<String> LOOP_LATENCIES = List.of("commit-latency-avg", "commit-latency-max",
            "poll-latency-avg", "punctuate-latency-avg", "punctuate-latency-max");

    /** The stream threads' {@link #LOOP_TOTALS}, summed over the threads, and the thread count ("threads"). */
    static Map<String, Double> totals(KafkaStreams streams) {
        Map<String, Double> totals = new java.util.TreeMap<>();
        java.util.Set<String> threads = new java.util.HashSet<>();
        streams.metrics().forEach((name, metric) -> {
            if ("stream-thread-metrics".equals(name.group()) && LOOP_TOTALS.contains(name.name())
                    && metric.metricValue() instanceof Double v && !v.isNaN()) {
                totals.merge(name.name(), v, Double::sum);
                threads.add(name.tags().get("thread-id"));
            }
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
        Map<String, Double> latencies = new HashMap<>();
        Map<String, Integer> counts = new HashMap<>();
        streams.metrics().forEach((name, metric) -> {
            if ("stream-thread-metrics".equals(name.group()) && LOOP_LATENCIES.contains(name.name())
                    && metric.metricValue() instanceof Double v && !v.isNaN()) {
                latencies.merge(name.name(), v, Double::sum);
                counts.merge(name.name(), 1, Integer::sum);
            }
        });
        Map<String, Double> averages = new java.util.LinkedHashMap<>(); // in LOOP_LATENCIES' order
        LOOP_LATENCIES.stream().filter(latencies::containsKey)
                .forEach(n -> averages.put(n, latencies.get(n) / counts.get(n)));
        return describe(atStart, totals(streams), seconds, averages);
    }

    /** {@link #describe(Map, KafkaStreams, double)} from the counts and latencies read. */
    static String describe(Map<String, Double> atStart, Map<String, Double> now, double seconds,
                               Map<String, Double> latencies) {
        double threads = Math.max(1, now.getOrDefault("threads", 1.0));
        java.util.function.ToDoubleFunction<String> delta = n -> now.getOrDefault(n, 0.0) - atStart.getOrDefault(n, 0.0);
        double perThreadSecond = threads * Math.max(seconds, 1e-9);
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "per thread and second over the %.1f s: "
                        + "commits %.1f, polls %.1f, records %.0f, punctuations %.1f; records per poll %.0f",
                seconds, delta.applyAsDouble("commit-total") / perThreadSecond,
                delta.applyAsDouble("poll-total") / perThreadSecond, delta.applyAsDouble("process-total") / perThreadSecond,
                delta.applyAsDouble("punctuate-total") / perThreadSecond,
                delta.applyAsDouble("process-total") / Math.max(1, delta.applyAsDouble("poll-total"))));
        if (!latencies.isEmpty()) {
            b.append("; ms (last 30-60 s):");
            latencies.forEach((n, v) -> b.append(String.format(Locale.ROOT, " %s=%.1f", n, v)));
        }
        return b.toString();
    }
}
