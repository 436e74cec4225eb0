package io.modelwatch.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LoopTimelineTest {

    /** A source whose cumulative readings the test sets. */
    private static final class Counts implements LoopTimeline.Source {
        final long[] values = new long[LoopTimeline.COLUMNS];

        @Override
        public void read(long[] into) {
            System.arraycopy(values, 0, into, 0, values.length);
        }

        void add(long records, long polls, long commits, long punctuations, long blockedNs, long cpuNs) {
            add(records, polls, commits, punctuations, blockedNs, cpuNs, 0, 0);
        }

        void add(long records, long polls, long commits, long punctuations, long blockedNs, long cpuNs,
                 long scanNs, long scanVisited) {
            long[] d = {records, polls, commits, punctuations, blockedNs, cpuNs, scanNs, scanVisited};
            for (int i = 0; i < d.length; i++) {
                values[i] += d[i];
            }
        }
    }

    /**
     * The scan's line after one 250 ms step in which the scan took 4 ms for 4,000 entries, with {@code columns}
     * added to the step's reading (one slice of an hour holds it).
     */
    private static String scanOfOneStep(java.util.function.Consumer<Counts> columns) throws Exception {
        Counts counts = new Counts();
        try (LoopTimeline timeline = LoopTimeline.start(counts, System.nanoTime(), 3_600_000_000_000L)) {
            counts.add(100, 1, 1, 1, 0, 10_000_000, 4_000_000, 4000);
            columns.accept(counts);
            timeline.sample();
            return timeline.describeScan(3_600_000_000_000L);
        }
    }

    @Test
    void eachStepSaysWhatTheLoopDidInIt() throws Exception {
        Counts counts = new Counts();
        long start = System.nanoTime();
        // a step so long that only the test's own samples count
        try (LoopTimeline timeline = LoopTimeline.start(counts, start, 3_600_000_000_000L)) {
            counts.add(5210, 31, 9, 22, 12_000_000, 402_000_000, 8_000_000, 8000);
            timeline.sample();
            counts.add(0, 2, 0, 0, 240_000_000, 203_000_000, 200_000_000, 100_000); // in the expiry scan, nothing processed
            timeline.sample();
            String all = timeline.describe(0, 3600);
            String[] lines = all.split("\n");
            assertEquals(2, lines.length, all);
            assertTrue(lines[0].matches("\\s+0\\.\\d\\d s: records 5210, polls 31, commits 9, punctuations 22, "
                    + "blocked 12 ms, CPU 402 ms, expiry scan 8 ms"), lines[0]);
            assertTrue(lines[1].matches("\\s+0\\.\\d\\d s: records 0, polls 2, commits 0, punctuations 0, "
                    + "blocked 240 ms, CPU 203 ms, expiry scan 200 ms"), lines[1]);
            assertEquals("", timeline.describe(10, 20)); // no step ends there
        }
    }

    @Test
    void theScanTimeIsSummedBySliceWithItsLargestStep() throws Exception {
        Counts counts = new Counts();
        long start = System.nanoTime();
        try (LoopTimeline timeline = LoopTimeline.start(counts, start, 3_600_000_000_000L)) {
            counts.add(100, 1, 1, 1, 0, 10_000_000, 4_000_000, 4000);
            timeline.sample();
            counts.add(100, 1, 1, 1, 0, 500_000_000, 450_000_000, 150_000);
            timeline.sample();
            // every step ends within the first hour: one slice holds them all
            String scan = timeline.describeScan(3_600_000_000_000L);
            assertTrue(scan.matches("454 ms in all for 154000 entries visited \\(2948 ns each\\); ms \\(ns per entry\\) "
                    + "by 3600 s: 454 \\(2948\\); most in a step 450 ms, the step to 0\\.\\d\\d s"), scan);
        }
    }

    @Test
    void keysRocksDbSkippedAreGivenPerVisitedEntryWhenCounted() throws Exception {
        String scan = scanOfOneStep(counts -> counts.values[LoopTimeline.SKIPPED] += 10_000); // 2.5 per entry visited
        assertTrue(scan.matches("4 ms in all for 4000 entries visited \\(1000 ns each\\), 2\\.50 internal keys skipped "
                + "per entry visited; ms \\(ns per entry, keys skipped per entry\\) by 3600 s: 4 \\(1000, 2\\.5 skipped\\); "
                + "most in a step 4 ms, the step to 0\\.\\d\\d s"), scan);
    }

    @Test
    void stepsGiveJoinPendingsGetsCacheMissesAndCompactionsWhenCounted() throws Exception {
        Counts counts = new Counts();
        long start = System.nanoTime();
        try (LoopTimeline timeline = LoopTimeline.start(counts, start, 3_600_000_000_000L)) {
            counts.add(5210, 31, 9, 22, 12_000_000, 402_000_000, 8_000_000, 8000);
            timeline.sample();
            assertTrue(timeline.describe(0, 3600).endsWith("expiry scan 8 ms\n"), "no statistics, no RocksDB columns");
            counts.add(1000, 3, 1, 2, 0, 300_000_000, 0, 0);
            counts.values[LoopTimeline.GET_MICROS] += 61_400;
            counts.values[LoopTimeline.CACHE_MISSES] += 1200;
            counts.values[LoopTimeline.COMPACTED_BYTES] += 12L << 20;
            timeline.sample();
            String[] lines = timeline.describe(0, 3600).split("\n");
            assertTrue(lines[1].endsWith("CPU 300 ms, expiry scan 0 ms, gets 61 ms, cache misses 1200, compacted 12 MB"),
                    lines[1]);
        }
    }

    @Test
    void theScanBy5sGivesJoinPendingsCacheMissesAndCompactionsWhenCounted() throws Exception {
        String scan = scanOfOneStep(counts -> {
            counts.values[LoopTimeline.CACHE_MISSES] += 2600;
            counts.values[LoopTimeline.COMPACTED_BYTES] += 13L << 20;
        });
        assertTrue(scan.matches("4 ms in all for 4000 entries visited \\(1000 ns each\\); ms \\(ns per entry, "
                + "join-pending's block cache misses, MB compacted\\) by 3600 s: 4 \\(1000, 2600 misses, 13 MB\\); "
                + "most in a step 4 ms, the step to 0\\.\\d\\d s"), scan);
    }

    @Test
    void theScanBy5sGivesTheShareOfVisitedEntriesItDeleted() throws Exception {
        String scan = scanOfOneStep(counts -> counts.values[LoopTimeline.SCAN_DELETED] += 1000);
        assertTrue(scan.matches("4 ms in all for 4000 entries visited \\(1000 ns each\\); ms \\(ns per entry, "
                + "% deleted\\) by 3600 s: 4 \\(1000, 25%\\); most in a step 4 ms, the step to 0\\.\\d\\d s"), scan);
    }

    @Test
    void lastProcessedMovesOnlyWhenRecordsWereProcessed() throws Exception {
        Counts counts = new Counts();
        long start = System.nanoTime();
        try (LoopTimeline timeline = LoopTimeline.start(counts, start, 3_600_000_000_000L)) {
            long first = timeline.lastProcessedNanos();
            assertTrue(first >= start, "the first reading counts as progress");
            Thread.sleep(5);
            counts.add(0, 1, 1, 1, 1_000_000, 1_000_000);
            timeline.sample();
            assertEquals(first, timeline.lastProcessedNanos(), "polls and commits without records are no progress");
            counts.add(1, 0, 0, 0, 0, 0);
            timeline.sample();
            assertTrue(timeline.lastProcessedNanos() > first);
        }
    }

    @Test
    void slowSlicesMergeIntoStretchesWhereTheyOverlap() {
        List<long[]> stretches = new ArrayList<>();
        LatencyProbe.addStretch(stretches, 100, 200);
        LatencyProbe.addStretch(stretches, 150, 260); // overlaps: one stretch 100..260
        LatencyProbe.addStretch(stretches, 300, 400);
        LatencyProbe.addStretch(stretches, 350, 380); // within: unchanged
        assertEquals(2, stretches.size());
        assertEquals(List.of(100L, 260L), List.of(stretches.get(0)[0], stretches.get(0)[1]));
        assertEquals(List.of(300L, 400L), List.of(stretches.get(1)[0], stretches.get(1)[1]));
    }
}
