package io.modelwatch.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.streams.TopologyDescription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kafka cluster and changelog topics (by topic id) that an application's local state belongs to, as recorded
 * beside its state directory ({@link #file}). Kafka Streams checks a local store only against its changelog's
 * offsets: state kept for another cluster, or for a changelog since deleted and created again
 * ({@code kafka-streams-application-reset.sh}), whose new changelog already reaches past the store's offset, is kept
 * and the new changelog's tail added to it, and the windows are silently wrong. Topic names repeat across clusters
 * and resets; cluster and topic ids do not.
 *
 * @param clusterId       the cluster's id (Admin#describeCluster)
 * @param changelogTopics changelog topic name to its topic id, of the topics that exist
 */
record StateOwner(String clusterId, Map<String, Uuid> changelogTopics) {

    private static final Logger LOG = LoggerFactory.getLogger(StateOwner.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    static final String FILE_SUFFIX = ".modelwatch-state-owner.json";

    /**
     * The record of {@code <state-dir>/<application-id>}: {@code <state-dir>/<application-id>.modelwatch-state-owner
     * .json}, beside the application's directory rather than in it, so that Kafka Streams' clean-up
     * ({@code KafkaStreams#cleanUp}, which deletes that directory) leaves it: a crash during the clean-up leaves the
     * record of the state that was being deleted, and the next start deletes what is left again. Kafka Streams 4.4
     * (StateDirectory) only creates the state-dir and sets its permissions: it never lists it, and works in
     * {@code <application-id>} there alone.
     */
    static Path file(Path stateDir, String applicationId) {
        return stateDir.resolve(applicationId + FILE_SUFFIX);
    }

    StateOwner {
        changelogTopics = Map.copyOf(changelogTopics);
    }

    /** The changelog topics of the topology's stores (Kafka Streams': {@code <application.id>-<store>-changelog}). */
    static Set<String> changelogTopics(String applicationId, TopologyDescription topology) {
        Set<String> out = new TreeSet<>();
        for (TopologyDescription.Subtopology sub : topology.subtopologies()) {
            for (TopologyDescription.Node node : sub.nodes()) {
                if (node instanceof TopologyDescription.Processor p) {
                    p.stores().forEach(store -> out.add(applicationId + "-" + store + "-changelog"));
                }
            }
        }
        return out;
    }

    /** The cluster's id and the ids of those of {@code changelogs} that exist. */
    static StateOwner describe(Admin admin, Set<String> changelogs) throws InterruptedException, ExecutionException {
        String clusterId = admin.describeCluster().clusterId().get();
        if (clusterId == null) {
            throw new ExecutionException(new IllegalStateException("the cluster has no id"));
        }
        Map<String, Uuid> ids = new TreeMap<>();
        for (Map.Entry<String, KafkaFuture<TopicDescription>> e : admin.describeTopics(changelogs).topicNameValues()
                .entrySet()) {
            try {
                ids.put(e.getKey(), e.getValue().get().topicId());
            } catch (ExecutionException ex) {
                if (!(ex.getCause() instanceof UnknownTopicOrPartitionException)) {
                    throw ex;
                }
            }
        }
        return new StateOwner(clusterId, ids);
    }

    /**
     * Why local state recorded as this owner's cannot be trusted against {@code now}, in words for the log; empty
     * when it can. Only {@code changelogs} (the topology's) count: a recorded topic of a store the topology no
     * longer has does not, nor a changelog not recorded (a store new to the topology).
     */
    Optional<String> mismatch(StateOwner now, Set<String> changelogs) {
        if (!clusterId.equals(now.clusterId)) {
            return Optional.of("Kafka cluster " + clusterId + ", not this one (" + now.clusterId + ")");
        }
        List<String> deleted = new ArrayList<>();
        List<String> recreated = new ArrayList<>();
        for (Map.Entry<String, Uuid> e : new TreeMap<>(changelogTopics).entrySet()) {
            Uuid current = now.changelogTopics.get(e.getKey());
            if (!changelogs.contains(e.getKey())) {
                continue;
            } else if (current == null) {
                deleted.add(e.getKey());
            } else if (!current.equals(e.getValue())) {
                recreated.add(e.getKey() + ": topic id " + e.getValue() + ", now " + current);
            }
        }
        if (deleted.isEmpty() && recreated.isEmpty()) {
            return Optional.empty();
        }
        String gone = deleted.isEmpty() ? "" : "deleted since (" + String.join(", ", deleted) + ")";
        String again = recreated.isEmpty() ? "" : "created again since (" + String.join("; ", recreated) + ")";
        return Optional.of("changelog topics " + gone + (gone.isEmpty() || again.isEmpty() ? "" : " and ") + again);
    }

    /** The record in {@code file}; empty when there is none, or when it cannot be read (then with a WARN). */
    static Optional<StateOwner> read(Path file) {
        try {
            JsonNode root = JSON.readTree(Files.readAllBytes(file));
            JsonNode cluster = root == null ? null : root.get("cluster_id");
            JsonNode topics = root == null ? null : root.get("changelog_topics");
            if (cluster == null || !cluster.isTextual() || cluster.asText().isEmpty() || topics == null
                    || !topics.isObject()) {
                throw new IllegalArgumentException("no cluster_id and changelog_topics");
            }
            Map<String, Uuid> ids = new TreeMap<>();
            for (Map.Entry<String, JsonNode> e : topics.properties()) {
                ids.put(e.getKey(), Uuid.fromString(e.getValue().asText())); // refuses what is no topic id
            }
            return Optional.of(new StateOwner(cluster.asText(), ids));
        } catch (NoSuchFileException none) {
            return Optional.empty();
        } catch (IOException | IllegalArgumentException e) {
            String why = e instanceof JsonProcessingException j ? "not JSON: " + j.getOriginalMessage()
                    : e instanceof IllegalArgumentException ? e.getMessage() : e.toString();
            LOG.warn("cannot read {} ({}): keeping the local state as it is, as without a record (written anew once "
                    + "Kafka Streams runs)", file, OneLine.of(why));
            return Optional.empty();
        }
    }

    /** Writes the record to {@code file}: a temporary file beside it, moved over it, so that it is whole or absent. */
    void write(Path file) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("cluster_id", clusterId);
        ObjectNode topics = root.putObject("changelog_topics");
        new TreeMap<>(changelogTopics).forEach((name, id) -> topics.put(name, id.toString()));
        Path temp = temporary(file);
        Files.write(temp, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
        try {
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static Path temporary(Path file) {
        return file.resolveSibling(file.getFileName() + ".tmp");
    }
}
