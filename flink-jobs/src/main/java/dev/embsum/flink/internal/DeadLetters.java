package dev.embsum.flink.internal;

import dev.embsum.avro.DeadLetter;
import dev.embsum.avro.state.RawRecord;
import java.time.Instant;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.OutputTag;

/**
 * Dead letters: the side output every operator that gives up on a record writes to. The error kinds
 * are {@link dev.embsum.serde.DeadLetterKinds}, next to the schema, so readers of the topic (the
 * CLI) need not depend on the job.
 */
public final class DeadLetters {

    /** One tag for all operators, so the job unions their side outputs into one sink. */
    public static final OutputTag<DeadLetter> TAG =
            new OutputTag<>("dead-letters", TypeInformation.of(DeadLetter.class));

    private DeadLetters() {}

    /**
     * A dead letter for {@code origin}, whose key and value bytes are kept unchanged.
     *
     * @param job "job name/operator", so an operator can tell which step gave up
     */
    public static DeadLetter of(
            RawRecord origin, String kind, String message, String job, long nowMillis) {
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

    /**
     * Sends a dead letter for {@code origin} to {@link #TAG}, failed at the current processing
     * time.
     *
     * @param job "job name/operator", so an operator can tell which step gave up
     */
    public static void send(
            ProcessFunction<?, ?>.Context ctx,
            RawRecord origin,
            String kind,
            String message,
            String job) {
        ctx.output(TAG, of(origin, kind, message, job, ctx.timerService().currentProcessingTime()));
    }
}
