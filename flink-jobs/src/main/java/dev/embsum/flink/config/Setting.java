package dev.embsum.flink.config;

/**
 * One setting as text, before it is parsed: from a flag or a config file line.
 *
 * @param origin where it came from, for messages: "flag --history.size", "file job.conf line 3"
 */
record Setting(String key, String value, String origin) {}
