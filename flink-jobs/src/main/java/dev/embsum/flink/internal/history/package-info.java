/** Per-user engagement history in keyed state, and the refresh debounce. */
@Internal
package dev.embsum.flink.internal.history;

import dev.embsum.annotation.Internal;
