package dev.embsum.runtime.inference;

/** A snapshot of the encoder-output cache: size, bound and cumulative lookups. */
public record CacheStats(
        int entries, long bytes, long maxBytes, long hits, long misses, long evictions) {

    /** Hits / lookups, 0 before the first lookup. */
    public double hitRate() {
        long lookups = hits + misses;
        return lookups == 0 ? 0.0 : (double) hits / lookups;
    }
}
