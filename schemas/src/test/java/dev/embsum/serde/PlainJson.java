package dev.embsum.serde;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.specific.SpecificData;

/**
 * The plain JSON form of record values used by golden/wire-vectors.json (and by Python's
 * embsum.wire.plain_json.to_plain_json/from_plain_json): records are objects with every field,
 * strings and enum symbols are strings, int/long are numbers, timestamp-millis is epoch
 * milliseconds, bytes are lower-case hex, a nullable union is null or the plain value of its other
 * branch. Unlike Avro's own JSON encoding it has no union wrappers, so both languages read it
 * simply.
 */
final class PlainJson {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final HexFormat HEX = HexFormat.of();

    private PlainJson() {}

    static JsonNode toJson(Schema schema, Object value) {
        return switch (schema.getType()) {
            case NULL -> NODES.nullNode();
            case BOOLEAN -> NODES.booleanNode((Boolean) value);
            case INT -> NODES.numberNode((Integer) value);
            case LONG ->
                    NODES.numberNode(
                            isTimestampMillis(schema)
                                    ? ((Instant) value).toEpochMilli()
                                    : (Long) value);
            case STRING, ENUM -> NODES.textNode(value.toString());
            case BYTES -> NODES.textNode(hex((ByteBuffer) value));
            case ARRAY -> {
                ArrayNode array = NODES.arrayNode();
                for (Object item : (List<?>) value) {
                    array.add(toJson(schema.getElementType(), item));
                }
                yield array;
            }
            case UNION -> value == null ? NODES.nullNode() : toJson(nonNull(schema), value);
            case RECORD -> {
                ObjectNode object = NODES.objectNode();
                IndexedRecord record = (IndexedRecord) value;
                for (Schema.Field f : schema.getFields()) {
                    object.set(f.name(), toJson(f.schema(), record.get(f.pos())));
                }
                yield object;
            }
            default ->
                    throw new IllegalArgumentException(
                            "no plain JSON form for " + schema.getType());
        };
    }

    static Object fromJson(Schema schema, JsonNode json) {
        return switch (schema.getType()) {
            case NULL -> null;
            case BOOLEAN -> json.booleanValue();
            case INT -> json.intValue();
            case LONG ->
                    isTimestampMillis(schema)
                            ? Instant.ofEpochMilli(json.longValue())
                            : json.longValue();
            case STRING -> json.textValue();
            case ENUM -> SpecificData.get().createEnum(json.textValue(), schema);
            case BYTES -> ByteBuffer.wrap(HEX.parseHex(json.textValue()));
            case ARRAY -> {
                List<Object> list = new ArrayList<>();
                json.forEach(item -> list.add(fromJson(schema.getElementType(), item)));
                yield list;
            }
            case UNION -> json.isNull() ? null : fromJson(nonNull(schema), json);
            case RECORD -> {
                IndexedRecord record = (IndexedRecord) SpecificData.get().newRecord(null, schema);
                for (Schema.Field f : schema.getFields()) {
                    if (!json.has(f.name())) {
                        throw new IllegalArgumentException("missing field " + f.name());
                    }
                    record.put(f.pos(), fromJson(f.schema(), json.get(f.name())));
                }
                yield record;
            }
            default ->
                    throw new IllegalArgumentException(
                            "no plain JSON form for " + schema.getType());
        };
    }

    static String hex(ByteBuffer bytes) {
        ByteBuffer b = bytes.duplicate();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return HEX.formatHex(out);
    }

    private static boolean isTimestampMillis(Schema schema) {
        return schema.getLogicalType() instanceof LogicalTypes.TimestampMillis;
    }

    /** The other branch of a ["null", X] union (the only unions the project uses). */
    private static Schema nonNull(Schema union) {
        List<Schema> types = union.getTypes();
        if (types.size() != 2 || types.get(0).getType() != Schema.Type.NULL) {
            throw new IllegalArgumentException(
                    "only [\"null\", X] unions have a plain JSON form: " + union);
        }
        return types.get(1);
    }
}
