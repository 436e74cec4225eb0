package io.modelwatch.embedded;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.internals.Exit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.reflect.Field;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@SuppressWarnings("try") // the clusters are closed explicitly to time close(); try-with-resources is the safety net
class EmbeddedKafkaClusterIT {

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void singleNodeTransactionalRoundTrip() throws Exception {
        Object haltBefore = exitProcedure("haltProcedure");
        Object exitBefore = exitProcedure("exitProcedure");
        long t0 = System.nanoTime();
        try (EmbeddedKafkaCluster cluster = EmbeddedKafkaCluster.start(1)) {
            System.out.printf("[embedded-kafka] 1 node started in %d ms%n", millisSince(t0));
            String topic = "tx-roundtrip";
            cluster.createTopic(topic, 3, 1);

            Map<String, Object> pp = producerProps(cluster);
            pp.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "embedded-it-tx");
            List<String> expected = new ArrayList<>();
            long tp = System.nanoTime();
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(pp)) {
                producer.initTransactions();
                producer.beginTransaction();
                for (int i = 0; i < 500; i++) {
                    producer.send(new ProducerRecord<>(topic, "k-" + i, value(i)));
                    expected.add(value(i));
                }
                producer.commitTransaction();
                // an aborted transaction in between must stay invisible to read_committed
                producer.beginTransaction();
                for (int i = 0; i < 100; i++) {
                    producer.send(new ProducerRecord<>(topic, "k-" + i, "aborted-" + i));
                }
                producer.flush();
                producer.abortTransaction();
                producer.beginTransaction();
                for (int i = 500; i < 1000; i++) {
                    producer.send(new ProducerRecord<>(topic, "k-" + i, value(i)));
                    expected.add(value(i));
                }
                producer.commitTransaction();
            }
            System.out.printf("[embedded-kafka] 1000 transactional records produced in %d ms%n", millisSince(tp));

            long tc = System.nanoTime();
            List<ConsumerRecord<String, String>> got =
                consumeWithGroup(cluster, topic, "embedded-it-group", expected.size(), Duration.ofSeconds(30));
            System.out.printf("[embedded-kafka] 1000 records consumed (read_committed, group) in %d ms%n",
                millisSince(tc));

            assertEquals(1000, got.size(), "record count");
            assertEquals(sorted(expected), sorted(values(got)), "record content");
            for (ConsumerRecord<String, String> r : got) {
                assertEquals("k-" + r.value().substring("v-".length()), r.key(), "key matches value");
            }
            assertPerPartitionOrder(got);
            assertTrue(cluster.fatalFaults().isEmpty(), () -> "fatal faults: " + cluster.fatalFaults());

            // a broker's fatal fault handler ends in Exit.halt: while the cluster is open that throws instead
            EmbeddedKafkaCluster.FatalBrokerFault fault = assertThrows(EmbeddedKafkaCluster.FatalBrokerFault.class,
                () -> Exit.halt(42, "simulated fatal fault"));
            assertEquals(42, fault.statusCode());
            assertEquals(1, cluster.fatalFaults().size());
            assertThrows(EmbeddedKafkaCluster.FatalBrokerFault.class, () -> Exit.exit(1));

