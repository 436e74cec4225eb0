package io.modelwatch.alerts;

import static io.modelwatch.alerts.AlertFixture.wholeModel;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code resolve_margin}: hysteresis. While an episode fires, a window must be that far past the threshold on the
 * healthy side to count healthy; one in between is not judged. A figure hovering at the threshold then fires once
 * instead of firing and resolving every other window. Before an episode fires the threshold alone decides.
 */
class ResolveMarginTest {

    /** The states of the whole model's alerts as the windows at these accuracies close, one window each. */
    private static List<String> states(String rule, double... accuracies) {
        List<String> out = new ArrayList<>();
        try (AlertFixture f = new AlertFixture(AlertFixture.hourly(Rules.parseYaml("rules:\n  - " + rule)).build())) {
            for (int i = 0; i < accuracies.length; i++) {
                f.window(i, 200, accuracies[i]); // 100 pairs of each class: figures to the hundredth exactly
                f.close(i);
                List<JsonNode> alerts = wholeModel(f.alerts());
                out.add(alerts.isEmpty() ? "-" : alerts.get(alerts.size() - 1).get("state").asText());
            }
        }
        return out;
    }

    private static final String FLOOR = "{name: floor, models: [\"*\"], metric: accuracy, below: 0.8, min_labeled: 50";

    @Test
    void aFigureHoveringAtTheThresholdFiresOnceWithAMargin() {
        double[] hovering = {0.7, 0.82, 0.78, 0.83, 0.79, 0.9};
        assertEquals(List.of("FIRING", "RESOLVED", "FIRING", "RESOLVED", "FIRING", "RESOLVED"),
                states(FLOOR + "}", hovering), "without a margin: a page every other window");
        assertEquals(List.of("FIRING", "-", "-", "-", "-", "RESOLVED"),
                states(FLOOR + ", resolve_margin: 0.05}", hovering), "with 0.05: healthy from 0.85 on");
    }

    /** The line is the threshold plus the margin as written: 0.8 + 0.05 is 0.85, not 0.8500000000000001. */
    @Test
    void aFigureExactlyAtTheResolveLineIsHealthy() {
        assertEquals(List.of("FIRING", "RESOLVED"), states(FLOOR + ", resolve_margin: 0.05}", 0.7, 0.85));
    }

    @Test
    void theMarginCountsOnTheHealthySideOfACeilingToo() {
        String ceiling = "{name: ceiling, models: [\"*\"], metric: accuracy, above: 0.5, min_labeled: 50, "
                + "resolve_margin: 0.1}";
        assertEquals(List.of("FIRING", "-", "-", "RESOLVED"), states(ceiling, 0.6, 0.45, 0.41, 0.4));
    }

    /** Not firing, a window in the band is healthy: it breaks a breach streak being built, as without a margin. */
    @Test
    void beforeAnEpisodeTheThresholdAloneDecides() {
        String twoToFire = FLOOR + ", for_windows: 2, resolve_margin: 0.05}";
        assertEquals(List.of("-", "-", "-", "FIRING"), states(twoToFire, 0.7, 0.82, 0.7, 0.7));
    }

