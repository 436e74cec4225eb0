package io.modelwatch.serving;

import java.util.Locale;
import java.util.function.Predicate;

/** The quality values of content-negotiation headers (Accept, Accept-Encoding; RFC 9110 12.4.2). */
final class HeaderQuality {

    private HeaderQuality() {
    }

    /**
     * The highest quality the header gives an element whose token (lower-cased, parameters dropped) matches, or
     * -1 when none matches; an element without {@code q} has 1, an unreadable or out-of-range {@code q} 0.
     */
    static double of(String header, Predicate<String> token) {
        double best = -1;
        if (header == null) {
            return best;
        }
        for (String element : header.split(",")) {
            String[] params = element.split(";");
            if (token.test(params[0].trim().toLowerCase(Locale.ROOT))) {
                best = Math.max(best, quality(params));
            }
        }
        return best;
    }

    private static double quality(String[] params) {
        for (int i = 1; i < params.length; i++) {
            String p = params[i].trim();
            if (p.length() >= 2 && (p.charAt(0) == 'q' || p.charAt(0) == 'Q') && p.charAt(1) == '=') {
                try {
                    double q = Double.parseDouble(p.substring(2).trim());
                    return q >= 0 && q <= 1 ? q : 0;
                } catch (NumberFormatException e) {
                    return 0;
                }
            }
        }
        return 1;
    }
}
