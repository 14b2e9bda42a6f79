/**
 * The bundle loader's parts: paths, archive extraction, checksums, manifest parsing. Reached from
 * outside only through {@code dev.embsum.runtime.bundle.ModelBundle}.
 */
@Internal
package dev.embsum.runtime.bundle.internal;

import dev.embsum.annotation.Internal;
