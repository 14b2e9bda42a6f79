package dev.embsum.serde;

import dev.embsum.avro.ClickEvent;
import dev.embsum.avro.ContentEmbedding;
import dev.embsum.avro.ContentItem;
import dev.embsum.avro.DeadLetter;
import dev.embsum.avro.Impression;
import dev.embsum.avro.ModelRelease;
import dev.embsum.avro.UserEmbedding;
import java.util.List;
import java.util.Optional;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;

/** Every top-level record type of the project, i.e. every value that travels on a topic. */
public final class RecordTypes {

    /**
     * In the order of docs/design.md 3. A new top-level record must be added here (tests check the
     * .avsc dir).
     */
    public static final List<Class<? extends SpecificRecord>> ALL =
            List.of(
                    ClickEvent.class,
                    Impression.class,
                    ContentItem.class,
                    UserEmbedding.class,
                    ContentEmbedding.class,
                    ModelRelease.class,
                    DeadLetter.class);

    private RecordTypes() {}

    /** The current (compiled-in) schema of a generated record class. */
    public static Schema schemaOf(Class<? extends SpecificRecord> type) {
        return SpecificData.get().getSchema(type);
    }

    /** Looks a record type up by simple name ("ClickEvent") or full name. */
    public static Optional<Class<? extends SpecificRecord>> byName(String name) {
        return ALL.stream()
                .filter(c -> c.getSimpleName().equals(name) || c.getName().equals(name))
                .findFirst();
    }
}
