package io.modelwatch.bench;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class CpuSlicesTest {

    @Test
    void eachSliceSaysWhatTheStreamThreadsAndTheMachineDidInIt() throws Exception {
        String described;
        try (CpuSlices slices = CpuSlices.start(1_000_000_000L)) {
            Thread.sleep(2_300);
            described = slices.describe();
        }
        // two whole slices by now, each starting at its offset, in the order taken
        assertTrue(Pattern.compile("^0s stream threads \\d+\\.\\d s.* \\| 1s stream threads \\d+\\.\\d s")
                .matcher(described).find(), described);
    }

    @Test
    void aStreamThreadsCpuCountsInTheBriefWhateverTheAppsPrefix() throws Exception {
        ThreadCpu cpu = ThreadCpu.start();
        long[] sink = new long[1];
        Thread spinner = new Thread(() -> {
            long until = System.nanoTime() + 400_000_000L;
            while (System.nanoTime() < until) {
                sink[0] += Long.numberOfTrailingZeros(sink[0] + System.nanoTime());
            }
        }, "bench-lat-1796488826619-0a1b2c3d-4e5f-6789-abcd-ef0123456789-StreamThread-1");
        spinner.start();
        Thread.sleep(300); // read while it runs: ended threads are missed
        String brief = cpu.brief();
        spinner.join();
        var m = Pattern.compile("^stream threads (\\d+\\.\\d) s").matcher(brief);
        assertTrue(m.find(), brief);
        assertTrue(Double.parseDouble(m.group(1)) >= 0.1, brief + " " + sink[0]);
    }
}
