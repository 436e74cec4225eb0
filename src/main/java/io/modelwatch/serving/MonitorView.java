package io.modelwatch.serving;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What the HTTP API, the dashboard and the Prometheus gauges read: the monitor's state, answered
 * from the Kafka Streams stores (interactive queries) in service, or from memory in tests.
 * Records are the JSON metrics/alert records of the contract.
 *
 * <p>With several service instances each holds the state of some partitions; a view may then ask the
 * other instances too, so that any instance answers for all (see {@link #scoped(boolean)}).
 */
public interface MonitorView {

    /** The latest metrics record (single window, not rolling) of every (model, version, slice). */
    List<JsonNode> latestMetrics();

    /**
     * A series' (model, version, slice) latest single-window record, usually its open window's, and its
     * latest final one (that of the last window closed): null while none of its windows held in state is final.
     */
    record LatestWindows(JsonNode latest, JsonNode latestFinal) {

        /** The same series answered twice (two instances while it moves): the newer latest, the newer final. */
        public LatestWindows newerOfEach(LatestWindows other) {
            JsonNode r = Records.windowStart(latest) < Records.windowStart(other.latest) ? other.latest : latest;
            JsonNode f = latestFinal == null || (other.latestFinal != null
                    && Records.windowStart(latestFinal) < Records.windowStart(other.latestFinal))
                    ? other.latestFinal : latestFinal;
            return new LatestWindows(r, f);
        }
    }

    /**
     * {@link #latestMetrics()}, each series with its latest final single-window record too: what
     * {@code /api/models} lists. By default the final one is the latest record when that is final (right for a
     * view that keeps no earlier windows); a view with a history finds it there.
     */
    default List<LatestWindows> latestWithFinal() {
        return latestMetrics().stream()
                .map(r -> new LatestWindows(r, r != null && r.path("final").asBoolean() ? r : null)).toList();
    }

    /**
     * Metrics records of one model, oldest first, with {@code window_start} in [from, to); version and
     * slice ("cloud=aws", or "" for the whole model) filter when not null; rolling records included
     * only when {@code rolling} is true.
     */
    List<JsonNode> history(String modelId, String version, String slice, long from, long to, boolean rolling);

    /**
     * ROC and precision-recall curve points of a window still held in state, and the threshold
     * that maximises F1: {"roc": [[fpr, tpr, threshold]...], "pr": [[recall, precision, threshold]...],
     * "best_f1": {"threshold", "f1", "precision", "recall"}}; empty when the window is unknown.
     */
    Optional<JsonNode> curves(String modelId, String version, long windowStart);

    /**
     * Alerts currently FIRING, and the most recent alert records. Per alert key (rule, model, version,
     * slice) the records come newest first in the alerts topic's order, so the first one listed is the
     * key's current state; their timestamps do not decide (the instances' clocks need not agree). A key
     * deleted from the topic (a tombstone) is not listed.
     */
    List<JsonNode> alerts();

    /** The alerts firing now (each key's latest record, when FIRING), newest first: what /api/alerts counts. */
    default List<JsonNode> firingAlerts() {
        return Alerts.firing(alerts());
    }

    /**
     * The alert rules in force, {@code {"rules": [...], "unreadable": [...]}} ({@code io.modelwatch.alerts.RulesInForce}):
     * what {@code /api/rules} answers. Empty for a view that knows no rules.
     */
    default Optional<JsonNode> rules() {
        return Optional.empty();
    }

    /** True once the service processes records (Kafka Streams RUNNING); /ready waits for {@link #alertsCaughtUp()} too. */
    boolean ready();

    /**
     * True once {@link #alerts()} is complete: the alerts topic has been read up to where it ended when the
     * reading started. Before that a FIRING alert may be missing (right after a start the list is empty), so
     * /ready waits for it, /metrics exports no alert gauges and /api/alerts says {@code "caught_up": false}.
     * It never turns false again. The default: a view whose alerts are always complete.
     */
    default boolean alertsCaughtUp() {
        return true;
    }

    /**
     * True when the service's Kafka Streams client stopped or failed: it holds no state any more and will
     * not process again without a restart (liveness fails; the model gauges go).
     */
    default boolean stopped() {
        return false;
    }

    /**
     * The view one request (or one reader) uses. {@code localOnly}: answers from this instance's own
     * state only, never asking another instance (the API's {@code scope=local}, with which instances
     * ask each other; also the Prometheus gauges, which every instance exports for its own state).
     * Otherwise a view over several instances asks the others too, and {@link #unreachable()} of the
     * returned view names those that did not answer. The default is this view: nothing to ask.
     */
    default MonitorView scoped(boolean localOnly) {
        return this;
    }

    /**
     * The other instances ("host:port") that this view, obtained from {@link #scoped(boolean)}, could
     * not reach or that could not answer so far: its answers lack their state. Empty when complete.
     */
    default Set<String> unreachable() {
        return Set.of();
    }
}
