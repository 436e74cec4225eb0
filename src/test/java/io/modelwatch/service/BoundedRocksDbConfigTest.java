package io.modelwatch.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;

class BoundedRocksDbConfigTest {

    @Test
    void theMemtablesOfEveryStoreTogetherFillAtMostHalfTheWriteBufferBudget() {
        long budget = BoundedRocksDbConfig.DEFAULT_WRITE_BUFFER_BYTES;
        for (long stores : new long[] {1, 3, 18, 30}) {
            long memtable = BoundedRocksDbConfig.memtableBytes(budget, stores);
            assertTrue(stores * memtable <= budget / 2, stores + " stores of " + memtable + " bytes");
        }
        // 18 stores (3 per partition, 6 partitions) in the default 48 MiB, none write-heavy: 1.33 MiB each
        assertEquals(1_398_101, BoundedRocksDbConfig.memtableBytes(budget, BoundedRocksDbConfig.DEFAULT_MAX_STORES));
    }

    @Test
    void theWriteHeavyStoresTakeThreeQuartersOfTheMemtablesHalf() {
        for (long budget : new long[] {16L << 20, 32L << 20, 64L << 20, 256L << 20}) {
            for (long partitions : new long[] {1, 6, 12, 24}) {
                long stores = 3 * partitions;
                long heavy = BoundedRocksDbConfig.memtableBytes(budget, stores, partitions, true);
                long other = BoundedRocksDbConfig.memtableBytes(budget, stores, partitions, false);
                String what = partitions + " partitions in " + budget + ": " + heavy + " / " + other;
                if (other > BoundedRocksDbConfig.MIN_MEMTABLE_BYTES) {
                    assertTrue(partitions * heavy + (stores - partitions) * other <= budget / 2, what);
                }
                assertTrue(heavy >= other, what);
            }
        }
        // defaults: 6 of 18 stores write-heavy in 48 MiB: 3 MiB each, the other 12 at 512 KiB
        long budget = BoundedRocksDbConfig.DEFAULT_WRITE_BUFFER_BYTES;
        assertEquals(3L << 20, BoundedRocksDbConfig.memtableBytes(budget, 18, 6, true));
        assertEquals(512L << 10, BoundedRocksDbConfig.memtableBytes(budget, 18, 6, false));
    }

    @Test
    void onlyTheStoreNamedWriteHeavyGetsTheLargerMemtable() {
        RocksDB.loadLibrary();
        Map<String, Object> configs = Map.of(BoundedRocksDbConfig.MAX_STORES_CONFIG, "9",
                BoundedRocksDbConfig.WRITE_HEAVY_STORE_CONFIG, "busy",
                BoundedRocksDbConfig.MAX_WRITE_HEAVY_STORES_CONFIG, "3");
        try (Options busy = new Options(); Options quiet = new Options()) {
            busy.setTableFormatConfig(new BlockBasedTableConfig());
            quiet.setTableFormatConfig(new BlockBasedTableConfig());
            new BoundedRocksDbConfig().setConfig("busy", busy, configs);
            new BoundedRocksDbConfig().setConfig("quiet", quiet, configs);
            long budget = BoundedRocksDbConfig.current().writeBufferBytes();
            assertEquals(BoundedRocksDbConfig.memtableBytes(budget, 9, 3, true), busy.writeBufferSize());
            assertEquals(BoundedRocksDbConfig.memtableBytes(budget, 9, 3, false), quiet.writeBufferSize());
            assertTrue(busy.writeBufferSize() > quiet.writeBufferSize());
        }
    }

