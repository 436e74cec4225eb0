package io.modelwatch;

import java.util.Comparator;

/**
 * Strings in Unicode code point order, as scikit-learn (numpy) and Python sort them: the order of classes, and of
 * labels that tie. {@link String#compareTo} compares UTF-16 units, which puts a character beyond U+FFFF (an emoji,
 * a surrogate pair) before one in U+E000 to U+FFFF: so a first differing unit that is a surrogate is moved above
 * that range.
 */
public final class CodePointOrder {

    public static final Comparator<String> COMPARATOR = CodePointOrder::compare;

    private CodePointOrder() {
    }

    public static int compare(String a, String b) {
        int n = Math.min(a.length(), b.length());
        for (int i = 0; i < n; i++) {
            char x = a.charAt(i);
            char y = b.charAt(i);
            if (x != y) {
                return rank(x) - rank(y);
            }
        }
        return a.length() - b.length();
    }

    private static int rank(char unit) {
        if (unit < 0xD800) {
            return unit;
        }
        return unit < 0xE000 ? unit + 0x2000 : unit - 0x800;
    }
}
