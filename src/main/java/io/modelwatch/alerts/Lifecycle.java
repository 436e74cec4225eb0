package io.modelwatch.alerts;

/**
 * The FIRING/RESOLVED state machine of one rule on one (model, version, slice), as a pure
 * function of the state and one verdict.
 *
 * <ul>
 *   <li>Final records move the committed counters: a breach adds to {@code breaches} and clears
 *       {@code healthy}, a healthy window the reverse; a window that is not judged (too few labels,
 *       undefined figure, no baseline yet) changes nothing, so it neither breaches nor heals.</li>
 *   <li>Not firing and {@code breaches >= for_windows}: FIRING (once; the episode stays open).</li>
 *   <li>Firing and {@code healthy >= resolve_after}: RESOLVED, and the counters start again.</li>
 *   <li>Update records (rules with {@code on_updates}) count the open window as one more window on
 *       top of the committed counters, without committing it: its final record does that. An update may
 *       fire an episode early, never resolve one: an open window whose labels are still coming in (the
 *       late ones often the positives) can look healthy when its final will not, and an episode resolved
 *       by an update and fired again by the same window's final would page once a window.</li>
 *   <li>A record of an older window than the one that decided the last FIRING or RESOLVED moves the
 *       counters but emits nothing: with a label delay longer than the window, finals of old windows
 *       keep arriving while a newer window's updates are judged, and would otherwise resolve (and the
 *       next update fire again) an episode on every close.</li>
 * </ul>
 */
final class Lifecycle {

    public enum Verdict { BREACH, HEALTHY, NOT_JUDGED }

    public enum Event { NONE, FIRING, RESOLVED }

    /** The next state and what to emit. */
    public record Step(AlertState state, Event event) {
    }

    private Lifecycle() {
    }

    /**
     * @param state        the current state (not modified)
     * @param verdict      the verdict on the record
     * @param isFinal      a final record of a closed window (else an open-window update)
     * @param windowStart  the start of the newest single window the record covers (its own start, or a
     *                     rolling record's last window's): finals at or before the last final are ignored,
     *                     and so are updates of windows already final
     */
    public static Step step(AlertState state, Verdict verdict, boolean isFinal, long windowStart, int forWindows,
                            int resolveAfter) {
        if (windowStart <= state.lastFinalStart) {
            return new Step(state, Event.NONE);
        }
        AlertState next = state.copy();
        if (isFinal) {
            next.lastFinalStart = windowStart;
        }
        if (verdict == Verdict.NOT_JUDGED) {
            return new Step(next, Event.NONE);
        }
        boolean breach = verdict == Verdict.BREACH;
        int breaches = breach ? next.breaches + 1 : 0;
        int healthy = breach ? 0 : next.healthy + 1;
        if (isFinal) {
            next.breaches = breaches;
            next.healthy = healthy;
        }
        if (windowStart < next.lastTransitionStart) {
            // an older window than the one that decided the last transition: it counts, it does not decide
            return new Step(next, Event.NONE);
        }
        if (!next.firing && breach && breaches >= forWindows) {
            next.firing = true;
            next.episodes++;
            next.healthy = 0;
            next.lastTransitionStart = windowStart;
            return new Step(next, Event.FIRING);
        }
        if (next.firing && !breach && healthy >= resolveAfter && isFinal) {
            next.firing = false;
            next.breaches = 0;
            next.healthy = 0;
            next.lastTransitionStart = windowStart;
            return new Step(next, Event.RESOLVED);
        }
        return new Step(next, Event.NONE);
    }
}
