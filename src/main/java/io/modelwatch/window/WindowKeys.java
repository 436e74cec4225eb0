package io.modelwatch.window;

import io.modelwatch.serde.BinaryWriter;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Keys of the merge's stores (version 1): {@code [window start: 8 bytes, big-endian][aggregation key]},
 * then, in the partials store, {@code [join partition: 4 bytes]}. Starts first, so a range scan yields
 * windows in time order; aggregation keys are length-prefixed, so a prefix scan of one window's prefix
 * yields that window's partials and no other key's.
 */
final class WindowKeys {

    private WindowKeys() {
    }

    static byte[] prefix(long windowStart, AggregationKey key) {
        BinaryWriter w = new BinaryWriter(48);
        w.writeLong(windowStart);
        key.writeTo(w);
        return w.toByteArray();
    }

    /** The first key of windows starting at {@code windowStart} (negative starts clamp to 0). */
    static Bytes startKey(long windowStart) {
        return Bytes.wrap(new BinaryWriter(8).writeLong(Math.max(0, windowStart)).toByteArray());
    }

    /** Deletes every entry under one window's prefix; how many. */
    static int deleteWindow(KeyValueStore<Bytes, byte[]> store, byte[] prefix) {
        List<Bytes> keys = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> it = store.prefixScan(Bytes.wrap(prefix), Serdes.Bytes().serializer())) {
            while (it.hasNext()) {
                keys.add(it.next().key);
            }
        }
        keys.forEach(store::delete);
        return keys.size();
    }
}
