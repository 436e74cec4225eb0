package io.modelwatch;

import io.modelwatch.alerts.AlertRule;
import io.modelwatch.ingest.IngestLimits;
import io.modelwatch.window.MetricsHistory;
import java.time.Duration;
import java.util.List;

/**
 * What the topology needs to know, already validated (the config file and environment map onto
 * this; see {@code config.ModelwatchConfig}).
 *
 * @param predictionsTopic       input topic of prediction events
 * @param labelsTopic            input topic of label events
 * @param metricsTopic           output topic of metrics records
 * @param deadLetterTopic        where rejected input goes, with the reason in headers
 * @param windowSize             tumbling window size, aligned to the epoch
 * @param maxLabelDelay          a label pairs with a prediction when their timestamps differ by at most this
 * @param rolling                K &gt; 1 also emits, per window, the merge of it and the K-1 windows before; 1 = off
 * @param updateInterval         least wall-clock time between two update records of an open window; 0 = finals only
 * @param watermarkInterval      event-time step at which the join reports progress and expires state
 * @param sliceDimensions        tag names to slice metrics by (besides the whole model)
 * @param repartitionInputs      false when producers already key both topics by prediction id
 * @param joinPartitions         partitions of the join stage (the input topics' partition count)
 * @param maxLabelsPerPrediction labels kept per prediction id (beyond, the oldest is forgotten)
 * @param inMemoryState          in-memory stores instead of RocksDB (replay only: no durability needed)
 * @param limits                 input validation bounds
 * @param alertsTopic            output topic of alert records (FIRING / RESOLVED)
 * @param rulesTopic             compacted topic of run-time rule changes (rule name → rule JSON, tombstone deletes)
 * @param alertRules             the rules of the rules file (validated; see {@code alerts.Rules})
 * @param inputsInArrivalOrder   Kafka Streams takes a task's inputs as they arrive, not in event-time order
 *                               ({@code max.task.idle.ms} below 0; repartitioned inputs only): each ingest
 *                               partition's event time is then the least of its two inputs'
 * @param watermarkMinSpacing    least wall-clock time between two watermarks of an ingest partition, or with
 *                               keyed inputs of a join partition (zero: one per watermark interval of event
 *                               time, however fast that passes; see {@code ingest.IngestProgress})
 * @param historyWindows         closed windows the {@code metrics-history} store keeps of each model, version and
 *                               slice for the HTTP API (besides the open ones); see {@code window.MetricsHistory}
 */
