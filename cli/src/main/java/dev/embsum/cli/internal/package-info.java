/**
 * What the CLI's commands share: Kafka options and topic reading, record decoding and printing, the
 * CSV reader and the Goodreads replay, pacing, progress, failures and their exit status.
 */
@Internal
package dev.embsum.cli.internal;

import dev.embsum.annotation.Internal;
