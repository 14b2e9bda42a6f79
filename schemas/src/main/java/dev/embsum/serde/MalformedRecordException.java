package dev.embsum.serde;

/**
 * The only exception decoding throws for bad input bytes, whatever was wrong with them, so a job
 * needs one catch to route a record to {@code dead-letters} (error_kind MALFORMED). {@link #kind()}
 * says what was wrong; the message names the expected record type, the input length and, when
 * known, the writer fingerprint.
 */
public final class MalformedRecordException extends RuntimeException {

    /** What was wrong with the bytes. Python's embsum.wire uses the same names. */
    public enum Kind {
        /** null or zero-length input where a record was expected. */
        EMPTY,
        /**
         * Input ended early: shorter than the 10-byte header, or a value or declared length runs
         * past the end.
         */
        TRUNCATED,
        /** The first two bytes are not C3 01 (not single-object encoded). */
        BAD_MAGIC,
        /** The writer fingerprint is not any schema version this build knows. */
        UNKNOWN_SCHEMA,
        /**
         * The writer fingerprint is a known schema, but of another record type (e.g. a topic
         * mix-up).
         */
        WRONG_TYPE,
        /**
         * The body is not valid for the writer schema (bad union/enum index, negative length,
         * invalid UTF-8, ...).
         */
        CORRUPT_BODY,
        /** The body decoded completely but bytes were left over. */
        TRAILING_BYTES
    }

    private final Kind kind;
    private final String recordType;
    private final int length;

    public MalformedRecordException(Kind kind, String recordType, int length, String detail) {
        this(kind, recordType, length, detail, null);
    }

    public MalformedRecordException(
            Kind kind, String recordType, int length, String detail, Throwable cause) {
        super(describe(kind, recordType, length, detail), cause);
        this.kind = kind;
        this.recordType = recordType;
        this.length = length;
    }

    private static String describe(Kind kind, String recordType, int length, String detail) {
        String size = length < 0 ? "null input" : length + " bytes";
        return kind + ": cannot decode " + recordType + " from " + size + ": " + detail;
    }

    public Kind kind() {
        return kind;
    }

    /** Full name of the record type the caller expected, e.g. dev.embsum.avro.ClickEvent. */
    public String recordType() {
        return recordType;
    }

    /** Length of the input in bytes, -1 for null. */
    public int length() {
        return length;
    }
}
