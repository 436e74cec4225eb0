package io.modelwatch;

import io.modelwatch.join.DelayedJoin;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.Stores;

/**
 * Chooses the key-value store backend: RocksDB (changelogged) in service, in-memory in replay; and
 * in-memory (changelogged) everywhere for the small stores whose size the configuration bounds.
 */
public final class StateStores {

    /**
     * RocksDB stores per partition in service: {@code join-pending}, {@code window-partials} and
     * {@code metrics-history} (the memtable budget is shared among them; a topology test keeps it true).
     */
    public static final int ROCKSDB_STORES_PER_PARTITION = 3;

    /** The store that takes nearly every write (three per labelled pair): one per partition, most of the memtables. */
    public static final String WRITE_HEAVY_STORE = DelayedJoin.PENDING_STORE;

    private StateStores() {
    }

    public static KeyValueBytesStoreSupplier keyValue(String name, boolean inMemory) {
        // RocksDB without a copy of its position per write (see PositionlessKeyValueStore)
        return inMemory ? Stores.inMemoryKeyValueStore(name)
                : PositionlessKeyValueStore.wrap(Stores.persistentKeyValueStore(name));
    }

    /**
     * A store of a few entries per task (watermarks, cardinality, alert episodes): in memory and restored
     * from its changelog, not RocksDB. Kafka Streams flushes every RocksDB store on every commit, which
     * writes and syncs a tiny SST file per store with changes and feeds compactions; for these stores
     * that I/O bought nothing.
     */
    public static KeyValueBytesStoreSupplier small(String name) {
        return Stores.inMemoryKeyValueStore(name);
    }
}
