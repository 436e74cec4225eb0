package io.modelwatch.ingest;

/**
 * Hands the validating {@link EventTimeExtractor}'s parse of a record to the {@link ParseProcessor} of
 * the same stream thread, so that each input record is parsed once, not twice.
 *
 * <p>Kafka Streams calls the timestamp extractor when a record becomes the head of its partition queue
 * and processes the record later on the same StreamThread; with the ByteArray serde the processor
 * receives the very {@code byte[]} instance the extractor saw. So the extractor leaves its outcome (the
 * event, or the {@link BadInputException}) here, keyed by that instance, and the processor takes it by
 * identity ({@code ==}). Per thread, and small: a thread holds at most one pending head per input
 * partition; beyond {@link #CAPACITY} entries (heads that were never processed: a revoked or closed task)
 * the table is cleared. A miss is always safe: the processor parses the bytes itself, as before.
 *
 * <p>An entry only serves a parser with the same limits, for predictions the same kept tags, and the same
 * kind of event (prediction or label), so the outcome is the one the processor's own parse would give: parsing
 * is a function of the bytes, the limits and the kept tags ({@link EventParser#judgesAlike}), except for the
 * bound relative to the wall clock, which is checked again on a hit (and a reject for a timestamp out of range
 * is not taken when that bound is set).
 */
final class ParseHandoff {

    static final int CAPACITY = 64;
    private static final ThreadLocal<ParseHandoff> CURRENT = ThreadLocal.withInitial(ParseHandoff::new);

    private final byte[][] values = new byte[CAPACITY][];
    private final int[] lengths = new int[CAPACITY];
    private final boolean[] predictions = new boolean[CAPACITY];
    /** The parser whose outcome each entry is (its limits and kept tags). */
    private final EventParser[] parsers = new EventParser[CAPACITY];
    /** A {@link JoinInput} or a {@link BadInputException}. */
    private final Object[] outcomes = new Object[CAPACITY];
    private int size;

    private ParseHandoff() {
    }

    /** Leaves the extractor's outcome for {@code value}, by {@code parser}, to the processor of this thread. */
    static void offer(byte[] value, boolean prediction, EventParser parser, Object outcome) {
        if (value == null) {
            return;
        }
        CURRENT.get().put(value, prediction, parser, outcome);
    }

    /**
     * The outcome the extractor left for this very {@code value} (identity), removed, as the parse by
     * {@code parser} would give it now; null when there is none (the caller parses).
     */
    static JoinInput take(byte[] value, boolean prediction, EventParser parser) throws BadInputException {
        if (value == null) {
            return null;
        }
        ParseHandoff h = CURRENT.get();
        if (h.size == 0) {
            return null;
        }
        Object outcome = h.remove(value, prediction, parser);
        if (outcome == null) {
            return null;
        }
        boolean futureBound = parser.limits().maxFutureMs() != IngestLimits.NO_FUTURE_BOUND;
        if (outcome instanceof BadInputException e) {
            if (futureBound && e.reason() == RejectReason.TIMESTAMP_OUT_OF_RANGE) {
                return null; // may have been "too far ahead of the clock" then and be fine now: parse again
            }
            throw e;
        }
        JoinInput event = (JoinInput) outcome;
        if (futureBound) {
            parser.checkFuture(event.timestampMs());
        }
        return event;
    }

    /** How many outcomes this thread holds (tests). */
    static int pending() {
        return CURRENT.get().size;
    }

    /** Drops this thread's outcomes (tests). */
    static void clear() {
        CURRENT.get().reset();
    }

    private void put(byte[] value, boolean prediction, EventParser parser, Object outcome) {
        if (size == CAPACITY) {
            reset(); // stale heads (never processed on this thread): forget them all
        }
        int i = size++;
        values[i] = value;
        lengths[i] = value.length;
        predictions[i] = prediction;
        parsers[i] = parser;
        outcomes[i] = outcome;
    }

    private Object remove(byte[] value, boolean prediction, EventParser parser) {
        for (int i = 0; i < size; i++) {
            if (values[i] == value) {
                if (lengths[i] != value.length || predictions[i] != prediction
                        || !parsers[i].judgesAlike(parser, prediction)) {
                    continue;
                }
                Object outcome = outcomes[i];
                int last = --size;
                values[i] = values[last];
                lengths[i] = lengths[last];
                predictions[i] = predictions[last];
                parsers[i] = parsers[last];
                outcomes[i] = outcomes[last];
                values[last] = null;
                parsers[last] = null;
                outcomes[last] = null;
                return outcome;
            }
        }
        return null;
    }

    private void reset() {
        java.util.Arrays.fill(values, null);
        java.util.Arrays.fill(parsers, null);
        java.util.Arrays.fill(outcomes, null);
        size = 0;
    }
}
