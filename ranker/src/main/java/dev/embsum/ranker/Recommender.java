package dev.embsum.ranker;

import dev.embsum.annotation.PublicEvolving;
import dev.embsum.avro.ContentEmbedding;
import dev.embsum.avro.UserEmbedding;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * Top-k items for a user by the EmbSum poly-attention score, from the published UserEmbedding and
 * ContentEmbeddings only, through the rankers' scorer ({@link PolyScorer}): what a ranker does.
 * Used by the embedded demo and by the CLI's {@code embsum score}.
 */
@PublicEvolving
public final class Recommender {

    /** One recommended item and its EmbSum score. */
    public record Scored(String itemId, double score) {}

    private Recommender() {}

    /**
     * The {@code k} best-scoring items not in {@code exclude}, best first (ties: earlier in {@code
     * items} first). Items whose {@code d} differs from the user's are skipped: callers that can
     * see model versions check those first.
     */
    public static List<Scored> top(
            UserEmbedding user, Collection<ContentEmbedding> items, Set<String> exclude, int k) {
        PolyEmbedding upe = PolyEmbedding.fromLittleEndian(user.getUpe(), user.getM(), user.getD());
        List<ContentEmbedding> candidates = new ArrayList<>();
        List<ContentVectors> vectors = new ArrayList<>();
        for (ContentEmbedding item : items) {
            if (exclude.contains(item.getItemId()) || item.getD() != user.getD()) {
                continue;
            }
            candidates.add(item);
            vectors.add(
                    ContentVectors.fromLittleEndian(
                            item.getCpe(), item.getCpeKey(), item.getN(), item.getD()));
        }
        List<Scored> out = new ArrayList<>(k);
        for (ScoredItem s : PolyScorer.topK(upe, vectors, k)) {
            out.add(new Scored(candidates.get(s.index()).getItemId(), s.score()));
        }
        return out;
    }
}