            long tClose = System.nanoTime();
            cluster.close();
            System.out.printf("[embedded-kafka] 1 node closed in %d ms%n", millisSince(tClose));
        }
        assertSame(haltBefore, exitProcedure("haltProcedure"), "halt procedure restored");
        assertSame(exitBefore, exitProcedure("exitProcedure"), "exit procedure restored");
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void threeNodesSurviveABrokerStopAndRestart() throws Exception {
        long t0 = System.nanoTime();
        try (EmbeddedKafkaCluster cluster = EmbeddedKafkaCluster.start(3)) {
            System.out.printf("[embedded-kafka] 3 nodes started in %d ms%n", millisSince(t0));
            String topic = "failover";
            cluster.createTopic(topic, 3, 3);

            Map<String, Object> pp = producerProps(cluster);
            pp.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 45_000);
            pp.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
            List<String> expected = new ArrayList<>();
            List<ConsumerRecord<String, String>> got = new ArrayList<>();

            try (KafkaProducer<String, String> producer = new KafkaProducer<>(pp);
                 KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProps(cluster, null))) {
                List<TopicPartition> partitions = IntStream.range(0, 3)
                    .mapToObj(p -> new TopicPartition(topic, p)).collect(Collectors.toList());
                consumer.assign(partitions);
                consumer.seekToBeginning(partitions);

                produce(producer, topic, 0, 300, expected);
                pollUntil(consumer, got, expected.size(), Duration.ofSeconds(20));

                int victim = activeController(cluster);
                long ts = System.nanoTime();
                cluster.stopBroker(victim);
                System.out.printf("[embedded-kafka] stopped node %d (the active controller) in %d ms%n",
                    victim, millisSince(ts));
                assertFalse(cluster.isRunning(victim));

                long tp = System.nanoTime();
                produce(producer, topic, 300, 600, expected);
                System.out.printf("[embedded-kafka] 300 records (acks=all) with a node down in %d ms%n",
                    millisSince(tp));
                pollUntil(consumer, got, expected.size(), Duration.ofSeconds(20));

                long tr = System.nanoTime();
                cluster.restartBroker(victim);
                System.out.printf("[embedded-kafka] restarted node %d in %d ms%n", victim, millisSince(tr));
                long ti = System.nanoTime();
                cluster.awaitInSyncReplicas(topic, Duration.ofSeconds(30));
                System.out.printf("[embedded-kafka] full ISR again after %d ms%n", millisSince(ti));

                produce(producer, topic, 600, 900, expected);
                pollUntil(consumer, got, expected.size(), Duration.ofSeconds(20));
                // anything beyond the expected records (duplicates) would show up here
                got.addAll(drain(consumer, Duration.ofMillis(1000)));
            }

            assertExactlyOnce(expected, got);
            assertPerPartitionOrder(got);

            // a consumer group (offsets topic RF 3) still works after the failover
            List<ConsumerRecord<String, String>> viaGroup =
                consumeWithGroup(cluster, topic, "failover-group", expected.size(), Duration.ofSeconds(30));
            assertExactlyOnce(expected, viaGroup);
            assertTrue(cluster.fatalFaults().isEmpty(), () -> "fatal faults: " + cluster.fatalFaults());

            long tClose = System.nanoTime();
            cluster.close();
            System.out.printf("[embedded-kafka] 3 nodes closed in %d ms%n", millisSince(tClose));
        }
    }

    // ------------------------------------------------------------------------------------------------------

    private static Object exitProcedure(String field) throws ReflectiveOperationException {
        Field f = Exit.class.getDeclaredField(field);
        f.setAccessible(true);
        return f.get(null);
    }

    private static String value(int i) {
        return "v-" + i;
    }

    private static long millisSince(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanos);
    }

    private static Map<String, Object> producerProps(EmbeddedKafkaCluster cluster) {
        Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        return p;
    }

    private static Map<String, Object> consumerProps(EmbeddedKafkaCluster cluster, String groupId) {
        Map<String, Object> p = new HashMap<>();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        if (groupId != null) {
            p.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        }
        return p;
    }

    private static void produce(KafkaProducer<String, String> producer, String topic, int from, int to,
                                List<String> expected) {
        List<Exception> failures = new CopyOnWriteArrayList<>();
        for (int i = from; i < to; i++) {
            producer.send(new ProducerRecord<>(topic, "k-" + i, value(i)), (md, e) -> {
                if (e != null) {
                    failures.add(e);
                }
            });
            expected.add(value(i));
        }
        producer.flush();
        assertTrue(failures.isEmpty(), () -> "send failures: " + failures);
    }

    private static void pollUntil(KafkaConsumer<String, String> consumer, List<ConsumerRecord<String, String>> sink,
                                  int count, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (sink.size() < count && System.nanoTime() < deadline) {
            consumer.poll(Duration.ofMillis(200)).forEach(sink::add);
        }
        assertTrue(sink.size() >= count, () -> "only " + sink.size() + " of " + count + " records within " + timeout);
    }

    private static List<ConsumerRecord<String, String>> drain(KafkaConsumer<String, String> consumer, Duration d) {
        List<ConsumerRecord<String, String>> out = new ArrayList<>();
        long deadline = System.nanoTime() + d.toNanos();
        while (System.nanoTime() < deadline) {
            consumer.poll(Duration.ofMillis(100)).forEach(out::add);
        }
        return out;
    }

    private static List<ConsumerRecord<String, String>> consumeWithGroup(EmbeddedKafkaCluster cluster, String topic,
                                                                         String group, int count, Duration timeout) {
        List<ConsumerRecord<String, String>> got = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProps(cluster, group))) {
            consumer.subscribe(List.of(topic));
            pollUntil(consumer, got, count, timeout);
            got.addAll(drain(consumer, Duration.ofMillis(500)));
            consumer.commitSync(Duration.ofSeconds(10));
        }
        return got;
    }

    private static int activeController(EmbeddedKafkaCluster cluster) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers()))) {
            return admin.describeMetadataQuorum().quorumInfo().get(10, TimeUnit.SECONDS).leaderId();
        }
    }

    private static List<String> values(List<ConsumerRecord<String, String>> records) {
        return records.stream().map(ConsumerRecord::value).collect(Collectors.toList());
    }

    private static List<String> sorted(List<String> values) {
        return values.stream().sorted().collect(Collectors.toList());
    }

    private static void assertExactlyOnce(List<String> expected, List<ConsumerRecord<String, String>> got) {
        Map<String, Long> counts = got.stream()
            .collect(Collectors.groupingBy(ConsumerRecord::value, TreeMap::new, Collectors.counting()));
        List<String> dupes = counts.entrySet().stream().filter(e -> e.getValue() > 1)
            .map(Map.Entry::getKey).collect(Collectors.toList());
        assertTrue(dupes.isEmpty(), () -> "duplicates: " + dupes);
        assertEquals(expected.size(), got.size(), "record count");
        assertEquals(sorted(expected), sorted(values(got)), "record content");
    }

    /** Within each partition the producer's send order (index in the value) must be kept. */
    private static void assertPerPartitionOrder(List<ConsumerRecord<String, String>> got) {
        Map<Integer, List<ConsumerRecord<String, String>>> byPartition =
            got.stream().collect(Collectors.groupingBy(ConsumerRecord::partition));
        byPartition.forEach((p, records) -> {
            int last = -1;
            long lastOffset = -1;
            for (ConsumerRecord<String, String> r : records) {
                int idx = Integer.parseInt(r.value().substring("v-".length()));
                assertTrue(idx > last, "partition " + p + " out of order at " + r.value());
                assertTrue(r.offset() > lastOffset, "partition " + p + " offsets not increasing");
                last = idx;
                lastOffset = r.offset();
            }
        });
    }
}
