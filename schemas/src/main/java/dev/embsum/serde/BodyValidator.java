package dev.embsum.serde;

import dev.embsum.serde.MalformedRecordException.Kind;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import org.apache.avro.Schema;

/**
 * Walks an Avro binary body against its writer schema without building values, before Avro's own
 * decoder sees it. Avro trusts length prefixes and allocates what they declare (a 5-byte varint can
 * ask for a 2 GiB string, or an array of 2^31 elements), and it silently accepts some garbage (any
 * non-1 byte is {@code false}, invalid UTF-8 becomes U+FFFD). This pass rejects all of that,
 * bounded by the input: every declared length must fit in the bytes that are left, so the decode
 * that follows allocates at most a small multiple of the input size.
 *
 * <p>Python's {@code embsum.wire.body_validator} applies the same rules, so both sides reject the
 * same bytes.
 */
final class BodyValidator {

    /** Deeper nesting than this is refused (only recursive schemas could reach it). */
    static final int MAX_DEPTH = 256;

    /** Element cap for arrays/maps whose elements can encode in zero bytes (e.g. array of null). */
    static final long MAX_ZERO_SIZE_ITEMS = 1_000_000;

    /** A rule violation; {@link SingleObjectCodec} turns it into a MalformedRecordException. */
    static final class Violation extends Exception {
        final Kind kind;
        private String path = "";

        Violation(Kind kind, String detail) {
            super(
                    detail, null, false,
                    false); // no stack trace: it is an expected outcome, not a bug
            this.kind = kind;
        }

        Violation at(String step) {
            path = path.isEmpty() || path.startsWith("[") ? step + path : step + "." + path;
            return this;
        }

        /** The detail plus where in the record it happened, e.g. "... at item_ids[3]". */
        String describe() {
            return path.isEmpty() ? getMessage() : getMessage() + " at " + path;
        }
    }

    private final byte[] buf;
    private final int end;
    private int pos;
    private long zeroSizeItems;
    private CharsetDecoder utf8;

    private BodyValidator(byte[] buf, int start, int end) {
        this.buf = buf;
        this.pos = start;
        this.end = end;
    }

    /** Checks that {@code buf[start, end)} is exactly one valid value of {@code writer}. */
    static void validate(Schema writer, byte[] buf, int start, int end) throws Violation {
        BodyValidator v = new BodyValidator(buf, start, end);
        v.value(writer, 0);
        if (v.pos != end) {
            throw new Violation(
                    Kind.TRAILING_BYTES, (end - v.pos) + " bytes left after the end of the record");
        }
    }

    private void value(Schema s, int depth) throws Violation {
        if (depth > MAX_DEPTH) {
            throw new Violation(Kind.CORRUPT_BODY, "nesting deeper than " + MAX_DEPTH);
        }
        switch (s.getType()) {
            case NULL -> {}
            case BOOLEAN -> {
                int b = take(1, "boolean");
                if (buf[b] != 0 && buf[b] != 1) {
                    throw new Violation(
                            Kind.CORRUPT_BODY,
                            "boolean byte is " + (buf[b] & 0xFF) + ", not 0 or 1");
                }
            }
            case INT -> readInt();
            case LONG -> readLong();
            case FLOAT -> take(4, "float");
            case DOUBLE -> take(8, "double");
            case FIXED -> take(s.getFixedSize(), "fixed");
            case BYTES -> take(length("bytes"), "bytes");
            case STRING -> utf8(length("string"));
            case ENUM -> index(s);
            case UNION -> value(s.getTypes().get(index(s)), depth + 1);
            case ARRAY -> blocks(s.getElementType(), null, depth);
            case MAP -> blocks(s.getValueType(), Schema.create(Schema.Type.STRING), depth);
            case RECORD -> {
                for (Schema.Field f : s.getFields()) {
                    try {
                        value(f.schema(), depth + 1);
                    } catch (Violation v) {
                        throw v.at(f.name());
                    }
                }
            }
        }
    }

    /** An enum's symbol index or a union's branch: an int from 0 to their count, exclusive. */
    private int index(Schema s) throws Violation {
        boolean isEnum = s.getType() == Schema.Type.ENUM;
        int count = isEnum ? s.getEnumSymbols().size() : s.getTypes().size();
        int i = readInt();
        if (i < 0 || i >= count) {
            throw new Violation(
                    Kind.CORRUPT_BODY,
                    isEnum
                            ? "enum index "
                                    + i
                                    + " out of range for "
                                    + s.getName()
                                    + " ("
                                    + count
                                    + " symbols)"
                            : "union branch " + i + " out of range (" + count + " branches)");
        }
        return i;
    }

