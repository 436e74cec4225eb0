package io.modelwatch;

import java.util.Collection;

/** "Did you mean": the known name nearest a mistyped one, for configuration keys, variables and rule fields. */
public final class Spelling {

    private Spelling() {
    }

    /** The known name within 3 edits of {@code name} (the nearest), or null. */
    public static String closest(String name, Collection<String> known) {
        String closest = null;
        int best = 4;
        for (String k : known) {
            int d = editDistance(name, k);
            if (d < best) {
                best = d;
                closest = k;
            }
        }
        return closest;
    }

    static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitute = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(substitute, Math.min(prev[j], cur[j - 1]) + 1);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
