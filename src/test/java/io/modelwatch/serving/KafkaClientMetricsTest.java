package io.modelwatch.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.metrics.Gauge;
import org.apache.kafka.common.metrics.Measurable;
import org.apache.kafka.common.metrics.Metrics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The chosen Kafka client metrics, over Kafka's own metrics registry (what a client's metrics() returns). */
class KafkaClientMetricsTest {

    private final Metrics kafka = new Metrics();
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final KafkaClientMetrics bound = new KafkaClientMetrics(kafka::metrics, registry);

    @AfterEach
    void close() {
        bound.close();
        registry.close();
        kafka.close();
    }

    private MetricName name(String group, String name, String... tags) {
        Map<String, String> t = new java.util.LinkedHashMap<>();
        for (int i = 0; i < tags.length; i += 2) {
            t.put(tags[i], tags[i + 1]);
        }
        return kafka.metricName(name, group, "the " + name, t);
    }

    private void add(MetricName name, double value) {
        kafka.addMetric(name, (Measurable) (config, now) -> value);
    }

    @Test
    void bindsTheWantedMetricsUnderMicrometersNamesAndLeavesTheRest() {
        add(name("stream-thread-metrics", "process-rate", "thread-id", "t-1"), 1234.5);
        add(name("stream-thread-metrics", "process-records-max", "thread-id", "t-1"), 99); // not wanted
        add(name("producer-metrics", "record-error-total", "client-id", "p-1"), 3);
        add(name("stream-metrics", "failed-stream-threads", "client-id", "c-1"), 1);
        add(name("stream-state-metrics", "estimate-num-keys", "thread-id", "t-1", "task-id", "0_1",
                "rocksdb-state-id", "join-pending"), 42);
        add(name("admin-client-metrics", "request-rate", "client-id", "a-1"), 5); // not wanted
        bound.refresh();

        String text = registry.scrape();
        assertTrue(text.contains("kafka_stream_thread_process_rate{thread_id=\"t-1\"} 1234.5"), text);
        assertTrue(text.contains("# TYPE kafka_producer_record_error_total counter"), text);
        assertTrue(text.contains("kafka_producer_record_error_total{client_id=\"p-1\"} 3.0"), text);
        assertTrue(text.contains("kafka_stream_failed_stream_threads_total{client_id=\"c-1\"} 1.0"), text);
        assertTrue(text.contains("# HELP kafka_stream_thread_process_rate the process-rate"), text);
        assertTrue(text.contains(
                "kafka_stream_state_estimate_num_keys{rocksdb_state_id=\"join-pending\",task_id=\"0_1\",thread_id=\"t-1\"} 42.0"),
                text);
        assertFalse(text.contains("process_records_max"), text);
        assertFalse(text.contains("kafka_admin"), text);
        assertFalse(text.contains("kafka_metrics_count"), "Kafka's own count of its metrics: " + text);
        assertEquals(4, bound.boundCount());
    }

    @Test
    void nanosecondCountersAreExportedInSeconds() {
        add(name("stream-thread-metrics", "blocked-time-ns-total", "thread-id", "t-1"), 2_500_000_000.0);
        add(name("producer-metrics", "txn-commit-time-ns-total", "client-id", "p-1"), 1.5e9);
        bound.refresh();
        String text = registry.scrape();
        assertTrue(text.contains("# TYPE kafka_stream_thread_blocked_time_seconds_total counter"), text);
        assertTrue(text.contains("kafka_stream_thread_blocked_time_seconds_total{thread_id=\"t-1\"} 2.5"), text);
        assertTrue(text.contains("kafka_producer_txn_commit_time_seconds_total{client_id=\"p-1\"} 1.5"), text);
        assertFalse(text.contains("_ns_total"), text);
    }

    @Test
    void valuesAreReadWhenScraped() {
        AtomicReference<Double> lag = new AtomicReference<>(10.0);
        kafka.addMetric(name("consumer-fetch-manager-metrics", "records-lag", "client-id", "c", "topic", "labels",
                "partition", "0"), (Measurable) (config, now) -> lag.get());
        bound.refresh();
        assertTrue(registry.scrape().contains("kafka_consumer_fetch_manager_records_lag{client_id=\"c\",partition=\"0\",topic=\"labels\"} 10.0"));
        lag.set(7.0);
        assertTrue(registry.scrape().contains("kafka_consumer_fetch_manager_records_lag{client_id=\"c\",partition=\"0\",topic=\"labels\"} 7.0"));
    }

