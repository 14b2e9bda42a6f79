package dev.embsum.serde;

import java.util.HashMap;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;

/**
 * Which record type each known fingerprint (current or released) belongs to, so a codec can say
 * "this is a ClickEvent, not a ContentItem" instead of just "unknown schema".
 */
final class FingerprintIndex {

    private static final Map<Long, String> RECORD_BY_FINGERPRINT = build();

    private FingerprintIndex() {}

    /** Full record name for a fingerprint, or null when no known schema has it. */
    static String recordOf(long fingerprint) {
        return RECORD_BY_FINGERPRINT.get(fingerprint);
    }

    private static Map<Long, String> build() {
        Map<Long, String> index = new HashMap<>();
        for (Class<? extends SpecificRecord> type : RecordTypes.ALL) {
            Schema current = RecordTypes.schemaOf(type);
            index.put(WireFormat.fingerprint(current), current.getFullName());
            ReleasedSchemas.of(current.getFullName())
                    .values()
                    .forEach(s -> index.put(WireFormat.fingerprint(s), s.getFullName()));
        }
        return Map.copyOf(index);
    }
}
