package dev.embsum.flink.config;

import dev.embsum.flink.InvalidConfigException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * The refusal of a key a job does not take: where the key came from, the closest known key ("did
 * you mean"), or the job it belongs to when it is the other job's.
 */
final class UnknownKeys {

    private UnknownKeys() {}

    /**
     * @param sibling the job whose settings a config file may also hold, or null
     * @param inFile whether the key was read from a config file (rather than a flag or code)
     */
    static InvalidConfigException refusal(
            String key, String origin, JobSettings job, JobSettings sibling, boolean inFile) {
        List<String> candidates = new ArrayList<>(job.keys());
        if (inFile && sibling != null) {
            sibling.keys().stream().filter(k -> !job.keys().contains(k)).forEach(candidates::add);
        }
        String hint;
        if (!inFile && sibling != null && sibling.keys().contains(key)) {
            hint =
                    ": it is a setting of "
                            + sibling.job()
                            + " (a --config file may hold both jobs' settings;"
                            + " flags must be "
                            + job.job()
                            + "'s).";
        } else {
            hint = closest(key, candidates).map(k -> ". Did you mean '" + k + "'?").orElse(".");
        }
        return new InvalidConfigException(
                "unknown configuration key '"
                        + key
                        + "' ("
                        + origin
                        + ") for "
                        + job.job()
                        + hint
                        + " Known keys: "
                        + String.join(", ", job.keys())
                        + "; any "
                        + JobSettings.PASS_THROUGH_PREFIX
                        + "* key is passed to the Kafka clients.");
    }

    /** The candidate nearest {@code key}, unless even that one is a different word. */
    static Optional<String> closest(String key, Collection<String> candidates) {
        return candidates.stream()
                .min((a, b) -> Integer.compare(distance(a, key), distance(b, key)))
                .filter(k -> distance(k, key) <= Math.max(2, key.length() / 3));
    }

    /** Levenshtein distance. */
    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
