package dev.embsum.cli.internal;

import dev.embsum.avro.ContentEmbedding;
import dev.embsum.avro.DeadLetter;
import dev.embsum.avro.ModelRelease;
import dev.embsum.avro.UserEmbedding;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * One Kafka record as a few lines an operator can read: a header (topic[partition]@offset, key,
 * timestamp), then the fields that matter per record type. Float payloads show their shape and the
 * first few values; a dead letter shows its payload as hex and text, and as the record it was meant
 * to be when it still decodes.
 */
public final class RecordPrinter {

    private static final int HEX_BYTES = 32;
    private static final int TEXT_CHARS = 80;
    private static final int SUMMARY_CHARS = 200;
    private static final int HISTORY_ITEMS = 10;

    private final AnyRecordDecoder decoder = new AnyRecordDecoder();
    private final int floats;

    /**
     * @param floats how many leading values of each float payload to show
     */
    public RecordPrinter(int floats) {
        this.floats = floats;
    }

    public String format(ConsumerRecord<byte[], byte[]> r) {
        StringBuilder sb = new StringBuilder();
        sb.append(position(r.topic(), r.partition(), r.offset()));
        fields(sb, "key", key(r.key()), "at", Instant.ofEpochMilli(r.timestamp()));
        AnyRecordDecoder.Decoded d = decoder.decode(r.value());
        if (!d.ok()) {
            sb.append("  (").append(d.problem()).append(")");
            if (r.value() != null) {
                sb.append('\n').append("  value: ").append(bytes(r.value()));
            }
            return sb.append('\n').toString();
        }
        SpecificRecord rec = d.record();
        if (rec instanceof UserEmbedding e) {
            userEmbedding(sb, e);
        } else if (rec instanceof ContentEmbedding e) {
            contentEmbedding(sb, e);
        } else if (rec instanceof DeadLetter e) {
            deadLetter(sb, e);
        } else if (rec instanceof ModelRelease e) {
            fields(sb, "model_version", e.getModelVersion(), "released_at", e.getReleasedAt());
            fields(sb, "bundle_uri", e.getBundleUri());
            fields(sb, "bundle_sha256", e.getBundleSha256());
        } else {
            // ClickEvent, Impression, ContentItem: Avro's JSON form is short and complete.
            sb.append("  ").append(rec.getSchema().getName()).append(' ').append(rec).append('\n');
        }
        return sb.toString();
    }

    private void userEmbedding(StringBuilder sb, UserEmbedding e) {
        fields(
                sb,
                "user",
                e.getUserId(),
                "model",
                e.getModelVersion(),
                "history_version",
                e.getHistoryVersion(),
                "last_event_time",
                e.getLastEventTime(),
                "computed_at",
                e.getComputedAt());
        fields(sb, "upe", floats(e.getUpe(), e.getM(), e.getD()));
        List<String> history = e.getHistoryItemIds();
        sb.append("  history (").append(history.size()).append(" items, newest last): ");
        if (history.size() > HISTORY_ITEMS) {
            sb.append("... ");
        }
        sb.append(
                        String.join(
                                " ",
                                history.subList(
                                        Math.max(0, history.size() - HISTORY_ITEMS),
                                        history.size())))
                .append('\n');
        sb.append("  summary: ")
                .append(e.getSummary() == null ? "(none)" : quote(e.getSummary(), SUMMARY_CHARS))
                .append('\n');
    }

    private void contentEmbedding(StringBuilder sb, ContentEmbedding e) {
        fields(sb, "item", e.getItemId(), "model", e.getModelVersion());
        fields(sb, "cpe", floats(e.getCpe(), e.getN(), e.getD()));
        fields(sb, "cpe_key", floats(e.getCpeKey(), e.getN(), e.getD()));
    }

