package io.modelwatch.serving;

import java.util.Locale;

/**
 * The families of per-series model gauges {@code /metrics} may export ({@code http.model-gauges}): each costs
 * one series per figure, model, version and slice, so a large deployment can keep one.
 */
public enum ModelGauges {

    /** {@code modelwatch_model_<figure>}: the newest single window, usually still open. */
    LATEST,
    /** {@code modelwatch_model_final_<figure>}: the last closed window, whose figures no longer change. */
    FINAL;

    /** The name the configuration uses: {@code latest}, {@code final}. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The family a configuration value names; null when none. */
    public static ModelGauges ofConfigName(String name) {
        for (ModelGauges g : values()) {
            if (g.configName().equals(name)) {
                return g;
            }
        }
        return null;
    }
}
