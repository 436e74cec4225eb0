package io.modelwatch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class StateStoresTest {

    /** The memtable budget is shared among this many RocksDB stores per partition: it must be what the topology opens. */
    @Test
    void theServiceTopologyOpensAsManyRocksDbStoresPerPartitionAsTheMemtableBudgetAssumes() {
        try (TopologyFixture f = TopologyFixture.hourly(Duration.ofHours(2))) {
            Set<String> persistent = new TreeSet<>();
            f.driver.getAllStateStores().forEach((name, store) -> {
                if (store.persistent()) {
                    persistent.add(name);
                }
            });
            // the test driver runs one partition of each store
            assertEquals(StateStores.ROCKSDB_STORES_PER_PARTITION, persistent.size(), "persistent stores: " + persistent);
        }
    }
}
