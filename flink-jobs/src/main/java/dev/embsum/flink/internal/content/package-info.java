/** Decoding, validation and tokenization of content items. */
@Internal
package dev.embsum.flink.internal.content;

import dev.embsum.annotation.Internal;
