/** Decoding and validation of clicks. */
@Internal
package dev.embsum.flink.internal.click;

import dev.embsum.annotation.Internal;
