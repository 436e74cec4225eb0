package io.modelwatch.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.internals.AutoOffsetResetStrategy;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;

/**
 * The alert feed over a MockConsumer: what /api/alerts and the modelwatch_alert(s)_firing gauges read. The
 * alerts topic is compacted; a tombstone on it (an operator clearing the alert of a retired model) and an
 * unreadable record must not stop the feed, nor must a failure to reach Kafka.
 */
class AlertFeedTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String TOPIC = "model-alerts";
    static final TopicPartition PARTITION = new TopicPartition(TOPIC, 0);
    static final String RETIRED = key("retired");
    static final String FRAUD = key("fraud");

    /**
     * The alerts topic, one partition to begin with; an empty poll pauses a little, as a real one waits for
     * records.
     */
    static class AlertsTopic extends MockConsumer<String, String> {
        final AtomicInteger metadataFailuresLeft = new AtomicInteger();
        final AtomicInteger metadataRequests = new AtomicInteger();
        private final List<PartitionInfo> partitions = new ArrayList<>();

        AlertsTopic(long endOffset) {
            super(AutoOffsetResetStrategy.EARLIEST.name());
            addPartition(endOffset);
        }

        /** A partition more in the topic's metadata (kafka-topics --alter --partitions), its end at {@code endOffset}. */
        synchronized TopicPartition addPartition(long endOffset) {
            TopicPartition p = new TopicPartition(TOPIC, partitions.size());
            partitions.add(new PartitionInfo(TOPIC, p.partition(), Node.noNode(), new Node[0], new Node[0]));
            updateBeginningOffsets(Map.of(p, 0L));
            updateEndOffsets(Map.of(p, endOffset));
            updatePartitions(TOPIC, List.copyOf(partitions));
            return p;
        }

        @Override
        public List<PartitionInfo> partitionsFor(String topic, Duration timeout) {
            metadataRequests.incrementAndGet();
            if (metadataFailuresLeft.getAndDecrement() > 0) {
                throw new TimeoutException("Timeout expired while fetching topic metadata");
            }
            return super.partitionsFor(topic, timeout);
        }

        @Override
        public ConsumerRecords<String, String> poll(Duration timeout) {
            ConsumerRecords<String, String> records = super.poll(timeout);
            if (records.isEmpty()) {
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return records;
        }

        /** Appends the records (null values are tombstones) at the next poll, from {@code offset} on. */
        void append(long offset, String key, String... values) {
            append(PARTITION, offset, key, values);
        }

        /** As above, to {@code partition}, at the first poll once the feed reads it (records only go to those). */
        void append(TopicPartition partition, long offset, String key, String... values) {
            schedulePollTask(new Runnable() {
                @Override
                public void run() {
                    if (!assignment().contains(partition)) {
                        schedulePollTask(this);
                        return;
                    }
                    long o = offset;
                    for (String v : values) {
                        addRecord(new ConsumerRecord<>(TOPIC, partition.partition(), o++, key, v));
                    }
                }
            });
        }
    }

    @Test
    void aTombstoneForgetsTheAlertAndTheFeedGoesOn() throws Exception {
        AlertsTopic topic = new AlertsTopic(1);
        topic.append(0, RETIRED, alert("retired", "FIRING", 1000));
        try (AlertFeed feed = new AlertFeed(topic, TOPIC).start()) {
            await(feed::caughtUp, "the feed read the FIRING record");
            assertEquals(List.of("retired"), firingModels(feed));

            topic.append(1, RETIRED, (String) null); // the operator deletes the key
            topic.append(2, FRAUD, alert("fraud", "FIRING", 2000));
            await(() -> firingModels(feed).contains("fraud"), "the FIRING record after the tombstone");
            assertEquals(List.of("fraud"), firingModels(feed));
            assertEquals(List.of(JSON.readTree(alert("fraud", "FIRING", 2000))), feed.alerts(),
                    "the retired model's records are gone from the recent ones too");
        }
    }

    @Test
    void theLastRecordOfAKeyOnTheTopicIsItsLatestWhateverItsTimestamp() throws Exception {
        AlertsTopic topic = new AlertsTopic(2);
        // RESOLVED written after FIRING by an instance whose clock is 1.5 s behind
        topic.append(0, FRAUD, alert("fraud", "FIRING", 1_500), alert("fraud", "RESOLVED", 0));
        try (AlertFeed feed = new AlertFeed(topic, TOPIC).start()) {
            await(feed::caughtUp, "the feed read both records");
            assertEquals(List.of(JSON.readTree(alert("fraud", "RESOLVED", 0)), JSON.readTree(alert("fraud", "FIRING", 1_500))),
                    feed.alerts(), "per key the latest record first, and none FIRING");
        }
    }

    @Test
    void unreadableRecordsAreSkippedOneByOne() throws Exception {
        AlertsTopic topic = new AlertsTopic(4);
        topic.append(0, FRAUD, "{\"state\":", "[1, 2]", "", alert("fraud", "FIRING", 1000));
        try (AlertFeed feed = new AlertFeed(topic, TOPIC).start()) {
            await(feed::caughtUp, "the feed read past the unreadable records");
            assertEquals(List.of(JSON.readTree(alert("fraud", "FIRING", 1000))), feed.alerts());
            assertEquals(3, feed.unreadableRecords());
        }
    }

    @Test
    void aFailedPollIsRetried() throws Exception {
        AlertsTopic topic = new AlertsTopic(1);
        topic.setPollException(new KafkaException("connection to the leader lost"));
        topic.append(0, FRAUD, alert("fraud", "FIRING", 1000));
        try (AlertFeed feed = new AlertFeed(topic, TOPIC).start()) {
            await(feed::caughtUp, "the feed read the record after the failed poll");
            assertEquals(List.of("fraud"), firingModels(feed));
        }
    }

    @Test
    void topicMetadataThatTimesOutIsAskedForAgain() throws Exception {
        AlertsTopic topic = new AlertsTopic(1);
        topic.metadataFailuresLeft.set(1);
        topic.append(0, FRAUD, alert("fraud", "FIRING", 1000));
        // no look for new partitions meanwhile: the count is of the first look's tries
        try (AlertFeed feed = new AlertFeed(topic, TOPIC, Duration.ofDays(1)).start()) {
            await(feed::caughtUp, "the feed read the topic once its metadata came");
            assertEquals(2, topic.metadataRequests.get());
            assertEquals(List.of("fraud"), firingModels(feed));
        }
    }

    @Test
    void anEmptyTopicIsCaughtUpAtOnce() throws Exception {
        AlertsTopic topic = new AlertsTopic(0);
        try (AlertFeed feed = new AlertFeed(topic, TOPIC).start()) {
            await(feed::caughtUp, "the feed caught up with an empty topic");
            assertEquals(List.of(), feed.alerts());
        }
    }

    /** An operator adds a partition to the alerts topic while the feed runs: it reads it, from the beginning. */
    @Test
    void aPartitionAddedWhileTheFeedRunsIsReadFromTheBeginning() throws Exception {
        AlertsTopic topic = new AlertsTopic(1);
        topic.append(0, FRAUD, alert("fraud", "FIRING", 1000));
        try (AlertFeed feed = new AlertFeed(topic, TOPIC, Duration.ZERO).start()) {
            await(feed::caughtUp, "the feed read partition 0");
            TopicPartition added = topic.addPartition(2);
            topic.append(added, 0, key("churn"), alert("churn", "FIRING", 2000));
            topic.append(added, 1, RETIRED, alert("retired", "FIRING", 3000));
            await(() -> firingModels(feed).contains("retired"), "the records of the added partition");
            assertEquals(List.of("churn", "fraud", "retired"), firingModels(feed).stream().sorted().toList(),
                    "its first record too");
            assertTrue(feed.caughtUp(), "a partition added later does not take readiness back");
        }
    }

    /**
     * A partition found before the feed caught up counts as one it started with: the alerts written to it
     * before are as much part of "what is firing".
     */
    @Test
    void aPartitionFoundBeforeTheFeedCaughtUpIsReadToItsEndFirst() throws Exception {
        AlertsTopic topic = new AlertsTopic(1);
        try (AlertFeed feed = new AlertFeed(topic, TOPIC, Duration.ZERO).start()) {
            await(() -> topic.assignment().contains(PARTITION), "the feed reads partition 0");
            TopicPartition added = topic.addPartition(1);
            await(() -> topic.assignment().contains(added), "the feed found the new partition");
            topic.append(0, FRAUD, alert("fraud", "FIRING", 1000));
            await(() -> firingModels(feed).contains("fraud"), "partition 0 read to its end");
            assertFalse(feed.caughtUp(), "the new partition's record is still to be read");

            topic.append(added, 0, RETIRED, alert("retired", "FIRING", 2000));
            await(feed::caughtUp, "the feed read the new partition to its end");
            assertEquals(List.of("fraud", "retired"), firingModels(feed).stream().sorted().toList());
        }
    }

    private static List<String> firingModels(AlertFeed feed) {
        return feed.alerts().stream().filter(a -> "FIRING".equals(a.path("state").asText()))
                .map(a -> a.path("model_id").asText()).toList();
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for: " + what);
            }
            Thread.sleep(20);
        }
    }

    private static String key(String model) {
        return "{\"rule\":\"f1-floor\",\"model_id\":\"" + model + "\",\"model_version\":\"v1\",\"slice\":null}";
    }

    private static String alert(String model, String state, long timestamp) {
        return "{\"alert_id\":\"f1-floor/" + model + "/v1//0\",\"rule\":\"f1-floor\",\"model_id\":\"" + model
                + "\",\"model_version\":\"v1\",\"slice\":null,\"metric\":\"f1\",\"value\":0.5,\"threshold\":0.8,"
                + "\"labeled\":100,\"window_start\":0,\"window_end\":3600000,\"state\":\"" + state
                + "\",\"severity\":\"critical\",\"timestamp\":" + timestamp + "}";
    }

    @Test
    void theFeedsConsumerBacksOffAsTheStreamsClientsDo() {
        // the feed's consumer is one more client logging each failed reconnect during a broker outage
        java.util.Properties ours = ModelwatchService.clientProperties(
                io.modelwatch.config.ModelwatchConfig.load(null, Map.of()).streamsProperties());
        assertEquals("10000", ours.getProperty("reconnect.backoff.max.ms"));
        java.util.Properties tuned = ModelwatchService.clientProperties(io.modelwatch.config.ModelwatchConfig.load(null,
                Map.of("MODELWATCH_KAFKA_PROPERTY_RECONNECT_BACKOFF_MS", "200",
                        "MODELWATCH_KAFKA_PROPERTY_RECONNECT_BACKOFF_MAX_MS", "3000")).streamsProperties());
        assertEquals("200", tuned.getProperty("reconnect.backoff.ms"));
        assertEquals("3000", tuned.getProperty("reconnect.backoff.max.ms"));
    }
}
