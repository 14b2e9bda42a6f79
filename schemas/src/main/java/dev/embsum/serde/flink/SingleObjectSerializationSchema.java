package dev.embsum.serde.flink;

import dev.embsum.serde.SingleObjectCodec;
import java.util.Objects;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.serialization.SerializationSchema;

/**
 * Flink serialization schema writing Avro single-object encoding (e.g. as the value schema of a
 * KafkaSink). A null element becomes a null value (a tombstone on compacted topics).
 */
public final class SingleObjectSerializationSchema<T extends SpecificRecord>
        implements SerializationSchema<T> {

    private static final long serialVersionUID = 1L;

    private final Class<T> type;
    // Not serializable; rebuilt (from the shared cache) on each task after deployment.
    private transient SingleObjectCodec<T> codec;

    public SingleObjectSerializationSchema(Class<T> type) {
        this.type = Objects.requireNonNull(type, "type");
    }

    @Override
    public byte[] serialize(T element) {
        return element == null ? null : codec().encode(element);
    }

    private SingleObjectCodec<T> codec() {
        if (codec == null) {
            codec = SingleObjectCodec.forClass(type);
        }
        return codec;
    }
}
