package dev.embsum.serde.flink;

import static dev.embsum.serde.MalformedAssertions.assertMalformedKind;
import static org.assertj.core.api.Assertions.assertThat;

import dev.embsum.avro.Action;
import dev.embsum.avro.ClickEvent;
import dev.embsum.avro.UserEmbedding;
import dev.embsum.serde.MalformedRecordException.Kind;
import dev.embsum.serde.Samples;
import dev.embsum.serde.SingleObjectCodec;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.util.Collector;
import org.junit.jupiter.api.Test;

class FlinkSchemaTest {

    private static ClickEvent click() {
        return Samples.shortClick(Action.CLICK, null);
    }

    @Test
    void roundTripsThroughFlinkSchemas() throws IOException {
        var ser = new SingleObjectSerializationSchema<>(ClickEvent.class);
        var de = new SingleObjectDeserializationSchema<>(ClickEvent.class);
        byte[] bytes = ser.serialize(click());
        assertThat(bytes).isEqualTo(SingleObjectCodec.forClass(ClickEvent.class).encode(click()));
        assertThat(de.deserialize(bytes)).isEqualTo(click());
        assertThat(de.isEndOfStream(click())).isFalse();
    }

    @Test
    void nullMessagesAreSkippedAndNullElementsAreTombstones() throws IOException {
        var de = new SingleObjectDeserializationSchema<>(ClickEvent.class);
        assertThat(de.deserialize(null)).isNull();
        List<ClickEvent> out = new ArrayList<>();
        de.deserialize(null, collector(out));
        assertThat(out).isEmpty();
        assertThat(new SingleObjectSerializationSchema<>(ClickEvent.class).serialize(null))
                .isNull();
    }

    @Test
    void badBytesThrowMalformedRecordException() {
        var de = new SingleObjectDeserializationSchema<>(ClickEvent.class);
        assertMalformedKind(() -> de.deserialize(new byte[] {(byte) 0xC3}), Kind.TRUNCATED);
    }

    @Test
    void producedTypeIsTypeInformationOfTheRecordClass() {
        var de = new SingleObjectDeserializationSchema<>(UserEmbedding.class);
        assertThat(de.getProducedType()).isEqualTo(TypeInformation.of(UserEmbedding.class));
        // With flink-avro on the classpath this is Flink's AvroTypeInfo (not Kryo), which state
        // uses.
        assertThat(de.getProducedType().getClass().getName()).endsWith("AvroTypeInfo");
    }

    @Test
    void flinkAvroSerializerHandlesTheRecordsToo() throws IOException {
        TypeSerializer<ClickEvent> serializer =
                TypeInformation.of(ClickEvent.class).createSerializer(new SerializerConfigImpl());
        DataOutputSerializer out = new DataOutputSerializer(64);
        ClickEvent rated = click();
        rated.setRating(5);
        serializer.serialize(rated, out);
        assertThat(serializer.deserialize(new DataInputDeserializer(out.getCopyOfBuffer())))
                .isEqualTo(rated);
    }

    @Test
    void schemasSurviveJavaSerializationAsFlinkShipsThem() throws Exception {
        var de = roundTripJava(new SingleObjectDeserializationSchema<>(ClickEvent.class));
        var ser = roundTripJava(new SingleObjectSerializationSchema<>(ClickEvent.class));
        assertThat(de.deserialize(ser.serialize(click()))).isEqualTo(click());
        UserEmbedding ue =
                UserEmbedding.newBuilder()
                        .setUserId("u")
                        .setModelVersion("v")
                        .setHistoryVersion(1)
                        .setM(1)
                        .setD(1)
                        .setUpe(ByteBuffer.wrap(new byte[4]))
                        .setHistoryItemIds(List.of("a"))
                        .setLastEventTime(Instant.EPOCH)
                        .setComputedAt(Instant.EPOCH)
                        .build();
        var ueDe = roundTripJava(new SingleObjectDeserializationSchema<>(UserEmbedding.class));
        assertThat(
                        ueDe.deserialize(
                                new SingleObjectSerializationSchema<>(UserEmbedding.class)
                                        .serialize(ue)))
                .isEqualTo(ue);
    }

    @SuppressWarnings("unchecked")
    private static <T> T roundTripJava(T object) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(object);
        }
        try (ObjectInputStream in =
                new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return (T) in.readObject();
        }
    }

    private static <T> Collector<T> collector(List<T> out) {
        return new Collector<>() {
            @Override
            public void collect(T record) {
                out.add(record);
            }

            @Override
            public void close() {}
        };
    }
}
