package io.modelwatch.ingest;

import io.modelwatch.StateStores;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * Routes the ingest task's events to their join partition and sends its progress behind them.
 *
 * <p>The ingest and the join of partition {@code p} run in one task (the join also reads partition {@code p}
 * of the join-input topic), so an event whose prediction id is joined on the partition it was read from
 * goes straight to the join ({@code direct} child): no write to the join-input topic, no second read, no
 * second transaction. Every other event goes through the join-input topic ({@code remote} child), which
 * the join-input partitioner sends to its join partition. With producers keying both topics by prediction
 * id (default partitioner) every event goes straight; otherwise about one in {@code joinPartitions}.
 *
 * <p>Every {@code interval} of this partition's event time (the largest event time of the events it read,
 * not the task's stream time, which the join-input records from other partitions move too) an
 * {@link IngestWatermark} follows the events through the join-input topic to every join partition; when it
 * has read nothing for {@link #IDLE_AFTER} of wall-clock time, an idle one (nothing that moved its event time on:
 * events behind the time it reached are not traffic). A watermark sent to this very
 * partition comes after its direct events, which were joined before it was written.
 *
 * <p>At most one watermark per {@code minSpacing} of wall-clock time: one crossing the interval sooner is held
 * and sent by a wall-clock punctuator (with the event time reached by then). Live, event time passes as the
 * wall clock does and the interval (at least a second for windows of ten seconds and more) comes first. When
 * the service reads a backlog (a first start, a catch-up after downtime) event time runs tens of times faster,
 * and each watermark is a record to every join partition that puts every partition of the join-input topic
 * (and, behind it, of the aggregate-input topic) into the next transaction: the spacing bounds that traffic
 * by the wall clock. Windows then close up to {@code minSpacing} later. Zero: every interval (for drivers
 * without a wall clock: replay, topology tests).
 *
 * <p>The largest event time each input reached is kept in {@link #STORE} (written at most once per
 * {@link #PERSIST_EVERY} of wall-clock time, when it moved): a task restarted after its inputs stopped reads
 * nothing more, and without it would say idle with no time of its own, leaving the last windows open until new
 * traffic came (the join keeps only the least of the two inputs it was told).
 */
public final class IngestProgress implements ProcessorSupplier<byte[], JoinInput, byte[], JoinInput> {

    public static final String PROCESSOR = "ingest-watermark";
    private static final byte[] NO_KEY = new byte[0];
    /** Wall-clock time without a record after which an ingest task says it is idle. */
    public static final Duration IDLE_AFTER = Duration.ofSeconds(30);
    /** The inputs' event times, by input (0: predictions, or the only input; 1: labels). */
    public static final String STORE = "ingest-progress";
    /** How often the inputs' event times are written to {@link #STORE} (when they moved). */
    static final Duration PERSIST_EVERY = Duration.ofMillis(500);

    private final long intervalMs;
    private final Duration minSpacing;
    private final int joinPartitions;
    private final String direct;
    private final String remote;
    private final boolean leastOfInputs;
    private final IngestCounters counters;

    /**
     * @param joinPartitions the join-input topic's partition count
     * @param direct the child on the way to this task's join
     * @param remote the child that writes the join-input topic
     */
    public IngestProgress(Duration interval, int joinPartitions, String direct, String remote) {
        this(interval, joinPartitions, direct, remote, false, Duration.ZERO, new IngestCounters());
    }

    /**
     * @param leastOfInputs true when Kafka Streams takes the task's inputs in arrival order rather than in
     *                      event-time order ({@code max.task.idle.ms} below 0): this partition's event time is
     *                      then the least of its two inputs' (predictions, labels), not the largest of both
     * @param minSpacing    least wall-clock time between two watermarks (zero: none; see above)
     * @param counters      counts the events read on their join partition (here, where the partition is
     *                      computed for the routing anyway: the parser does not compute it a second time)
     */
    public IngestProgress(Duration interval, int joinPartitions, String direct, String remote,
                          boolean leastOfInputs, Duration minSpacing, IngestCounters counters) {
        this.intervalMs = Math.max(1, interval.toMillis());
        this.minSpacing = minSpacing;
        this.joinPartitions = joinPartitions;
        this.direct = direct;
        this.remote = remote;
        this.leastOfInputs = leastOfInputs;
        this.counters = counters;
    }

    @Override
    public Set<StoreBuilder<?>> stores() {
        return Set.of(Stores.keyValueStoreBuilder(StateStores.small(STORE), Serdes.Integer(), Serdes.Long()));
    }

    @Override
    public Processor<byte[], JoinInput, byte[], JoinInput> get() {
        return new Processor<>() {
            private ProcessorContext<byte[], JoinInput> context;
            private int partition;
            /**
             * Per input (one, or predictions and labels with leastOfInputs): the largest event time read
             * (Long.MIN_VALUE: none yet), whether one came since the last wall-clock check, and whether the
             * last check found it silent (left out of the least until its next event).
             */
            private final long[] inputTime = new long[leastOfInputs ? 2 : 1];
            private final boolean[] inputActive = new boolean[inputTime.length];
            private final boolean[] inputIdle = new boolean[inputTime.length];
            /** This partition's event time: the least over the inputs not idle of their largest event time. */
            private long eventTime;
            /** The event time of the last watermark sent (Long.MIN_VALUE: none yet). */
            private long sent;
            /** Whether the last watermark sent said idle: the joins leave this partition out until the next. */
            private boolean saidIdle;
            private final WatermarkSpacing spacing = new WatermarkSpacing(minSpacing);
            private KeyValueStore<Integer, Long> store;
            /** The input times last written to the store. */
            private final long[] persisted = new long[inputTime.length];

            @Override
            public void init(ProcessorContext<byte[], JoinInput> context) {
                this.context = context;
                this.partition = context.taskId().partition();
                this.store = context.getStateStore(STORE);
                for (int i = 0; i < inputTime.length; i++) {
                    Long t = store.get(i); // as the task left it: a restart after the inputs stopped reads nothing
                    inputTime[i] = t == null ? Long.MIN_VALUE : t;
                }
                System.arraycopy(inputTime, 0, persisted, 0, inputTime.length);
                Arrays.fill(inputActive, false);
                Arrays.fill(inputIdle, false);
                this.eventTime = Long.MIN_VALUE;
                this.sent = Long.MIN_VALUE;
                this.saidIdle = false;
                spacing.reset();
                context.schedule(IDLE_AFTER, PunctuationType.WALL_CLOCK_TIME, t -> onIdleCheck());
                context.schedule(PERSIST_EVERY, PunctuationType.WALL_CLOCK_TIME, t -> persist());
                spacing.schedule(context, () -> send(false));
            }

            @Override
            public void process(Record<byte[], JoinInput> record) {
                boolean onThisPartition = JoinPartitioner.partitionOf(record.key(), joinPartitions) == partition;
                if (onThisPartition) {
                    counters.countOnJoinPartition(); // all of them: the inputs could skip the repartition
                }
                context.forward(record, onThisPartition ? direct : remote);
                int input = leastOfInputs && record.value() instanceof Label ? 1 : 0;
                long ts = record.timestamp(); // the event time (see ParseProcessor)
                if (ts > inputTime[input]) {
                    // only an event that moves its input's time on is traffic: an input reading nothing but
                    // events behind the time it reached (a producer stamping an hour back after current ones)
                    // neither moved nor went idle, and held every model's windows at that time while it sent
                    inputActive[input] = true;
                    inputTime[input] = ts;
                    inputIdle[input] = false;
                    maybeSend();
                }
            }

            /** Writes the inputs' event times that moved since the last write (in the task's transaction). */
            private void persist() {
                for (int i = 0; i < inputTime.length; i++) {
                    if (inputTime[i] != persisted[i]) {
                        store.put(i, inputTime[i]);
                        persisted[i] = inputTime[i];
                    }
                }
            }

            /** Sends a watermark when the event time crossed an interval (as a stream-time punctuator would). */
            private void maybeSend() {
                long least = least();
                boolean crossed = false;
                if (least > eventTime) {
                    crossed = sent == Long.MIN_VALUE || Math.floorDiv(least, intervalMs) > Math.floorDiv(sent, intervalMs);
                    eventTime = least;
                }
                // after an idle one at once: the joins count this partition again
                if ((crossed || saidIdle) && eventTime != Long.MIN_VALUE
                        && (saidIdle || spacing.sendNow(context))) {
                    send(false);
                }
            }

            /** The least over the inputs not idle (Long.MIN_VALUE while one of them has read nothing). */
            private long least() {
                long least = Long.MAX_VALUE;
                for (int i = 0; i < inputTime.length; i++) {
                    if (!inputIdle[i]) {
                        least = Math.min(least, inputTime[i]);
                    }
                }
                return least;
            }

            /**
             * An input that read nothing in a whole period is left out of the least (it may have stopped, and
             * would hold every window open); when all are, this partition says it is idle, also before any
             * event: the joins must not wait for it.
             */
            private void onIdleCheck() {
                boolean allIdle = true;
                for (int i = 0; i < inputTime.length; i++) {
                    if (!inputActive[i]) {
                        inputIdle[i] = true;
                    }
                    inputActive[i] = false;
                    allIdle &= inputIdle[i];
                }
                if (allIdle) {
                    // every input silent for a period: all they held was read, so this partition's time is the
                    // largest they reached (the least guards only against labels read ahead of their predictions);
                    // else inputs that stop in one period left the last windows open until new traffic came
                    for (long t : inputTime) {
                        if (t > eventTime) {
                            eventTime = t;
                        }
                    }
                    send(true);
                } else {
                    maybeSend();
                }
            }

            private void send(boolean idle) {
                sent = eventTime;
                saidIdle = idle;
                spacing.sent(context);
                long time = eventTime != Long.MIN_VALUE ? eventTime : context.currentStreamTimeMs();
                // nothing read yet (an idle one at start-up): a timestamp no broker refuses as too old
                long timestamp = time >= 0 ? time : context.currentSystemTimeMs();
                // an idle one that read nothing carries 0 (no time of its own): the task's stream time may be
                // another partition's (join-input records) or the wall clock, which must not move the joins
                long carried = idle && eventTime == Long.MIN_VALUE ? 0 : Math.max(0, time);
                context.forward(new Record<>(NO_KEY, new IngestWatermark(partition, carried, idle),
                        timestamp), remote);
            }
        };
    }
}
