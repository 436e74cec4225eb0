package io.modelwatch.alerts;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Judges each metrics record against the rules that select it and emits FIRING/RESOLVED alert
 * records. Runs once per emitted metrics record (finals and rate-limited updates), never per
 * input event. Rules are the file's, overlaid by the rules topic's (global store).
 */
final class AlertEvaluator implements Processor<String, String, String, String> {

    private static final Logger LOG = LoggerFactory.getLogger(AlertEvaluator.class);

    private final Map<String, AlertRule> fileRules = new LinkedHashMap<>();
    private final int topologyRolling;
    private final long windowSizeMs;
    private final AlertCounters counters;
    /** The tags the topology slices by: an episode of a slice of another tag gets no record any more. */
    private final Set<String> sliceDimensions;
    /** Parsed topic rules by their key's bytes, re-parsed only when their value changes; rule = null when invalid. */
    private final Map<Bytes, Parsed> topicRules = new HashMap<>();
    /** Names on the rules topic whose value is unreadable and of which no readable version was seen. */
    private final Set<String> unreadableTopicRules = new HashSet<>();

    private ProcessorContext<String, String> context;
    private KeyValueStore<String, byte[]> state;
    private KeyValueStore<Bytes, byte[]> rulesStore;
    /**
     * The task's event time for {@code resolve_when_silent}: the newest window start of any final record this
     * instance processed, and the wall-clock moment it moved there. While no final comes through, the task's time
     * moves on with the wall clock from there ({@link #taskTime}): otherwise a task whose every key stopped (one
     * model on its partition, retired) would resolve nothing. In memory only, and unknown until the first final
     * since the task started: not guessed from the stored episodes, as the finals only come once the join and
     * window tasks are restored and caught up, which can take longer than N windows (a false no_data then).
     */
    private long newestFinalStart = Long.MIN_VALUE;
    private long newestFinalWallMs;

    private record Parsed(String name, byte[] value, AlertRule rule) {
    }

    AlertEvaluator(List<AlertRule> rules, int topologyRolling, Duration windowSize, List<String> sliceDimensions,
                   AlertCounters counters) {
        this.sliceDimensions = Set.copyOf(sliceDimensions);
        for (AlertRule r : rules) {
            fileRules.put(r.name(), r);
        }
        this.topologyRolling = topologyRolling;
        this.windowSizeMs = windowSize.toMillis();
        this.counters = counters;
    }

    @Override
    public void init(ProcessorContext<String, String> context) {
        this.context = context;
        this.state = context.getStateStore(AlertStage.STATE_STORE);
        this.rulesStore = context.getStateStore(AlertStage.RULES_STORE);
        context.schedule(WITHDRAWN_CHECK, PunctuationType.WALL_CLOCK_TIME, t -> resolveWithdrawnOrSilent());
    }

    /** How often firing episodes are checked for a rule that was deleted or disabled since, or a silent key. */
    static final Duration WITHDRAWN_CHECK = Duration.ofSeconds(10);

