package io.modelwatch.service;

import java.util.Optional;
import org.apache.kafka.common.errors.AuthorizationException;

/**
 * A failure for want of an ACL, said as such. Kafka's message names the resource ("Not authorized to access group:
 * modelwatch"), and a start-up step's failure would otherwise read as Kafka being unreachable.
 */
final class NotAuthorized {

    static final String WHERE = "the principal modelwatch runs as lacks an ACL: README, \"Kafka ACLs\"";

    private NotAuthorized() {
    }

    /** The authorization failure in {@code e}'s causes, if any, said in one sentence with what to do. */
    static Optional<String> in(Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof AuthorizationException) {
                return Optional.of("not authorized: " + c.getMessage() + " (" + WHERE + ")");
            }
        }
        return Optional.empty();
    }

    /** {@code e}, or when it is an authorization failure, one that says so with {@code e} as its cause. */
    static Throwable explain(Throwable e) {
        return in(e).<Throwable>map(why -> new IllegalStateException(why, e)).orElse(e);
    }
}
