package dev.embsum.serde.kafka;

import dev.embsum.serde.SingleObjectCodec;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Kafka serializer writing Avro single-object encoding. A null record becomes a null value (a
 * tombstone on compacted topics).
 *
 * <p>Construct it with the record class, or let Kafka create it from {@code value.serializer} and
 * name the class in {@link #RECORD_CLASS_CONFIG}.
 */
public final class SingleObjectSerializer<T extends SpecificRecord> extends SingleObjectSerde<T>
        implements Serializer<T> {

    /** Client config naming the record class when Kafka instantiates this serializer. */
    public static final String RECORD_CLASS_CONFIG = "embsum.serde.record.class";

    /**
     * For instantiation by Kafka; {@link #configure} must then find {@link #RECORD_CLASS_CONFIG}.
     */
    public SingleObjectSerializer() {}

    public SingleObjectSerializer(Class<T> type) {
        super(type);
    }

    @Override
    public byte[] serialize(String topic, T data) {
        if (data == null) {
            return null;
        }
        SingleObjectCodec<T> codec = codec();
        try {
            return codec.encode(data);
        } catch (IllegalArgumentException e) {
            throw new SerializationException("topic " + topic + ": " + e.getMessage(), e);
        }
    }
}
