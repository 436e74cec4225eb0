package io.modelwatch.metrics;

/**
 * What one prediction contributes to its window: the predicted class, the winning label (or
 * {@code null} while unlabelled) and the score row. Score classes are sorted and distinct.
 */
public record Outcome(String predicted, String label, String[] scoreClasses, double[] scores, long labelDelayMs) {

    public boolean labeled() {
        return label != null;
    }

    public boolean hasScores() {
        return scoreClasses != null && scoreClasses.length > 0;
    }
}
