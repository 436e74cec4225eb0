package io.modelwatch.ingest;

/** Why an input record went to the dead-letter topic. The code is the header value and metric tag. */
public enum RejectReason {
    NULL_VALUE("null_value"),
    OVERSIZED_RECORD("oversized_record"),
    NOT_UTF8("not_utf8"),
    NOT_JSON("not_json"),
    TRUNCATED_JSON("truncated_json"),
    NOT_AN_OBJECT("not_an_object"),
    MISSING_FIELD("missing_field"),
    EMPTY_FIELD("empty_field"),
    WRONG_TYPE("wrong_type"),
    BAD_TIMESTAMP("bad_timestamp"),
    TIMESTAMP_OUT_OF_RANGE("timestamp_out_of_range"),
    BAD_SCORE("bad_score"),
    SCORES_NOT_NORMALISED("scores_not_normalised"),
    OVERSIZED_FIELD("oversized_field"),
    TOO_MANY_TAGS("too_many_tags"),
    /**
     * A text field (id, model, version, class, tag) holds U+0000: names are joined with it in state and
     * series keys, so "a\u0000b" could pass for two names.
     */
    NUL_CHARACTER("nul_character"),
    /**
     * A model, model version or tag value spelled {@code __overflow__}, the name modelwatch counts what is
     * beyond its cardinality limits under: counted there, it would pass for real overflow.
     */
    RESERVED_VALUE("reserved_value"),
    /**
     * With {@code repartition-inputs: false} only: the event was read from another partition than the one
     * that joins its prediction id (the producer did not key it by prediction_id with the default
     * partitioner), so joining it here would pair it with nothing.
     */
    NOT_ON_JOIN_PARTITION("not_on_join_partition"),
    /** Anything the parser did not anticipate: still a reject, never a stopped stream. */
    UNREADABLE("unreadable");

    public final String code;

    RejectReason(String code) {
        this.code = code;
    }
}
