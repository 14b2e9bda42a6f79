package dev.embsum.serde.flink;

import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.serialization.SerializationSchema;

/**
 * Flink serialization schema writing Avro single-object encoding (e.g. as the value schema of a
 * KafkaSink). A null element becomes a null value (a tombstone on compacted topics).
 */
public final class SingleObjectSerializationSchema<T extends SpecificRecord>
        extends SingleObjectSchema<T> implements SerializationSchema<T> {

    private static final long serialVersionUID = 1L;

    public SingleObjectSerializationSchema(Class<T> type) {
        super(type);
    }

    @Override
    public byte[] serialize(T element) {
        return element == null ? null : codec().encode(element);
    }
}
