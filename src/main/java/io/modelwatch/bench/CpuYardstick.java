package io.modelwatch.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Locale;

/**
 * A yardstick for the machine's own speed: the same fixed amount of work, run every half second on a
 * thread of its own and timed in that thread's CPU time. On an unchanging machine it always takes the same
 * CPU time; when it takes longer, the machine got slower, not the code under test: another tenant on the
 * same physical core (the vCPU's SMT sibling) or the same memory, a lower clock, or time the hypervisor took
 * that the guest counts as the thread's. Three kinds of work: {@code alu}, a chain of arithmetic in
 * registers (the core's speed); {@code llc}, a chain of dependent loads from 4 MiB, beyond a core's own
 * caches (meant for the last-level cache that cores share; on the bench's VM it reads memory latency too);
 * {@code mem}, the same from 16 MiB (memory, and the TLB); and {@code bw}, a sequential read of 32 MiB
 * (memory bandwidth, which prefetching turns the read into). The process under test shares the last three
 * with the yardstick. A phase's figures are the medians of the samples taken while it ran, and their mean
 * ({@link ThreadCpu#describeSinceStart}). It showed that the rounds in which modelwatch's threads spend 20 to
 * 40% more CPU on the same work are not the machine's clock (docs/performance.md, 25th session).
 *
 * <p>Cost: about 15 ms of CPU every 500 ms on this machine, the same in every phase and build.
 */
final class CpuYardstick {

    static final long PERIOD_MS = 500;
    /** Steps of each kind per sample: a millisecond or a few each on a 2 GHz core. */
    static final int ALU_STEPS = 1 << 20;
    static final int CHASE_STEPS = 1 << 15;
    /** 16 MiB of ints: more than the caches one core has to itself, so most loads go to the shared cache or memory. */
    private static final int MEM_INTS = 1 << 22;
    /** 4 MiB of ints: beyond a core's L2, meant to fit the last-level cache it shares with other cores. */
    static final int LLC_INTS = 1 << 20;
    /** 32 MiB of longs, read from end to end: beyond any cache, so the read goes at the memory's bandwidth. */
    static final int BW_LONGS = 1 << 22;

    private static CpuYardstick shared;

    private final int[] memory = new int[MEM_INTS];
    private final long[] stream = new long[BW_LONGS];
    private final ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    /** The kinds of work a sample times, in this order: alu, llc, mem, bw. */
    private static final int KINDS = 4;
    /** Samples: wall-clock time taken (nanoTime), and per kind the CPU nanoseconds of each sample. */
    private long[] at = new long[256];
    private long[][] cpu = new long[KINDS][256];
    private int samples;
    /** Keeps the results alive, so that the JIT cannot drop the work. */
    @SuppressWarnings("unused")
    private volatile long sink;

    /**
     * The medians of the samples taken in a span of time ({@code samples} 0 when none was), and the mean of all
     * kinds together per sample: the median ignores a few slow samples, the mean does not (time taken from
     * the whole machine now and then would show in the mean only).
     */
    record Reading(int samples, double aluMs, double llcMs, double memMs, double bwMs, double meanTotalMs) {
        String describe() {
            return samples == 0 ? "no samples" : String.format(Locale.ROOT,
                    "alu=%.2f ms llc=%.2f ms mem=%.2f ms bw=%.2f ms (medians of %d; mean of all together %.2f ms)",
                    aluMs, llcMs, memMs, bwMs, samples, meanTotalMs);
        }
    }

    private CpuYardstick() {
        long x = 0x9E3779B97F4A7C15L;
        for (int i = 0; i < MEM_INTS; i++) {
            x = xorshift(x);
            memory[i] = (int) (x >>> 33);
        }
        Arrays.fill(stream, 1); // touched now, so that the first samples do not time page faults
    }

