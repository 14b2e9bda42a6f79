package dev.embsum.serde.flink;

import dev.embsum.serde.SingleObjectCodec;
import java.io.Serializable;
import java.util.Objects;
import org.apache.avro.specific.SpecificRecord;

/**
 * What the Flink serialization and deserialization schemas share: the record class, which Flink
 * ships with the schema, and its codec, which is not serializable and so is made on each task when
 * first used.
 */
abstract class SingleObjectSchema<T extends SpecificRecord> implements Serializable {

    private static final long serialVersionUID = 1L;

    private final Class<T> type;
    // Not serializable; rebuilt (from the shared cache) on each task after deployment.
    private transient SingleObjectCodec<T> codec;

    SingleObjectSchema(Class<T> type) {
        this.type = Objects.requireNonNull(type, "type");
    }

    final Class<T> recordClass() {
        return type;
    }

    final SingleObjectCodec<T> codec() {
        if (codec == null) {
            codec = SingleObjectCodec.forClass(type);
        }
        return codec;
    }
}
