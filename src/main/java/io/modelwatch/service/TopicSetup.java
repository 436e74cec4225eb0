package io.modelwatch.service;

import io.modelwatch.ModelwatchTopology;
import io.modelwatch.TopologySettings;
import io.modelwatch.config.ModelwatchConfig;
import io.modelwatch.ingest.DeadLetters;
import io.modelwatch.join.DelayedJoin;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Creates missing topics (when allowed) and reads the input partition count the join needs. */
final class TopicSetup {

    private static final Logger LOG = LoggerFactory.getLogger(TopicSetup.class);
    private static final String MAX_MESSAGE_BYTES = "max.message.bytes";

    private TopicSetup() {
    }

    /**
     * Waits until every partition of freshly created topics has a leader: Kafka Streams fails to
     * start a global store (the rules) on a topic whose partitions are not visible yet.
     */
    private static void awaitLeaders(Admin admin, List<String> topics, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!topics.isEmpty()) {
            try {
                boolean ready = admin.describeTopics(topics).allTopicNames().get().values().stream()
                        .allMatch(d -> !d.partitions().isEmpty() && d.partitions().stream().allMatch(p -> p.leader() != null));
                if (ready) {
                    return;
                }
            } catch (ExecutionException notYetVisible) {
                // the metadata of a new topic may lag its creation
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("topics " + topics + " created but without a leader for every "
                        + "partition after kafka.startup-timeout " + timeout);
            }
            Thread.sleep(100);
        }
    }

    /**
     * The alerts topic keeps every alert record for a week, then the latest per alert key (rule, model,
     * version, slice) for good: an alert FIRING for a model that went quiet (nothing re-emits it) must not
     * fall to time-based retention, or the alert feed of a restarted instance would lose it.
     */
    static final Map<String, String> ALERTS_TOPIC_CONFIG = Map.of("cleanup.policy", "compact",
            "min.compaction.lag.ms", Long.toString(java.time.Duration.ofDays(7).toMillis()));

    /**
     * The dead-letter topic takes a dead letter of up to {@code limits.max-record-bytes} (an oversized record's is
     * cut to that) with its key and headers: with the broker's default limit a larger one would be refused, and
     * the producer's error would stop the stream thread on that record again and again.
     */
    static Map<String, String> deadLetterTopicConfig(ModelwatchConfig config) {
        return Map.of(MAX_MESSAGE_BYTES, Integer.toString(neededDeadLetterBytes(config)));
    }

    private static int neededDeadLetterBytes(ModelwatchConfig config) {
        return DeadLetters.topicMaxMessageBytes(config.topology().limits().maxRecordBytes());
    }

    /**
     * A dead-letter topic made by someone else is left as it is, but one whose {@code max.message.bytes} is
     * smaller than the largest dead letter gets a warning. Nothing when its configuration cannot be read (not
     * allowed, say): that is no reason to refuse to start.
     */
    static Optional<String> deadLetterTopicTooSmall(Admin admin, ModelwatchConfig config) throws InterruptedException {
        String topic = config.topology().deadLetterTopic();
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        try {
            Config described = admin.describeConfigs(List.of(resource)).all().get().get(resource);
            ConfigEntry entry = described == null ? null : described.get(MAX_MESSAGE_BYTES);
            if (entry == null || entry.value() == null) {
                return Optional.empty();
            }
            long value = Long.parseLong(entry.value());
            int needed = neededDeadLetterBytes(config);
            if (value >= needed) {
                return Optional.empty();
            }
            return Optional.of("dead-letter topic " + topic + " has max.message.bytes " + value + " but a dead letter "
                    + "(up to limits.max-record-bytes " + config.topology().limits().maxRecordBytes() + " with its "
                    + "key and headers) needs " + needed + ": a larger one is refused and stops its stream thread; "
                    + "raise the topic's max.message.bytes to " + needed);
        } catch (ExecutionException | NumberFormatException unreadable) {
            return Optional.empty();
        }
    }

    /**
     * A rules topic made by someone else (or by a broker's auto-creation, at a first {@code kafka-console-producer}
     * to it) without {@code cleanup.policy=compact} loses its rules with its retention, and the alert tasks then
     * judge with the file's rules alone after their next restore: a warning. Nothing when its configuration cannot
     * be read.
     */
    static Optional<String> rulesTopicNotCompacted(Admin admin, ModelwatchConfig config) throws InterruptedException {
        String topic = config.topology().rulesTopic();
        return cleanupPolicyUnlessCompact(admin, topic).map(policy -> "rules topic " + topic + " has cleanup.policy="
                + policy + ", not compact: its rules are deleted with its retention, and the service then judges with "
                + "its rules file alone; set the topic's cleanup.policy to compact");
    }

    /**
     * An alerts topic made by someone else (or by an older build, or a broker's auto-creation) without
     * {@code cleanup.policy=compact} loses the FIRING record of an episode that stays open longer than its
     * retention: the alert feed of an instance started after that shows it neither in /api/alerts nor in the
     * alert gauges, while the alert stage still holds it firing. A warning, as for the rules topic.
     */
    static Optional<String> alertsTopicNotCompacted(Admin admin, String topic) throws InterruptedException {
        return cleanupPolicyUnlessCompact(admin, topic).map(policy -> "alerts topic " + topic + " has cleanup.policy="
                + policy + ", not compact: an alert FIRING longer than its retention drops out of /api/alerts and the "
                + "alert gauges after a restart; set cleanup.policy=compact,min.compaction.lag.ms=604800000 (README, "
                + "Upgrading)");
    }

    /**
     * A topic's {@code cleanup.policy} when it is not compaction alone ({@code compact,delete} still deletes by
     * retention); empty when it is or cannot be read.
     */
    private static Optional<String> cleanupPolicyUnlessCompact(Admin admin, String topic) throws InterruptedException {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        try {
            Config described = admin.describeConfigs(List.of(resource)).all().get().get(resource);
            ConfigEntry entry = described == null ? null : described.get(TopicConfig.CLEANUP_POLICY_CONFIG);
            if (entry == null || entry.value() == null || java.util.Arrays.stream(entry.value().split(","))
                    .map(String::trim).allMatch(TopicConfig.CLEANUP_POLICY_COMPACT::equals)) {
                return Optional.empty();
            }
            return Optional.of(entry.value());
        } catch (ExecutionException unreadable) {
            return Optional.empty();
        }
    }

    /**
     * The internal topics partitioned as the inputs are, which Kafka Streams does not resize: with a count
     * other than the inputs' its stream threads fail at every rebalance, are replaced, and fail again.
     */
    static List<String> partitionedAsTheInputs(String applicationId) {
        return List.of(applicationId + "-" + ModelwatchTopology.JOIN_INPUT_TOPIC + "-repartition",
                applicationId + "-" + DelayedJoin.PENDING_STORE + "-changelog",
                applicationId + "-" + ModelwatchTopology.AGGREGATE_INPUT_TOPIC + "-repartition");
    }

    /** Refuses to start when input partitions were added (or removed) since the internal topics were made. */
    private static void checkInternalTopics(Admin admin, ModelwatchConfig config, int inputPartitions,
                                            Set<String> existing) throws InterruptedException, ExecutionException {
        String applicationId = config.applicationId();
        List<String> internal = partitionedAsTheInputs(applicationId).stream().filter(existing::contains).toList();
        if (internal.isEmpty()) {
            return;
        }
        for (var d : admin.describeTopics(internal).allTopicNames().get().values()) {
            if (d.partitions().size() != inputPartitions) {
                throw new IllegalStateException("internal topic " + d.name() + " has " + d.partitions().size()
                        + " partitions but the input topics have " + inputPartitions + ": " + wayOut(config));
            }
        }
    }

    /** What to do when the input partition count changed under an application-id. */
    static String wayOut(ModelwatchConfig config) {
        return "the number of input partitions is fixed for an application-id; stop every instance, reset the "
                + "application (kafka-streams-application-reset.sh --bootstrap-server " + config.bootstrapServers()
                + " --application-id " + config.applicationId() + " --input-topics "
                + config.topology().predictionsTopic() + "," + config.topology().labelsTopic() + " --to-earliest), "
                + "and start again (each instance deletes its state of the deleted changelogs itself), or use a new "
                + "application-id (README, Scale-out)";
    }

    /**
     * With {@code repartition-inputs: false} and one input topic there, the other's count: the inputs must be
     * co-partitioned, and one made with {@code topics.partitions} instead would be refused right after (and at
     * every start after, until deleted by hand). 0 when the count is free.
     */
    private static int coPartitionedCount(Admin admin, TopologySettings t, Set<String> existing)
            throws InterruptedException, ExecutionException {
        boolean predictions = existing.contains(t.predictionsTopic());
        boolean labels = existing.contains(t.labelsTopic());
        if (t.repartitionInputs() || predictions == labels) {
            return 0;
        }
        String there = predictions ? t.predictionsTopic() : t.labelsTopic();
        return admin.describeTopics(List.of(there)).allTopicNames().get().get(there).partitions().size();
    }

    /** The input topics' partition count as the join sees it: the larger of the two. */
    static int inputPartitions(Admin admin, TopologySettings t) throws InterruptedException, ExecutionException {
        Map<String, KafkaFuture<TopicDescription>> inputs = admin.describeTopics(
                List.of(t.predictionsTopic(), t.labelsTopic())).topicNameValues();
        int predictions = inputs.get(t.predictionsTopic()).get().partitions().size();
        int labels = inputs.get(t.labelsTopic()).get().partitions().size();
        if (!t.repartitionInputs() && predictions != labels) {
            throw new InputsNotCoPartitioned("repartition-inputs is false but " + t.predictionsTopic() + " has "
                    + predictions + " partitions and " + t.labelsTopic() + " " + labels
                    + ": co-partitioned inputs need the same count");
        }
        return Math.max(predictions, labels);
    }

    /** Inputs read without a repartition (repartition-inputs false) whose partition counts differ. */
    static final class InputsNotCoPartitioned extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        InputsNotCoPartitioned(String message) {
            super(message);
        }
    }

    /** The client, or a refusal naming the key when it cannot be made (a host name no resolver knows, say). */
    private static Admin createAdmin(ModelwatchConfig config, Properties adminProps) {
        try {
            return Admin.create(adminProps);
        } catch (org.apache.kafka.common.KafkaException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new IllegalStateException("cannot reach Kafka at " + config.bootstrapServers()
                    + " (kafka.bootstrap-servers): " + cause.getMessage(), cause);
        }
    }

    /**
     * The client properties for the topic set-up's Admin: each call gives up after {@code kafka.startup-timeout}
     * (the Admin's own default is 60 s), and a request no later (the Admin refuses an API timeout below it).
     */
    static Properties startupAdminProperties(Properties clientProps, Duration timeout) {
        Properties p = new Properties();
        p.putAll(clientProps);
        long ms = Math.min(timeout.toMillis(), Integer.MAX_VALUE); // both are INT settings of the Admin
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Long.toString(ms));
        long requestMs = ms;
        try {
            requestMs = Math.min(ms, Long.parseLong(clientProps.getProperty(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG,
                    Long.toString(ms)).trim()));
        } catch (NumberFormatException notANumber) {
            // Kafka Streams refuses it, naming it, once it starts
        }
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(requestMs));
        return p;
    }

    /** Returns the number of partitions of the input topics. */
    static int prepare(ModelwatchConfig config, Properties clientProps) {
        return prepare(config, clientProps, admin -> { });
    }

    /** A step given the set-up's Admin once the topics are ready; it handles its own failures but an interrupt. */
    @FunctionalInterface
    interface AdminStep {
        void accept(Admin admin) throws InterruptedException;
    }

    /**
     * Returns the number of partitions of the input topics; {@code andThen} is given the set-up's Admin (its calls
     * give up after {@code kafka.startup-timeout} too) once the topics are ready, and handles its own failures:
     * an interrupt in it ends the set-up as one in the set-up itself does.
     */
    static int prepare(ModelwatchConfig config, Properties clientProps, AdminStep andThen) {
        TopologySettings t = config.topology();
        Set<String> topics = new LinkedHashSet<>(List.of(t.predictionsTopic(), t.labelsTopic(), t.metricsTopic(),
                t.deadLetterTopic(), t.alertsTopic(), t.rulesTopic()));
        LOG.info("preparing topics at {} (kafka.bootstrap-servers)", config.bootstrapServers());
        Duration timeout = config.kafkaStartupTimeout();
        BrokerProbe.awaitBroker(clientProps.getProperty(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                config.bootstrapServers()), clientProps, timeout);
        try (Admin admin = createAdmin(config, startupAdminProperties(clientProps, timeout))) {
            Set<String> existing = admin.listTopics().names().get();
            int coPartitioned = coPartitionedCount(admin, t, existing);
            List<NewTopic> missing = new ArrayList<>();
            for (String topic : topics) {
                if (!existing.contains(topic)) {
                    int partitions = topic.equals(t.rulesTopic()) ? 1
                            : coPartitioned > 0 && (topic.equals(t.predictionsTopic()) || topic.equals(t.labelsTopic()))
                            ? coPartitioned : config.topicPartitions();
                    NewTopic created = new NewTopic(topic, partitions, (short) config.replicationFactor());
                    if (topic.equals(t.rulesTopic())) {
                        created.configs(Map.of("cleanup.policy", "compact")); // latest rule per name
                    } else if (topic.equals(t.alertsTopic())) {
                        created.configs(ALERTS_TOPIC_CONFIG);
                    } else if (topic.equals(t.deadLetterTopic())) {
                        created.configs(deadLetterTopicConfig(config));
                    }
                    missing.add(created);
                }
            }
            if (!missing.isEmpty()) {
                if (!config.createTopics()) {
                    // a topic the principal may not describe is not listed either
                    throw new IllegalStateException("missing topics " + missing.stream().map(NewTopic::name).toList()
                            + " and topics.create is false: create them or allow creation (or, if they exist, "
                            + NotAuthorized.WHERE + ": Describe comes with Read or Write)");
                }
                for (var e : admin.createTopics(missing).values().entrySet()) {
                    try {
                        e.getValue().get();
                    } catch (ExecutionException ex) {
                        if (!(ex.getCause() instanceof TopicExistsException)) {
                            throw new IllegalStateException("cannot create topic " + e.getKey() + ": "
                                    + NotAuthorized.in(ex.getCause()).orElse(ex.getCause().getMessage()), ex.getCause());
                        }
                    }
                }
            }
            awaitLeaders(admin, missing.stream().map(NewTopic::name).toList(), timeout);
            if (existing.contains(t.deadLetterTopic())) {
                deadLetterTopicTooSmall(admin, config).ifPresent(LOG::warn);
            }
            if (existing.contains(t.rulesTopic())) {
                rulesTopicNotCompacted(admin, config).ifPresent(LOG::warn);
            }
            if (existing.contains(t.alertsTopic())) {
                alertsTopicNotCompacted(admin, t.alertsTopic()).ifPresent(LOG::warn);
            }
            int inputPartitions = inputPartitions(admin, t);
            checkInternalTopics(admin, config, inputPartitions, existing);
            andThen.accept(admin);
            return inputPartitions;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while preparing topics", e);
        } catch (ExecutionException e) {
            Optional<String> notAuthorized = NotAuthorized.in(e.getCause());
            if (notAuthorized.isPresent()) {
                throw new IllegalStateException("cannot prepare topics at " + config.bootstrapServers() + ": "
                        + notAuthorized.get(), e.getCause());
            }
            throw new IllegalStateException("cannot reach Kafka at " + config.bootstrapServers()
                    + " (kafka.bootstrap-servers) to prepare topics: " + e.getCause().getMessage()
                    + (e.getCause() instanceof org.apache.kafka.common.errors.TimeoutException
                            ? " (kafka.startup-timeout " + timeout + ")" : ""), e.getCause());
        }
    }
}