    /** The JVM's yardstick, started on first use (a daemon thread: it lives as long as the bench's JVM). */
    static synchronized CpuYardstick shared() {
        if (shared == null) {
            shared = new CpuYardstick();
            Thread t = new Thread(shared::loop, "bench-cpu-yardstick");
            t.setDaemon(true);
            t.start();
        }
        return shared;
    }

    private void loop() {
        while (true) {
            sample();
            try {
                Thread.sleep(PERIOD_MS);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Runs each kind of work once and records their CPU times. */
    void sample() {
        long t0 = mx.getCurrentThreadCpuTime();
        long a = aluWork(ALU_STEPS);
        long t1 = mx.getCurrentThreadCpuTime();
        long l = chase(LLC_INTS, CHASE_STEPS);
        long t2 = mx.getCurrentThreadCpuTime();
        long m = chase(MEM_INTS, CHASE_STEPS);
        long t3 = mx.getCurrentThreadCpuTime();
        long r = sweep();
        long t4 = mx.getCurrentThreadCpuTime();
        sink = a + l + m + r;
        record(System.nanoTime(), t1 - t0, t2 - t1, t3 - t2, t4 - t3);
    }

    static long aluWork(int steps) {
        long x = 0x2545F4914F6CDD1DL;
        long acc = 0;
        for (int i = 0; i < steps; i++) {
            x = xorshift(x);
            acc += x * 0x9E3779B97F4A7C15L;
        }
        return acc;
    }

    /**
     * Loads from the first {@code ints} (a power of two) of the array, each index depending on the previous
     * load: no two loads overlap, so each pays the full latency.
     */
    long chase(int ints, int steps) {
        int mask = ints - 1;
        int i = 0;
        long acc = 0;
        for (int s = 0; s < steps; s++) {
            int v = memory[i];
            acc += v;
            i = (v ^ s) & mask;
        }
        return acc;
    }

    /** Reads the whole stream array in order: the memory's bandwidth, not its latency. */
    long sweep() {
        long acc = 0;
        for (long v : stream) {
            acc += v;
        }
        return acc;
    }

    private static long xorshift(long x) {
        x ^= x << 13;
        x ^= x >>> 7;
        x ^= x << 17;
        return x;
    }

    synchronized void record(long atNanos, long aluNanos, long llcNanos, long memNanos, long bwNanos) {
        if (samples == at.length) {
            at = Arrays.copyOf(at, samples * 2);
            for (int k = 0; k < KINDS; k++) {
                cpu[k] = Arrays.copyOf(cpu[k], samples * 2);
            }
        }
        at[samples] = atNanos;
        long[] nanos = {aluNanos, llcNanos, memNanos, bwNanos};
        for (int k = 0; k < KINDS; k++) {
            cpu[k][samples] = nanos[k];
        }
        samples++;
    }

    /** The medians of the samples taken at or after {@code fromNanos} (a {@link System#nanoTime} reading). */
    synchronized Reading since(long fromNanos) {
        int first = 0;
        while (first < samples && at[first] < fromNanos) {
            first++;
        }
        int n = samples - first;
        if (n == 0) {
            return new Reading(0, 0, 0, 0, 0, 0);
        }
        long total = 0;
        double[] medians = new double[KINDS];
        for (int k = 0; k < KINDS; k++) {
            for (int i = first; i < samples; i++) {
                total += cpu[k][i];
            }
            medians[k] = medianMs(cpu[k], first, samples);
        }
        return new Reading(n, medians[0], medians[1], medians[2], medians[3], total / 1e6 / n);
    }

    /** The middle value (the lower middle of an even count), in milliseconds. */
    private static double medianMs(long[] values, int from, int to) {
        long[] sorted = Arrays.copyOfRange(values, from, to);
        Arrays.sort(sorted);
        return sorted[(sorted.length - 1) / 2] / 1e6;
    }

    /** A yardstick that only records what it is given (tests). */
    static CpuYardstick forTest() {
        return new CpuYardstick();
    }
}
