/**
 * The model inside the job: opening and swapping bundles, micro-batched user refreshes and content
 * embeddings, version guards.
 */
@Internal
package dev.embsum.flink.internal.inference;

import dev.embsum.annotation.Internal;
