package io.modelwatch.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * CPU time per group of threads (stream threads, their producers' I/O threads, broker request handlers,
 * ...) between two snapshots: where a phase's CPU went, without a profiler. Threads that end between the
 * snapshots are missed; the phases keep theirs until the second snapshot.
 */
final class ThreadCpu {

    private static final Pattern UUID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    private static final Pattern NUMBER = Pattern.compile("\\d+");

    private final Map<Long, Long> startNanos;
    private final long startGcMillis;

    private ThreadCpu(Map<Long, Long> startNanos, long startGcMillis) {
        this.startNanos = startNanos;
        this.startGcMillis = startGcMillis;
    }

    static ThreadCpu start() {
        Map<Long, Long> now = new HashMap<>();
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        for (long id : mx.getAllThreadIds()) {
            now.put(id, Math.max(0, mx.getThreadCpuTime(id)));
        }
        return new ThreadCpu(now, gcMillis());
    }

    /** {@code group=seconds, ...} for the groups above 2% of the total, largest first, and GC pause time. */
    String describeSinceStart() {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        Map<String, Long> byGroup = new HashMap<>();
        long total = 0;
        for (ThreadInfo info : mx.getThreadInfo(mx.getAllThreadIds())) {
            if (info == null) {
                continue;
            }
            long cpu = mx.getThreadCpuTime(info.getThreadId());
            if (cpu < 0) {
                continue;
            }
            long spent = cpu - startNanos.getOrDefault(info.getThreadId(), 0L);
            total += spent;
            byGroup.merge(group(info.getThreadName()), spent, Long::sum);
        }
        long all = total;
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "threads %.1f s:", all / 1e9));
        byGroup.entrySet().stream()
                .filter(e -> e.getValue() > all / 50)
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .forEach(e -> b.append(String.format(Locale.ROOT, " %s=%.1f", e.getKey(), e.getValue() / 1e9)));
        b.append(String.format(Locale.ROOT, "; GC pauses %.1f s", (gcMillis() - startGcMillis) / 1e3));
        return b.toString();
    }

    /** The thread's role: app ids, UUIDs and numbers taken out. */
    static String group(String threadName) {
        String n = UUID.matcher(threadName).replaceAll("");
        n = n.replaceAll("bench-(mw|floor)-(eos|alos)-\\d+-?", "");
        return NUMBER.matcher(n).replaceAll("N").replaceAll("-+", "-").replaceAll("(^|(?<= ))-|-$", "");
    }

    private static long gcMillis() {
        long sum = 0;
        for (var gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            sum += Math.max(0, gc.getCollectionTime());
        }
        return sum;
    }
}
