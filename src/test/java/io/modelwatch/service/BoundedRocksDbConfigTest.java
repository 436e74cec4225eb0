package io.modelwatch.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
        // defaults: 18 stores (3 per partition, 6 partitions) in 32 MiB: 910 KiB each
        assertEquals(932_067, BoundedRocksDbConfig.memtableBytes(budget, BoundedRocksDbConfig.DEFAULT_MAX_STORES));
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
