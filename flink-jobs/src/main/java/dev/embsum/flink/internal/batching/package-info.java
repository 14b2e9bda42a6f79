/**
 * Micro-batching: the async operators that collect the requests of one subtask into batches for one
 * worker thread ({@link dev.embsum.flink.internal.batching.MicroBatcher}) and run the model on
 * them: user refreshes and content embeddings.
 */
@Internal
package dev.embsum.flink.internal.batching;

import dev.embsum.annotation.Internal;