    @Test
    void statisticsOnlyForTheStoreNamedAndTheirTickersSummed() throws Exception {
        RocksDB.loadLibrary();
        Map<String, Object> configs = Map.of(BoundedRocksDbConfig.STATISTICS_STORE_CONFIG, "counted");
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("stats");
        try (Options counted = new Options(); Options other = new Options()) {
            counted.setTableFormatConfig(new BlockBasedTableConfig());
            other.setTableFormatConfig(new BlockBasedTableConfig());
            new BoundedRocksDbConfig().setConfig("counted", counted, configs);
            new BoundedRocksDbConfig().setConfig("other", other, configs);
            assertTrue(counted.statistics() != null, "the named store counts");
            assertTrue(other.statistics() == null, "no other store does");
            long before = BoundedRocksDbConfig.ticker(org.rocksdb.TickerType.NUMBER_KEYS_WRITTEN);
            counted.setCreateIfMissing(true);
            try (RocksDB db = RocksDB.open(counted, dir.toString())) {
                db.put(new byte[] {1}, new byte[] {2});
                db.put(new byte[] {3}, new byte[] {4});
                // histograms too: the bytes read by gets sum to the values' sizes
                long bytesRead = BoundedRocksDbConfig.histogramSum(org.rocksdb.HistogramType.BYTES_PER_READ);
                db.put(new byte[] {5}, new byte[100]);
                db.get(new byte[] {5});
                db.get(new byte[] {1});
                assertEquals(bytesRead + 101, BoundedRocksDbConfig.histogramSum(org.rocksdb.HistogramType.BYTES_PER_READ));
            }
            assertEquals(before + 3, BoundedRocksDbConfig.ticker(org.rocksdb.TickerType.NUMBER_KEYS_WRITTEN));
        } finally {
            org.apache.kafka.common.utils.Utils.delete(dir.toFile());
        }
    }

    @Test
    void theWriteHeavyStoreHasBloomFiltersOnItsLastLevelAndItsMemtablesForItsMisses() {
        RocksDB.loadLibrary();
        Map<String, Object> configs = Map.of(BoundedRocksDbConfig.MAX_STORES_CONFIG, "9",
                BoundedRocksDbConfig.WRITE_HEAVY_STORE_CONFIG, "busy",
                BoundedRocksDbConfig.MAX_WRITE_HEAVY_STORES_CONFIG, "3");
        try (Options busy = new Options(); Options quiet = new Options()) {
            // as Kafka Streams sets both before the config setter runs
            for (Options o : List.of(busy, quiet)) {
                o.setTableFormatConfig(new BlockBasedTableConfig());
                o.setOptimizeFiltersForHits(true);
            }
            new BoundedRocksDbConfig().setConfig("busy", busy, configs);
            new BoundedRocksDbConfig().setConfig("quiet", quiet, configs);
            assertFalse(busy.optimizeFiltersForHits(), "join-pending's gets mostly miss: filters on every level");
            assertTrue(quiet.optimizeFiltersForHits(), "the other stores keep Kafka Streams' default");
            assertTrue(busy.memtableWholeKeyFiltering());
            assertEquals(BoundedRocksDbConfig.MEMTABLE_BLOOM_RATIO, busy.memtablePrefixBloomSizeRatio());
            assertFalse(quiet.memtableWholeKeyFiltering());
        }
    }

    @Test
    void aWriteHeavyStoreNeedsItsCountBelowTheStoreCount() {
        RocksDB.loadLibrary();
        try (Options options = new Options()) {
            options.setTableFormatConfig(new BlockBasedTableConfig());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () ->
                    new BoundedRocksDbConfig().setConfig("busy", options, Map.of(BoundedRocksDbConfig.MAX_STORES_CONFIG,
                            "3", BoundedRocksDbConfig.WRITE_HEAVY_STORE_CONFIG, "busy")));
            assertTrue(e.getMessage().contains(BoundedRocksDbConfig.MAX_WRITE_HEAVY_STORES_CONFIG), e.getMessage());
        }
    }

    @Test
    void memtablesStayBetween256KibAnd16Mib() {
        assertEquals(BoundedRocksDbConfig.MIN_MEMTABLE_BYTES, BoundedRocksDbConfig.memtableBytes(16L << 20, 10_000));
        assertEquals(BoundedRocksDbConfig.MAX_MEMTABLE_BYTES, BoundedRocksDbConfig.memtableBytes(1L << 40, 1));
        assertEquals(8L << 20, BoundedRocksDbConfig.memtableBytes(16L << 20, 0), "no store count: one store");
    }

    @Test
    void theStoreCountFromTheStreamsConfigSizesEachStoresMemtable() {
        RocksDB.loadLibrary();
        try (Options options = new Options()) {
            options.setTableFormatConfig(new BlockBasedTableConfig());
            new BoundedRocksDbConfig().setConfig("s", options, Map.of(
                    BoundedRocksDbConfig.MAX_STORES_CONFIG, "8"));
            BoundedRocksDbConfig.Shared shared = BoundedRocksDbConfig.current();
            assertEquals(BoundedRocksDbConfig.memtableBytes(shared.writeBufferBytes(), 8), options.writeBufferSize());
        }
    }
}
