package io.modelwatch.join;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * A Bloom filter, on the heap, of the ids {@code join-pending} holds, so that the join asks RocksDB only for ids
 * it may hold. Nearly every prediction's lookup misses (its label comes later), and a miss still crosses JNI and
 * probes each sorted run's filter (docs/performance.md, 34th session). Never a false negative: every id the store
 * holds is in the filter, which is all that correctness needs (a false positive only costs the get it would have
 * cost anyway).
 *
 * <p>Ids the scan deletes cannot be taken out of a Bloom filter, so the filter is rebuilt by each pass of the expiry
 * scan: a pass from the first key to the last adds every id it keeps to a new filter, every insert meanwhile goes into
 * both, and at the pass's end the new filter replaces the old one. A filter starts sized for twice the store (the
 * ids inserted while it is built and while it is used) at about 10 bits an id, and when more ids come (a store that
 * grows, as after a start) it adds a layer four times as large, up to {@link #MAX_BITS} in all: so the heap it takes is
 * bounded whatever the number of pending predictions, and a store beyond that only sees more false positives, never
 * a wrong answer.
 *
 * <p>Blocked: an id's bits lie in one 64-byte block (one cache miss per probe and layer, not six).
 */
final class PendingKeyFilter {

    /** At most 2^24 bits (2 MiB) per filter, two while a pass builds one: about 1.6 million ids at 1%. */
    static final int MAX_BITS = 1 << 24;
    static final int MIN_BITS = 1 << 16;
    private static final int BITS_PER_ID = 10;
    private static final int PROBES = 6;
    private static final int WORDS_PER_BLOCK = 8;
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private Layers current;
    /** The filter the pass under way builds; null: none under way. */
    private Layers next;

    PendingKeyFilter() {
        reset(0);
    }

    /** An empty filter for a store of about {@code storeIds} ids; no pass under way. */
    void reset(long storeIds) {
        current = new Layers(2 * storeIds);
        next = null;
    }

    /** Records an id the store now holds. */
    void add(byte[] id) {
        add(hash(id));
    }

    /** Records an id the store now holds, by its {@link #hash} (a record's id is hashed once for both uses). */
    void add(long idHash) {
        current.set(idHash);
        if (next != null) {
            next.set(idHash);
        }
    }

    /** False only if the store does not hold {@code id}. */
    boolean mightContain(byte[] id) {
        return mightContain(hash(id));
    }

    /** False only if the store does not hold the id of this {@link #hash}. */
    boolean mightContain(long idHash) {
        return current.mightContain(idHash);
    }

    /** The scan starts a pass at the first key, with the store holding about {@code storeIds} ids. */
    void passStarted(long storeIds) {
        next = new Layers(2 * storeIds);
    }

    /** The pass visited an id it keeps. */
    void kept(byte[] id) {
        if (next != null) {
            next.set(hash(id));
        }
    }

    /** The pass reached the last key: the filter it built replaces the one in use. */
    void passEnded() {
        if (next != null) {
            current = next;
            next = null;
        }
    }

    /** Bits of the filter in use, all layers (tests). */
    long bits() {
        return current.bits;
    }

    /** One filter: layers each four times the last, the last taking the inserts until it holds the ids it was made for. */
    private static final class Layers {
        private long[][] layers = new long[4][];
        private int count;
        private long bits;
        private long idsInLast;

        Layers(long expectedIds) {
            add(Math.max(MIN_BITS, Math.min(MAX_BITS, Long.highestOneBit(Math.max(1, expectedIds * BITS_PER_ID - 1)) * 2)));
        }

        private void add(long layerBits) {
            if (count == layers.length) {
                layers = java.util.Arrays.copyOf(layers, count * 2);
            }
            layers[count++] = new long[(int) (layerBits / 64)];
            bits += layerBits;
            idsInLast = 0;
        }

        void set(long h) {
            long lastBits = layers[count - 1].length * 64L;
            if (idsInLast >= lastBits / BITS_PER_ID) {
                long room = Long.highestOneBit(Math.max(1, MAX_BITS - bits));
                if (room >= MIN_BITS) {
                    add(Math.min(4 * lastBits, room)); // else the last one fills up: more false positives
                }
            }
            PendingKeyFilter.set(layers[count - 1], h);
            idsInLast++;
        }

        boolean mightContain(long h) {
            for (int i = count - 1; i >= 0; i--) {
                if (PendingKeyFilter.test(layers[i], h)) {
                    return true;
                }
            }
            return false;
        }
    }

    private static boolean test(long[] bits, long h) {
        int block = block(bits, h);
        for (int i = 0; i < PROBES; i++) {
            int bit = probe(h, i);
            if ((bits[block + (bit >>> 6)] & (1L << bit)) == 0) {
                return false;
            }
        }
        return true;
    }

    private static void set(long[] bits, long h) {
        int block = block(bits, h);
        for (int i = 0; i < PROBES; i++) {
            int bit = probe(h, i);
            bits[block + (bit >>> 6)] |= 1L << bit;
        }
    }

    /** The {@code i}th of the id's bits within its block's 512: six 9-bit fields of the hash. */
    private static int probe(long h, int i) {
        return (int) (h >>> (9 * i)) & 511;
    }

    /**
     * The first word of the id's block (the words are a power of two, a multiple of the block), from a second mix
     * of the hash (its low 54 bits place the probes).
     */
    private static int block(long[] bits, long h) {
        int blocks = bits.length / WORDS_PER_BLOCK;
        return ((int) ((h * 0x9E3779B97F4A7C15L) >>> 40) & (blocks - 1)) * WORDS_PER_BLOCK;
    }

    /** A 64-bit hash of the id's bytes, 8 at a time (ids are tens of bytes). */
    static long hash(byte[] id) {
        long h = 0x9E3779B97F4A7C15L ^ (id.length * 0xC2B2AE3D27D4EB4FL);
        int i = 0;
        for (; i + 8 <= id.length; i += 8) {
            h = mix(h ^ (long) LONGS.get(id, i));
        }
        long tail = 0;
        for (int shift = 0; i < id.length; i++, shift += 8) {
            tail |= (id[i] & 0xFFL) << shift;
        }
        return mix(h ^ tail);
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
