/**
 * The bundle loader's file-level helpers: safe bundle-relative paths, SHA-256, removing extracted
 * directories. They know nothing of the bundle's own types (manifest, {@code BundleException}), so
 * {@code dev.embsum.runtime.bundle} uses this package and never the other way round
 * (ModuleBoundariesTest checks that there are no package cycles). Reached from outside only through
 * {@code dev.embsum.runtime.bundle.ModelBundle}.
 */
@Internal
package dev.embsum.runtime.bundle.internal;

import dev.embsum.annotation.Internal;
