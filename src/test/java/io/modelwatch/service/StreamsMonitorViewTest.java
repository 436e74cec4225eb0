package io.modelwatch.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
}