    /** A line beyond what the figure can reach is refused, also from a pinned baseline and for unbounded figures. */
    @Test
    void aLineNoFigureCanReachIsRefusedWhateverTheCondition() {
        for (String rule : List.of(
                // 0.02 + 0.03 - 0.06: below 0, which no Brier score goes
                "{name: b, models: [\"*\"], metric: brier_score, rise_from_baseline: 0.03, baseline: 0.02, "
                        + "resolve_margin: 0.06}",
                // 0.95 - 0.05 + 0.15: above 1
                "{name: a, models: [\"*\"], metric: accuracy, drop_from_baseline: 0.05, baseline: 0.95, "
                        + "resolve_margin: 0.15}",
                "{name: l, models: [\"*\"], metric: log_loss, above: 0.2, resolve_margin: 0.25}")) {
            RulesException e = assertThrows(RulesException.class, () -> Rules.parseYaml("rules:\n  - " + rule), rule);
            assertTrue(e.getMessage().contains("field 'resolve_margin': puts the line"), e.getMessage());
            assertTrue(e.getMessage().contains("the episode would never resolve"), e.getMessage());
        }
        RulesException log = assertThrows(RulesException.class, () -> Rules.parseYaml("rules:\n  - {name: l, "
                + "models: [\"*\"], metric: log_loss, above: 0.2, resolve_margin: 0.25}"));
        assertTrue(log.getMessage().contains("below 0, which no log_loss goes"), log.getMessage());
        // a line at exactly 0 is reached by a figure of 0, as a floor's at exactly 1 by a figure of 1
        assertEquals(2, Rules.parseYaml("rules:\n  - {name: z, models: [\"*\"], metric: brier_score, above: 0.05, "
                + "resolve_margin: 0.05}\n  - " + FLOOR + ", resolve_margin: 0.2}").size());
    }

    /** A learned baseline near the top: the line never asks for better than the baseline itself. */
    @Test
    void aLearnedBaselineCapsTheLine() {
        String learned = "{name: learned, models: [\"*\"], metric: accuracy, drop_from_baseline: 0.03, "
                + "baseline_windows: 2, min_labeled: 50, resolve_margin: 0.05}";
        // learned 0.99: threshold 0.96, line 1.01 uncapped (never reached), 0.99 capped
        assertEquals(List.of("-", "-", "FIRING", "-", "RESOLVED"), states(learned, 0.99, 0.99, 0.8, 0.98, 0.99));
    }

    /** baseline - drop as written: 0.8 - 0.1 is 0.7, and a figure of exactly 0.7 is not below it. */
    @Test
    void aThresholdFromABaselineIsTheDecimalDifference() {
        String pinned = "{name: p, models: [\"*\"], metric: accuracy, drop_from_baseline: 0.1, baseline: 0.8, "
                + "min_labeled: 50}";
        assertEquals(List.of("-", "FIRING"), states(pinned, 0.7, 0.69));
        assertEquals(0.7, Rules.parseYaml("rules:\n  - " + pinned).get(0).threshold(0.8));
        assertEquals(0.73, Rules.parseYaml("rules:\n  - {name: r, models: [\"*\"], metric: brier_score, "
                + "rise_from_baseline: 0.03, baseline: 0.7}").get(0).threshold(0.7));
    }

    @Test
    void theMarginIsValidatedAndTravelsWithTheRule() {
        RulesException e = assertThrows(RulesException.class,
                () -> Rules.parseYaml("rules:\n  - " + FLOOR + ", resolve_margin: -0.1}"));
        assertTrue(e.getMessage().contains("field 'resolve_margin': must not be negative"), e.getMessage());
        // 0.05 typed as 5: no window could ever count healthy
        for (String rule : List.of(FLOOR + ", resolve_margin: 0.25}",
                "{name: c, models: [\"*\"], metric: accuracy, above: 0.5, resolve_margin: 0.6}",
                "{name: d, models: [\"*\"], metric: accuracy, drop_from_baseline: 0.1, baseline: 0.9, resolve_margin: 1}")) {
            e = assertThrows(RulesException.class, () -> Rules.parseYaml("rules:\n  - " + rule), rule);
            assertTrue(e.getMessage().contains("field 'resolve_margin': puts the line"), e.getMessage());
        }
        assertEquals(1, Rules.parseYaml("rules:\n  - {name: l, models: [\"*\"], metric: log_loss, above: 0.5, "
                + "resolve_margin: 0.4}\n  - " + FLOOR + ", resolve_margin: 0.2}").size() - 1, "within the range");
        AlertRule rule = Rules.parseYaml("rules:\n  - " + FLOOR + ", resolve_margin: 0.05}").get(0);
        assertEquals(0.05, rule.resolveMargin());
        assertEquals(rule, Rules.parseJson("floor", rule.toJson()), "as the rules topic carries it");
    }
}
