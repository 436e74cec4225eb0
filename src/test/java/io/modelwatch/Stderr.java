package io.modelwatch;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** What a piece of code writes to stderr, where the service's log goes (slf4j-simple): for tests that read the log. */
public final class Stderr {

    /** A test body that may throw. */
    @FunctionalInterface
    public interface Body {
        void run() throws Exception;
    }

    private Stderr() {
    }

    /** Runs {@code body} with stderr captured (not shown); returns what was written. */
    public static String capture(Body body) throws Exception {
        return run(body, false);
    }

    /** Runs {@code body} with stderr copied, still shown (long integration tests); returns what was written. */
    public static String tee(Body body) throws Exception {
        return run(body, true);
    }

    private static String run(Body body, boolean shown) throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream previous = System.err;
        System.setErr(new PrintStream(shown ? new Tee(previous, err) : err, true, StandardCharsets.UTF_8));
        try {
            body.run();
        } finally {
            System.setErr(previous);
        }
        return err.toString(StandardCharsets.UTF_8);
    }

    private static final class Tee extends OutputStream {
        private final OutputStream a;
        private final OutputStream b;

        Tee(OutputStream a, OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public void write(int c) throws IOException {
            a.write(c);
            b.write(c);
        }

        @Override
        public void write(byte[] buf, int off, int len) throws IOException {
            a.write(buf, off, len);
            b.write(buf, off, len);
        }
    }
}
