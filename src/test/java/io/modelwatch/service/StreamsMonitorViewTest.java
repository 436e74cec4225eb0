package io.modelwatch.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelwatch.serving.MonitorView;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The service's view without a Streams client: what it says of the alert feed, in every scope. */
class StreamsMonitorViewTest {

    /** /ready reads the shared view, /metrics a local-only one: both follow the alert feed. */
    @Test
    void everyScopeFollowsTheAlertFeedsCatchUp() {
        AtomicBoolean caughtUp = new AtomicBoolean();
        StreamsMonitorView view = new StreamsMonitorView(List::of, caughtUp::get);
        List<MonitorView> scopes = List.of(view, view.scoped(true), view.scoped(false));
        assertEquals(List.of(false, false, false), scopes.stream().map(MonitorView::alertsCaughtUp).toList());
        assertFalse(view.ready(), "no Streams client yet");
        caughtUp.set(true);
        assertEquals(List.of(true, true, true), scopes.stream().map(MonitorView::alertsCaughtUp).toList());
        assertTrue(new StreamsMonitorView(List::of).alertsCaughtUp(), "without a feed the alerts are whole");
    }

    /**
     * An instance asked for its state before its Streams client runs (the HTTP server listens from the start, before
     * the state directory is checked and the topics set up): to another instance (local scope) it is "not here"
     * (503), not "nothing", and its own cluster-wide answer names it unreachable, so that neither the asker nor the
     * dashboard takes its models for gone.
     */
    @Test
    void anInstanceWithoutARunningClientSaysSoInsteadOfAnsweringNothing(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        StreamsMonitorView view = new StreamsMonitorView(List::of);
        assertThrows(org.apache.kafka.streams.errors.InvalidStateStoreException.class,
                () -> view.scoped(true).latestMetrics(), "no client yet");
        MonitorView cluster = view.scoped(false);
        assertEquals(List.of(), cluster.latestMetrics());
        assertEquals(java.util.Set.of("local (starting)"), cluster.unreachable());

        org.apache.kafka.streams.KafkaStreams streams = new org.apache.kafka.streams.KafkaStreams(
                io.modelwatch.ModelwatchTopology.build(io.modelwatch.TopologySettings.builder().inMemoryState(true)
                        .build(), new io.modelwatch.ModelwatchTopology.Counters()), clientProps(dir));
        view.attach(streams, null);
        assertThrows(org.apache.kafka.streams.errors.InvalidStateStoreException.class,
                () -> view.scoped(true).latestMetrics(), "CREATED");
        MonitorView created = view.scoped(false);
        assertEquals(List.of(), created.latestMetrics());
        assertEquals(java.util.Set.of("local (starting)"), created.unreachable());
        streams.close();
        MonitorView stopped = view.scoped(false);
        assertEquals(List.of(), stopped.latestMetrics());
        assertEquals(java.util.Set.of("local (stopped)"), stopped.unreachable());
    }

    private static java.util.Properties clientProps(java.nio.file.Path dir) {
        java.util.Properties props = new java.util.Properties();
        props.put(org.apache.kafka.streams.StreamsConfig.APPLICATION_ID_CONFIG, "view-test");
        props.put(org.apache.kafka.streams.StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9");
        props.put(org.apache.kafka.streams.StreamsConfig.STATE_DIR_CONFIG, dir.toString());
        props.put(org.apache.kafka.streams.StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, true);
        return props;
    }

    /**
     * The rules are read from a global store: not before Kafka Streams runs, nor once it stopped (where the
     * client's own store() throws a plain IllegalStateException, which the server would answer with 500).
     */
    @Test
    void rulesAreNotQueryableWhileKafkaStreamsDoesNotRun(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        StreamsMonitorView view = new StreamsMonitorView(List::of);
        assertTrue(view.rules().isEmpty(), "a view given no rules has none to list");
        view.rules(List.of(), 1);
        assertThrows(org.apache.kafka.streams.errors.InvalidStateStoreException.class, view::rules, "no client yet");
        var settings = io.modelwatch.TopologySettings.builder().inMemoryState(true).build();
        java.util.Properties props = new java.util.Properties();
        props.put(org.apache.kafka.streams.StreamsConfig.APPLICATION_ID_CONFIG, "rules-view-test");
        props.put(org.apache.kafka.streams.StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9");
        props.put(org.apache.kafka.streams.StreamsConfig.STATE_DIR_CONFIG, dir.toString());
        props.put(org.apache.kafka.streams.StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, true);
        org.apache.kafka.streams.KafkaStreams streams = new org.apache.kafka.streams.KafkaStreams(
                io.modelwatch.ModelwatchTopology.build(settings, new io.modelwatch.ModelwatchTopology.Counters()),
                props);
        view.attach(streams, null);
        assertThrows(org.apache.kafka.streams.errors.InvalidStateStoreException.class, view::rules, "CREATED");
        streams.close();
        assertThrows(org.apache.kafka.streams.errors.InvalidStateStoreException.class, view::rules, "NOT_RUNNING");
    }
}
