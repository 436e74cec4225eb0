package io.modelwatch.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * CPU time per group of threads (stream threads, their producers' I/O threads, broker request handlers,
 * ...) between two snapshots: where a phase's CPU went, without a profiler. Threads that end between the
 * snapshots are missed; the phases keep theirs until the second snapshot.
 *
 * <p>On Linux it also reads the threads the JVM does not list ({@code /proc/self/task}): the JIT compilers,
 * the GC's workers and RocksDB's background threads. On two cores the JIT compilers took about a third of
 * a {@code --quick} run's CPU, much of it during measured rounds, which is why rounds of one build vary.
 */
final class ThreadCpu {

    private static final Pattern UUID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    private static final Pattern NUMBER = Pattern.compile("\\d+");

    /** Clock ticks per second of {@code /proc} times (USER_HZ, 100 on Linux for every architecture). */
    private static final double TICKS_PER_SECOND = 100;
    private static final Path TASKS = Path.of("/proc/self/task");

    private final Map<Long, Long> startNanos;
    private final long startGcMillis;
    private final Map<String, Long> startNativeTicks;
    private final long startedAt = System.nanoTime();

    private ThreadCpu(Map<Long, Long> startNanos, long startGcMillis, Map<String, Long> startNativeTicks) {
        this.startNanos = startNanos;
        this.startGcMillis = startGcMillis;
        this.startNativeTicks = startNativeTicks;
    }

    static ThreadCpu start() {
        CpuYardstick.shared(); // running from here on, if not before
        Map<Long, Long> now = new HashMap<>();
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        for (long id : mx.getAllThreadIds()) {
            now.put(id, Math.max(0, mx.getThreadCpuTime(id)));
        }
        return new ThreadCpu(now, gcMillis(), nativeTicks());
    }

    /**
     * {@code group=seconds, ...} for the groups above 2% of the total, largest first, GC pause time, and the
     * {@link CpuYardstick}'s reading over the same span (how fast the machine itself was meanwhile).
     */
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
        Map<String, Long> nativeNow = nativeTicks();
        if (!nativeNow.isEmpty()) {
            b.append("; threads the JVM does not list:");
            for (String g : NATIVE_GROUPS) {
                long ticks = nativeNow.getOrDefault(g, 0L) - startNativeTicks.getOrDefault(g, 0L);
                b.append(String.format(Locale.ROOT, " %s=%.1f", g, ticks / TICKS_PER_SECOND));
            }
        }
        b.append("; machine yardstick: ").append(CpuYardstick.shared().since(startedAt).describe());
        return b.toString();
    }

    private static final List<String> NATIVE_GROUPS = List.of("JIT", "GC", "RocksDB");

    /** The group of a thread the JVM does not list, by its Linux name, or null (a Java thread, or another). */
    static String nativeGroup(String comm) {
        if (comm.contains("CompilerThre")) {
            return "JIT";
        }
        if (comm.startsWith("GC Thread") || comm.startsWith("G1 ")) {
            return "GC";
        }
        if (comm.startsWith("rocksdb:")) {
            return "RocksDB";
        }
        return null;
    }

    /**
     * CPU clock ticks of the JIT compiler, GC and RocksDB threads alive now, per group; empty where
     * {@code /proc} is not there. Threads ended since are missed (RocksDB's and the GC's live as long as
     * their store and the JVM).
     */
    static Map<String, Long> nativeTicks() {
        Map<String, Long> ticks = new HashMap<>();
        if (!Files.isDirectory(TASKS)) {
            return ticks;
        }
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(TASKS)) {
            for (Path task : tasks) {
                String stat;
                try {
                    stat = Files.readString(task.resolve("stat"));
                } catch (IOException e) {
                    continue; // ended meanwhile
                }
                // pid (comm) state ...: comm may hold spaces and parentheses, so split after its last ')'
                int open = stat.indexOf('(');
                int close = stat.lastIndexOf(')');
                String group = open < 0 || close < open ? null : nativeGroup(stat.substring(open + 1, close));
                if (group == null) {
                    continue;
                }
                String[] fields = stat.substring(close + 2).split(" ");
                ticks.merge(group, Long.parseLong(fields[11]) + Long.parseLong(fields[12]), Long::sum);
            }
        } catch (IOException | RuntimeException e) {
            return Map.of(); // not Linux's format: leave the figures out
        }
        return ticks;
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
