/**
 * The model lifecycle inside the job: validating a release from {@code model-releases} and
 * broadcasting it, opening a bundle (checksums verified), the golden warm-up, and swapping the
 * model between two batches.
 */
@Internal
package dev.embsum.flink.internal.model;

import dev.embsum.annotation.Internal;
