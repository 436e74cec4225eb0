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