    /**
     * An episode firing under a rule that no longer applies (deleted from the topic and not in the file,
     * disabled, or edited so that its models or versions no longer match the episode's) would never see the
     * healthy streak that resolves it: it is RESOLVED here, with reason {@code rule_withdrawn}, and its streaks
     * start over (the episode count stays, so alert ids stay unique). An episode not firing under such a rule
     * has its breach streak started over (nothing emitted), so that the rule, back, counts only windows it judged
     * (when this check ran while it was away: a rule back within 10 s, or in a replay, keeps its streak). A
     * rule whose topic value cannot be read (and no readable one was seen since start) withdraws nothing: it is
     * broken, not deleted.
     *
     * <p>An episode firing under a rule with {@code resolve_when_silent: N} whose key sent no final record (judged
     * or not) for N windows of the task's time ({@link #taskTime}) would never see a healthy window either (a
     * retired model version): it is RESOLVED the same way, with reason {@code no_data}. So are, with their own
     * reasons, an episode of a slice whose tag left {@code slices} ({@code slice_withdrawn}: no record comes
     * any more) and one whose rule now asks another question ({@code rule_changed}, for keys without records
     * since the edit: {@link #process} ends the others). Done here rather than per record so that
     * {@link #process} never scans the store. Reads the alert state store (a few entries per rule and key)
     * every {@link #WITHDRAWN_CHECK}.
     */
    private void resolveWithdrawnOrSilent() {
        Map<String, AlertRule> enabled = new HashMap<>();
        for (AlertRule r : currentRules()) {
            if (r.enabled()) {
                enabled.put(r.name(), r);
            }
        }
        long now = context.currentSystemTimeMs();
        List<Due> due = new ArrayList<>(); // written after the scan: a store is not written while iterated
        try (KeyValueIterator<String, byte[]> it = state.all()) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> kv = it.next();
                AlertState s = AlertState.decode(kv.value);
                if (!s.firing && s.breaches == 0) {
                    continue; // nothing to resolve, no breach streak to start over (healthy counts only while firing)
                }
                Due d = dueFor(kv.key, s, enabled, now);
                if (d != null) {
                    due.add(d);
                }
            }
        }
        for (Due d : due) {
            AlertState s = d.state();
            String severity = episodeSeverity(s, enabled, d.key());
            switch (d.what()) {
                case WITHDRAWN -> resolveWithoutJudgement(d.key(), s,
                        AlertRecords.withdrawn(d.key(), s.alertId, severity, now), now);
                case SLICE_WITHDRAWN -> resolveWithoutJudgement(d.key(), s,
                        AlertRecords.sliceWithdrawn(d.key(), s.alertId, severity, now), now);
                case RULE_CHANGED -> resolveWithoutJudgement(d.key(), s,
                        AlertRecords.ruleChanged(d.key(), s.alertId, severity, now), now);
                case SILENT -> resolveWithoutJudgement(d.key(), s,
                        AlertRecords.noData(d.key(), s.alertId, severity, now), now);
                case STREAK_RESET -> {
                    // a streak half built for a rule, slice or question that went would finish after it came back,
                    // over windows it never saw
                    s.breaches = 0;
                    state.put(d.key(), s.encode());
                }
                case QUESTION_ADOPTED -> state.put(d.key(), s.encode());
            }
        }
    }

    private enum Action { WITHDRAWN, SLICE_WITHDRAWN, RULE_CHANGED, SILENT, STREAK_RESET, QUESTION_ADOPTED }

    /** What the 10 s check does to one state (firing, or with a breach streak); {@code state} is the one to write. */
    private record Due(String key, AlertState state, Action what) {
    }

    private Due dueFor(String storeKey, AlertState s, Map<String, AlertRule> enabled, long now) {
        AlertRecords.Key key = AlertRecords.parseKey(storeKey);
        if (key.sliceDimension() != null && !sliceDimensions.contains(key.sliceDimension())) {
            return new Due(storeKey, s, s.firing ? Action.SLICE_WITHDRAWN : Action.STREAK_RESET);
        }
        if (unreadableTopicRules.contains(key.rule())) {
            // broken, not deleted: its episodes stay, and the question it asks is not known
            AlertRule inForce = enabled.get(key.rule());
            boolean silent = s.firing && inForce != null && inForce.appliesTo(key.modelId(), key.modelVersion())
                    && isSilent(inForce, s, now);
            return silent ? new Due(storeKey, s, Action.SILENT) : null;
        }
        AlertRule rule = enabled.get(key.rule());
        if (rule == null || !rule.appliesTo(key.modelId(), key.modelVersion())) {
            return new Due(storeKey, s, s.firing ? Action.WITHDRAWN : Action.STREAK_RESET);
        }
        if (asksAnotherQuestion(rule, s)) {
            // a key without records since the edit (process() starts the others over as their records come)
            s.question = rule.question();
            return new Due(storeKey, s, s.firing ? Action.RULE_CHANGED : Action.STREAK_RESET);
        }
        boolean adopted = s.question.isEmpty(); // a state of an older build: its question is the rule's as it is
        s.question = rule.question();
        if (s.firing && isSilent(rule, s, now)) {
            return new Due(storeKey, s, Action.SILENT);
        }
        return adopted ? new Due(storeKey, s, Action.QUESTION_ADOPTED) : null;
    }

    /**
     * Whether the key of a firing episode has been silent for the rule's {@code resolve_when_silent} windows: the
     * task's time ({@link #taskTime}) is that far past the key's last window.
     */
    private boolean isSilent(AlertRule rule, AlertState s, long nowMs) {
        long lastSeen = lastSeen(s);
        if (rule.resolveWhenSilent() <= 0 || newestFinalStart == Long.MIN_VALUE || lastSeen == Long.MIN_VALUE) {
            return false;
        }
        return taskTime(nowMs) - lastSeen >= rule.resolveWhenSilent() * windowSizeMs;
    }

    /**
     * The newest final's window start, moved on by the wall-clock time since it came beyond one window: finals of
     * other keys move it in event time (a backlog read fast), and without any final it still moves, as event time
     * does live. The window of grace is for finals that run a little late (watermark steps, commits): live, the
     * next window's finals are due one window after the last ones, and a key still sending must not look silent.
     */
    private long taskTime(long nowMs) {
        return newestFinalStart + Math.max(0, nowMs - newestFinalWallMs - windowSizeMs);
    }

    /** A FIRING decided by an open-window update counts as seen, or it would look silent before its final. */
    private static long lastSeen(AlertState s) {
        return Math.max(s.lastFinalStart, s.lastTransitionStart);
    }

    /**
     * Whether the rule now asks another question ({@link AlertRule#question()}: its metric or its condition was
     * edited) than the one the state's streaks and open episode answer. An episode fired on f1 and judged on
     * recall since would be resolved by another figure than the one that paged, and one edited to a figure its
     * model never reports (f1 on a multiclass model) would never be judged again: FIRING for ever.
     */
    private static boolean asksAnotherQuestion(AlertRule rule, AlertState s) {
        return !s.question.isEmpty() && !s.question.equals(rule.question());
    }

    /**
     * Whether the rule's learned baseline is to be learned again ({@code baseline_windows}, {@code min_labeled} or
     * {@code rolling} edited: {@link AlertRule#baselineSpec()}) for a state that learned one before.
     */
    private static boolean relearnsBaseline(AlertRule rule, AlertState s) {
        if (!rule.condition().usesBaseline() || rule.pinnedBaseline() != null) {
            return false;
        }
        // learned for other settings, or none learned at all: an episode firing under a learned rule without a
        // complete baseline for it fired against a pinned one (baseline: removed), and the baseline now learned
        // from its breaching windows would resolve it as a recovery
        return !s.baselineSpec.equals(rule.baselineSpec()) || s.learnedBaseline(rule.baselineWindows()) == null;
    }

    /** The state with its streaks and open episode ended, for the rule's new question; the episode count stays. */
    private static AlertState startedOver(AlertState s, AlertRule rule) {
        AlertState next = s.copy();
        next.firing = false;
        next.breaches = 0;
        next.healthy = 0;
        next.question = rule.question();
        return next;
    }

    /** Ends the episode as a judged RESOLVED would, streaks starting over; the episode count stays (unique ids). */
    /** The severity an episode FIRED with; for a state of an older build, its rule's if still in force, else "". */
    private static String episodeSeverity(AlertState s, Map<String, AlertRule> enabled, String storeKey) {
        if (!s.severity.isEmpty()) {
            return s.severity;
        }
        AlertRule rule = enabled.get(AlertRecords.parseKey(storeKey).rule());
        return rule == null ? "" : rule.severity();
    }

    private void resolveWithoutJudgement(String key, AlertState s, String resolvedRecord, long now) {
        s.firing = false;
        s.breaches = 0;
        s.healthy = 0;
        state.put(key, s.encode());
        counters.emitted(Lifecycle.Event.RESOLVED);
        context.forward(new Record<>(key, resolvedRecord, now));
    }

    @Override
    public void process(Record<String, String> record) {
        List<AlertRule> rules = currentRules();
        if (rules.isEmpty()) {
            return;
        }
        MetricsView view = MetricsView.parse(record.value());
        if (view == null) {
            return;
        }
        if (view.isFinal && view.newestWindowStart() > newestFinalStart) {
            newestFinalStart = view.newestWindowStart();
            newestFinalWallMs = context.currentSystemTimeMs();
        }
        if (view.slice != null && !sliceDimensions.contains(view.sliceDimension())) {
            // a tag taken out of slices: its open windows still close (predictions read before the restart), but
            // its episodes were withdrawn by the 10 s check and must not fire again
            return;
        }
        for (AlertRule rule : rules) {
            if (!Evaluation.selects(rule, view)) {
                continue;
            }
            String key = AlertRecords.key(rule.name(), view);
            byte[] stored = state.get(key);
            AlertState before = stored == null ? new AlertState() : AlertState.decode(stored);
            AlertState asked = before;
            // a topic rule that cannot be read asks a question not known: its episodes are not ended, nor adopted
            boolean questionKnown = !unreadableTopicRules.contains(rule.name());
            if (!questionKnown && asksAnotherQuestion(rule, before)) {
                // the file's rule standing in for a broken topic rule asks another question than the episode's:
                // its verdicts must neither resolve the episode nor build its streaks (README, Lifecycle); the
                // window is still seen, or the 10 s check would take the model for silent (resolve_when_silent)
                AlertState seen = Lifecycle.step(before, Lifecycle.Verdict.NOT_JUDGED, view.isFinal,
                        view.newestWindowStart(), rule.forWindows(), rule.resolveAfter()).state();
                if (!seen.equals(before)) {
                    state.put(key, seen.encode());
                }
                continue;
            }
            // another question, or a firing episode's learned baseline learned again (likely from the very windows
            // that breach: judged against that, the episode would end as a recovery while the model has not
            // recovered): the episode ends as the edit it is (rule_changed), the streaks start over
            if (questionKnown && (asksAnotherQuestion(rule, before)
                    || before.firing && relearnsBaseline(rule, before))) {
                asked = startedOver(before, rule);
                if (before.firing) {
                    counters.emitted(Lifecycle.Event.RESOLVED);
                    context.forward(record.withKey(key).withValue(AlertRecords.ruleChanged(key, before.alertId,
                            before.severity.isEmpty() ? rule.severity() : before.severity,
                            context.currentSystemTimeMs())));
                }
            }
            Evaluation.Result result = Evaluation.evaluate(rule, view, asked);
            counters.evaluated(result.judgement().verdict());
            AlertState after = result.state();
            if (questionKnown && !rule.question().equals(after.question)) {
                after = after == before ? after.copy() : after;
                after.question = rule.question(); // a state of an older build, or a new key
            }
            String alertState = switch (result.event()) {
                case FIRING -> "FIRING";
                case RESOLVED -> "RESOLVED";
                case NONE -> null;
            };
            if (alertState != null && result.event() == Lifecycle.Event.FIRING) {
                after.alertId = AlertRecords.alertId(key, after.episodes);
                after.severity = rule.severity();
            }
            if (stored == null || !after.equals(before)) {
                state.put(key, after.encode());
            }
            if (alertState != null) {
                counters.emitted(result.event());
                // an episode's RESOLVED carries the severity it FIRED with, whatever the rule says now
                String severity = after.severity.isEmpty() ? rule.severity() : after.severity;
                context.forward(record.withKey(key).withValue(AlertRecords.value(after.alertId, rule, view,
                        result.judgement(), alertState, severity, context.currentSystemTimeMs())));
            }
        }
    }

    /** The file's rules with the topic's on top (same name: the topic's wins); disabled ones included. */
    private List<AlertRule> currentRules() {
        Map<String, AlertRule> rules = fileRules;
        Set<Bytes> seen = null;
        unreadableTopicRules.clear();
        try (KeyValueIterator<Bytes, byte[]> it = rulesStore.all()) {
            while (it.hasNext()) {
                KeyValue<Bytes, byte[]> kv = it.next();
                if (kv.key == null || kv.value == null) {
                    continue;
                }
                Parsed p = topicRules.get(kv.key);
                if (p == null || !Arrays.equals(p.value(), kv.value)) {
                    // an unreadable edit keeps the last readable version of the rule in force
                    p = parse(RulesTopicEntry.decode(kv.key.get(), kv.value), kv.value, p == null ? null : p.rule());
                    topicRules.put(kv.key, p);
                }
                if (seen == null) {
                    seen = new HashSet<>();
                    rules = new LinkedHashMap<>(fileRules);
                }
                seen.add(kv.key);
                if (p.rule() != null) {
                    rules.put(p.name(), p.rule());
                } else {
                    unreadableTopicRules.add(p.name());
                }
            }
        }
        if (seen == null) {
            topicRules.clear();
        } else if (topicRules.size() > seen.size()) {
            topicRules.keySet().retainAll(seen);
        }
        return new ArrayList<>(rules.values());
    }

    /** Parses a topic value; an unreadable one keeps {@code inForce} (the last readable version, or null). */
    private Parsed parse(RulesTopicEntry entry, byte[] value, AlertRule inForce) {
        String name = entry.name();
        try {
            return new Parsed(name, value, entry.rule(topologyRolling));
        } catch (RulesException e) {
            // once per distinct invalid value: the rule in force (this topic's last readable version, else
            // the file's of that name, if any) stays
            counters.invalidTopicRule();
            LOG.warn("ignoring rule '{}' from the rules topic, {}: {}", printable(name),
                    inForce == null ? "no earlier version seen" : "its last readable version stays",
                    printable(e.getMessage().replace("\n  ", " "))); // its problems one a line
            return new Parsed(name, value, inForce);
        }
    }

    /**
     * Text anyone could publish, for one log line: line breaks and other control characters escaped (a rule
     * named "x\nINFO ..." wrote a second, forged, line).
     */
    static String printable(String text) {
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean control = c < 0x20 || c == 0x7F || c == 0x85 || c == 0x2028 || c == 0x2029;
            if (control && out == null) {
                out = new StringBuilder(text.length() + 8).append(text, 0, i);
            }
            if (out != null) {
                if (control) {
                    out.append(String.format("\\u%04x", (int) c));
                } else {
                    out.append(c);
                }
            }
        }
        return out == null ? text : out.toString();
    }
}
