package io.modelwatch.alerts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RulesTest {

    /** The example of the issue, verbatim. */
    static final String ISSUE_EXAMPLE = """
            rules:
              - name: f1-floor            # unique
                models: ["fraud*"]        # globs on model_id; optional versions: [...]
                metric: f1                # any figure of the metrics record (f1_macro, roc_auc, ...)
                below: 0.80               # or above:
                min_labeled: 100          # windows with fewer labelled pairs are not judged
                for_windows: 2            # consecutive breaching windows before FIRING (default 1)
                resolve_after: 2          # consecutive healthy windows before RESOLVED (default 1)
                severity: critical        # or warning
              - name: auc-drop
                models: ["*"]
                metric: roc_auc
                drop_from_baseline: 0.05  # fires when the metric is this far below its baseline
                baseline_windows: 6       # baseline = mean of the first N closed windows of that model version
              - name: f1-significant
                models: ["*"]
                metric: f1
                below: 0.85
                confidence: 0.95          # fire only when the upper bound of the 95% interval is below
            """;

    @Test
    void parsesTheIssueExample() {
        List<AlertRule> rules = Rules.parseYaml(ISSUE_EXAMPLE);
        assertEquals(3, rules.size());
        AlertRule floor = rules.get(0);
        assertEquals("f1-floor", floor.name());
        assertEquals(List.of("fraud*"), floor.models());
        assertEquals(List.of(), floor.versions());
        assertEquals("f1", floor.metric());
        assertEquals(AlertRule.Condition.BELOW, floor.condition());
        assertEquals(0.80, floor.limit());
        assertEquals(100, floor.minLabeled());
        assertEquals(2, floor.forWindows());
        assertEquals(2, floor.resolveAfter());
        assertEquals("critical", floor.severity());
        assertNull(floor.confidence());
        assertEquals(1, floor.rolling());
        assertFalse(floor.onUpdates());
        assertTrue(floor.enabled());

        AlertRule drop = rules.get(1);
        assertEquals(AlertRule.Condition.DROP_FROM_BASELINE, drop.condition());
        assertEquals(6, drop.baselineWindows());
        assertNull(drop.pinnedBaseline());
        assertEquals(1, drop.forWindows(), "default");
        assertEquals(1, drop.resolveAfter(), "default");
        assertEquals("warning", drop.severity(), "default");
        assertEquals(1, drop.minLabeled(), "default");
        assertEquals(0.90, drop.threshold(0.95), 1e-12);
        assertNull(drop.threshold(null));

        assertEquals(0.95, rules.get(2).confidence());
    }

    @Test
    void pinnedBaselineRollingOnUpdatesVersionsAndRoundTripThroughJson() {
        List<AlertRule> rules = Rules.parseYaml("""
                rules:
                  - name: pinned
                    models: "fraud-*"
                    versions: ["v2*", "v3"]
                    metric: roc_auc
                    drop_from_baseline: 0.03
                    baseline: 0.93
                    rolling: 6
                    on_updates: true
                    enabled: false
                  - name: loss-rise
                    models: ["*"]
                    metric: log_loss
                    rise_from_baseline: 0.1
                    baseline_windows: 3
                """);
        AlertRule pinned = rules.get(0);
        assertEquals(0.93, pinned.pinnedBaseline());
        assertEquals(0.90, pinned.threshold(pinned.pinnedBaseline()), 1e-12);
        assertEquals(6, pinned.rolling());
        assertTrue(pinned.onUpdates());
        assertFalse(pinned.enabled());
        assertTrue(pinned.appliesTo("fraud-eu", "v2.1"));
        assertTrue(pinned.appliesTo("fraud-eu", "v3"));
        assertFalse(pinned.appliesTo("fraud-eu", "v31"));
        assertFalse(pinned.appliesTo("fraudster", "v3"));
        AlertRule rise = rules.get(1);
        assertFalse(rise.condition().lowerIsWorse());
        assertEquals(0.6, rise.threshold(0.5), 1e-12);
        for (AlertRule r : rules) {
            assertEquals(r, Rules.parseJson(r.name(), r.toJson()), "the rules topic format round-trips");
        }
    }

    @Test
    void resolveWhenSilentIsOptInAndReadFromYamlAndJson() {
        List<AlertRule> rules = Rules.parseYaml("""
                rules:
                  - {name: silent-3, models: ["*"], metric: f1, below: 0.8, resolve_when_silent: 3}
                  - {name: never, models: ["*"], metric: f1, below: 0.8}
                """);
        assertEquals(3, rules.get(0).resolveWhenSilent());
        assertEquals(0, rules.get(1).resolveWhenSilent(), "absent: never resolved by silence");
        for (AlertRule r : rules) {
            assertEquals(r, Rules.parseJson(r.name(), r.toJson()), "the rules topic format round-trips");
        }
        assertFalse(rules.get(1).toJson().contains("resolve_when_silent"));
        AlertRule topic = Rules.parseJson("t", "{\"models\":[\"*\"],\"metric\":\"f1\",\"below\":0.8,"
                + "\"resolve_when_silent\":12}");
        assertEquals(12, topic.resolveWhenSilent());
        for (String bad : List.of("0", "-1", "1.5", "\"3\"", "true")) {
            RulesException e = assertThrows(RulesException.class, () -> Rules.parseJson("t",
                    "{\"models\":[\"*\"],\"metric\":\"f1\",\"below\":0.8,\"resolve_when_silent\":" + bad + "}"));
            assertEquals("t", e.rule(), bad);
            assertEquals("resolve_when_silent", e.field(), bad);
            assertTrue(e.getMessage().startsWith("rule 't': field 'resolve_when_silent': "), e.getMessage());
        }
    }

    @Test
    void globs() {
        assertTrue(AlertRule.glob("*", "anything"));
        assertTrue(AlertRule.glob("fraud*", "fraud"));
        assertTrue(AlertRule.glob("fraud*", "fraud-eu"));
        assertFalse(AlertRule.glob("fraud*", "afraud"));
        assertTrue(AlertRule.glob("m?", "m1"));
        assertFalse(AlertRule.glob("m?", "m12"));
        assertTrue(AlertRule.glob("a.b*", "a.bc"));
        assertFalse(AlertRule.glob("a.b*", "axbc"), "regex characters are literal");
        assertTrue(AlertRule.glob("exact", "exact"));
    }

    @Test
    void emptyFileAndEmptyListMeanNoRules() {
        assertEquals(List.of(), Rules.parseYaml(""));
        assertEquals(List.of(), Rules.parseYaml("rules: []"));
        assertEquals(List.of(), Rules.parseYaml("rules:"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            missing name                 | - {models: ["*"], metric: f1, below: 0.8}                                   | #1         | name
            blank name                   | - {name: " ", models: ["*"], metric: f1, below: 0.8}                        | #1         | name
            missing models               | - {name: r, metric: f1, below: 0.8}                                         | r          | models
            empty models                 | - {name: r, models: [], metric: f1, below: 0.8}                             | r          | models
            missing metric               | - {name: r, models: ["*"], below: 0.8}                                      | r          | metric
            unknown metric               | - {name: r, models: ["*"], metric: f2, below: 0.8}                          | r          | metric
            no condition                 | - {name: r, models: ["*"], metric: f1}                                      | r          | below
            two conditions               | - {name: r, models: ["*"], metric: f1, below: 0.8, above: 0.9}              | r          | above
            threshold not a number       | - {name: r, models: ["*"], metric: f1, below: high}                         | r          | below
            drop without baseline        | - {name: r, models: ["*"], metric: f1, drop_from_baseline: 0.1}             | r          | baseline_windows
            drop with both baselines     | - {name: r, models: ["*"], metric: f1, drop_from_baseline: 0.1, baseline: 0.9, baseline_windows: 3} | r | baseline
            negative drop                | - {name: r, models: ["*"], metric: f1, drop_from_baseline: -0.1, baseline: 0.9} | r      | drop_from_baseline
            baseline without drop        | - {name: r, models: ["*"], metric: f1, below: 0.8, baseline_windows: 3}     | r          | baseline_windows
            zero baseline windows        | - {name: r, models: ["*"], metric: f1, drop_from_baseline: 0.1, baseline_windows: 0} | r | baseline_windows
            negative min_labeled         | - {name: r, models: ["*"], metric: f1, below: 0.8, min_labeled: -1}         | r          | min_labeled
            fractional min_labeled       | - {name: r, models: ["*"], metric: f1, below: 0.8, min_labeled: 1.5}        | r          | min_labeled
            zero for_windows             | - {name: r, models: ["*"], metric: f1, below: 0.8, for_windows: 0}          | r          | for_windows
            zero resolve_after           | - {name: r, models: ["*"], metric: f1, below: 0.8, resolve_after: 0}        | r          | resolve_after
            bad severity                 | - {name: r, models: ["*"], metric: f1, below: 0.8, severity: page}          | r          | severity
            confidence out of range      | - {name: r, models: ["*"], metric: f1, below: 0.8, confidence: 95}          | r          | confidence
            confidence unsupported       | - {name: r, models: ["*"], metric: f1_macro, below: 0.8, confidence: 0.95}  | r          | confidence
            confidence on log loss       | - {name: r, models: ["*"], metric: log_loss, above: 0.8, confidence: 0.95}  | r          | confidence
            typo in a field              | - {name: r, models: ["*"], metric: f1, below: 0.8, for_window: 2}           | r          | for_window
            on_updates not boolean       | - {name: r, models: ["*"], metric: f1, below: 0.8, on_updates: sometimes}   | r          | on_updates
            rolling zero                 | - {name: r, models: ["*"], metric: f1, below: 0.8, rolling: 0}              | r          | rolling
            versions not strings         | - {name: r, models: ["*"], versions: [{a: 1}], metric: f1, below: 0.8}      | r          | versions
            min_labeled beyond a long    | - {name: r, models: ["*"], metric: f1, below: 0.8, min_labeled: 18446744073709551621} | r | min_labeled
            for_windows beyond a long    | - {name: r, models: ["*"], metric: f1, below: 0.8, for_windows: 1e30}       | r          | for_windows
            zero resolve_when_silent     | - {name: r, models: ["*"], metric: f1, below: 0.8, resolve_when_silent: 0}    | r        | resolve_when_silent
            negative resolve_when_silent | - {name: r, models: ["*"], metric: f1, below: 0.8, resolve_when_silent: -2}   | r        | resolve_when_silent
            fractional resolve_when_silent | - {name: r, models: ["*"], metric: f1, below: 0.8, resolve_when_silent: 2.5} | r       | resolve_when_silent
            resolve_when_silent a word   | - {name: r, models: ["*"], metric: f1, below: 0.8, resolve_when_silent: three} | r      | resolve_when_silent
            """)
    void rejectsInvalidRulesNamingRuleAndField(String why, String rule, String expectedRule, String expectedField) {
        RulesException e = assertThrows(RulesException.class, () -> Rules.parseYaml("rules:\n  " + rule));
        assertEquals(expectedRule, e.rule(), why + ": " + e.getMessage());
        assertEquals(expectedField, e.field(), why + ": " + e.getMessage());
        String shownRule = expectedRule.startsWith("#") ? "rule " + expectedRule : "rule '" + expectedRule + "'";
        assertTrue(e.getMessage().startsWith(shownRule + ": field '" + expectedField + "': "), e.getMessage());
    }

    @Test
    void aFieldWrittenTwiceIsRefused() {
        RulesException e = assertThrows(RulesException.class, () -> Rules.parseYaml("""
                rules:
                  - name: a
                    models: ["*"]
                    metric: f1
                    below: 0.8
                    below: 0.6
                """));
        assertTrue(e.getMessage().contains("Duplicate field 'below'"), e.getMessage());
    }

    @Test
    void aThresholdTheMetricCannotReachIsRefused() {
        RulesException e = assertThrows(RulesException.class, () -> Rules.parseYaml("""
                rules:
                  - {name: a, models: ["*"], metric: f1, below: 1.5}
                  - {name: b, models: ["*"], metric: label_delay_mean_ms, above: -5}
                  - {name: c, models: ["*"], metric: roc_auc, drop_from_baseline: 0.05, baseline: 93}
                  - {name: ok, models: ["*"], metric: log_loss, above: 2.5}
                """));
        assertTrue(e.getMessage().contains("rule 'a': field 'below': f1 lies in [0, 1], got 1.5"), e.getMessage());
        assertTrue(e.getMessage().contains("rule 'b': field 'above': label_delay_mean_ms is never negative"),
                e.getMessage());
        assertTrue(e.getMessage().contains("rule 'c': field 'baseline': roc_auc lies in [0, 1]"), e.getMessage());
        assertTrue(e.getMessage().startsWith("3 invalid rules"), e.getMessage());
    }

    @Test
    void everyProblemOfARuleIsNamedAtOnce() {
        RulesException e = assertThrows(RulesException.class, () -> Rules.parseYaml("""
                rules:
                  - {name: many, models: ["*"], metric: f1, below: 1.5, for_window: 2, severity: high, resolve_after: zero}
                  - {name: also, metric: f1, above: 0.2, below: 0.1}
                  - {name: fine, models: ["*"], metric: f1, below: 0.8}
                """));
        String m = e.getMessage();
        assertTrue(m.startsWith("2 invalid rules (6 problems):"), m);
        for (String problem : List.of("rule 'many': field 'for_window': unknown field (did you mean for_windows?)",
                "rule 'many': field 'below': f1 lies in [0, 1], got 1.5",
                "rule 'many': field 'resolve_after': must be a whole number, got \"zero\"",
                "rule 'many': field 'severity': must be critical or warning, got 'high'",
                "rule 'also': field 'models': required",
                "rule 'also': field 'above': only one of below, above, drop_from_baseline, rise_from_baseline may be set")) {
            assertTrue(m.contains("\n  " + problem), problem + " missing from:\n" + m);
        }
    }

    @Test
    void anUnreadableTopicValueIsSaidOnOneLineWithItsPlace() {
        RulesException e = assertThrows(RulesException.class, () -> Rules.parseJson("r",
                "{\"models\":[\"*\"],\n\"metric\":\"f1\",\"below\":NaN}"));
        assertEquals("rule 'r': not valid JSON: Non-standard token 'NaN' (line 2, column 26)", e.getMessage());
    }

    @Test
    void aCheckThatNeedsAnotherFieldWaitsForItToBeGood() {
        // an unknown metric has no range: the threshold is not judged against one, nor confidence's support
        RulesException e = assertThrows(RulesException.class, () -> Rules.parseJson("r",
                "{\"models\":[\"*\"],\"metric\":\"f2\",\"below\":1.5,\"confidence\":0.95,\"enabled\":\"yes\"}"));
        assertEquals("2 problems in rule 'r':\n  rule 'r': field 'metric': unknown metric 'f2' (known: "
                + String.join(", ", new java.util.TreeSet<>(Rules.METRICS)) + ")\n  rule 'r': field 'enabled': "
                + "must be true or false, got \"yes\"", e.getMessage());
        // a field of the wrong type is that problem alone, not "required" besides
        RulesException typed = assertThrows(RulesException.class, () -> Rules.parseJson("r",
                "{\"models\":[\"*\"],\"metric\":7,\"below\":0.5}"));
        assertEquals("rule 'r': field 'metric': must be a string, got 7", typed.getMessage());
    }

    @Test
    void aThresholdTheMetricNeverCrossesIsRefused() {
        RulesException e = assertThrows(RulesException.class, () -> Rules.parseYaml("""
                rules:
                  - {name: below-zero, models: ["*"], metric: f1, below: 0}
                  - {name: above-one, models: ["*"], metric: label_coverage, above: 1}
                  - {name: no-delay, models: ["*"], metric: label_delay_mean_ms, below: 0}
                  - {name: whole-range, models: ["*"], metric: f1, drop_from_baseline: 1.5, baseline_windows: 3}
                  - {name: rise-whole-range, models: ["*"], metric: brier_score, rise_from_baseline: 1, baseline_windows: 3}
                  - {name: under-zero, models: ["*"], metric: roc_auc, drop_from_baseline: 0.95, baseline: 0.93}
                  - {name: over-one, models: ["*"], metric: brier_score, rise_from_baseline: 0.2, baseline: 0.9}
                  - {name: to-zero, models: ["*"], metric: log_loss, drop_from_baseline: 0.5, baseline: 0.5}
                """));
        String m = e.getMessage();
        assertTrue(m.startsWith("8 invalid rules"), m);
        assertTrue(m.contains("rule 'below-zero': field 'below': f1 lies in [0, 1]: no figure is below 0.0"), m);
        assertTrue(m.contains("rule 'above-one': field 'above': label_coverage lies in [0, 1]: no figure is above"), m);
        assertTrue(m.contains("rule 'no-delay': field 'below': label_delay_mean_ms is never negative"), m);
        assertTrue(m.contains("rule 'whole-range': field 'drop_from_baseline': f1 lies in [0, 1]: no figure can drop"),
                m);
        assertTrue(m.contains("rule 'rise-whole-range': field 'rise_from_baseline'"), m);
        assertTrue(m.contains("rule 'under-zero': field 'drop_from_baseline': roc_auc lies in [0, 1]: the threshold, "
                + "baseline 0.93 - 0.95"), m);
        assertTrue(m.contains("rule 'over-one': field 'rise_from_baseline': brier_score lies in [0, 1]: the threshold, "
                + "baseline 0.9 + 0.2"), m);
        assertTrue(m.contains("rule 'to-zero': field 'drop_from_baseline': log_loss is never negative"), m);
    }

    @Test
    void thresholdsAtTheRangesEdgeThatCanBeCrossedAreAccepted() {
        List<AlertRule> rules = Rules.parseYaml("""
                rules:
                  - {name: any-missing-label, models: ["*"], metric: label_coverage, below: 1}
                  - {name: any-error, models: ["*"], metric: brier_score, above: 0}
                  - {name: any-delay, models: ["*"], metric: label_delay_mean_ms, above: 0}
                  - {name: log-loss-high, models: ["*"], metric: log_loss, above: 50}
                  - {name: log-loss-rise, models: ["*"], metric: log_loss, rise_from_baseline: 5, baseline: 0.7}
                  - {name: delay-drop, models: ["*"], metric: label_delay_mean_ms, drop_from_baseline: 5000, baseline_windows: 3}
                  - {name: auc-drop-pinned, models: ["*"], metric: roc_auc, drop_from_baseline: 0.9, baseline: 0.93}
                  - {name: brier-rise-pinned, models: ["*"], metric: brier_score, rise_from_baseline: 0.2, baseline: 0.7}
                """);
        assertEquals(8, rules.size());
    }

    @Test
    void aPinnedBaselineWhoseThresholdIsNeverCrossedIsSaidInDecimals() {
        RulesException e = assertThrows(RulesException.class, () -> Rules.parseYaml("""
                rules:
                  - {name: auc-drop, models: ["*"], metric: roc_auc, drop_from_baseline: 0.95, baseline: 0.93}
                """));
        assertTrue(e.getMessage().contains("the threshold, baseline 0.93 - 0.95 = -0.02, is never crossed"),
                e.getMessage());
    }

    @Test
    void twoInvalidRulesOfOneNameCountAsTwo() {
        RulesException e = assertThrows(RulesException.class, () -> Rules.parseYaml("""
                rules:
                  - {name: f1-floor, models: ["*"], metric: f1, below: high}
                  - {name: f1-floor, models: ["*"], metric: f2, below: 0.8}
                  - {name: b, models: ["*"], metric: f2, below: 0.8}
                """));
        assertTrue(e.getMessage().startsWith("3 invalid rules"), e.getMessage());
    }

    @Test
    void everyInvalidRuleOfAFileIsReportedAtOnce() {
        RulesException e = assertThrows(RulesException.class, () -> Rules.parseYaml("""
                rules:
                  - {name: a, models: ["*"], metric: f1, below: high}
                  - {name: ok, models: ["*"], metric: f1, below: 0.8}
                  - {name: b, models: ["*"], metric: f2, below: 0.8}
                  - {models: ["*"], metric: nope, above: 2}
                """));
        assertTrue(e.getMessage().startsWith("3 invalid rules (4 problems):"), e.getMessage());
        assertTrue(e.getMessage().contains("rule 'a': field 'below'"), e.getMessage());
        assertTrue(e.getMessage().contains("rule 'b': field 'metric'"), e.getMessage());
        assertTrue(e.getMessage().contains("rule #4: field 'name'"), e.getMessage());
        // a rule without a name still has its other problems listed, under its position
        assertTrue(e.getMessage().contains("rule #4: field 'metric': unknown metric 'nope'"), e.getMessage());
    }

    @Test
    void rejectsDuplicateNamesAndMalformedFiles() {
        RulesException dup = assertThrows(RulesException.class, () -> Rules.parseYaml("""
                rules:
                  - {name: r, models: ["*"], metric: f1, below: 0.8}
                  - {name: r, models: ["*"], metric: f1, above: 0.99}
                """));
        assertEquals("r", dup.rule());
        assertEquals("name", dup.field());
        assertTrue(dup.getMessage().contains("duplicate"), dup.getMessage());

        assertEquals("rules", assertThrows(RulesException.class, () -> Rules.parseYaml("rules: 3")).field());
        assertEquals("alerts", assertThrows(RulesException.class, () -> Rules.parseYaml("alerts: []")).field());
        assertThrows(RulesException.class, () -> Rules.parseYaml("rules: [ {name: r"));
        assertEquals("#2", assertThrows(RulesException.class, () -> Rules.parseYaml("""
                rules:
                  - {name: ok, models: ["*"], metric: f1, below: 0.8}
                  - just a string
                """)).rule());
    }

    /**
     * A YAML syntax error is said with the YAML parser's own line and column, without Jackson's suffix (which named
     * another); an error of Jackson's own (a field written twice) with Jackson's line and column.
     */
    @Test
    void aYamlErrorSaysWhereWithoutContradictingItself() {
        RulesException e = assertThrows(RulesException.class, () -> Rules.parseYaml("""
                rules:
                  - name: a
                    models: ["*"]
                   metric: f1
                """));
        assertTrue(e.getMessage().startsWith("rules: not valid YAML: "), e.getMessage());
        assertTrue(e.getMessage().contains("line 4"), e.getMessage());
        assertFalse(e.getMessage().contains("[Source:"), e.getMessage());
        RulesException twice = assertThrows(RulesException.class, () -> Rules.parseYaml("""
                rules:
                  - name: a
                    name: b
                """));
        assertTrue(twice.getMessage().contains("Duplicate field 'name'") && twice.getMessage().contains("(line 3"),
                twice.getMessage());
    }

    /** An open window's label coverage is always short of its final's: on_updates on it would page every window. */
    @Test
    void onUpdatesIsRefusedForLabelCoverage() {
        RulesException e = assertThrows(RulesException.class, () -> Rules.parseYaml("""
                rules:
                  - {name: cov, models: ["*"], metric: label_coverage, below: 0.5, on_updates: true}
                """));
        assertTrue(e.getMessage().contains("rule 'cov': field 'on_updates': not for label_coverage"), e.getMessage());
        assertEquals(1, Rules.parseYaml("""
                rules:
                  - {name: cov, models: ["*"], metric: label_coverage, below: 0.5}
                  - {name: f1, models: ["*"], metric: f1, below: 0.5, on_updates: true}
                """).size() - 1);
    }

    /**
     * A duplicate name and a rolling span the topology lacks are reported with the file's other problems, also on
     * rules invalid otherwise (they were found only once every rule was valid: a fix and a restart more).
     */
    @Test
    void duplicatesAndRollingMismatchesComeWithTheOtherProblems() {
        RulesException e = assertThrows(RulesException.class, () -> Rules.parseYaml("""
                rules:
                  - {name: r1, models: ["*"], metric: f1, below: 0.8}
                  - {name: r1, models: ["*"], metric: f1, below: 1.5}
                  - {name: r5, models: ["*"], metric: f1, below: 0.8, rolling: 6, for_windows: 0}
                  - {name: r6, models: ["*"], metric: nope, below: 0.8}
                """, 1));
        String m = e.getMessage();
        // two rules named r1: each problem says which (by its place in the file)
        assertTrue(m.contains("rule 'r1' (#2): field 'name': duplicate rule name (as #1)"), m);
        assertTrue(m.contains("rule 'r1' (#2): field 'below'"), m);
        assertFalse(m.contains("rule 'r1' (#1)"), "the first r1 is valid: " + m);
        assertTrue(m.contains("rule 'r5': field 'rolling': is 6 but the topology emits no rolling records"), m);
        assertTrue(m.contains("rule 'r5': field 'for_windows'"), m);
        assertTrue(m.contains("rule 'r6': field 'metric'"), m);
        assertTrue(m.startsWith("3 invalid rules (5 problems):"), m);
        assertEquals(2, Rules.parseYaml("""
                rules:
                  - {name: a, models: ["*"], metric: f1, below: 0.8, rolling: 6}
                  - {name: b, models: ["*"], metric: f1, below: 0.8}
                """, 6).size(), "a span the topology has is fine");
    }

    @Test
    void confidenceIsAcceptedOnEverySupportedMetric() {
        for (String metric : Rules.CONFIDENCE_METRICS) {
            AlertRule r = Rules.parseJson("r", "{\"models\":[\"*\"],\"metric\":\"" + metric
                    + "\",\"below\":0.5,\"confidence\":0.9}");
            assertEquals(0.9, r.confidence());
        }
    }

    @Test
    void topicRulesTakeTheirNameFromTheKey() {
        AlertRule r = Rules.parseJson("from-key", "{\"models\":[\"*\"],\"metric\":\"f1\",\"below\":0.8}");
        assertEquals("from-key", r.name());
        RulesException e = assertThrows(RulesException.class,
                () -> Rules.parseJson("k", "{\"name\":\"other\",\"models\":[\"*\"],\"metric\":\"f1\",\"below\":0.8}"));
        assertEquals("k", e.rule());
        assertEquals("name", e.field());
        assertNull(assertThrows(RulesException.class, () -> Rules.parseJson("k", "not json")).field());
    }

    @Test
    void rollingMustMatchTheTopology() {
        List<AlertRule> rules = Rules.parseYaml("""
                rules:
                  - {name: r6, models: ["*"], metric: f1, below: 0.8, rolling: 6}
                """);
        Rules.checkAgainst(rules, 6);
        RulesException e = assertThrows(RulesException.class, () -> Rules.checkAgainst(rules, 1));
        assertEquals("r6", e.rule());
        assertEquals("rolling", e.field());
        // every mismatch of a file at once
        RulesException both = assertThrows(RulesException.class, () -> Rules.checkAgainst(Rules.parseYaml("""
                rules:
                  - {name: a, models: ["*"], metric: f1, below: 0.8, rolling: 6}
                  - {name: ok, models: ["*"], metric: f1, below: 0.8}
                  - {name: b, models: ["*"], metric: f1, below: 0.7, rolling: 3}
                """), 1));
        assertTrue(both.getMessage().startsWith("2 invalid rules:"), both.getMessage());
        assertTrue(both.getMessage().contains("rule 'a': field 'rolling': is 6"), both.getMessage());
        assertTrue(both.getMessage().contains("rule 'b': field 'rolling': is 3"), both.getMessage());
        RulesException atStartUp = assertThrows(RulesException.class,
                () -> io.modelwatch.ModelwatchTopology.build(io.modelwatch.TopologySettings.builder().rolling(3)
                        .rules(rules).build(), new io.modelwatch.ModelwatchTopology.Counters()));
        assertEquals("rolling", atStartUp.field());
    }

    @Test
    void aRuleOnTheTopicNamedOtherwiseThanItsKeyShowsTheNameItGot() {
        RulesException e = assertThrows(RulesException.class, () -> Rules.parseJson("k-one",
                "{\"name\":\"other-name\",\"models\":[\"*\"],\"metric\":\"f1\",\"below\":0.8}"));
        assertTrue(e.getMessage().contains("must equal the record key 'k-one', got 'other-name'"), e.getMessage());
    }

    @Test
    void aRulesFileThatIsNotThereSaysSo(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        java.nio.file.Path missing = dir.resolve("nonexistent.yaml");
        RulesException e = assertThrows(RulesException.class, () -> Rules.load(missing));
        assertTrue(e.getMessage().endsWith("cannot read " + missing + ": no such file"), e.getMessage());
    }

    @Test
    void aMistypedFieldIsNamedWithTheOneMeant() {
        RulesException e = assertThrows(RulesException.class, () -> Rules.parseYaml(
                "rules:\n  - {name: f1-floor, models: [\"*\"], metric: f1, below: 0.8, for_window: 2}\n"));
        assertTrue(e.getMessage().contains("field 'for_window': unknown field (did you mean for_windows?)"),
                e.getMessage());
    }
}
