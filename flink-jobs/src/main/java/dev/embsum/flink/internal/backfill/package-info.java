/** Pacing of the backfill a model release causes. */
@Internal
package dev.embsum.flink.internal.backfill;

import dev.embsum.annotation.Internal;
