package dev.embsum.serde;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;

/** Random valid values of a record type, for fuzz seeds. Deterministic for a given Random. */
final class RandomRecords {

    private static final String[] PIECES = {
        "a", "Z", "0", " ", "é", "用", "🙂", "\n", "\"", "N55189", ""
    };

    private final Random random;

    RandomRecords(Random random) {
        this.random = random;
    }

    SpecificRecord next(Class<? extends SpecificRecord> type) {
        return (SpecificRecord) value(RecordTypes.schemaOf(type));
    }

    private Object value(Schema s) {
        return switch (s.getType()) {
            case NULL -> null;
            case BOOLEAN -> random.nextBoolean();
            case INT -> random.nextInt(4) == 0 ? random.nextInt() : random.nextInt(10);
            case LONG -> {
                long v =
                        random.nextInt(3) == 0
                                ? random.nextLong() >> random.nextInt(64)
                                : random.nextInt(1000);
                yield s.getLogicalType() instanceof LogicalTypes.TimestampMillis
                        ? Instant.ofEpochMilli(v)
                        : v;
            }
            case STRING -> {
                StringBuilder sb = new StringBuilder();
                for (int i = random.nextInt(6); i > 0; i--) {
                    sb.append(PIECES[random.nextInt(PIECES.length)]);
                }
                yield sb.toString();
            }
            case BYTES -> {
                byte[] b = new byte[random.nextInt(5) * 4];
                random.nextBytes(b);
                yield ByteBuffer.wrap(b);
            }
            case ENUM ->
                    SpecificData.get()
                            .createEnum(
                                    s.getEnumSymbols()
                                            .get(random.nextInt(s.getEnumSymbols().size())),
                                    s);
            case ARRAY -> {
                List<Object> list = new ArrayList<>();
                for (int i = random.nextInt(4); i > 0; i--) {
                    list.add(value(s.getElementType()));
                }
                yield list;
            }
            case UNION -> value(s.getTypes().get(random.nextInt(s.getTypes().size())));
            case RECORD -> {
                IndexedRecord r = (IndexedRecord) SpecificData.get().newRecord(null, s);
                for (Schema.Field f : s.getFields()) {
                    r.put(f.pos(), value(f.schema()));
                }
                yield r;
            }
            default -> throw new IllegalArgumentException("unsupported " + s.getType());
        };
    }
}