    @Test
    void theAgeOfEachStreamThreadsLastHeartbeatIsExportedToAlertOnABrokerOutage() {
        // the broker outage signal of the README's ModelwatchKafkaUnreachable rule: it grows while no broker answers
        AtomicReference<Double> age = new AtomicReference<>(1.0);
        kafka.addMetric(name("consumer-coordinator-metrics", "last-heartbeat-seconds-ago", "client-id",
                "app-StreamThread-1-consumer"), (Measurable) (config, now) -> age.get());
        bound.refresh();
        String series = "kafka_consumer_coordinator_last_heartbeat_seconds_ago{client_id=\"app-StreamThread-1-consumer\"}";
        assertTrue(registry.scrape().contains(series + " 1.0"), registry.scrape());
        age.set(75.0);
        assertTrue(registry.scrape().contains(series + " 75.0"), registry.scrape());
        assertTrue(MonitorMetrics.kafkaClientSeries().contains("kafka_consumer_coordinator_last_heartbeat_seconds_ago"));
    }

    @Test
    void aClientLevelNameKeepsOneLabelSet() {
        add(name("consumer-fetch-manager-metrics", "records-lag-max", "client-id", "c"), 500);
        add(name("consumer-fetch-manager-metrics", "records-lag-max", "client-id", "c", "topic", "labels",
                "partition", "0"), 200);
        bound.refresh();
        String text = registry.scrape();
        assertTrue(text.contains("kafka_consumer_fetch_manager_records_lag_max{client_id=\"c\"} 500.0"), text);
        assertFalse(text.contains("partition="), "the per-partition copy is left out: " + text);
        assertEquals(1, bound.boundCount());
    }

    @Test
    void metricsKafkaAddsOrRemovesLaterAreFollowedAtTheNextRefresh() {
        MetricName task0 = name("stream-task-metrics", "dropped-records-total", "thread-id", "t", "task-id", "0_0");
        MetricName task1 = name("stream-task-metrics", "dropped-records-total", "thread-id", "t", "task-id", "0_1");
        add(task0, 1);
        bound.refresh();
        assertEquals(1, bound.boundCount());

        add(task1, 2); // a task assigned by a rebalance
        kafka.removeMetric(task0); // one revoked
        assertTrue(registry.scrape().contains("task_id=\"0_0\""), "until the next refresh");
        bound.refresh();
        String text = registry.scrape();
        assertFalse(text.contains("task_id=\"0_0\""), text);
        assertTrue(text.contains("kafka_stream_task_dropped_records_total{task_id=\"0_1\",thread_id=\"t\"} 2.0"), text);
        assertEquals(1, bound.boundCount());

        bound.close();
        assertFalse(registry.scrape().contains("kafka_"), "close removes every meter");
    }

    @Test
    void aValueThatIsNoNumberOrCannotBeReadIsNaN() {
        kafka.addMetric(name("stream-metrics", "client-state", "client-id", "c"), (Gauge<String>) (config, now) -> "RUNNING");
        kafka.addMetric(name("stream-state-metrics", "block-cache-usage", "rocksdb-state-id", "s"),
                (Gauge<Long>) (config, now) -> {
                    throw new IllegalStateException("store closed");
                });
        bound.refresh();
        String text = registry.scrape();
        assertTrue(text.contains("kafka_stream_client_state{client_id=\"c\"} NaN"), text);
        assertTrue(text.contains("kafka_stream_state_block_cache_usage{rocksdb_state_id=\"s\"} NaN"), text);
    }

    @Test
    void theListIsWellFormedAndTheReadmeNamesEverySeries() throws Exception {
        Set<String> seen = new HashSet<>();
        List<String> problems = new ArrayList<>();
        String readme = Files.readString(Path.of("README.md"));
        int section = readme.indexOf("### Kafka Streams client metrics");
        String part = readme.substring(section, readme.indexOf("\n### ", section + 5));
        for (KafkaClientMetrics.Wanted w : KafkaClientMetrics.WANTED) {
            if (!seen.add(w.group() + "/" + w.name())) {
                problems.add("listed twice: " + w);
            }
            if (w.kind() == KafkaClientMetrics.Kind.GAUGE && w.name().endsWith("-total")) {
                problems.add("a -total that is not a counter: " + w);
            }
            if (!part.contains("`" + w.prometheusName() + "`")) {
                problems.add("README, Kafka Streams client metrics, does not name " + w.prometheusName());
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
        assertEquals(KafkaClientMetrics.WANTED.size(), MonitorMetrics.kafkaClientSeries().size());
    }
}
