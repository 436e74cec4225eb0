package io.modelwatch.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Where the CPU went in each slice of a phase ({@link ThreadCpu#brief}), so that a slice of the latency phase
 * whose p99 jumped can be set beside what the stream threads, RocksDB's compactions, the JIT and the GC took
 * in it, how fast the machine was (the yardstick) and what it held up ({@link SystemStalls}).
 */
final class CpuSlices implements AutoCloseable {

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "bench-cpu-slices");
        t.setDaemon(true);
        return t;
    });
    private final List<String> slices = new ArrayList<>();
    private final double sliceSeconds;
    private ThreadCpu current = ThreadCpu.start();

    private CpuSlices(long sliceNanos) {
        this.sliceSeconds = sliceNanos / 1e9;
    }

    /** Takes a slice every {@code sliceNanos} from now until {@link #close}. */
    static CpuSlices start(long sliceNanos) {
        CpuSlices s = new CpuSlices(sliceNanos);
        s.timer.scheduleAtFixedRate(s::cut, sliceNanos, sliceNanos, TimeUnit.NANOSECONDS);
        return s;
    }

    private synchronized void cut() {
        ThreadCpu next = ThreadCpu.start();
        slices.add(current.brief());
        current = next;
    }

    /** "0s stream threads 8.1 s, RocksDB 0.9, JIT 0.4, GC 0.2; alu 1.95 ms; ... | 5s ..." for the slices taken. */
    synchronized String describe() {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < slices.size(); i++) {
            b.append(i == 0 ? "" : " | ").append(String.format(Locale.ROOT, "%.0fs ", i * sliceSeconds))
                    .append(slices.get(i));
        }
        return b.toString();
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
