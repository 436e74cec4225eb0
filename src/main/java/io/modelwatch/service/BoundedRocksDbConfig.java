package io.modelwatch.service;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Cache;
import org.rocksdb.HistogramType;
import org.rocksdb.IndexType;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.Statistics;
import org.rocksdb.TickerType;
import org.rocksdb.WriteBufferManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bounds the off-heap memory of every RocksDB store in the JVM (Kafka Streams docs, "Memory
 * management", bounding RocksDB memory): one LRU block cache shared by all stores of all tasks,
 * holding data blocks and the index and filter blocks, and one write buffer manager that charges
 * every store's memtables to that same cache. So the block cache size is the bound of the
 * RocksDB memory of the instance, memtables included (plus small per-file and per-iterator
 * overheads that RocksDB does not account), however many partitions and stores it hosts.
 *
 * <p>Sizes come from the Streams configuration ({@link #BLOCK_CACHE_BYTES_CONFIG},
 * {@link #WRITE_BUFFER_BYTES_CONFIG}, {@link #MAX_STORES_CONFIG}; {@code config.ModelwatchConfig#streamsProperties()}
 * sets them from {@code rocksdb.block-cache-bytes}, {@code rocksdb.write-buffer-bytes} and the partition count).
 *
 * <p>Memtables are sized so that all of them together stay under half the write buffer manager's budget
 * ({@link #memtableBytes}). When the manager is over budget, RocksDB flushes the memtable of whichever
 * store is being written at that moment, however small, not the largest: with memtables so large that
 * the idle ones alone keep the manager over budget, every write to a busy store flushed a memtable of
 * one entry, RocksDB stopped writes at two unflushed memtables, and a round of the bench spent 6 to 16 s
 * of CPU in RocksDB's threads (5,778 flushes of one store in one round instead of about 20; see docs/performance.md,
 * 14th session). Within that half, the store that takes nearly every write ({@link #WRITE_HEAVY_STORE_CONFIG}:
 * {@code join-pending}, three writes per labelled pair) gets three quarters and the others share the rest:
 * its RocksDB threads' CPU fell by about half with memtables about three times larger (fewer, larger flushes
 * for its compactions to merge; docs/performance.md, 23rd session). The cache
 * and the manager are created by the first store that opens and are static: later stores, and
 * other Kafka Streams instances in the same JVM, share them (a different size asked later is
 * logged and ignored). {@link #close} never closes them: they live as long as the JVM.
 */
public final class BoundedRocksDbConfig implements RocksDBConfigSetter {

    /** Streams config entry: capacity of the shared block cache, memtables included (bytes). */
    public static final String BLOCK_CACHE_BYTES_CONFIG = "modelwatch.rocksdb.block.cache.bytes";
    /** Streams config entry: memtable memory of all stores together, counted within the cache (bytes). */
    public static final String WRITE_BUFFER_BYTES_CONFIG = "modelwatch.rocksdb.write.buffer.bytes";

    /** Streams config entry: the most RocksDB stores one instance can hold open (sizes the memtables). */
    public static final String MAX_STORES_CONFIG = "modelwatch.rocksdb.max.stores";

    /** Streams config entry: the name of the store that takes nearly every write (optional). */
    public static final String WRITE_HEAVY_STORE_CONFIG = "modelwatch.rocksdb.write.heavy.store";
    /** Streams config entry: the most stores of that name one instance can hold (one per partition). */
    public static final String MAX_WRITE_HEAVY_STORES_CONFIG = "modelwatch.rocksdb.max.write.heavy.stores";

    /**
     * Streams config entry, for the bench (unset in service): the name of a store whose RocksDB statistics
     * {@link #ticker} sums, e.g. {@code join-pending} (RocksDB counts its work a little slower with them).
     */
    public static final String STATISTICS_STORE_CONFIG = "modelwatch.rocksdb.statistics.store";
    /** The statistics of every store opened with {@link #STATISTICS_STORE_CONFIG}; they live as long as the JVM. */
    private static final List<Statistics> STATISTICS = new CopyOnWriteArrayList<>();

    public static final long DEFAULT_BLOCK_CACHE_BYTES = 64L * 1024 * 1024;
    /** Without {@link #MAX_STORES_CONFIG}: three RocksDB stores of each of six partitions. */
    public static final long DEFAULT_MAX_STORES = 18;
    static final long MIN_MEMTABLE_BYTES = 256 * 1024;
    static final long MAX_MEMTABLE_BYTES = 16L << 20;
    /**
     * Three quarters of the default cache: for 18 stores, six of them write-heavy, memtables of 3 MiB and 512 KiB
     * (smaller ones cost more flushes and compactions: with 910 KiB for every store, join-pending's RocksDB
     * threads used twice the CPU).
     */
    public static final long DEFAULT_WRITE_BUFFER_BYTES = 48L * 1024 * 1024;
    /** The write-heavy stores' share of the memtables' half of the budget, in eighths of the whole budget. */
    static final int WRITE_HEAVY_EIGHTHS = 3;

    /** Share of the cache reserved for index and filter blocks (high priority: evicted last). */
    static final double INDEX_FILTER_RATIO = 0.1;
    /** Data block size: larger blocks mean smaller indexes (Kafka Streams' default is 4 KiB). */
    static final long BLOCK_SIZE = 16 * 1024;
    /** The share of a write-heavy store's memtable given to its bloom filter. */
    static final double MEMTABLE_BLOOM_RATIO = 0.05;
    /** Memtables per store: one being written, one being flushed. */
    static final int MEMTABLES_PER_STORE = 2;

    private static final Logger LOG = LoggerFactory.getLogger(BoundedRocksDbConfig.class);

    private static Shared shared;

    /** The JVM-wide cache and write buffer manager, and the sizes they were made with. */
    record Shared(long cacheBytes, long writeBufferBytes, Cache cache, WriteBufferManager writeBufferManager) {
    }

    @Override
    public void setConfig(String storeName, Options options, Map<String, Object> configs) {
        long cacheBytes = positive(configs, BLOCK_CACHE_BYTES_CONFIG, DEFAULT_BLOCK_CACHE_BYTES, "a number of bytes");
        long writeBufferBytes = positive(configs, WRITE_BUFFER_BYTES_CONFIG, DEFAULT_WRITE_BUFFER_BYTES, "a number of bytes");
        Shared s = shared(cacheBytes, writeBufferBytes);

        // modify Kafka's own table config (it keeps a handle on the cache for the block-cache metrics)
        BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
        table.setBlockCache(s.cache());
        // index and filter blocks live in the bounded cache, not beside it, and are evicted last
        table.setCacheIndexAndFilterBlocks(true);
        table.setCacheIndexAndFilterBlocksWithHighPriority(true);
        // partitioned index and filters: only the small top level stays pinned, the rest pages in
        table.setIndexType(IndexType.kTwoLevelIndexSearch);
        table.setPartitionFilters(true);
        table.setPinTopLevelIndexAndFilter(true);
        table.setBlockSize(BLOCK_SIZE);
        options.setTableFormatConfig(table);

        // memtables of every store are charged to the cache, each small enough that the manager's flushes
        // (of whichever store writes next, however small its memtable) do not trigger: see memtableBytes
        options.setWriteBufferManager(s.writeBufferManager());
        options.setMaxWriteBufferNumber(MEMTABLES_PER_STORE);
        long maxStores = positive(configs, MAX_STORES_CONFIG, DEFAULT_MAX_STORES, "a number of stores");
        Object heavyStore = configs == null ? null : configs.get(WRITE_HEAVY_STORE_CONFIG);
        long maxHeavy = 0;
        if (heavyStore != null) {
            maxHeavy = positive(configs, MAX_WRITE_HEAVY_STORES_CONFIG, 0, "a number of stores");
            if (maxHeavy == 0 || maxHeavy >= maxStores) {
                throw new IllegalArgumentException(MAX_WRITE_HEAVY_STORES_CONFIG + ": must be set, and below "
                        + MAX_STORES_CONFIG + " (" + maxStores + "), with " + WRITE_HEAVY_STORE_CONFIG);
            }
        }
        boolean heavy = heavyStore != null && heavyStore.toString().equals(storeName);
        if (heavy) {
            // Kafka Streams leaves the last level without bloom filters (optimize_filters_for_hits), which suits
            // stores whose gets find their key; most of join-pending's gets miss (every prediction before its
            // label), and each miss then searched the index and a data block of the largest sorted run
            options.setOptimizeFiltersForHits(false);
            // and the memtables get a whole-key bloom filter: a get searched each memtable's skip list first,
            // though nearly every key a get looks for is in no memtable (misses, and hits on older entries)
            options.setMemtablePrefixBloomSizeRatio(MEMTABLE_BLOOM_RATIO);
            options.setMemtableWholeKeyFiltering(true);
        }
        Object statisticsStore = configs == null ? null : configs.get(STATISTICS_STORE_CONFIG);
        if (statisticsStore != null && statisticsStore.toString().equals(storeName)) {
            Statistics statistics = new Statistics();
            options.setStatistics(statistics);
            STATISTICS.add(statistics);
        }
        options.setWriteBufferSize(memtableBytes(s.writeBufferBytes(), maxStores, maxHeavy, heavy));
    }

    /** {@code ticker} summed over the stores opened with {@link #STATISTICS_STORE_CONFIG} in this JVM (0: none). */
    public static long ticker(TickerType ticker) {
        long sum = 0;
        for (Statistics s : STATISTICS) {
            sum += s.getTickerCount(ticker);
        }
        return sum;
    }

    /** The sum of {@code histogram}'s samples over those stores (for timers: microseconds; 0: none). */
    public static long histogramSum(HistogramType histogram) {
        long sum = 0;
        for (Statistics s : STATISTICS) {
            sum += s.getHistogramData(histogram).getSum();
        }
        return sum;
    }

    @Override
    public void close(String storeName, Options options) {
        // the cache and the write buffer manager are shared by every store of the JVM: never closed here
    }

    /**
     * Size of one memtable, no store write-heavy: the budget shared by {@code maxStores} stores so that their memtables together
     * fill at most half of it (RocksDB flushes on any write once the mutable memtables pass 7/8 of the budget,
     * or half of it with the flushing ones over the whole), between 256 KiB and 16 MiB.
     */
    static long memtableBytes(long writeBufferBytes, long maxStores) {
        return memtableBytes(writeBufferBytes, maxStores, 0, false);
    }

    /**
     * As {@link #memtableBytes(long, long)} when {@code maxHeavy} is 0; otherwise the {@code maxHeavy} write-heavy
     * stores share 3/8 of the budget and the other {@code maxStores - maxHeavy} stores 1/8: still half in all,
     * so a memtable being written and one being flushed per store stay within the budget.
     */
    static long memtableBytes(long writeBufferBytes, long maxStores, long maxHeavy, boolean heavy) {
        long share;
        if (maxHeavy <= 0) {
            share = writeBufferBytes / (2 * Math.max(1, maxStores));
        } else if (heavy) {
            share = writeBufferBytes / 8 * WRITE_HEAVY_EIGHTHS / maxHeavy;
        } else {
            share = writeBufferBytes / 8 * (4 - WRITE_HEAVY_EIGHTHS) / Math.max(1, maxStores - maxHeavy);
        }
        return Math.max(MIN_MEMTABLE_BYTES, Math.min(MAX_MEMTABLE_BYTES, share));
    }

    private static synchronized Shared shared(long cacheBytes, long writeBufferBytes) {
        if (shared == null) {
            if (writeBufferBytes > cacheBytes) {
                throw new IllegalArgumentException("RocksDB write buffers (" + writeBufferBytes
                        + " bytes) must fit in the block cache (" + cacheBytes + " bytes)");
            }
            Cache cache = new LRUCache(cacheBytes, -1, false, INDEX_FILTER_RATIO);
            shared = new Shared(cacheBytes, writeBufferBytes, cache, new WriteBufferManager(writeBufferBytes, cache));
            LOG.info("RocksDB memory bounded: shared block cache {} bytes, write buffers {} bytes within it",
                    cacheBytes, writeBufferBytes);
        } else if (shared.cacheBytes() != cacheBytes || shared.writeBufferBytes() != writeBufferBytes) {
            LOG.warn("RocksDB cache of {} / write buffers {} bytes asked, but this JVM already shares {} / {}: "
                    + "keeping those", cacheBytes, writeBufferBytes, shared.cacheBytes(), shared.writeBufferBytes());
        }
        return shared;
    }

    /** The sizes in force in this JVM (null before the first store opened), for tests and logs. */
    static synchronized Shared current() {
        return shared;
    }

    private static long positive(Map<String, Object> configs, String key, long defaultValue, String what) {
        Object v = configs == null ? null : configs.get(key);
        if (v == null) {
            return defaultValue;
        }
        long n;
        if (v instanceof Number number) {
            n = number.longValue();
        } else {
            try {
                n = Long.parseLong(v.toString().trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(key + ": must be " + what + ", got '" + v + "'", e);
            }
        }
        if (n <= 0) {
            throw new IllegalArgumentException(key + ": must be positive, got " + n);
        }
        return n;
    }
}
