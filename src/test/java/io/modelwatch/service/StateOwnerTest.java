package io.modelwatch.service;

import io.modelwatch.Stderr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelwatch.ModelwatchTopology;
import io.modelwatch.config.ModelwatchConfig;
import io.modelwatch.join.DelayedJoin;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The record of which cluster and changelog topics the local state belongs to: compared, written, read back. */
class StateOwnerTest {

    private static final Uuid PENDING = Uuid.randomUuid();
    private static final Uuid HISTORY = Uuid.randomUuid();
    private static final Set<String> CHANGELOGS = Set.of("app-join-pending-changelog", "app-metrics-history-changelog");
    private static final StateOwner RECORDED = new StateOwner("cluster-a",
            Map.of("app-join-pending-changelog", PENDING, "app-metrics-history-changelog", HISTORY));

    @Test
    void theSameClusterAndTopicsCanBeTrusted() {
        assertEquals(Optional.empty(), RECORDED.mismatch(RECORDED, CHANGELOGS));
    }

    @Test
    void anotherClusterCannotBeTrustedWhateverItsTopicsAreCalled() {
        StateOwner now = new StateOwner("cluster-b", RECORDED.changelogTopics());
        assertEquals(Optional.of("Kafka cluster cluster-a, not this one (cluster-b)"), RECORDED.mismatch(now, CHANGELOGS));
    }

    @Test
    void aChangelogCreatedAgainUnderItsNameCannotBeTrusted() {
        Uuid again = Uuid.randomUuid();
        StateOwner now = new StateOwner("cluster-a",
                Map.of("app-join-pending-changelog", again, "app-metrics-history-changelog", HISTORY));
        assertEquals(Optional.of("changelog topics created again since (app-join-pending-changelog: topic id " + PENDING
                + ", now " + again + ")"), RECORDED.mismatch(now, CHANGELOGS));
    }

    /** As after kafka-streams-application-reset.sh, before Kafka Streams created them again. */
    @Test
    void aChangelogDeletedCannotBeTrusted() {
        StateOwner now = new StateOwner("cluster-a", Map.of("app-metrics-history-changelog", HISTORY));
        assertEquals(Optional.of("changelog topics deleted since (app-join-pending-changelog)"),
                RECORDED.mismatch(now, CHANGELOGS));
        Uuid again = Uuid.randomUuid();
        now = new StateOwner("cluster-a", Map.of("app-metrics-history-changelog", again));
        assertEquals(Optional.of("changelog topics deleted since (app-join-pending-changelog) and created again since "
                + "(app-metrics-history-changelog: topic id " + HISTORY + ", now " + again + ")"),
                RECORDED.mismatch(now, CHANGELOGS));
    }

    @Test
    void onlyTheTopologysChangelogsCount() {
        // a store the topology no longer has: its changelog may be deleted (README, Upgrading)
        StateOwner now = new StateOwner("cluster-a", Map.of("app-join-pending-changelog", PENDING));
        assertEquals(Optional.empty(), RECORDED.mismatch(now, Set.of("app-join-pending-changelog")));
        // a store new to the topology was not recorded: nothing to compare
        Set<String> grown = Set.of("app-join-pending-changelog", "app-metrics-history-changelog", "app-new-changelog");
        StateOwner withNew = new StateOwner("cluster-a", Map.of("app-join-pending-changelog", PENDING,
                "app-metrics-history-changelog", HISTORY, "app-new-changelog", Uuid.randomUuid()));
        assertEquals(Optional.empty(), RECORDED.mismatch(withNew, grown));
    }

    @Test
    void writtenAndReadBackWithoutATemporaryFileLeft(@TempDir Path dir) throws Exception {
        Path file = StateOwner.file(dir, "app");
        RECORDED.write(file);
        assertEquals(Optional.of(RECORDED), StateOwner.read(file));
        StateOwner other = new StateOwner("cluster-b", Map.of("app-join-pending-changelog", Uuid.randomUuid()));
        other.write(file); // replaced
        assertEquals(Optional.of(other), StateOwner.read(file));
        try (var files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList());
        }
    }

    @Test
    void noRecordIsNoRecordWithoutAWord(@TempDir Path dir) throws Exception {
        String log = Stderr.capture(() -> assertEquals(Optional.empty(), StateOwner.read(StateOwner.file(dir, "app"))));
        assertEquals("", log);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "{", "not json", "[]", "null", "{\"cluster_id\":\"a\"}",
            "{\"cluster_id\":7,\"changelog_topics\":{}}", "{\"cluster_id\":\"\",\"changelog_topics\":{}}",
            "{\"cluster_id\":\"a\",\"changelog_topics\":[]}",
            "{\"cluster_id\":\"a\",\"changelog_topics\":{\"t\":\"not-a-topic-id\"}}",
            "{\"cluster_id\":\"a\",\"changelog_topics\":{\"t\":null}}"})
    void anUnreadableRecordIsNoRecordWithAWarning(String content, @TempDir Path dir) throws Exception {
        Path file = Files.writeString(StateOwner.file(dir, "app"), content);
        String log = Stderr.capture(() -> assertEquals(Optional.empty(), StateOwner.read(file)));
        List<String> lines = log.lines().toList();
        assertEquals(1, lines.size(), log);
        assertTrue(lines.get(0).contains("WARN io.modelwatch.service.StateOwner - cannot read " + file + " ("), log);
        assertTrue(lines.get(0).endsWith("): keeping the local state as it is, as without a record (written anew "
                + "once Kafka Streams runs)"), log);
    }

    @Test
    void aRecordThatIsADirectoryIsNoRecordWithAWarning(@TempDir Path dir) throws Exception {
        Path file = Files.createDirectory(StateOwner.file(dir, "app"));
        String log = Stderr.capture(() -> assertEquals(Optional.empty(), StateOwner.read(file)));
        assertEquals(1, log.lines().count(), log);
    }

    @Test
    void theChangelogsAreThoseKafkaStreamsMakesForTheTopologysStores() {
        ModelwatchConfig config = ModelwatchConfig.load(null, Map.of("MODELWATCH_APPLICATION_ID", "app"));
        Set<String> changelogs = StateOwner.changelogTopics("app",
                ModelwatchTopology.build(config.topology(), new ModelwatchTopology.Counters()).describe());
        assertTrue(changelogs.contains("app-" + DelayedJoin.PENDING_STORE + "-changelog"), changelogs.toString());
        assertTrue(changelogs.containsAll(List.of("app-window-partials-changelog", "app-metrics-history-changelog",
                "app-alert-state-changelog")), changelogs.toString());
        // the rules' global store reads its topic, and has no changelog
        assertTrue(changelogs.stream().noneMatch(t -> t.contains("alert-rules")), changelogs.toString());
        assertTrue(changelogs.containsAll(TopicSetup.partitionedAsTheInputs("app").stream()
                .filter(t -> t.endsWith("-changelog")).toList()));
    }
}
