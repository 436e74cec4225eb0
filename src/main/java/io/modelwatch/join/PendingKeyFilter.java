package io.modelwatch.join;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A Bloom filter, on the heap, of the ids {@code join-pending} holds, so that the join asks RocksDB only for ids
 * it may hold. Nearly every prediction's lookup misses (its label comes later), and a miss still crosses JNI and
 * probes each sorted run's filter (docs/performance.md, 34th session). Never a false negative: every id the store
 * holds is in the filter, which is all that correctness needs (a false positive only costs the get it would have
 * cost anyway).
 *
 * <p>Ids the scan deletes cannot be taken out of a Bloom filter, so the filter is rebuilt by each pass of the expiry
 * scan: a pass from the first key to the last adds every id it keeps to a new filter, every insert meanwhile goes into
 * both, and at the pass's end the new filter replaces the old one. The filter is sized for twice the store at the
 * pass's start (the ids inserted while it is built and while it is used) at about 10 bits an id, at most
 * {@link #MAX_BITS}: so the heap it takes is bounded whatever the number of pending predictions, and a store beyond
 * that only sees more false positives, never a wrong answer.
 *
 * <p>Blocked: an id's bits lie in one 64-byte block (one cache miss per probe, not seven).
 */
final class PendingKeyFilter {

    /** At most 2^24 bits (2 MiB) per filter, two while a pass builds one: about 1.6 million ids at 1%. */
    static final int MAX_BITS = 1 << 24;
    static final int MIN_BITS = 1 << 16;
    private static final int BITS_PER_ID = 10;
    private static final int PROBES = 6;
    private static final int WORDS_PER_BLOCK = 8;
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private long[] current;
    /** The filter the pass under way builds; null: none under way. */
    private long[] next;
    /** The last replaced filter, reused for the next one of its size rather than allocated again. */
    private long[] spare;

    PendingKeyFilter() {
        reset(0);
    }

    /** An empty filter for about {@code expectedIds} ids; no pass under way. */
    void reset(long expectedIds) {
        current = allocate(expectedIds);
        next = null;
    }

    /** Records an id the store now holds. */
    void add(byte[] id) {
        long h = hash(id);
        set(current, h);
        if (next != null) {
            set(next, h);
        }
    }

    /** False only if the store does not hold {@code id}. */
    boolean mightContain(byte[] id) {
        long h = hash(id);
        long[] bits = current;
        int block = block(bits, h);
        for (int i = 0; i < PROBES; i++) {
            int bit = (int) (h >>> (9 * i)) & 511; // six 9-bit positions within the block's 512 bits
            if ((bits[block + (bit >>> 6)] & (1L << bit)) == 0) {
                return false;
            }
        }
        return true;
    }

    /** The scan starts a pass at the first key, with the store holding about {@code storeIds} ids. */
    void passStarted(long storeIds) {
        long[] fresh = allocate(2 * storeIds);
        next = fresh;
    }

    /** The pass visited an id it keeps. */
    void kept(byte[] id) {
        if (next != null) {
            set(next, hash(id));
        }
    }

    /** The pass reached the last key: the filter it built replaces the one in use. */
    void passEnded() {
        if (next != null) {
            spare = current;
            current = next;
            next = null;
        }
    }

    /** Bits of the filter in use (tests). */
    int bits() {
        return current.length * 64;
    }

    private long[] allocate(long expectedIds) {
        long wanted = Math.max(MIN_BITS, Math.min(MAX_BITS, expectedIds * BITS_PER_ID));
        int bits = Integer.highestOneBit((int) Math.min(MAX_BITS, wanted * 2 - 1)); // a power of two, >= wanted
        bits = Math.max(MIN_BITS, Math.min(MAX_BITS, bits));
        long[] reused = spare;
        if (reused != null && reused.length * 64 == bits) {
            spare = null;
            Arrays.fill(reused, 0);
            return reused;
        }
        return new long[bits / 64];
    }

    private static void set(long[] bits, long h) {
        int block = block(bits, h);
        for (int i = 0; i < PROBES; i++) {
            int bit = (int) (h >>> (9 * i)) & 511;
            bits[block + (bit >>> 6)] |= 1L << bit;
        }
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
