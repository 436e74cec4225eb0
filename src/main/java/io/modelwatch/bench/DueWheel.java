package io.modelwatch.bench;

import java.util.ArrayDeque;

/**
 * Items waiting for a due time in milliseconds, a slot per millisecond in a ring over the longest delay: adding and
 * taking cost O(1). The latency phase's producer kept its delayed labels (about a second each, some 30k at a time) in
 * a {@code PriorityQueue}, whose sift-downs took about a quarter of that thread's CPU samples at 45k records/s, CPU
 * the monitor shares the machine with (docs/performance.md, 35th session).
 *
 * <p>Items are taken in due order, those due in the same millisecond in the order they were added; items added due
 * before a millisecond already taken go out first at the next poll, in the order they were added.
 */
final class DueWheel<T> {

    private final ArrayDeque<T>[] slots;
    /** Items added due before {@link #next}: due already, before anything in the slots. */
    private final ArrayDeque<T> overdue = new ArrayDeque<>();
    private final int mask;
    /** The earliest millisecond whose slot may still hold items (none before it does). */
    private long next;
    private int size;

    /**
     * Items may be due up to {@code maxDelayMs} after the next millisecond to take (which lags the clock by as long
     * as nothing asks for due items); {@code startMs}: the first.
     */
    @SuppressWarnings("unchecked")
    DueWheel(long startMs, long maxDelayMs) {
        int n = Integer.highestOneBit((int) Math.max(1, maxDelayMs)) << 1;
        this.slots = new ArrayDeque[n];
        this.mask = n - 1;
        this.next = startMs;
    }

    void add(long dueMs, T item) {
        if (dueMs < next) {
            overdue.addLast(item);
            size++;
            return;
        }
        if (dueMs - next > mask) {
            throw new IllegalArgumentException("due " + (dueMs - next) + " ms after the next slot, more than " + mask);
        }
        int i = (int) (dueMs & mask);
        if (slots[i] == null) {
            slots[i] = new ArrayDeque<>();
        }
        slots[i].addLast(item);
        size++;
    }

    /** The next item due at or before {@code nowMs}, or null when none is. */
    T pollDue(long nowMs) {
        if (!overdue.isEmpty()) {
            size--;
            return overdue.pollFirst();
        }
        while (next <= nowMs) {
            if (size == 0) {
                next = nowMs + 1; // nothing waits: the ring moves on with the clock
                return null;
            }
            ArrayDeque<T> slot = slots[(int) (next & mask)];
            if (slot != null && !slot.isEmpty()) {
                size--;
                return slot.pollFirst();
            }
            next++;
        }
        return null;
    }

    boolean isEmpty() {
        return size == 0;
    }
}
