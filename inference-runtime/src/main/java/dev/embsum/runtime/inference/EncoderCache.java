package dev.embsum.runtime.inference;

import dev.embsum.runtime.text.SessionKey;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Session encoder outputs keyed by session content ({@link SessionKey}: a 128-bit hash of the token
 * ids), least recently used first out, bounded by bytes. A click changes only the newest session of
 * a user's history (or shifts the window by one session), so a refresh after one click finds every
 * other session here. Thread-safe.
 */
final class EncoderCache {

    private final long maxBytes;
    private final LinkedHashMap<SessionKey, EncodedSession> entries =
            new LinkedHashMap<>(256, 0.75f, true);
    private long bytes;
    private long hits;
    private long misses;
    private long evictions;

    EncoderCache(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    synchronized EncodedSession get(SessionKey key) {
        EncodedSession s = entries.get(key);
        if (s == null) {
            misses++;
        } else {
            hits++;
        }
        return s;
    }

    synchronized void put(SessionKey key, EncodedSession session) {
        if (session.bytes() > maxBytes) {
            return; // would evict everything else and still not fit
        }
        EncodedSession old = entries.put(key, session);
        bytes += session.bytes() - (old == null ? 0 : old.bytes());
        var it = entries.entrySet().iterator();
        while (bytes > maxBytes && it.hasNext()) {
            Map.Entry<SessionKey, EncodedSession> eldest = it.next();
            bytes -= eldest.getValue().bytes();
            it.remove();
            evictions++;
        }
    }

    synchronized CacheStats stats() {
        return new CacheStats(entries.size(), bytes, maxBytes, hits, misses, evictions);
    }

    synchronized void clear() {
        entries.clear();
        bytes = 0;
    }
}
