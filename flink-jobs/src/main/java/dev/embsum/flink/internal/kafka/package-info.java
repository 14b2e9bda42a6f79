/**
 * The jobs' Kafka sources and sinks (public through {@code JobSources.kafka}, {@code
 * JobSinks.kafka} and {@code ArchiveSources.kafka}).
 */
@Internal
package dev.embsum.flink.internal.kafka;

import dev.embsum.annotation.Internal;
