package io.modelwatch.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the alerts topic (committed records only) so any instance can answer "what is firing"
 * for the whole cluster: the latest record per alert key, and the most recent records.
 *
 * <p>The latest record of a key is the last one read: one key lives in one partition, so the topic's
 * order is the order its records were written in, whatever the writers' clocks say. A tombstone (null
 * value, how an operator deletes a key of the compacted topic) forgets the key; an unreadable value is
 * skipped. The feed outlives failures to reach Kafka: it retries until closed.
 *
 * <p>It is {@link #caughtUp()} once it has read up to the end offsets the topic had when it started: until
 * then its list may lack alerts that fire, so /ready waits for it. Partitions added to the topic later are
 * found within about {@link #PARTITION_REFRESH} plus {@link #PARTITION_CHECK} and read from their beginning.
 */
final class AlertFeed implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AlertFeed.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int RECENT = 100;
    private static final Duration POLL = Duration.ofMillis(500);
    private static final Duration METADATA_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration FIRST_RETRY = Duration.ofSeconds(1);
    private static final Duration LAST_RETRY = Duration.ofSeconds(30);
    /**
     * How old the consumer's metadata of the topic may get (metadata.max.age.ms, 5 min by default): the consumer
     * answers partitionsFor from it for a topic it reads, so partitions added to the topic show only after this.
     */
    static final Duration PARTITION_REFRESH = Duration.ofSeconds(30);
    /** How often the feed compares the partitions it reads with that metadata: a look at a cache, no request. */
    static final Duration PARTITION_CHECK = Duration.ofSeconds(5);

    private final Consumer<String, String> consumer;
    private final String topic;
    private final Duration partitionCheck;
    private final Thread thread;
    private final CountDownLatch closing = new CountDownLatch(1);
    private final Map<String, JsonNode> latestByKey = new LinkedHashMap<>();
    /** The most recent records, newest first, with their topic key so a tombstone can take them back. */
    private final Deque<KeyedAlert> recent = new ArrayDeque<>();
    private final AtomicLong unreadableRecords = new AtomicLong();
    private volatile boolean caughtUp;
    /** The feed thread's own: the end offsets seen when it assigned the partitions, left to reach. */
    private Map<TopicPartition, Long> endOffsetsToReach;
    /** The feed thread's own: the partitions it reads, and when to look for new ones (System.nanoTime). */
    private final List<TopicPartition> assigned = new ArrayList<>();
    private long nextPartitionCheck;

    private record KeyedAlert(String key, JsonNode alert) {
    }

    AlertFeed(Properties clientProps, String topic) {
        this(newConsumer(clientProps, PARTITION_REFRESH), topic, PARTITION_CHECK);
    }

    /** A feed reading through {@code consumer}, which it closes (tests pass a MockConsumer). */
    AlertFeed(Consumer<String, String> consumer, String topic) {
        this(consumer, topic, PARTITION_CHECK);
    }

    /** As above, looking for new partitions every {@code partitionCheck} (tests: at every poll). */
    AlertFeed(Consumer<String, String> consumer, String topic, Duration partitionCheck) {
        this.consumer = consumer;
        this.topic = topic;
        this.partitionCheck = partitionCheck;
        thread = new Thread(this::follow, "modelwatch-alert-feed");
        thread.setDaemon(true);
    }

    /** The feed's consumer: committed records only, from the beginning, no consumer group. */
    static Consumer<String, String> newConsumer(Properties clientProps, Duration partitionRefresh) {
        Properties p = new Properties();
        p.putAll(clientProps);
        p.put(ConsumerConfig.METADATA_MAX_AGE_CONFIG, partitionRefresh.toMillis());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.remove(ConsumerConfig.GROUP_ID_CONFIG);
        return new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer());
    }

    AlertFeed start() {
        thread.start();
        return this;
    }

    private void follow() {
        Duration retry = FIRST_RETRY;
        boolean failing = false;
        while (!closing()) {
            try {
                if (endOffsetsToReach == null) {
                    assignFromTheBeginning();
                } else if (System.nanoTime() - nextPartitionCheck >= 0) {
                    readNewPartitions();
                }
                apply(consumer.poll(POLL));
                noteCaughtUp();
                if (failing) {
                    LOG.info("alert feed: reading {} again", topic);
                    failing = false;
                }
                retry = FIRST_RETRY;
            } catch (WakeupException e) {
                // close() wakes the consumer up; the loop's test ends the thread
            } catch (RuntimeException e) {
                if (closing()) {
                    return;
                }
                // /api/alerts and the alert gauges read this feed: it must not end while the service runs
                LOG.warn("alert feed: reading {} failed, retrying in {} s: {}", topic, retry.toSeconds(), e.toString());
                failing = true;
                if (!pause(retry)) {
                    return;
                }
                Duration doubled = retry.multipliedBy(2);
                retry = doubled.compareTo(LAST_RETRY) < 0 ? doubled : LAST_RETRY;
            }
        }
    }

    private void assignFromTheBeginning() {
        List<TopicPartition> partitions = partitions();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        // with read_committed these are the last stable offsets: what a reader can reach
        endOffsetsToReach = new HashMap<>(consumer.endOffsets(partitions, METADATA_TIMEOUT));
        assigned.addAll(partitions);
        nextPartitionCheck = System.nanoTime() + partitionCheck.toNanos();
    }

    /**
     * Reads partitions added to the topic since from their beginning (their first records may have been written
     * before this look). Found before the feed caught up, their end offsets are to be reached too.
     */
    private void readNewPartitions() {
        nextPartitionCheck = System.nanoTime() + partitionCheck.toNanos(); // a failing look waits its turn too
        List<TopicPartition> added = new ArrayList<>(partitions());
        added.removeAll(assigned);
        if (added.isEmpty()) {
            return;
        }
        Map<TopicPartition, Long> ends = caughtUp ? Map.of() : consumer.endOffsets(added, METADATA_TIMEOUT);
        List<TopicPartition> all = new ArrayList<>(assigned);
        all.addAll(added);
        consumer.assign(all); // the partitions read already keep their positions
        consumer.seekToBeginning(added);
        assigned.addAll(added);
        endOffsetsToReach.putAll(ends);
        LOG.info("alert feed: reading the partitions added to {} from their beginning: {}", topic, added);
    }

    private List<TopicPartition> partitions() {
        List<PartitionInfo> infos = consumer.partitionsFor(topic, METADATA_TIMEOUT);
        if (infos == null || infos.isEmpty()) {
            throw new IllegalStateException("topic " + topic + " has no partitions (not created yet?)");
        }
        return infos.stream().map(i -> new TopicPartition(i.topic(), i.partition())).toList();
    }

    private void apply(ConsumerRecords<String, String> records) {
        for (ConsumerRecord<String, String> r : records) {
            if (r.value() == null) {
                forget(r.key());
                continue;
            }
            JsonNode alert = read(r);
            if (alert != null) {
                add(r.key(), alert);
            }
        }
    }

    /** The record's alert, or null (logged, counted) when its value is no JSON object. */
    private JsonNode read(ConsumerRecord<String, String> r) {
        String problem;
        try {
            JsonNode alert = JSON.readTree(r.value());
            if (alert.isObject()) {
                return alert;
            }
            problem = "not a JSON object";
        } catch (JsonProcessingException e) {
            problem = e.getOriginalMessage();
        }
        unreadableRecords.incrementAndGet();
        LOG.warn("alert feed: skipping the unreadable record at {}-{} offset {}: {}", r.topic(), r.partition(),
                r.offset(), problem);
        return null;
    }

    private void noteCaughtUp() {
        if (caughtUp) {
            return;
        }
        endOffsetsToReach.entrySet().removeIf(e -> reached(e.getKey(), e.getValue()));
        if (endOffsetsToReach.isEmpty()) {
            caughtUp = true;
            LOG.info("alert feed: caught up with {}", topic);
        }
    }

    private boolean reached(TopicPartition partition, long endOffset) {
        try {
            return consumer.position(partition, Duration.ZERO) >= endOffset;
        } catch (TimeoutException e) {
            return false; // the position is not known yet: the next poll finds it
        }
    }

    private synchronized void add(String key, JsonNode alert) {
        latestByKey.put(key, alert);
        recent.addFirst(new KeyedAlert(key, alert));
        while (recent.size() > RECENT) {
            recent.removeLast();
        }
    }

    /** A tombstone: the key's records go from the recent ones too, else its last FIRING one would still count. */
    private synchronized void forget(String key) {
        latestByKey.remove(key);
        recent.removeIf(r -> Objects.equals(r.key(), key));
    }

    /**
     * Alerts whose latest state is FIRING, then the recent records, newest first. Per alert key the
     * first record listed is its latest one (what {@code MonitorView.alerts()} promises).
     */
    synchronized List<JsonNode> alerts() {
        List<JsonNode> out = new ArrayList<>();
        latestByKey.values().stream().filter(a -> "FIRING".equals(a.path("state").asText())).forEach(out::add);
        for (KeyedAlert r : recent) {
            if (!out.contains(r.alert())) {
                out.add(r.alert());
            }
        }
        return out;
    }

    /** True once the feed has read up to the end offsets the topic had when the feed started reading. */
    boolean caughtUp() {
        return caughtUp;
    }

    /** Records skipped because their value was no JSON object. */
    long unreadableRecords() {
        return unreadableRecords.get();
    }

    private boolean closing() {
        return closing.getCount() == 0;
    }

    /** Waits {@code d} unless the feed closes meanwhile; false when it is closing (or interrupted). */
    private boolean pause(Duration d) {
        try {
            return !closing.await(d.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            LOG.warn("alert feed: interrupted, stopped");
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public void close() {
        closing.countDown();
        consumer.wakeup();
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        consumer.close(CloseOptions.timeout(Duration.ofSeconds(2)));
    }
}