    private void deadLetter(StringBuilder sb, DeadLetter e) {
        sb.append("  ")
                .append(e.getErrorKind())
                .append(" from ")
                .append(position(e.getSourceTopic(), e.getPartition(), e.getOffset()));
        fields(sb, "job", e.getJob(), "failed_at", e.getFailedAt());
        sb.append("  reason: ").append(e.getErrorMessage()).append('\n');
        byte[] key = ByteBuffers.toArray(e.getKey());
        sb.append("  original key: ").append(key(key)).append('\n');
        byte[] value = ByteBuffers.toArray(e.getValue());
        if (value == null) {
            sb.append("  original value: null (a tombstone)\n");
            return;
        }
        sb.append("  original value: ").append(bytes(value)).append('\n');
        AnyRecordDecoder.Decoded payload = decoder.decode(value);
        sb.append("  as a record: ")
                .append(
                        payload.ok()
                                ? payload.record().getSchema().getName() + " " + payload.record()
                                : "no (" + payload.problem() + ")")
                .append('\n');
    }

    /** Ends a line of " name value" pairs, e.g. " item N9 model m1\n". */
    private static void fields(StringBuilder sb, Object... namesAndValues) {
        for (int i = 0; i < namesAndValues.length; i += 2) {
            sb.append("  ").append(namesAndValues[i]).append(' ').append(namesAndValues[i + 1]);
        }
        sb.append('\n');
    }

    /** "clicks[1]@57" */
    private static String position(String topic, int partition, long offset) {
        return topic + "[" + partition + "]@" + offset;
    }

    /** "32x64 [0.0123, -0.4410, ...] (4 of 2048)" from float32 little-endian bytes. */
    private String floats(ByteBuffer buffer, int rows, int cols) {
        ByteBuffer b = buffer.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int total = b.remaining() / Float.BYTES;
        StringBuilder sb = new StringBuilder().append(rows).append('x').append(cols).append(" [");
        int shown = Math.min(floats, total);
        for (int i = 0; i < shown; i++) {
            sb.append(i > 0 ? ", " : "")
                    .append(
                            String.format(
                                    Locale.ROOT,
                                    "%.4f",
                                    b.getFloat(b.position() + i * Float.BYTES)));
        }
        sb.append(shown < total ? ", ...] (" + shown + " of " + total + ")" : "]");
        if (total != rows * cols || b.remaining() % Float.BYTES != 0) {
            sb.append("  (INCONSISTENT: ")
                    .append(b.remaining())
                    .append(" bytes for ")
                    .append(rows)
                    .append('x')
                    .append(cols)
                    .append(')');
        }
        return sb.toString();
    }

    /** "83 bytes hex c3015c24... text ..." */
    static String bytes(byte[] value) {
        StringBuilder sb =
                new StringBuilder()
                        .append(value.length)
                        .append(value.length == 1 ? " byte" : " bytes");
        if (value.length == 0) {
            return sb.toString();
        }
        int n = Math.min(HEX_BYTES, value.length);
        sb.append("  hex ")
                .append(HexFormat.of().formatHex(value, 0, n))
                .append(n < value.length ? "..." : "");
        StringBuilder text = new StringBuilder();
        String s = new String(value, StandardCharsets.UTF_8);
        for (int i = 0; i < s.length() && text.length() < TEXT_CHARS; i++) {
            char c = s.charAt(i);
            text.append(Character.isISOControl(c) || c == '\uFFFD' ? '.' : c);
        }
        sb.append("  text \"").append(text).append(s.length() > TEXT_CHARS ? "\"..." : "\"");
        return sb.toString();
    }

    /** A key as a quoted UTF-8 string, or hex when it is not text; "null" for none. */
    static String key(byte[] key) {
        if (key == null) {
            return "null";
        }
        try {
            String s =
                    StandardCharsets.UTF_8
                            .newDecoder()
                            .onMalformedInput(CodingErrorAction.REPORT)
                            .onUnmappableCharacter(CodingErrorAction.REPORT)
                            .decode(ByteBuffer.wrap(key))
                            .toString();
            if (s.chars().noneMatch(Character::isISOControl)) {
                return "\"" + s + "\"";
            }
        } catch (CharacterCodingException e) {
            // not text
        }
        return "hex:" + HexFormat.of().formatHex(key);
    }

    private static String quote(String s, int max) {
        String t = s.strip();
        return t.length() <= max
                ? "\"" + t + "\""
                : "\"" + t.substring(0, max) + "...\" (" + t.length() + " characters)";
    }
}
