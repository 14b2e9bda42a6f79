package dev.embsum.serde.kafka;

import static dev.embsum.serde.MalformedAssertions.assertMalformedKind;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.embsum.avro.Action;
import dev.embsum.avro.ClickEvent;
import dev.embsum.avro.ContentItem;
import dev.embsum.serde.MalformedRecordException.Kind;
import dev.embsum.serde.Samples;
import dev.embsum.serde.SingleObjectCodec;
import java.nio.ByteBuffer;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

class KafkaSerdeTest {

    private static ClickEvent click() {
        return Samples.shortClick(Action.RATE, 4);
    }

    @Test
    void roundTripsThroughKafkaSerde() {
        try (var serializer = new SingleObjectSerializer<>(ClickEvent.class);
                var deserializer = new SingleObjectDeserializer<>(ClickEvent.class)) {
            byte[] bytes = serializer.serialize("clicks", click());
            assertThat(bytes)
                    .isEqualTo(SingleObjectCodec.forClass(ClickEvent.class).encode(click()));
            assertThat(deserializer.deserialize("clicks", bytes)).isEqualTo(click());
            assertThat(
                            deserializer.deserialize(
                                    "clicks", new RecordHeaders(), ByteBuffer.wrap(bytes)))
                    .isEqualTo(click());
        }
    }

    @Test
    void nullIsATombstoneBothWays() {
        try (var serializer = new SingleObjectSerializer<>(ContentItem.class);
                var deserializer = new SingleObjectDeserializer<>(ContentItem.class)) {
            assertThat(serializer.serialize("content", null)).isNull();
            assertThat(deserializer.deserialize("content", null)).isNull();
            assertThat(deserializer.deserialize("content", new RecordHeaders(), (ByteBuffer) null))
                    .isNull();
        }
    }

    @Test
    void badBytesThrowMalformedRecordException() {
        try (var deserializer = new SingleObjectDeserializer<>(ClickEvent.class)) {
            assertMalformedKind(() -> deserializer.deserialize("clicks", new byte[0]), Kind.EMPTY);
            assertMalformedKind(
                    () -> deserializer.deserialize("clicks", "{\"json\":1}".getBytes()),
                    Kind.BAD_MAGIC);
        }
    }

    @Test
    void unwritableRecordIsASerializationException() {
        ClickEvent bad = click();
        bad.setItemId(null);
        try (var serializer = new SingleObjectSerializer<>(ClickEvent.class)) {
            assertThatThrownBy(() -> serializer.serialize("clicks", bad))
                    .isInstanceOf(SerializationException.class)
                    .hasMessageContaining("topic clicks")
                    .hasMessageContaining("item_id");
        }
    }

    @Test
    void configuredByClassNameLikeKafkaDoes() {
        Map<String, Object> configs =
                Map.of(SingleObjectSerializer.RECORD_CLASS_CONFIG, "dev.embsum.avro.ClickEvent");
        try (var serializer = new SingleObjectSerializer<ClickEvent>();
                var deserializer = new SingleObjectDeserializer<ClickEvent>()) {
            serializer.configure(configs, false);
            deserializer.configure(
                    Map.of(SingleObjectDeserializer.RECORD_CLASS_CONFIG, ClickEvent.class), false);
            assertThat(deserializer.deserialize("clicks", serializer.serialize("clicks", click())))
                    .isEqualTo(click());
        }
    }

    @Test
    void badOrMissingConfigIsAConfigException() {
        try (var deserializer = new SingleObjectDeserializer<ClickEvent>()) {
            assertThatThrownBy(() -> deserializer.configure(Map.of(), false))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining(SingleObjectDeserializer.RECORD_CLASS_CONFIG);
            assertThatThrownBy(
                            () ->
                                    deserializer.configure(
                                            Map.of(
                                                    SingleObjectDeserializer.RECORD_CLASS_CONFIG,
                                                    "java.lang.String"),
                                            false))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("SpecificRecord");
            assertThatThrownBy(
                            () ->
                                    deserializer.configure(
                                            Map.of(
                                                    SingleObjectDeserializer.RECORD_CLASS_CONFIG,
                                                    "dev.embsum.avro.Nope"),
                                            false))
                    .isInstanceOf(ConfigException.class);
            assertThatThrownBy(() -> deserializer.deserialize("clicks", new byte[] {1}))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("not configured");
        }
    }
}
