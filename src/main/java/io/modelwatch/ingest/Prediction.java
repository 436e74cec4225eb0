package io.modelwatch.ingest;

import java.util.Arrays;

/**
 * A validated prediction event. Score classes are sorted and distinct; tags are sorted by name.
 */
public record Prediction(String predictionId, String modelId, String modelVersion, long timestampMs,
                         String predicted, String[] scoreClasses, double[] scores,
                         String[] tagNames, String[] tagValues) implements JoinInput {

    /** The value of tag {@code name}, or null. */
    public String tag(String name) {
        for (int i = 0; i < tagNames.length; i++) {
            if (tagNames[i].equals(name)) {
                return tagValues[i];
            }
        }
        return null;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Prediction p && timestampMs == p.timestampMs && predictionId.equals(p.predictionId)
                && modelId.equals(p.modelId) && modelVersion.equals(p.modelVersion) && predicted.equals(p.predicted)
                && Arrays.equals(scoreClasses, p.scoreClasses) && Arrays.equals(scores, p.scores)
                && Arrays.equals(tagNames, p.tagNames) && Arrays.equals(tagValues, p.tagValues);
    }

    @Override
    public int hashCode() {
        return predictionId.hashCode() * 31 + Long.hashCode(timestampMs);
    }

    @Override
    public String toString() {
        return "Prediction{" + predictionId + ", " + modelId + "/" + modelVersion + " @" + timestampMs
                + ", predicted=" + predicted + ", scores=" + Arrays.toString(scoreClasses) + Arrays.toString(scores)
                + ", tags=" + Arrays.toString(tagNames) + Arrays.toString(tagValues) + '}';
    }
}
