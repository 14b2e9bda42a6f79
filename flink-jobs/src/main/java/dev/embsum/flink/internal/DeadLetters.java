package dev.embsum.flink.internal;

import dev.embsum.avro.DeadLetter;
import dev.embsum.avro.state.RawRecord;
import java.time.Instant;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.util.OutputTag;

/**
 * Dead letters: the side output every operator that gives up on a record writes to, and the
 * well-known error kinds (a string in the schema, see docs/architecture.md).
 */
public final class DeadLetters {

    public static final String MALFORMED = "MALFORMED";
    public static final String INVALID = "INVALID";
    public static final String UNKNOWN_ITEM = "UNKNOWN_ITEM";
    public static final String INFERENCE_FAILED = "INFERENCE_FAILED";
    /** A ModelRelease whose bundle cannot serve: missing, damaged, or unfit for this job. */
    public static final String BAD_RELEASE = "BAD_RELEASE";

    /** One tag for all operators, so the job unions their side outputs into one sink. */
    public static final OutputTag<DeadLetter> TAG =
            new OutputTag<>("dead-letters", TypeInformation.of(DeadLetter.class));

    private DeadLetters() {
    }

    /**
     * A dead letter for {@code origin}, whose key and value bytes are kept unchanged.
     *
     * @param job "job name/operator", so an operator can tell which step gave up
     */
    public static DeadLetter of(RawRecord origin, String kind, String message, String job, long nowMillis) {
        return DeadLetter.newBuilder()
                .setSourceTopic(origin.getTopic())
                .setPartition(origin.getPartition())
                .setOffset(origin.getOffset())
                .setKey(origin.getKey())
                .setValue(origin.getValue())
                .setErrorKind(kind)
                .setErrorMessage(message)
                .setFailedAt(Instant.ofEpochMilli(nowMillis))
                .setJob(job)
                .build();
    }
}
