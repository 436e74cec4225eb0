package io.modelwatch.serving;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Optional;

/**
 * What the HTTP API, the dashboard and the Prometheus gauges read: the monitor's state, answered
 * from the Kafka Streams stores (interactive queries) in service, or from memory in tests.
 * Records are the JSON metrics/alert records of the contract.
 */
public interface MonitorView {

    /** The latest metrics record (single window, not rolling) of every (model, version, slice). */
    List<JsonNode> latestMetrics();

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

    /** Alerts currently FIRING, and the most recent alert records (newest first). */
    List<JsonNode> alerts();

    /** True once the service processes records (Kafka Streams RUNNING). */
    boolean ready();
}
