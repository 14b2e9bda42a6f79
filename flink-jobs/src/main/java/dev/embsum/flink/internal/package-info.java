/**
 * The jobs' machinery shared by their operators: raw records, dead letters and their counter, the
 * byte forms of tokens and vectors. Reached from outside only through the jobs' API ({@code
 * EmbSumJob}, {@code ArchiveJob}, {@code JobSources}, {@code JobSinks}, {@code ArchiveSources});
 * every package under this one is internal too.
 */
@Internal
package dev.embsum.flink.internal;

import dev.embsum.annotation.Internal;
