package io.modelwatch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.query.KeyQuery;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The RocksDB store without position copies behaves as the RocksDB store it wraps, but for its position. */
class PositionlessKeyValueStoreTest {

    @TempDir
    Path stateDir;
    private KeyValueStore<Bytes, byte[]> store;

    private KeyValueStore<Bytes, byte[]> open() {
        return open(StateStores.keyValue("positionless", false));
    }

    private KeyValueStore<Bytes, byte[]> open(KeyValueBytesStoreSupplier supplier) {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "positionless-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        MockProcessorContext<Object, Object> context = new MockProcessorContext<>(props, new TaskId(0, 0),
                stateDir.toFile());
        // a write made while processing an input record: the store's position gets that record's offset
        context.setRecordMetadata("predictions", 0, 42);
        StateStoreContext storeContext = context.getStateStoreContext();
        store = supplier.get();
        store.init(storeContext, store);
        return store;
    }

    @AfterEach
    void close() {
        if (store != null && store.isOpen()) {
            store.close();
        }
    }

    @Test
    void readsAndWritesReachTheRocksDbStore() {
        KeyValueStore<Bytes, byte[]> s = open();
        assertTrue(s.persistent(), "RocksDB underneath");
        assertEquals("positionless", s.name());
        s.put(key("b"), value("2"));
        s.putAll(List.of(KeyValue.pair(key("a"), value("1")), KeyValue.pair(key("c"), value("3"))));
        assertNull(s.putIfAbsent(key("d"), value("4")));
        assertArrayEquals(value("4"), s.putIfAbsent(key("d"), value("x")));
        assertArrayEquals(value("2"), s.get(key("b")));
        assertArrayEquals(value("3"), s.delete(key("c")));
        assertNull(s.get(key("c")));
        assertEquals(List.of("a", "b", "d"), keys(s.all()));
        assertEquals(List.of("d", "b", "a"), keys(s.reverseAll()));
        assertEquals(List.of("b", "d"), keys(s.range(key("b"), key("d"))));
        assertEquals(List.of("d", "b"), keys(s.reverseRange(key("b"), key("d"))));
        assertEquals(List.of("a"), keys(s.prefixScan("a", new StringSerializer())));
        assertEquals(3, s.approximateNumEntries());
        QueryResult<byte[]> result = s.query(KeyQuery.withKey(key("a")), PositionBound.unbounded(), new QueryConfig(false));
        assertTrue(result.isSuccess(), "IQv2 goes to the RocksDB store: " + result);
        assertArrayEquals(value("1"), result.getResult());
    }

    @Test
    void thePositionIsNotCopiedPerWrite() {
        KeyValueStore<Bytes, byte[]> s = open();
        s.put(key("a"), value("1"));
        assertTrue(s.getPosition().isEmpty());
    }

    @Test
    void theRocksDbStoreItselfWouldCopyItsPosition() {
        // the control: what the wrapper spares the changelogging layer on every write
        KeyValueStore<Bytes, byte[]> s = open(Stores.persistentKeyValueStore("plain"));
        s.put(key("a"), value("1"));
        assertEquals(Set.of("predictions"), s.getPosition().getTopics());
    }

    private static Bytes key(String k) {
        return Bytes.wrap(k.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] value(String v) {
        return v.getBytes(StandardCharsets.UTF_8);
    }

    private static List<String> keys(KeyValueIterator<Bytes, byte[]> it) {
        List<String> out = new ArrayList<>();
        try (it) {
            it.forEachRemaining(kv -> out.add(new String(kv.key.get(), StandardCharsets.UTF_8)));
        }
        return out;
    }

}
