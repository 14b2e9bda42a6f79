/** ArchiveJob's operators: decoding for the archive, event-day buckets. */
@Internal
package dev.embsum.flink.internal.archive;

import dev.embsum.annotation.Internal;
