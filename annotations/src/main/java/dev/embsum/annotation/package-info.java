/**
 * How far code of this project may be relied on: {@link dev.embsum.annotation.PublicEvolving}
 * (outside the repository) and {@link dev.embsum.annotation.Internal} (within its module only).
 * Compile-time documentation that the ArchUnit tests check; nothing reads them at run time, so
 * modules depend on this one at provided scope and it is on no runtime classpath.
 */
package dev.embsum.annotation;
