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

    private static final Path PROC_STAT = Path.of("/proc/stat");
    /** The columns of {@code /proc/stat}'s first line, in its order, that the machine line reports. */
    private static final List<String> MACHINE_COLUMNS = List.of("user", "nice", "system", "idle", "iowait", "irq",
            "softirq", "steal");
    /** Where steal time is in {@link #machineTicks()}. */
    static final int STEAL_COLUMN = MACHINE_COLUMNS.indexOf("steal");

    private final Map<Long, Long> startNanos;
    private final Map<Long, Long> startUserNanos;
    private final Map<Long, Long> startAllocated;
    private final long startGcMillis;
    private final Map<String, Long> startNativeTicks;
    private final long[] startMachineTicks;
    private final SystemStalls startStalls = SystemStalls.read();
    private final long startedAt = System.nanoTime();

    private ThreadCpu(Map<Long, Long> startNanos, Map<Long, Long> startUserNanos, Map<Long, Long> startAllocated,
                      long startGcMillis, Map<String, Long> startNativeTicks, long[] startMachineTicks) {
        this.startNanos = startNanos;
        this.startUserNanos = startUserNanos;
        this.startAllocated = startAllocated;
        this.startGcMillis = startGcMillis;
        this.startNativeTicks = startNativeTicks;
        this.startMachineTicks = startMachineTicks;
    }

    static ThreadCpu start() {
        CpuYardstick.shared(); // running from here on, if not before
        Map<Long, Long> now = new HashMap<>();
        Map<Long, Long> user = new HashMap<>();
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        Map<Long, Long> allocated = new HashMap<>();
        for (long id : mx.getAllThreadIds()) {
            now.put(id, Math.max(0, mx.getThreadCpuTime(id)));
            user.put(id, Math.max(0, mx.getThreadUserTime(id)));
            allocated.put(id, Math.max(0, allocatedBytes(mx, id)));
        }
        return new ThreadCpu(now, user, allocated, gcMillis(), nativeTicks(), machineTicks());
    }

    /** Bytes of heap the thread has allocated so far (HotSpot's count), or -1 where the JVM does not say. */
    private static long allocatedBytes(ThreadMXBean mx, long threadId) {
        return mx instanceof com.sun.management.ThreadMXBean hotspot ? hotspot.getThreadAllocatedBytes(threadId) : -1;
    }

    /** {@link #describeSinceStart(long)} without the heap allocated. */
    String describeSinceStart() {
        return describeSinceStart(0);
    }

    /**
     * {@code group=seconds, ...} for the groups above 2% of the total, largest first, each with its share in
     * the kernel ({@code sys}: system calls, page faults) where that is 0.1 s or more; GC pause time; the
     * {@link CpuYardstick}'s reading over the same span (how fast the machine itself was meanwhile); and the
     * whole machine's CPU time by kind ({@code /proc/stat}: user, system, idle, iowait, softirq, ...). With
     * {@code inputRecords} above 0 it also gives the heap the threads allocated, in all and per input record
     * (the stream threads' per record too): unlike CPU time, the same code on the same input allocates the
     * same bytes on any machine, so it shows a change in the hot path's garbage through the rounds' noise.
     */
    String describeSinceStart(long inputRecords) {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        Map<String, Long> byGroup = new HashMap<>();
        Map<String, Long> userByGroup = new HashMap<>();
        Map<String, Long> allocatedByGroup = new HashMap<>();
        long total = 0;
        long allocatedTotal = 0;
        for (ThreadInfo info : mx.getThreadInfo(mx.getAllThreadIds())) {
            if (info == null) {
                continue;
            }
            long cpu = mx.getThreadCpuTime(info.getThreadId());
            if (cpu < 0) {
                continue;
            }
            long spent = cpu - startNanos.getOrDefault(info.getThreadId(), 0L);
            long user = Math.max(0, mx.getThreadUserTime(info.getThreadId()))
                    - startUserNanos.getOrDefault(info.getThreadId(), 0L);
            long allocated = Math.max(0, allocatedBytes(mx, info.getThreadId())
                    - startAllocated.getOrDefault(info.getThreadId(), 0L));
            total += spent;
            allocatedTotal += allocated;
            byGroup.merge(group(info.getThreadName()), spent, Long::sum);
            userByGroup.merge(group(info.getThreadName()), user, Long::sum);
            allocatedByGroup.merge(group(info.getThreadName()), allocated, Long::sum);
        }
        long all = total;
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "threads %.1f s:", all / 1e9));
        byGroup.entrySet().stream()
                .filter(e -> e.getValue() > all / 50)
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .forEach(e -> b.append(String.format(Locale.ROOT, " %s=%.1f", e.getKey(), e.getValue() / 1e9))
                        .append(sys((e.getValue() - userByGroup.getOrDefault(e.getKey(), 0L)) / 1e9)));
        b.append(String.format(Locale.ROOT, "; GC pauses %.1f s", (gcMillis() - startGcMillis) / 1e3));
        if (inputRecords > 0) {
            b.append(describeAllocated(allocatedTotal, allocatedByGroup.getOrDefault(STREAM_THREADS, 0L), inputRecords));
        }
        Map<String, Long> nativeNow = nativeTicks();
        if (!nativeNow.isEmpty()) {
            b.append("; threads the JVM does not list:");
            for (String g : NATIVE_GROUPS) {
                b.append(String.format(Locale.ROOT, " %s=%.1f", g, nativeSeconds(nativeNow, g)))
                        .append(sys(nativeSeconds(nativeNow, g + SYS)));
            }
        }
        b.append("; machine yardstick: ").append(CpuYardstick.shared().since(startedAt).describe());
        long[] machineNow = machineTicks();
        if (machineNow.length > 0 && startMachineTicks.length == machineNow.length) {
            b.append("; machine CPU, s:");
            for (int i = 0; i < machineNow.length; i++) {
                b.append(String.format(Locale.ROOT, " %s=%.1f", MACHINE_COLUMNS.get(i),
                        (machineNow[i] - startMachineTicks[i]) / TICKS_PER_SECOND));
            }
        }
        return b.toString();
    }

    /**
     * The span since the start in short, for slices of a phase: "stream threads 8.1 s, RocksDB 0.9, JIT 0.4,
     * GC 0.2; alu 1.95 ms; GC pauses 40 ms; stalled: io 0.0 s (all tasks 0.0), CPU 1.2 s; dirty 150 MB; steal
     * 0.0 s" (stream threads: any whose group ends in {@link #STREAM_THREADS}; the native groups where
     * {@code /proc} gives them; the yardstick's median {@code alu} over the span; the {@link SystemStalls}).
     */
    String brief() {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long streamNanos = 0;
        for (ThreadInfo info : mx.getThreadInfo(mx.getAllThreadIds())) {
            long cpu = info == null ? -1 : mx.getThreadCpuTime(info.getThreadId());
            if (cpu >= 0 && group(info.getThreadName()).endsWith(STREAM_THREADS)) {
                streamNanos += cpu - startNanos.getOrDefault(info.getThreadId(), 0L);
            }
        }
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "stream threads %.1f s", streamNanos / 1e9));
        Map<String, Long> nativeNow = nativeTicks();
        for (String g : List.of("RocksDB", "JIT", "GC")) {
            if (nativeNow.containsKey(g)) {
                b.append(String.format(Locale.ROOT, ", %s %.1f", g, nativeSeconds(nativeNow, g)));
            }
        }
        CpuYardstick.Reading yardstick = CpuYardstick.shared().since(startedAt);
        if (yardstick.samples() > 0) {
            b.append(String.format(Locale.ROOT, "; alu %.2f ms", yardstick.aluMs()));
        }
        return b.append(String.format(Locale.ROOT, "; GC pauses %d ms", gcMillis() - startGcMillis))
                .append(SystemStalls.read().since(startStalls)).toString();
    }

    /** Seconds a native group (or its kernel share, key with {@link #SYS}) spent since the start. */
    private double nativeSeconds(Map<String, Long> nativeNow, String key) {
        return (nativeNow.getOrDefault(key, 0L) - startNativeTicks.getOrDefault(key, 0L)) / TICKS_PER_SECOND;
    }

    /** The group of Kafka Streams' stream threads in {@link #group}'s terms. */
    static final String STREAM_THREADS = "StreamThread-N";

    /** "; heap allocated 12.3 GB, 3190 B per input record, stream threads 2710 B per input record". */
    static String describeAllocated(long allBytes, long streamThreadBytes, long inputRecords) {
        return String.format(Locale.ROOT, "; heap allocated %.1f GB, %d B per input record, stream threads %d B "
                + "per input record", allBytes / 1e9, Math.round((double) allBytes / inputRecords),
                Math.round((double) streamThreadBytes / inputRecords));
    }

    /** " (sys 1.2)" for a kernel share of 0.1 s or more, else nothing. */
    private static String sys(double seconds) {
        return seconds >= 0.1 ? String.format(Locale.ROOT, " (sys %.1f)", seconds) : "";
    }

    /**
     * The machine's CPU clock ticks by kind since boot ({@link #MACHINE_COLUMNS}), from the first line of
     * {@code /proc/stat}; empty where that is not there.
     */
    static long[] machineTicks() {
        try {
            return machineTicks(Files.readAllLines(PROC_STAT).get(0));
        } catch (IOException | RuntimeException e) {
            return new long[0];
        }
    }

    /** The ticks of {@link #MACHINE_COLUMNS} in a {@code /proc/stat} "cpu" line; empty if it is not one. */
    static long[] machineTicks(String cpuLine) {
        String[] f = cpuLine.trim().split("\\s+");
        if (!f[0].equals("cpu") || f.length < 1 + MACHINE_COLUMNS.size()) {
            return new long[0];
        }
        long[] ticks = new long[MACHINE_COLUMNS.size()];
        for (int i = 0; i < ticks.length; i++) {
            ticks[i] = Long.parseLong(f[1 + i]);
        }
        return ticks;
    }

    private static final List<String> NATIVE_GROUPS = List.of("JIT", "GC", "RocksDB");
    /** Suffix of a native group's key in {@link #nativeTicks} for its ticks in the kernel. */
    static final String SYS = ".sys";

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
     * CPU clock ticks of the JIT compiler, GC and RocksDB threads alive now, per group (and, under the
     * group's name with {@link #SYS}, those in the kernel); empty where {@code /proc} is not there. Threads
     * ended since are missed (RocksDB's and the GC's live as long as their store and the JVM).
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
                long stime = Long.parseLong(fields[12]);
                ticks.merge(group, Long.parseLong(fields[11]) + stime, Long::sum);
                ticks.merge(group + SYS, stime, Long::sum);
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
