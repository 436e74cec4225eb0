package io.modelwatch.join;

import io.modelwatch.service.BoundedRocksDbConfig;
import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.apache.kafka.streams.state.StoreBuilder;

/** The join stage's own stores for the benchmarks, bare (no record cache, no changelog), in a directory of their own. */
final class BareJoinStores {

    private BareJoinStores() {
    }

    /** The Streams properties a MockProcessorContext over {@code dir} needs. */
    static Properties props(File dir) {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "jmh");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, dir.getAbsolutePath());
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true);
        return props;
    }

    /** As {@link #props}, with RocksDB configured by {@code setter} and join-pending as the service's write-heavy store. */
    static Properties serviceProps(File dir, Class<? extends RocksDBConfigSetter> setter) {
        Properties props = props(dir);
        props.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, setter);
        props.put(BoundedRocksDbConfig.WRITE_HEAVY_STORE_CONFIG, DelayedJoin.PENDING_STORE);
        props.put(BoundedRocksDbConfig.MAX_WRITE_HEAVY_STORES_CONFIG, 6);
        return props;
    }

    /** Builds, opens and registers every store {@code stage} declares. */
    static List<StateStore> open(DelayedJoin stage, MockProcessorContext<?, ?> context) {
        List<StateStore> stores = new ArrayList<>();
        for (StoreBuilder<?> b : stage.stores()) {
            StateStore s = b.withCachingDisabled().withLoggingDisabled().build();
            s.init(context.getStateStoreContext(), s);
            context.addStateStore(s);
            stores.add(s);
        }
        return stores;
    }

    static void close(List<StateStore> stores, File dir) throws java.io.IOException {
        for (StateStore s : stores) {
            s.close();
        }
        Utils.delete(dir);
    }
}
