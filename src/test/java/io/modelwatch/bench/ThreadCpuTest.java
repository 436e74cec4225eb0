package io.modelwatch.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class ThreadCpuTest {

    @Test
    void groupsThreadsByRoleWithoutAppIdsOrNumbers() {
        assertEquals("StreamThread-N",
                ThreadCpu.group("bench-mw-eos-1764661234567-0a1b2c3d-4e5f-6789-abcd-ef0123456789-StreamThread-2"));
        assertEquals("kafka-producer-network-thread | StreamThread-N-producer", ThreadCpu.group(
                "kafka-producer-network-thread | bench-floor-alos-1764661234567-0a1b2c3d-4e5f-6789-abcd-ef0123456789-"
                        + "StreamThread-1-producer"));
        assertEquals("data-plane-kafka-request-handler-N", ThreadCpu.group("data-plane-kafka-request-handler-7"));
    }

    @Test
    void countsTheCpuThisThreadSpentSinceTheStart() {
        Thread.currentThread().setName("thread-cpu-test-busy");
        ThreadCpu cpu = ThreadCpu.start();
        long x = 0;
        // 0.3 s of this thread's own CPU, however busy the machine (0.3 s of wall time got it under 0.05 s once)
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        long cpuUntil = mx.getCurrentThreadCpuTime() + 300_000_000L;
        long giveUp = System.nanoTime() + 60_000_000_000L;
        while (mx.getCurrentThreadCpuTime() < cpuUntil && System.nanoTime() < giveUp) {
            for (int i = 0; i < 10_000; i++) {
                x += Long.numberOfTrailingZeros(x + System.nanoTime());
            }
        }
        String described = cpu.describeSinceStart();
        Matcher busy = Pattern.compile(" thread-cpu-test-busy=(\\d+\\.\\d)").matcher(described);
        assertTrue(busy.find(), described + " " + x);
        assertTrue(Double.parseDouble(busy.group(1)) >= 0.1, described);
        assertTrue(described.startsWith("threads ") && described.contains("; GC pauses "), described);
    }

    @Test
    void namesTheThreadsTheJvmDoesNotListByTheirLinuxNames() {
        assertEquals("JIT", ThreadCpu.nativeGroup("C2 CompilerThre"));
        assertEquals("JIT", ThreadCpu.nativeGroup("C1 CompilerThre"));
        assertEquals("GC", ThreadCpu.nativeGroup("GC Thread#1"));
        assertEquals("GC", ThreadCpu.nativeGroup("G1 Conc#0"));
        assertEquals("RocksDB", ThreadCpu.nativeGroup("rocksdb:low"));
        assertNull(ThreadCpu.nativeGroup("bench-mw-eos-17"));
    }

    @Test
    void onLinuxTheJitCompilersHaveSpentCpuByTheTimeATestRuns() {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/task")), "Linux only");
        // this JVM compiled JUnit's and this class's code before it got here
        assertTrue(ThreadCpu.nativeTicks().getOrDefault("JIT", 0L) > 0, ThreadCpu.nativeTicks().toString());
        assertTrue(ThreadCpu.start().describeSinceStart().contains("; threads the JVM does not list: JIT="));
    }

    @Test
    void readsTheMachinesCpuTicksByKindFromProcStat() {
        assertArrayEquals(new long[] {760349, 310, 112214, 2402823, 7162, 0, 11029, 0},
                ThreadCpu.machineTicks("cpu  760349 310 112214 2402823 7162 0 11029 0 0 0"));
        assertEquals(0, ThreadCpu.machineTicks("cpu0 1 2 3 4 5 6 7 8 9 10").length);
        assertEquals(0, ThreadCpu.machineTicks("cpu 1 2 3").length);
    }

    @Test
    void onLinuxItSaysWhatTheMachineAndTheKernelDidMeanwhile() {
        assumeTrue(Files.isRegularFile(Path.of("/proc/stat")), "Linux only");
        ThreadCpu cpu = ThreadCpu.start();
        long until = System.nanoTime() + 200_000_000L;
        while (System.nanoTime() < until) {
            Thread.onSpinWait();
        }
        String described = cpu.describeSinceStart();
        Matcher machine = Pattern.compile("; machine CPU, s: user=(\\d+\\.\\d) nice=\\d+\\.\\d system=\\d+\\.\\d "
                + "idle=\\d+\\.\\d iowait=\\d+\\.\\d irq=\\d+\\.\\d softirq=\\d+\\.\\d steal=\\d+\\.\\d").matcher(described);
        assertTrue(machine.find(), described);
        assertTrue(Double.parseDouble(machine.group(1)) >= 0.1, described); // this thread spun in user mode
        assertTrue(ThreadCpu.nativeTicks().containsKey("JIT" + ThreadCpu.SYS), ThreadCpu.nativeTicks().toString());
    }

    @Test
    void countsTheHeapTheStreamThreadsAllocatedPerInputRecord() throws Exception {
        ThreadCpu cpu = ThreadCpu.start();
        long[] sink = new long[1];
        CountDownLatch allocated = new CountDownLatch(1);
        CountDownLatch described = new CountDownLatch(1);
        // a thread named as Kafka Streams names its stream threads allocates 64 MB: 64 KB per "record" of 1000;
        // it stays alive until the description is taken (ended threads are not counted)
        Thread streamThread = new Thread(() -> {
            for (int i = 0; i < 64; i++) {
                byte[] b = new byte[1 << 20];
                sink[0] += b.length;
            }
            allocated.countDown();
            try {
                described.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "bench-mw-eos-1-0c7a9bb6-7c65-4ff1-b41d-8aab62316a4f-StreamThread-1");
        streamThread.start();
        allocated.await();
        String description = cpu.describeSinceStart(1000);
        described.countDown();
        streamThread.join();
        Matcher m = Pattern.compile("; heap allocated (\\d+\\.\\d) GB, (\\d+) B per input record, stream threads "
                + "(\\d+) B per input record").matcher(description);
        assertTrue(m.find(), description);
        long streamPerRecord = Long.parseLong(m.group(3));
        assertTrue(streamPerRecord >= 64 * 1048576 / 1000 && streamPerRecord < 2 * 64 * 1048576 / 1000,
                description + " " + sink[0]);
        assertTrue(Long.parseLong(m.group(2)) >= streamPerRecord, description);
        assertFalse(cpu.describeSinceStart().contains("heap allocated"), "no record count, no per-record figure");
    }

    @Test
    void describesTheHeapAllocatedInAllAndPerInputRecord() {
        assertEquals("; heap allocated 12.3 GB, 3200 B per input record, stream threads 2500 B per input record",
                ThreadCpu.describeAllocated(12_300_000_000L, 9_609_375_000L, 3_843_750L));
    }
}
