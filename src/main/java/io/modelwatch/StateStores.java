package io.modelwatch;

import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.Stores;

/** Chooses the key-value store backend: RocksDB (changelogged) in service, in-memory in replay. */
public final class StateStores {

    private StateStores() {
    }

    public static KeyValueBytesStoreSupplier keyValue(String name, boolean inMemory) {
        return inMemory ? Stores.inMemoryKeyValueStore(name) : Stores.persistentKeyValueStore(name);
    }
}
