/** The join of clicks with their items' tokens. */
@Internal
package dev.embsum.flink.internal.item;

import dev.embsum.annotation.Internal;
