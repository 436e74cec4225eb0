package io.modelwatch.join;

import io.modelwatch.ingest.JoinInput;
import io.modelwatch.window.AggregateInput;
import io.modelwatch.window.AggregationKey;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * A mock context holding the join stage's three stores (in memory, no changelog), for driving a
 * {@link DelayedJoinProcessor} directly; stream time moves as Streams moves it.
 */
final class JoinTestContext {

    final MockProcessorContext<AggregationKey, AggregateInput> context = new MockProcessorContext<>();
    final KeyValueStore<Bytes, byte[]> pending;
    private long streamTime;

    JoinTestContext() {
        this(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(DelayedJoin.PENDING_STORE), Serdes.Bytes(),
                Serdes.ByteArray()).withLoggingDisabled().build());
    }

    /** With the given pending store (named {@link DelayedJoin#PENDING_STORE}). */
    JoinTestContext(KeyValueStore<Bytes, byte[]> pending) {
        this.pending = add(pending);
        add(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(DelayedJoin.CARDINALITY_STORE),
                Serdes.String(), Serdes.ByteArray()).withLoggingDisabled().build());
        add(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(DelayedJoin.WATERMARK_STORE),
                Serdes.Integer(), Serdes.Long()).withLoggingDisabled().build());
    }

    private <S extends KeyValueStore<?, ?>> S add(S store) {
        store.init(context.getStateStoreContext(), store);
        context.addStateStore(store);
        return store;
    }

    /** The task's stream time: the largest timestamp seen, never back. */
    void advanceStreamTime(long ts) {
        streamTime = Math.max(streamTime, ts);
        context.setCurrentStreamTimeMs(streamTime);
    }

    /** As Streams does: the task's stream time covers a record before it is processed. */
    void feed(DelayedJoinProcessor p, Record<byte[], JoinInput> r) {
        advanceStreamTime(r.timestamp());
        p.process(r);
    }
}