    /** Array or map blocks: a count (negative = followed by the block's byte size), 0 ends. */
    private void blocks(Schema item, Schema key, int depth) throws Violation {
        boolean zeroSize = key == null && minSize(item) == 0;
        long index = 0;
        while (true) {
            long count = readLong();
            if (count == 0) {
                return;
            }
            if (count < 0) {
                if (count == Long.MIN_VALUE) {
                    throw new Violation(Kind.CORRUPT_BODY, "block count " + count);
                }
                count = -count;
                long size = readLong();
                if (size < 0) {
                    throw new Violation(Kind.CORRUPT_BODY, "negative block size " + size);
                }
                if (size > end - pos) {
                    throw new Violation(
                            Kind.TRUNCATED,
                            "block size " + size + " exceeds the " + (end - pos) + " bytes left");
                }
            }
            if (zeroSize) {
                zeroSizeItems += count;
                if (zeroSizeItems > MAX_ZERO_SIZE_ITEMS) {
                    throw new Violation(
                            Kind.CORRUPT_BODY,
                            "more than " + MAX_ZERO_SIZE_ITEMS + " zero-size items");
                }
            } else if (count > end - pos) {
                // Every item takes at least one byte, so a larger count cannot be satisfied.
                throw new Violation(
                        Kind.TRUNCATED,
                        "block of " + count + " items exceeds the " + (end - pos) + " bytes left");
            }
            for (long i = 0; i < count; i++, index++) {
                try {
                    if (key != null) {
                        value(key, depth + 1);
                    }
                    value(item, depth + 1);
                } catch (Violation v) {
                    throw v.at("[" + index + "]");
                }
            }
        }
    }

    /** Smallest possible encoding of a value, in bytes (0 only for null and empty records). */
    private static int minSize(Schema s) {
        return switch (s.getType()) {
            case NULL -> 0;
            case FLOAT -> 4;
            case DOUBLE -> 8;
            case FIXED -> s.getFixedSize();
            // Records are summed; unions/arrays/maps stop at their own 1 byte, so recursion ends.
            case RECORD -> s.getFields().stream().mapToInt(f -> minSize(f.schema())).sum();
            default -> 1;
        };
    }

    private int length(String what) throws Violation {
        long n = readLong();
        if (n < 0) {
            throw new Violation(Kind.CORRUPT_BODY, "negative " + what + " length " + n);
        }
        if (n > end - pos) {
            throw new Violation(
                    Kind.TRUNCATED,
                    what + " length " + n + " exceeds the " + (end - pos) + " bytes left");
        }
        return (int) n;
    }

    /** Consumes n bytes, returning where they start. */
    private int take(int n, String what) throws Violation {
        if (n > end - pos) {
            throw new Violation(
                    Kind.TRUNCATED, what + " needs " + n + " bytes, " + (end - pos) + " left");
        }
        int at = pos;
        pos += n;
        return at;
    }

    private void utf8(int n) throws Violation {
        int at = take(n, "string");
        if (utf8 == null) {
            utf8 =
                    StandardCharsets.UTF_8
                            .newDecoder()
                            .onMalformedInput(CodingErrorAction.REPORT)
                            .onUnmappableCharacter(CodingErrorAction.REPORT);
        }
        try {
            utf8.decode(ByteBuffer.wrap(buf, at, n));
        } catch (CharacterCodingException e) {
            throw new Violation(Kind.CORRUPT_BODY, "string of " + n + " bytes is not valid UTF-8");
        }
    }

    /** Zig-zag varint of at most 5 bytes whose value fits in 32 bits. */
    private int readInt() throws Violation {
        long v = varint(5, "int");
        long n = (v >>> 1) ^ -(v & 1);
        if (v >>> 32 != 0) {
            throw new Violation(Kind.CORRUPT_BODY, "int varint does not fit in 32 bits");
        }
        return (int) n;
    }

    /** Zig-zag varint of at most 10 bytes whose value fits in 64 bits. */
    private long readLong() throws Violation {
        long v = varint(10, "long");
        return (v >>> 1) ^ -(v & 1);
    }

    private long varint(int maxBytes, String what) throws Violation {
        long v = 0;
        for (int i = 0; i < maxBytes; i++) {
            if (pos >= end) {
                throw new Violation(Kind.TRUNCATED, what + " varint runs past the end");
            }
            int b = buf[pos++] & 0xFF;
            if (i == 9 && b > 1) {
                throw new Violation(Kind.CORRUPT_BODY, "long varint does not fit in 64 bits");
            }
            v |= (long) (b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0) {
                return v;
            }
        }
        throw new Violation(Kind.CORRUPT_BODY, what + " varint longer than " + maxBytes + " bytes");
    }
}
