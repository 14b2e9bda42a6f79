package dev.embsum.serde.kafka;

import dev.embsum.serde.MalformedRecordException;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Kafka deserializer reading Avro single-object encoding.
 *
 * <p>A null value (a tombstone: the key was deleted from a compacted topic) returns null, so
 * consumers can tell deletions from data; every other bad input, including an empty array, throws
 * {@link MalformedRecordException}. Inside a KafkaConsumer that surfaces as a {@code
 * RecordDeserializationException} whose cause is the MalformedRecordException and which carries the
 * partition and offset, so the record can be skipped or dead-lettered.
 *
 * <p>Construct it with the record class, or let Kafka create it from {@code value.deserializer} and
 * name the class in {@link #RECORD_CLASS_CONFIG}.
 */
public final class SingleObjectDeserializer<T extends SpecificRecord> extends SingleObjectSerde<T>
        implements Deserializer<T> {

    /** Client config naming the record class when Kafka instantiates this deserializer. */
    public static final String RECORD_CLASS_CONFIG = SingleObjectSerializer.RECORD_CLASS_CONFIG;

    /**
     * For instantiation by Kafka; {@link #configure} must then find {@link #RECORD_CLASS_CONFIG}.
     */
    public SingleObjectDeserializer() {}

    public SingleObjectDeserializer(Class<T> type) {
        super(type);
    }

    /**
     * @return the record, or null for a null value (tombstone)
     * @throws MalformedRecordException for any other undecodable value
     */
    @Override
    public T deserialize(String topic, byte[] data) {
        return data == null ? null : codec().decode(data);
    }
}
