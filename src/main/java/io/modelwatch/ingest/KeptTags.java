package io.modelwatch.ingest;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;

/**
 * The tag names a parser keeps: the slice dimensions (README, Semantics, "Slices"). A tag of any other name is
 * read only as JSON (a malformed document is still rejected) and then dropped: nothing downstream would read it
 * ({@code DelayedJoinProcessor.pendingOf} looks up the dimensions only), so it is neither validated nor carried
 * through the join-input topic. There are few dimensions (one or two as a rule), so a name is looked up by
 * comparing it with each: no set, no hashing, and on the plain reader's path no String for a skipped name.
 */
final class KeptTags {

    /** The names, sorted, without repeats (so that two lists of the same names keep the same tags, and are equal). */
    private final String[] names;
    /** Each name's UTF-8 bytes, for the plain reader, which compares a name's bytes where they lie in the input. */
    private final byte[][] utf8;

    KeptTags(List<String> names) {
        this.names = new TreeSet<>(names).toArray(new String[0]);
        this.utf8 = new byte[this.names.length][];
        for (int i = 0; i < this.names.length; i++) {
            this.utf8[i] = this.names[i].getBytes(StandardCharsets.UTF_8);
        }
    }

    /** The kept name {@code name} is, or null. */
    String find(String name) {
        for (String kept : names) {
            if (kept.equals(name)) {
                return kept;
            }
        }
        return null;
    }

    /** The kept name whose UTF-8 bytes are {@code in[start, end)}, or null (no String made for either answer). */
    String find(byte[] in, int start, int end) {
        int len = end - start;
        for (int i = 0; i < utf8.length; i++) {
            byte[] b = utf8[i];
            if (b.length == len && Arrays.equals(in, start, end, b, 0, len)) {
                return names[i];
            }
        }
        return null;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KeptTags k && Arrays.equals(names, k.names);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(names);
    }

    @Override
    public String toString() {
        return Arrays.toString(names);
    }
}
