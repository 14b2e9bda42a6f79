package dev.embsum.serde;

import dev.embsum.avro.ClickEvent;
import dev.embsum.avro.ContentEmbedding;
import dev.embsum.avro.ContentItem;
import dev.embsum.avro.DeadLetter;
import dev.embsum.avro.Impression;
import dev.embsum.avro.ModelRelease;
import dev.embsum.avro.UserEmbedding;
import java.util.Arrays;
import java.util.Optional;
import org.apache.avro.specific.SpecificRecord;

/**
 * The project's topics (docs/design.md 2) with their default names, value record type and key.
 * Names are configurable in deployments; these are only the defaults. Keys are UTF-8 strings (Kafka
 * StringSerializer); values are single-object-encoded Avro.
 */
public enum Topic {
    CLICKS("clicks", ClickEvent.class, "user_id", false),
    IMPRESSIONS("impressions", Impression.class, "user_id", false),
    CONTENT("content", ContentItem.class, "item_id", true),
    USER_EMBEDDINGS("user-embeddings", UserEmbedding.class, "user_id", true),
    CONTENT_EMBEDDINGS("content-embeddings", ContentEmbedding.class, "item_id", true),
    MODEL_RELEASES("model-releases", ModelRelease.class, "the literal \"current\"", true),
    DEAD_LETTERS("dead-letters", DeadLetter.class, "the failed record's original key", false);

    private final String defaultName;
    private final Class<? extends SpecificRecord> valueType;
    private final String key;
    private final boolean compacted;

    Topic(
            String defaultName,
            Class<? extends SpecificRecord> valueType,
            String key,
            boolean compacted) {
        this.defaultName = defaultName;
        this.valueType = valueType;
        this.key = key;
        this.compacted = compacted;
    }

    public String defaultName() {
        return defaultName;
    }

    public Class<? extends SpecificRecord> valueType() {
        return valueType;
    }

    /** What the record key holds, in words. */
    public String key() {
        return key;
    }

    /**
     * True for cleanup.policy=compact topics (the latest value per key wins; null value deletes).
     */
    public boolean compacted() {
        return compacted;
    }

    /** The codec of this topic's value type. */
    public SingleObjectCodec<? extends SpecificRecord> valueCodec() {
        return SingleObjectCodec.forClass(valueType);
    }

    public static Optional<Topic> byDefaultName(String name) {
        return Arrays.stream(values()).filter(t -> t.defaultName.equals(name)).findFirst();
    }
}
