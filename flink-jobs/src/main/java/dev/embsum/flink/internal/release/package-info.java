/** Model releases: validation of a release's bundle and its broadcast to the operators. */
@Internal
package dev.embsum.flink.internal.release;

import dev.embsum.annotation.Internal;
