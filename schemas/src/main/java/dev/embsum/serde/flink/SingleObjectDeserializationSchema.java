package dev.embsum.serde.flink;

import dev.embsum.serde.MalformedRecordException;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;

/**
 * Flink deserialization schema reading Avro single-object encoding.
 *
 * <p>A null message (a Kafka tombstone) returns null, which Flink's collector-based path skips.
 * Every other undecodable message throws {@link MalformedRecordException}; a job that must not fail
 * on bad input reads raw bytes instead and decodes in an operator that dead-letters.
 *
 * <p>{@link #getProducedType()} is {@code TypeInformation.of(recordClass)}, which for Avro records
 * needs {@code org.apache.flink:flink-avro} on the job's classpath (Flink then uses its
 * AvroSerializer, which also keeps state schema-evolvable).
 */
public final class SingleObjectDeserializationSchema<T extends SpecificRecord>
        extends SingleObjectSchema<T> implements DeserializationSchema<T> {

    private static final long serialVersionUID = 1L;

    public SingleObjectDeserializationSchema(Class<T> type) {
        super(type);
    }

    /**
     * @return the record, or null for a null message
     * @throws MalformedRecordException for any other undecodable message
     */
    @Override
    public T deserialize(byte[] message) {
        return message == null ? null : codec().decode(message);
    }

    @Override
    public boolean isEndOfStream(T nextElement) {
        return false;
    }

    @Override
    public TypeInformation<T> getProducedType() {
        return TypeInformation.of(recordClass());
    }
}
