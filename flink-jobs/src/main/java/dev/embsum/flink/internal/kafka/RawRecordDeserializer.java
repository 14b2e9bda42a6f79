package dev.embsum.flink.internal.kafka;

import dev.embsum.avro.state.RawRecord;
import java.nio.ByteBuffer;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Wraps each Kafka record, undecoded, with its topic, partition and offset. It never throws:
 * decoding happens in the job's validation operators, which send bad bytes to dead-letters with
 * their position, where a failing deserializer would stop the job on the first bad record.
 */
public final class RawRecordDeserializer implements KafkaRecordDeserializationSchema<RawRecord> {

    private static final long serialVersionUID = 1L;

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<RawRecord> out) {
        out.collect(
                RawRecord.newBuilder()
                        .setTopic(record.topic())
                        .setPartition(record.partition())
                        .setOffset(record.offset())
                        .setKey(record.key() == null ? null : ByteBuffer.wrap(record.key()))
                        .setValue(record.value() == null ? null : ByteBuffer.wrap(record.value()))
                        .build());
    }

    @Override
    public TypeInformation<RawRecord> getProducedType() {
        return TypeInformation.of(RawRecord.class);
    }
}
