/**
 * Output ordering: after the unordered async inference, never emit a lower {@code history_version}
 * for a user than one already emitted.
 */
@Internal
package dev.embsum.flink.internal.ordering;

import dev.embsum.annotation.Internal;
