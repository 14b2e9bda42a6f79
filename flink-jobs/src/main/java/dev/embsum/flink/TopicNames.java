package dev.embsum.flink;

import dev.embsum.annotation.PublicEvolving;
import dev.embsum.serde.Topic;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ReadableConfig;

/**
 * The name each of the project's topics has under a job configuration: the {@code topic.*} option
 * of each {@link Topic}, its default name where the configuration sets none. For code that creates
 * or reads the jobs' topics (the demo, tests, tools), so the option behind each topic is named in
 * one place.
 */
@PublicEvolving
public final class TopicNames {

    private TopicNames() {}

    /** The option that names {@code topic} in the jobs' configuration. */
    public static ConfigOption<String> option(Topic topic) {
        return switch (topic) {
            case CLICKS -> CommonOptions.TOPIC_CLICKS;
            case CONTENT -> CommonOptions.TOPIC_CONTENT;
            case DEAD_LETTERS -> CommonOptions.TOPIC_DEAD_LETTERS;
            case IMPRESSIONS -> ArchiveOptions.TOPIC_IMPRESSIONS;
            case USER_EMBEDDINGS -> EmbSumOptions.TOPIC_USER_EMBEDDINGS;
            case CONTENT_EMBEDDINGS -> EmbSumOptions.TOPIC_CONTENT_EMBEDDINGS;
            case MODEL_RELEASES -> EmbSumOptions.TOPIC_MODEL_RELEASES;
        };
    }

    /** Every topic's name under {@code config}, in {@link Topic} order. */
    public static Map<Topic, String> of(ReadableConfig config) {
        Map<Topic, String> names = new EnumMap<>(Topic.class);
        for (Topic topic : Topic.values()) {
            names.put(topic, config.get(option(topic)));
        }
        return Collections.unmodifiableMap(names);
    }
}