public record TopologySettings(String predictionsTopic, String labelsTopic, String metricsTopic, String deadLetterTopic,
                               Duration windowSize, Duration maxLabelDelay, int rolling, Duration updateInterval,
                               Duration watermarkInterval, List<String> sliceDimensions, boolean repartitionInputs,
                               int joinPartitions, int maxLabelsPerPrediction, boolean inMemoryState,
                               IngestLimits limits, String alertsTopic, String rulesTopic,
                               List<AlertRule> alertRules, boolean inputsInArrivalOrder,
                               Duration watermarkMinSpacing, int historyWindows) {

    public TopologySettings {
        alertRules = alertRules == null ? List.of() : List.copyOf(alertRules);
        if (historyWindows < 1) {
            throw new IllegalArgumentException("history-windows: must be at least 1 (the last closed window is "
                    + "what the API and the final gauges show), got " + historyWindows);
        }
        if (sliceDimensions != null) {
            for (String dimension : sliceDimensions) {
                String problem = sliceDimensionProblem(dimension);
                if (problem != null) {
                    throw new IllegalArgumentException("slices: " + problem);
                }
            }
        }
    }

    /**
     * Why a tag cannot be a slice dimension, or null when it can. A slice is named {@code dimension=value} (the
     * API's {@code slice=} filter, the gauges' {@code slice} label, the dashboard), one tag at a time: with no
     * {@code =} in a dimension the name is cut at its first {@code =}, whatever the value holds. A dimension
     * holding one would give two slices one name (tag {@code a=b} valued {@code c}, tag {@code a} valued
     * {@code b=c}: both {@code a=b=c}). A {@code ,} separates the dimensions of the list (the environment's form);
     * an empty dimension is the whole model's. Only configured tags make slices, so this is checked once at
     * start-up: a tag of any other name is dropped at ingest unchecked, never a reject (see {@code EventParser}).
     */
    public static String sliceDimensionProblem(String dimension) {
        if (dimension.isEmpty()) {
            return "a tag name is empty (the whole model's slice is the one without a tag)";
        }
        if (dimension.indexOf('=') >= 0) {
            return "tag '" + dimension + "' holds '=', which no slice dimension may: slices are named dimension=value "
                    + "(cloud=aws), so one could not be told from another tag's (tag 'a=b' valued 'c' and tag 'a' "
                    + "valued 'b=c' would both be a=b=c)";
        }
        if (dimension.indexOf(',') >= 0) {
            return "tag '" + dimension + "' holds ',', which separates the tags of a list (cloud,region)";
        }
        if (dimension.indexOf('\u0000') >= 0) {
            return "tag '" + dimension.replace('\u0000', '?') + "' holds U+0000 (NUL), which ingest refuses in every name "
                    + "(nul_character): every prediction with this tag would be a dead letter";
        }
        return null;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.predictionsTopic = predictionsTopic;
        b.labelsTopic = labelsTopic;
        b.metricsTopic = metricsTopic;
        b.deadLetterTopic = deadLetterTopic;
        b.windowSize = windowSize;
        b.maxLabelDelay = maxLabelDelay;
        b.rolling = rolling;
        b.updateInterval = updateInterval;
        b.watermarkInterval = watermarkInterval;
        b.sliceDimensions = sliceDimensions;
        b.repartitionInputs = repartitionInputs;
        b.joinPartitions = joinPartitions;
        b.maxLabelsPerPrediction = maxLabelsPerPrediction;
        b.inMemoryState = inMemoryState;
        b.limits = limits;
        b.alertsTopic = alertsTopic;
        b.rulesTopic = rulesTopic;
        b.alertRules = alertRules;
        b.inputsInArrivalOrder = inputsInArrivalOrder;
        b.watermarkMinSpacing = watermarkMinSpacing;
        b.historyWindows = historyWindows;
        return b;
    }

    /** Defaults as documented in the README; the watermark interval follows the window unless set. */
    public static final class Builder {
        public String predictionsTopic = "predictions";
        public String labelsTopic = "labels";
        public String metricsTopic = "model-metrics";
        public String deadLetterTopic = "modelwatch-dlq";
        public Duration windowSize = Duration.ofHours(1);
        public Duration maxLabelDelay = Duration.ofDays(7);
        public int rolling = 1;
        public Duration updateInterval = Duration.ofSeconds(10);
        public Duration watermarkInterval;
        public List<String> sliceDimensions = List.of();
        public boolean repartitionInputs = true;
        public int joinPartitions = 1;
        public int maxLabelsPerPrediction = 16;
        public boolean inMemoryState;
        public IngestLimits limits = IngestLimits.DEFAULTS;
        static final String DEFAULT_ALERTS_TOPIC = "model-alerts";
        static final String DEFAULT_RULES_TOPIC = "modelwatch-rules";
        public String alertsTopic = DEFAULT_ALERTS_TOPIC;
        public String rulesTopic = DEFAULT_RULES_TOPIC;
        public List<AlertRule> alertRules = List.of();
        public boolean inputsInArrivalOrder;
        /**
         * Zero here, for drivers without a wall clock (replay, topology tests); the service's configuration
         * sets {@link #SERVICE_WATERMARK_MIN_SPACING} unless told otherwise.
         */
        public Duration watermarkMinSpacing = Duration.ZERO;
        public int historyWindows = MetricsHistory.DEFAULT_RETAINED_WINDOWS;

        public Builder window(Duration size, Duration delay) {
            this.windowSize = size;
            this.maxLabelDelay = delay;
            return this;
        }

        public Builder limitsOf(IngestLimits inputLimits) {
            this.limits = inputLimits;
            return this;
        }

        public Builder rolling(int k) {
            this.rolling = k;
            return this;
        }

        public Builder slices(List<String> dimensions) {
            this.sliceDimensions = List.copyOf(dimensions);
            return this;
        }

        /** Closed windows the history keeps for the API ({@code history-windows}). */
        public Builder historyWindows(int windows) {
            this.historyWindows = windows;
            return this;
        }

        public Builder joinPartitions(int partitions) {
            this.joinPartitions = partitions;
            return this;
        }

        public Builder inMemoryState(boolean inMemory) {
            this.inMemoryState = inMemory;
            return this;
        }

        public Builder updateInterval(Duration interval) {
            this.updateInterval = interval;
            return this;
        }

        /** The rules of the rules file (already parsed and validated by {@code alerts.Rules}). */
        public Builder rules(List<AlertRule> rules) {
            this.alertRules = List.copyOf(rules);
            return this;
        }

        public Builder alertTopics(String alerts, String rules) {
            this.alertsTopic = alerts;
            this.rulesTopic = rules;
            return this;
        }

        public TopologySettings build() {
            Duration watermark = watermarkInterval != null ? watermarkInterval : defaultWatermarkInterval(windowSize);
            return new TopologySettings(predictionsTopic, labelsTopic, metricsTopic, deadLetterTopic, windowSize,
                    maxLabelDelay, rolling, updateInterval, watermark, sliceDimensions, repartitionInputs,
                    joinPartitions, maxLabelsPerPrediction, inMemoryState, limits, alertsTopic, rulesTopic,
                    alertRules, inputsInArrivalOrder && repartitionInputs, watermarkMinSpacing, historyWindows);
        }
    }

    /** The service's default least wall-clock time between two watermarks of an ingest partition. */
    public static final Duration SERVICE_WATERMARK_MIN_SPACING = Duration.ofSeconds(1);

    /** A tenth of the window, at most a minute: windows close promptly without flooding watermarks. */
    public static Duration defaultWatermarkInterval(Duration windowSize) {
        Duration tenth = windowSize.dividedBy(10);
        if (tenth.compareTo(Duration.ofMinutes(1)) > 0) {
            return Duration.ofMinutes(1);
        }
        return tenth.isZero() ? Duration.ofMillis(1) : tenth;
    }
}
