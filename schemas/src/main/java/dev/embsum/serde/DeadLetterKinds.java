package dev.embsum.serde;

import java.util.List;

/**
 * The well-known values of {@code DeadLetter.error_kind}: what the jobs write and what operators
 * select by ({@code embsum dlq replay --kind}). The values are on the wire, so never change one.
 *
 * <p>Strings, not a Java enum, for the same reason the schema field is a string and not an Avro
 * enum: a job may add a kind without a schema release, so a reader must accept kinds it does not
 * know (docs/architecture.md, "dead-letter kinds").
 */
public final class DeadLetterKinds {

    /** The bytes could not be decoded (MalformedRecordException). */
    public static final String MALFORMED = "MALFORMED";

    /** Decoded, but the record breaks a rule (e.g. a rating outside 1..5, a blank id). */
    public static final String INVALID = "INVALID";

    /** A click for an item whose content never arrived within the join's timeout. */
    public static final String UNKNOWN_ITEM = "UNKNOWN_ITEM";

    /** The model failed on the record. */
    public static final String INFERENCE_FAILED = "INFERENCE_FAILED";

    /** A ModelRelease whose bundle cannot serve: missing, damaged, or unfit for this job. */
    public static final String BAD_RELEASE = "BAD_RELEASE";

    /** Every kind above, in that order. */
    public static final List<String> ALL =
            List.of(MALFORMED, INVALID, UNKNOWN_ITEM, INFERENCE_FAILED, BAD_RELEASE);

    private DeadLetterKinds() {}
}
