package io.modelwatch.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the alerts topic (committed records only) so any instance can answer "what is firing"
 * for the whole cluster: the latest record per alert key, and the most recent records.
 */
final class AlertFeed implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AlertFeed.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int RECENT = 100;

    private final KafkaConsumer<String, String> consumer;
    private final Thread thread;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Map<String, JsonNode> latestByKey = new LinkedHashMap<>();
    private final Deque<JsonNode> recent = new ArrayDeque<>();

    AlertFeed(Properties clientProps, String topic) {
        Properties p = new Properties();
        p.putAll(clientProps);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.remove(ConsumerConfig.GROUP_ID_CONFIG);
        consumer = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer());
        thread = new Thread(() -> follow(topic), "modelwatch-alert-feed");
        thread.setDaemon(true);
    }

    AlertFeed start() {
        thread.start();
        return this;
    }

    private void follow(String topic) {
        try {
            var partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(i -> new org.apache.kafka.common.TopicPartition(i.topic(), i.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            while (running.get()) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    add(r.key(), JSON.readTree(r.value()));
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (Exception e) {
            LOG.warn("alert feed stopped: {}", e.toString());
        }
    }

    private synchronized void add(String key, JsonNode alert) {
        latestByKey.put(key, alert);
        recent.addFirst(alert);
        while (recent.size() > RECENT) {
            recent.removeLast();
        }
    }

    /** Alerts whose latest state is FIRING, then the recent records, newest first. */
    synchronized List<JsonNode> alerts() {
        List<JsonNode> out = new ArrayList<>();
        latestByKey.values().stream().filter(a -> "FIRING".equals(a.path("state").asText())).forEach(out::add);
        for (JsonNode r : recent) {
            if (!out.contains(r)) {
                out.add(r);
            }
        }
        return out;
    }

    @Override
    public void close() {
        running.set(false);
        consumer.wakeup();
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        consumer.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ofSeconds(2)));
    }
}
