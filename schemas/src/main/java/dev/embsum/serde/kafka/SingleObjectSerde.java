package dev.embsum.serde.kafka;

import dev.embsum.serde.SingleObjectCodec;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;

/**
 * What the Kafka serializer and deserializer share: the codec of their record class, given to the
 * constructor or, when Kafka instantiates them, read from {@link
 * SingleObjectSerializer#RECORD_CLASS_CONFIG} by {@link #configure}.
 */
abstract class SingleObjectSerde<T extends SpecificRecord> {

    private SingleObjectCodec<T> codec;

    /** For instantiation by Kafka; {@link #configure} must then find the record class. */
    SingleObjectSerde() {}

    SingleObjectSerde(Class<T> type) {
        this.codec = SingleObjectCodec.forClass(type);
    }

    /** Reads the record class from the client config unless the constructor was given one. */
    @SuppressWarnings("unchecked")
    public void configure(Map<String, ?> configs, boolean isKey) {
        if (codec == null) {
            codec =
                    (SingleObjectCodec<T>)
                            SingleObjectCodec.forClass(
                                    RecordClassConfig.read(
                                            configs, SingleObjectSerializer.RECORD_CLASS_CONFIG));
        }
    }

    /**
     * @throws IllegalStateException if neither the constructor nor {@link #configure} set the
     *     record class
     */
    final SingleObjectCodec<T> codec() {
        if (codec == null) {
            throw new IllegalStateException(
                    "not configured: set "
                            + SingleObjectSerializer.RECORD_CLASS_CONFIG
                            + " or pass the record class");
        }
        return codec;
    }
}
