package dev.embsum.flink.internal.batching;

import dev.embsum.flink.internal.model.ModelOpener;
import java.io.Serializable;
import java.time.Duration;

/**
 * The model an inference operator runs and how it batches requests for it ({@link MicroBatcher}).
 *
 * @param maxBatch most requests in one model call ({@code inference.max-batch})
 * @param maxWait longest a request waits for its batch to fill ({@code inference.max-wait})
 */
public record ModelBatching(ModelOpener model, int maxBatch, Duration maxWait)
        implements Serializable {}
