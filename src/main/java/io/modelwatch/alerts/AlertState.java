package io.modelwatch.alerts;

import io.modelwatch.serde.BinaryReader;
import io.modelwatch.serde.BinaryWriter;
import java.util.Objects;

/**
 * What one rule remembers about one (model, version, slice), in the {@code alert-state} store.
 * Counters move only on final records; {@code lastFinalStart} makes a re-delivered final record
 * (at-least-once after a crash) a no-op.
 */
final class AlertState {

    /**
     * 2 adds {@code lastTransitionStart}; format 1 states read with none. The {@code question} (45th session) is
     * an optional last field of format 2, so that older builds, which ignore trailing bytes, still read the state
     * after a rollback; a state without one takes the rule's question as it is rather than starting over. The
     * {@code severity} (48th session) follows it the same way: a state without one has "".
     */
    private static final int FORMAT = 2;

    /** An episode is open: FIRING was emitted and RESOLVED not yet. */
    boolean firing;
    /** Consecutive judged final windows that breached. */
    int breaches;
    /** Consecutive judged final windows that were healthy. */
    int healthy;
    /** FIRING alerts emitted so far; numbers the episodes, so alert ids never repeat. */
    long episodes;
    /** The id of the open (or last) episode, "" before the first. */
    String alertId = "";
    /**
     * Newest single window start of the last final record seen ({@link MetricsView#newestWindowStart()});
     * older or equal ones are ignored. (The 6th session's versions stored a rolling record's span start here.)
     */
    long lastFinalStart = Long.MIN_VALUE;
    /**
     * Window start of the record that decided the last FIRING or RESOLVED: a record of an older window may
     * still move the streaks but not undo that decision (with a label delay longer than the window, finals of
     * old windows arrive while updates of a newer one are judged).
     */
    long lastTransitionStart = Long.MIN_VALUE;
    /** What the learned baseline was learned for ({@link AlertRule#baselineSpec()}), "" when none. */
    String baselineSpec = "";
    /** The question ({@link AlertRule#question()}) the streaks and the open episode answer, "" when not known. */
    String question = "";
    /**
     * The severity the open (or last) episode FIRED with, "" when not known (a state of an older build): its
     * RESOLVED record carries the same, also when the rule was deleted or its severity edited since.
     */
    String severity = "";
    long baselineCount;
    double baselineSum;

    public AlertState() {
    }

    AlertState copy() {
        AlertState c = new AlertState();
        c.firing = firing;
        c.breaches = breaches;
        c.healthy = healthy;
        c.episodes = episodes;
        c.alertId = alertId;
        c.lastFinalStart = lastFinalStart;
        c.lastTransitionStart = lastTransitionStart;
        c.baselineSpec = baselineSpec;
        c.question = question;
        c.severity = severity;
        c.baselineCount = baselineCount;
        c.baselineSum = baselineSum;
        return c;
    }

    public boolean firing() {
        return firing;
    }

    public int breaches() {
        return breaches;
    }

    public int healthy() {
        return healthy;
    }

    public long episodes() {
        return episodes;
    }

    public String alertId() {
        return alertId;
    }

    /** The learned baseline once N windows were seen, else null. */
    Double learnedBaseline(int windows) {
        return windows > 0 && baselineCount >= windows ? baselineSum / baselineCount : null;
    }

    byte[] encode() {
        return new BinaryWriter(64).writeByte(FORMAT).writeByte(firing ? 1 : 0).writeVarLong(breaches)
                .writeVarLong(healthy).writeVarLong(episodes).writeString(alertId).writeLong(lastFinalStart)
                .writeString(baselineSpec).writeVarLong(baselineCount).writeDouble(baselineSum)
                .writeLong(lastTransitionStart).writeString(question).writeString(severity).toByteArray();
    }

    static AlertState decode(byte[] bytes) {
        BinaryReader r = new BinaryReader(bytes);
        int format = r.readByte();
        if (format != 1 && format != FORMAT) {
            throw new IllegalStateException("unknown alert state format " + format);
        }
        AlertState s = new AlertState();
        s.firing = r.readByte() == 1;
        s.breaches = (int) r.readVarLong();
        s.healthy = (int) r.readVarLong();
        s.episodes = r.readVarLong();
        s.alertId = r.readString();
        s.lastFinalStart = r.readLong();
        s.baselineSpec = r.readString();
        s.baselineCount = r.readVarLong();
        s.baselineSum = r.readDouble();
        s.lastTransitionStart = format >= 2 ? r.readLong() : Long.MIN_VALUE;
        s.question = r.hasRemaining() ? r.readString() : "";
        s.severity = r.hasRemaining() ? r.readString() : "";
        return s;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AlertState s && firing == s.firing && breaches == s.breaches && healthy == s.healthy
                && episodes == s.episodes && alertId.equals(s.alertId) && lastFinalStart == s.lastFinalStart
                && lastTransitionStart == s.lastTransitionStart && question.equals(s.question)
                && severity.equals(s.severity)
                && baselineSpec.equals(s.baselineSpec) && baselineCount == s.baselineCount
                && Double.compare(baselineSum, s.baselineSum) == 0;
    }

    @Override
    public int hashCode() {
        return Objects.hash(firing, breaches, healthy, episodes, alertId, lastFinalStart);
    }

    @Override
    public String toString() {
        return "AlertState{firing=" + firing + ", breaches=" + breaches + ", healthy=" + healthy + ", episodes="
                + episodes + ", alertId=" + alertId + ", lastFinalStart=" + lastFinalStart + ", question=" + question
                + ", severity=" + severity + ", baseline="
                + baselineCount + "/" + baselineSpec + '}';
    }
}
