package io.modelwatch.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * What the machine, not the JVM, held up between two readings: Linux's pressure stall information
 * ({@code /proc/pressure}: time in which some task waited for a CPU, or some (all) tasks waited for I/O),
 * the pages written but not yet on disk ({@code /proc/meminfo} Dirty plus Writeback: past the kernel's
 * dirty limit a process that writes, the broker appending a batch, is made to wait) and the CPU time the
 * hypervisor took ({@code /proc/stat} steal). A slice of the latency phase whose p99 jumped can then be told
 * apart: the machine, or the code. Where {@code /proc} lacks a file its figures read -1 and are left out.
 */
record SystemStalls(long cpuSomeMicros, long ioSomeMicros, long ioFullMicros, long dirtyKb, long stealTicks) {

    private static final Path PRESSURE = Path.of("/proc/pressure");
    private static final Path MEMINFO = Path.of("/proc/meminfo");

    /** The totals now (pressure and steal since boot, dirty pages at this moment). */
    static SystemStalls read() {
        long[] machine = ThreadCpu.machineTicks();
        String io = readOrEmpty(PRESSURE.resolve("io"));
        return new SystemStalls(stallMicros(readOrEmpty(PRESSURE.resolve("cpu")), "some"), stallMicros(io, "some"),
                stallMicros(io, "full"), dirtyKb(readOrEmpty(MEMINFO)),
                machine.length == 0 ? -1 : machine[ThreadCpu.STEAL_COLUMN]);
    }

    /**
     * "; stalled: io 0.3 s (all tasks 0.1), CPU 1.2 s; dirty 150 MB; steal 0.0 s" between {@code start} and
     * this reading (dirty pages as of this reading), or what of it {@code /proc} gave.
     */
    String since(SystemStalls start) {
        StringBuilder b = new StringBuilder();
        if (ioSomeMicros >= 0 && start.ioSomeMicros >= 0) {
            b.append(String.format(Locale.ROOT, "; stalled: io %.1f s (all tasks %.1f)",
                    (ioSomeMicros - start.ioSomeMicros) / 1e6, (ioFullMicros - start.ioFullMicros) / 1e6));
        }
        if (cpuSomeMicros >= 0 && start.cpuSomeMicros >= 0) {
            b.append(b.isEmpty() ? "; stalled:" : ",").append(String.format(Locale.ROOT, " CPU %.1f s",
                    (cpuSomeMicros - start.cpuSomeMicros) / 1e6));
        }
        if (dirtyKb >= 0) {
            b.append(String.format(Locale.ROOT, "; dirty %d MB", dirtyKb / 1024));
        }
        if (stealTicks >= 0 && start.stealTicks >= 0) {
            b.append(String.format(Locale.ROOT, "; steal %.1f s", (stealTicks - start.stealTicks) / 100.0));
        }
        return b.toString();
    }

    /** The {@code total=} of the line starting with {@code kind} in a pressure file's text, or -1. */
    static long stallMicros(String text, String kind) {
        for (String line : text.split("\n")) {
            if (line.startsWith(kind + " ")) {
                int at = line.indexOf("total=");
                return at < 0 ? -1 : Long.parseLong(line.substring(at + "total=".length()).trim());
            }
        }
        return -1;
    }

    /** Dirty plus Writeback, in kB, from {@code /proc/meminfo}'s text, or -1. */
    static long dirtyKb(String meminfo) {
        long dirty = -1;
        long writeback = -1;
        for (String line : meminfo.split("\n")) {
            if (line.startsWith("Dirty:")) {
                dirty = kb(line);
            } else if (line.startsWith("Writeback:")) {
                writeback = kb(line);
            }
        }
        return dirty < 0 || writeback < 0 ? -1 : dirty + writeback;
    }

    private static long kb(String meminfoLine) {
        return Long.parseLong(meminfoLine.substring(meminfoLine.indexOf(':') + 1).replace("kB", "").trim());
    }

    private static String readOrEmpty(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }
}
