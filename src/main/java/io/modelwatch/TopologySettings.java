package io.modelwatch;

import io.modelwatch.ingest.IngestLimits;
import java.time.Duration;
import java.util.List;

/**
 * What the topology needs to know, already validated (see {@code config.ModelwatchConfig} for the
 * file and environment form).
 *
 * @param predictionsTopic   input topic of prediction events
 * @param labelsTopic        input topic of label events
 * @param metricsTopic       output topic of metrics records
 * @param deadLetterTopic    where rejected input goes, with the reason in headers
 * @param windowSize         tumbling window size, aligned to the epoch
 * @param maxLabelDelay      a label pairs with a prediction when their timestamps differ by at most this
 * @param rolling            K &gt; 1 also emits, per window, the merge of it and the K-1 windows before; 1 = off
 * @param updateInterval     least time between two update records of an open window (wall clock)
 * @param watermarkInterval  event-time step at which the join reports progress and expires state
 * @param sliceDimensions    tag names to slice metrics by (besides the whole model)
 * @param repartitionInputs  false when producers already key both topics by prediction id
 * @param joinPartitions     partitions of the join stage (the input topics' partition count)
 * @param maxLabelsPerPrediction labels kept per prediction id (corrections beyond drop the oldest)
 * @param limits             input validation bounds
 */
public record TopologySettings(String predictionsTopic, String labelsTopic, String metricsTopic, String deadLetterTopic,
                               Duration windowSize, Duration maxLabelDelay, int rolling, Duration updateInterval,
                               Duration watermarkInterval, List<String> sliceDimensions, boolean repartitionInputs,
                               int joinPartitions, int maxLabelsPerPrediction, IngestLimits limits) {

    public static TopologySettings defaults() {
        return new TopologySettings("predictions", "labels", "model-metrics", "modelwatch-dlq",
                Duration.ofHours(1), Duration.ofDays(7), 1, Duration.ofSeconds(10),
                Duration.ofMinutes(1), List.of(), true, 1, 16, IngestLimits.DEFAULTS);
    }

    public TopologySettings withWindow(Duration size, Duration delay) {
        return new TopologySettings(predictionsTopic, labelsTopic, metricsTopic, deadLetterTopic, size, delay, rolling,
                updateInterval, defaultWatermarkInterval(size), sliceDimensions, repartitionInputs, joinPartitions,
                maxLabelsPerPrediction, limits);
    }

    public TopologySettings withRolling(int k) {
        return new TopologySettings(predictionsTopic, labelsTopic, metricsTopic, deadLetterTopic, windowSize,
                maxLabelDelay, k, updateInterval, watermarkInterval, sliceDimensions, repartitionInputs, joinPartitions,
                maxLabelsPerPrediction, limits);
    }

    public TopologySettings withSlices(List<String> dimensions) {
        return new TopologySettings(predictionsTopic, labelsTopic, metricsTopic, deadLetterTopic, windowSize,
                maxLabelDelay, rolling, updateInterval, watermarkInterval, List.copyOf(dimensions), repartitionInputs,
                joinPartitions, maxLabelsPerPrediction, limits);
    }

    public TopologySettings withJoinPartitions(int partitions) {
        return new TopologySettings(predictionsTopic, labelsTopic, metricsTopic, deadLetterTopic, windowSize,
                maxLabelDelay, rolling, updateInterval, watermarkInterval, sliceDimensions, repartitionInputs,
                partitions, maxLabelsPerPrediction, limits);
    }

    /** A tenth of the window, at most a minute: windows close promptly without flooding watermarks. */
    public static Duration defaultWatermarkInterval(Duration windowSize) {
        Duration tenth = windowSize.dividedBy(10);
        return tenth.compareTo(Duration.ofMinutes(1)) > 0 ? Duration.ofMinutes(1)
                : tenth.isZero() ? Duration.ofMillis(1) : tenth;
    }
}
