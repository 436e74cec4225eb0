package io.modelwatch.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Thread dumps taken while the pipeline stands still: when no metrics record has come, or the stream threads
 * have got through no record, for {@link #SILENCE_NANOS} although the input keeps coming, what every thread
 * that could hold the pipeline up is doing (the stream threads whatever they do; any other thread that runs,
 * is blocked or waits for a lock). Whole-pipeline stalls of seconds came in 3 of 48 latency phases (30th and
 * 31st sessions), none in runs recorded with a profiler; a few dumps during one say where they wait.
 * Nothing is taken while both move.
 */
final class StallDumps implements AutoCloseable {

    /** A silence this long is a stall: updates come every 0.2 s per open window in the latency phase. */
    static final long SILENCE_NANOS = 1_000_000_000L;
    private static final long CHECK_MILLIS = 100;
    private static final long DUMP_EVERY_NANOS = 500_000_000L;
    private static final int DUMPS_PER_STALL = 6;
    private static final int MAX_STALLS = 3;
    private static final int FRAMES = 6;

    private final LongSupplier lastMetricsNanos;
    private final LongSupplier lastProcessedNanos;
    private final long startNanos;
    private final long watchFromNanos;
    private final Thread checker;
    private final List<String> dumps = new ArrayList<>();
    private volatile boolean stopped;

    private StallDumps(LongSupplier lastMetricsNanos, LongSupplier lastProcessedNanos, long startNanos,
                       long watchFromNanos) {
        this.lastMetricsNanos = lastMetricsNanos;
        this.lastProcessedNanos = lastProcessedNanos;
        this.startNanos = startNanos;
        this.watchFromNanos = watchFromNanos;
        this.checker = new Thread(this::check, "bench-stall-dumps");
        checker.setDaemon(true);
    }

    /**
     * Watches when the last metrics record came and when the stream threads last got through a record
     * ({@link System#nanoTime} readings, 0: not yet) from {@code watchFromNanos} (the end of a warm-up, whose
     * stalls are the JIT's) until {@link #close}; times are told since {@code startNanos}.
     */
    static StallDumps start(LongSupplier lastMetricsNanos, LongSupplier lastProcessedNanos, long startNanos,
                            long watchFromNanos) {
        StallDumps s = new StallDumps(lastMetricsNanos, lastProcessedNanos, startNanos, watchFromNanos);
        s.checker.start();
        return s;
    }

    private void check() {
        long stallSeen = -1; // the progress reading of the stall being dumped, or -1
        int stalls = 0;
        int dumpsInStall = 0;
        long lastDump = 0;
        while (!stopped) {
            try {
                Thread.sleep(CHECK_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
            long metrics = lastMetricsNanos.getAsLong();
            long processed = lastProcessedNanos.getAsLong();
            long last = Math.min(metrics, processed); // whichever stood still longer
            long now = System.nanoTime();
            if (last == 0 || now < watchFromNanos || now - Math.max(last, watchFromNanos) < SILENCE_NANOS) {
                continue;
            }
            if (last != stallSeen) { // a new stall
                if (stalls == MAX_STALLS) {
                    continue;
                }
                stalls++;
                stallSeen = last;
                dumpsInStall = 0;
            }
            if (dumpsInStall < DUMPS_PER_STALL && now - lastDump >= DUMP_EVERY_NANOS) {
                String dump = dump(now, now - metrics, now - processed);
                synchronized (dumps) {
                    dumps.add(dump);
                }
                dumpsInStall++;
                lastDump = now;
            }
        }
    }

    private String dump(long now, long metricsSilence, long processingSilence) {
        Map<String, Integer> stacks = new LinkedHashMap<>();
        for (ThreadInfo info : ManagementFactory.getThreadMXBean().dumpAllThreads(false, false)) {
            if (info != null && wanted(info)) {
                stacks.merge(describe(info), 1, Integer::sum);
            }
        }
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT,
                "      at %.1f s, no metrics record for %d ms, no record processed for %d ms:%n",
                (now - startNanos) / 1e9, metricsSilence / 1_000_000, processingSilence / 1_000_000));
        stacks.forEach((stack, n) -> b.append("        ").append(n > 1 ? n + "x " : "").append(stack).append('\n'));
        return b.toString();
    }

    /**
     * Threads that could hold the pipeline up: the stream threads whatever they do; any other thread of the
     * service or the broker that runs (unless idle: waiting in a selector for I/O or for a request to handle,
     * which Java calls runnable), is blocked on a monitor or waits for a lock, not one of the bench's own
     * (parked pool threads waiting for work are left out: they were most of every dump).
     */
    static boolean wanted(ThreadInfo info) {
        String group = ThreadCpu.group(info.getThreadName());
        if (group.endsWith(ThreadCpu.STREAM_THREADS)) {
            return true;
        }
        StackTraceElement[] frames = info.getStackTrace();
        if (group.startsWith("bench-") || frames.length == 0) {
            return false;
        }
        return switch (info.getThreadState()) {
            case RUNNABLE -> !idle(frames);
            case BLOCKED -> true;
            case WAITING, TIMED_WAITING -> waitsForLock(frames);
            default -> false;
        };
    }

    private static boolean waitsForLock(StackTraceElement[] frames) {
        for (int i = 0; i < Math.min(FRAMES, frames.length); i++) {
            if (frames[i].getClassName().contains("ReentrantLock")
                    || frames[i].getClassName().contains("ReentrantReadWriteLock")) {
                return true;
            }
        }
        return false;
    }

    private static boolean idle(StackTraceElement[] frames) {
        for (int i = 0; i < Math.min(FRAMES, frames.length); i++) {
            String method = frames[i].getMethodName();
            String type = frames[i].getClassName();
            if (method.equals("doSelect") || type.endsWith("RequestChannel") && method.equals("receiveRequest")) {
                return true;
            }
        }
        return false;
    }

    /** "group STATE: Frame.method(File:line) < ..." with the top {@link #FRAMES} frames. */
    static String describe(ThreadInfo info) {
        StringBuilder b = new StringBuilder(ThreadCpu.group(info.getThreadName())).append(' ')
                .append(info.getThreadState()).append(':');
        StackTraceElement[] frames = info.getStackTrace();
        for (int i = 0; i < Math.min(FRAMES, frames.length); i++) {
            StackTraceElement f = frames[i];
            String type = f.getClassName().substring(f.getClassName().lastIndexOf('.') + 1);
            b.append(i == 0 ? " " : " < ").append(type).append('.').append(f.getMethodName())
                    .append(f.getLineNumber() > 0 ? ":" + f.getLineNumber() : "");
        }
        return b.toString();
    }

    /** The dumps taken, each headed by when and how long the silence was; empty if the metrics never stood still. */
    String describe() {
        synchronized (dumps) {
            return String.join("", dumps);
        }
    }

    @Override
    public void close() throws InterruptedException {
        stopped = true;
        checker.join(1_000);
    }
}
