package io.modelwatch.ingest;

/** A record that cannot be used, with the reason and a message a person can act on. */
public final class BadInputException extends Exception {

    private final RejectReason reason;

    public BadInputException(RejectReason reason, String message) {
        super(message, null, false, false); // no stack trace: bad input is data, not a bug
        this.reason = reason;
    }

    public RejectReason reason() {
        return reason;
    }
}
