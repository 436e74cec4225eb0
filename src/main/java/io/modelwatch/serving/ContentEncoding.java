package io.modelwatch.serving;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * gzip for answers a client accepts it for: a scrape of a large registry or {@code /api/models} of many models is
 * megabytes of repetitive text, which compresses about tenfold.
 */
final class ContentEncoding {

    /** Below this an answer goes as it is: gzip's 18-byte frame and the CPU buy nothing. */
    static final int MIN_BYTES = 1024;

    private ContentEncoding() {
    }

    /**
     * Whether an {@code Accept-Encoding} header accepts gzip: {@code gzip}, {@code x-gzip} or {@code *} with a
     * quality above 0 (RFC 9110 12.5.3); {@code gzip;q=0} refuses it even after a {@code *}.
     */
    static boolean acceptsGzip(String header) {
        if (header == null) {
            return false;
        }
        Boolean named = null;
        boolean wildcard = false;
        for (String part : header.split(",")) {
            String[] params = part.split(";");
            String coding = params[0].trim().toLowerCase(Locale.ROOT);
            boolean acceptable = quality(params) > 0;
            if (coding.equals("gzip") || coding.equals("x-gzip")) {
                named = named == null ? acceptable : named || acceptable;
            } else if (coding.equals("*")) {
                wildcard = acceptable;
            }
        }
        return named != null ? named : wildcard;
    }

    /** The {@code q} parameter, 1 when absent; an unreadable one counts as 0 (not acceptable). */
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

    /** gzip at the fastest level: most of the size saved for a fraction of the default level's CPU. */
    static byte[] gzip(byte[] body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(64, body.length / 6));
        try (GZIPOutputStream gz = new FastGzip(out)) {
            gz.write(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static final class FastGzip extends GZIPOutputStream {
        FastGzip(ByteArrayOutputStream out) throws IOException {
            super(out, 64 * 1024);
            def.setLevel(Deflater.BEST_SPEED);
        }
    }
}
