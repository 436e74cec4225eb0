package io.modelwatch.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelwatch.Stderr;
import io.modelwatch.config.ModelwatchConfig;
import io.modelwatch.embedded.EmbeddedKafkaCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cluster with authentication (SASL/PLAIN) and authorization (KRaft's StandardAuthorizer, nothing allowed without
 * an ACL): the service runs under a principal that holds exactly the ACLs the README lists ("Running on your own
 * cluster", "Kafka ACLs") and does everything it does on an open cluster: creates its topics, joins, windows, writes
 * metrics, dead letters and alerts with exactly-once, reads its alerts back, records whose state it holds.
 */
class SecuredClusterIT {

    private static final String APP = "mw-secured";
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final String ADMIN_JAAS = jaas("admin", "admin-secret");

    @Test
    void theServiceRunsWithTheAclsTheReadmeLists(@TempDir Path dir) throws Exception {
        try (EmbeddedKafkaCluster kafka = securedCluster(); Admin admin = Admin.create(client(kafka, ADMIN_JAAS))) {
            prepare(admin, serviceAcls("User:modelwatch"));
            Path rules = dir.resolve("rules.yaml");
            Files.writeString(rules, "rules:\n  - name: accuracy-floor\n    models: [\"*\"]\n    metric: accuracy\n"
                    + "    below: 0.9\n    on_updates: true\n    severity: critical\n");

            String log = Stderr.tee(() -> {
                try (ModelwatchService service = new ModelwatchService(ModelwatchConfig.load(null,
                        env(kafka, dir.resolve("state"), rules))).start()) {
                    assertTrue(service.awaitRunning(WAIT), "service did not reach RUNNING");
                    send(kafka, 100);
                    Await.labeled(service, 100, WAIT);
                    awaitFiring(service, "accuracy-floor");
                    // exactly-once outputs, read committed by another principal
                    awaitRead(kafka, "model-metrics", r -> r.value().contains("\"labeled\":100"));
                    List<ConsumerRecord<String, String>> dead = read(kafka, "modelwatch-dlq");
                    assertEquals(1, dead.size(), dead.toString());
                    assertTrue(read(kafka, "model-alerts").stream().anyMatch(r -> r.value().contains("FIRING")));
                    awaitOwnerRecord(dir.resolve("state"));
                }
            });
            List<String> denied = log.lines().filter(l -> l.contains("AuthorizationException")
                    || l.contains("Not authorized") || l.contains("not authorized")).toList();
            assertTrue(denied.isEmpty(), String.join("\n", denied));
        }
    }

    /** Without Read on its consumer group, every stream thread fails at once: the reason names the group and the list. */
    @Test
    void aMissingAclIsNamedAsSuch(@TempDir Path dir) throws Exception {
        try (EmbeddedKafkaCluster kafka = securedCluster(); Admin admin = Admin.create(client(kafka, ADMIN_JAAS))) {
            prepare(admin, serviceAcls("User:modelwatch").stream()
                    .filter(a -> a.pattern().resourceType() != ResourceType.GROUP).toList());
            String log = Stderr.capture(() -> {
                try (ModelwatchService service = new ModelwatchService(ModelwatchConfig.load(null,
                        env(kafka, dir.resolve("state"), null))).start()) {
                    long deadline = System.nanoTime() + WAIT.toNanos();
                    while (service.stoppedForGood().isEmpty() && System.nanoTime() < deadline) {
                        Thread.sleep(100);
                    }
                    String why = service.stoppedForGood().orElseThrow(() -> new AssertionError("still running"));
                    assertTrue(why.contains("not authorized: Not authorized to access group: " + APP + " ("
                            + NotAuthorized.WHERE + ")"), why);
                }
            });
            assertTrue(log.contains("ERROR io.modelwatch.service.ModelwatchService - stream thread failed, replacing it"
                    + System.lineSeparator() + "java.lang.IllegalStateException: not authorized: "), log);
        }
    }

    /** A topic it may neither see nor create is a refusal at start-up that says so, not "cannot reach Kafka". */
    @Test
    void anInputTopicItMayNotReadIsRefusedAtStartUp(@TempDir Path dir) throws Exception {
        try (EmbeddedKafkaCluster kafka = securedCluster(); Admin admin = Admin.create(client(kafka, ADMIN_JAAS))) {
            prepare(admin, serviceAcls("User:modelwatch").stream()
                    .filter(a -> !a.pattern().name().equals("labels")).toList());
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> new ModelwatchService(
                    ModelwatchConfig.load(null, env(kafka, dir.resolve("state"), null))));
            assertTrue(e.getMessage().startsWith("cannot create topic labels: not authorized: "), e.getMessage());
            assertTrue(e.getMessage().endsWith("(" + NotAuthorized.WHERE + ")"), e.getMessage());
        }
    }

    /** Topics made by the platform (topics.create false): one it may not see reads as missing, and the refusal says why. */
    @Test
    void aTopicItMayNotSeeWithTopicsCreateFalseIsNamedWithTheAclHint(@TempDir Path dir) throws Exception {
        try (EmbeddedKafkaCluster kafka = securedCluster(); Admin admin = Admin.create(client(kafka, ADMIN_JAAS))) {
            prepare(admin, serviceAcls("User:modelwatch").stream()
                    .filter(a -> !a.pattern().name().equals("labels")).toList());
            admin.createTopics(List.of(new NewTopic("model-metrics", 1, (short) 1),
                    new NewTopic("modelwatch-dlq", 1, (short) 1), new NewTopic("model-alerts", 1, (short) 1),
                    new NewTopic("modelwatch-rules", 1, (short) 1))).all().get();
            Map<String, String> env = env(kafka, dir.resolve("state"), null);
            env.put("MODELWATCH_TOPICS_CREATE", "false");
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> new ModelwatchService(
                    ModelwatchConfig.load(null, env)));
            assertTrue(e.getMessage().startsWith("missing topics [labels] and topics.create is false: "), e.getMessage());
            assertTrue(e.getMessage().contains(NotAuthorized.WHERE), e.getMessage());
        }
    }

    /**
     * {@code rules publish} and {@code delete} under the README's ACLs for whoever publishes: with {@code Read},
     * delete sends a tombstone only for a name the topic holds; with {@code Write} alone it says it cannot read the
     * topic and sends one for each name.
     */
    @Test
    void rulesDeleteReadsTheTopicWhenItMayAndSaysSoWhenItMayNot(@TempDir Path dir) throws Exception {
        try (EmbeddedKafkaCluster kafka = securedCluster(); Admin admin = Admin.create(client(kafka, ADMIN_JAAS))) {
            admin.createTopics(List.of(new NewTopic("modelwatch-rules", 1, (short) 1))).all().get();
            admin.createAcls(List.of(allow("User:producer", ResourceType.TOPIC, "modelwatch-rules", PatternType.LITERAL,
                    AclOperation.WRITE))).all().get();
            Path config = Files.writeString(dir.resolve("modelwatch.yaml"), "kafka:\n  bootstrap-servers: "
                    + kafka.bootstrapServers() + "\n  properties:\n    security.protocol: SASL_PLAINTEXT\n"
                    + "    sasl.mechanism: PLAIN\n    sasl.jaas.config: '" + jaas("producer", "producer-secret") + "'\n");

            Path rules = Files.writeString(dir.resolve("rules.yaml"),
                    "rules:\n  - {name: f1-floor, models: [\"*\"], metric: f1, below: 0.8}\n");
            String[] published = io.modelwatch.cli.CliRun.run("rules", "publish", rules.toString(), "--config",
                    config.toString());
            assertEquals("0", published[0], published[2]);

            String[] blind = io.modelwatch.cli.CliRun.run("rules", "delete", "f1-floor", "--config", config.toString());
            assertEquals("0", blind[0], blind[2]);
            assertTrue(blind[1].contains("could not read modelwatch-rules (no Read permission on it?)"), blind[1]);
            assertTrue(blind[1].contains("deleted f1-floor from modelwatch-rules"), blind[1]);

            admin.createAcls(List.of(allow("User:producer", ResourceType.TOPIC, "modelwatch-rules", PatternType.LITERAL,
                    AclOperation.READ))).all().get();
            awaitReadable(kafka, "modelwatch-rules", jaas("producer", "producer-secret"));
            String[] seeing = io.modelwatch.cli.CliRun.run("rules", "delete", "f1-floor", "--config", config.toString());
            assertEquals("0", seeing[0], seeing[2]);
            assertTrue(seeing[1].contains("f1-floor: no value on modelwatch-rules, nothing to delete"), seeing[1]);
            assertEquals(2, read(kafka, "modelwatch-rules").size(), "the rule and one tombstone, from the first delete");
        }
    }

    /** ACLs reach a broker's authorizer through its metadata log: a moment after createAcls returns. */
    private static void awaitReadable(EmbeddedKafkaCluster kafka, String topic, String jaas)
            throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(client(kafka, jaas), new StringDeserializer(),
                new StringDeserializer())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            consumer.assign(List.of(tp));
            while (true) {
                try {
                    consumer.seekToBeginning(List.of(tp));
                    consumer.poll(Duration.ofMillis(200));
                    return;
                } catch (org.apache.kafka.common.errors.AuthorizationException e) {
                    assertTrue(System.nanoTime() < deadline, "the Read ACL never took effect: " + e);
                    Thread.sleep(200);
                }
            }
        }
    }

    /** One broker that authenticates with SASL/PLAIN and allows nothing without an ACL (but to its super user). */
    private static EmbeddedKafkaCluster securedCluster() {
        Map<String, Object> broker = new HashMap<>();
        broker.put("listener.security.protocol.map", "PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT");
        broker.put("sasl.enabled.mechanisms", "PLAIN");
        broker.put("sasl.mechanism.inter.broker.protocol", "PLAIN");
        broker.put("listener.name.plaintext.plain.sasl.jaas.config",
                "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"admin\" "
                        + "password=\"admin-secret\" user_admin=\"admin-secret\" user_modelwatch=\"mw-secret\" "
                        + "user_producer=\"producer-secret\";");
        broker.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
        // the controller listener is unauthenticated (ANONYMOUS), inside this test's JVM only
        broker.put("super.users", "User:admin;User:ANONYMOUS");
        broker.put("allow.everyone.if.no.acl.found", "false");
        return EmbeddedKafkaCluster.start(1, broker);
    }

    /** The input topics, made by the platform; the service's ACLs; the producer's. */
    private static void prepare(Admin admin, List<AclBinding> serviceAcls) throws Exception {
        admin.createTopics(List.of(new NewTopic("predictions", 3, (short) 1), new NewTopic("labels", 3, (short) 1)))
                .all().get();
        admin.createAcls(serviceAcls).all().get();
        admin.createAcls(List.of(
                allow("User:producer", ResourceType.TOPIC, "predictions", PatternType.LITERAL, AclOperation.WRITE),
                allow("User:producer", ResourceType.TOPIC, "labels", PatternType.LITERAL, AclOperation.WRITE)))
                .all().get();
    }

    /** The ACLs of the README's list, for the principal the service runs as (application-id {@value APP}). */
    static List<AclBinding> serviceAcls(String principal) {
        List<AclBinding> acls = new ArrayList<>();
        for (String input : List.of("predictions", "labels", "modelwatch-rules")) {
            acls.add(allow(principal, ResourceType.TOPIC, input, PatternType.LITERAL, AclOperation.READ));
        }
        for (String output : List.of("model-metrics", "modelwatch-dlq")) {
            acls.add(allow(principal, ResourceType.TOPIC, output, PatternType.LITERAL, AclOperation.WRITE));
        }
        acls.add(allow(principal, ResourceType.TOPIC, "model-alerts", PatternType.LITERAL, AclOperation.WRITE));
        acls.add(allow(principal, ResourceType.TOPIC, "model-alerts", PatternType.LITERAL, AclOperation.READ));
        // topics.create: true makes the missing ones
        for (String made : List.of("model-metrics", "modelwatch-dlq", "model-alerts", "modelwatch-rules")) {
            acls.add(allow(principal, ResourceType.TOPIC, made, PatternType.LITERAL, AclOperation.CREATE));
        }
        acls.add(allow(principal, ResourceType.TOPIC, APP + "-", PatternType.PREFIXED, AclOperation.ALL));
        acls.add(allow(principal, ResourceType.GROUP, APP, PatternType.PREFIXED, AclOperation.READ));
        acls.add(allow(principal, ResourceType.TRANSACTIONAL_ID, APP, PatternType.PREFIXED, AclOperation.WRITE));
        return acls;
    }

    private static AclBinding allow(String principal, ResourceType type, String name, PatternType pattern,
                                    AclOperation operation) {
        return new AclBinding(new ResourcePattern(type, name, pattern),
                new AccessControlEntry(principal, "*", operation, AclPermissionType.ALLOW));
    }

    private static String jaas(String user, String password) {
        return "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"" + user
                + "\" password=\"" + password + "\";";
    }

    private static Map<String, Object> client(EmbeddedKafkaCluster kafka, String jaas) {
        Map<String, Object> p = new HashMap<>();
        p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT");
        p.put(SaslConfigs.SASL_MECHANISM, "PLAIN");
        p.put(SaslConfigs.SASL_JAAS_CONFIG, jaas);
        return p;
    }

    private static Map<String, String> env(EmbeddedKafkaCluster kafka, Path state, Path rules) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("MODELWATCH_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
        env.put(ModelwatchConfig.kafkaPropertyEnvName("security.protocol"), "SASL_PLAINTEXT");
        env.put(ModelwatchConfig.kafkaPropertyEnvName("sasl.mechanism"), "PLAIN");
        env.put(ModelwatchConfig.kafkaPropertyEnvName("sasl.jaas.config"), jaas("modelwatch", "mw-secret"));
        env.put("MODELWATCH_APPLICATION_ID", APP);
        env.put("MODELWATCH_STATE_DIR", state.toString());
        env.put("MODELWATCH_HTTP_PORT", "0");
        env.put("MODELWATCH_UPDATE_INTERVAL", "PT0.2S");
        if (rules != null) {
            env.put("MODELWATCH_RULES_FILE", rules.toString());
        }
        return env;
    }

    /** {@code count} predictions, half of them wrong, with their labels, and one record that is not JSON. */
    private static void send(EmbeddedKafkaCluster kafka, int count) {
        Map<String, Object> p = client(kafka, jaas("producer", "producer-secret"));
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(),
                new StringSerializer())) {
            TestEvents.sendPairs(producer, count, i -> Integer.toString(i % 2));
            producer.send(new ProducerRecord<>("predictions", "bad", "not json"));
            producer.flush();
        }
    }

    private static List<ConsumerRecord<String, String>> read(EmbeddedKafkaCluster kafka, String topic) {
        Map<String, Object> p = client(kafka, ADMIN_JAAS);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<ConsumerRecord<String, String>> out = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p, new StringDeserializer(),
                new StringDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(i -> new TopicPartition(topic, i.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                assertTrue(System.nanoTime() < deadline, "could not read " + topic + " to its end");
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }

    private static void awaitRead(EmbeddedKafkaCluster kafka, String topic,
                                  java.util.function.Predicate<ConsumerRecord<String, String>> wanted)
            throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        List<ConsumerRecord<String, String>> seen = List.of();
        while (System.nanoTime() < deadline) {
            seen = read(kafka, topic);
            if (seen.stream().anyMatch(wanted)) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("nothing wanted in " + topic + ": " + seen);
    }

    private static void awaitFiring(ModelwatchService service, String rule) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            if (service.view().alertsCaughtUp() && service.view().ready()
                    && service.view().firingAlerts().stream().map(a -> a.path("rule").asText()).anyMatch(rule::equals)) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no firing " + rule + " in " + service.view().alerts());
    }

    private static void awaitOwnerRecord(Path state) throws InterruptedException {
        Path file = StateOwner.file(state, APP);
        long deadline = System.nanoTime() + WAIT.toNanos();
        Optional<StateOwner> record = Optional.empty();
        while (System.nanoTime() < deadline) {
            record = StateOwner.read(file);
            if (record.isPresent() && !record.get().changelogTopics().isEmpty()) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError(file + " not written: " + record);
    }
}
