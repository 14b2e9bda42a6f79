package dev.embsum.ranker;

/**
 * One user's scores against items of the user's d, with the scratch space of one pair: what a
 * {@link PolyScorer.Kernel} makes for each call of {@link PolyScorer}. Not thread-safe.
 */
interface PairScorer {

    /**
     * The score of the user against {@code item}, whose d is the user's.
     *
     * @param next the item to be scored after this one, or null: a kernel may start to fetch its
     *     vectors from memory meanwhile
     */
    float score(ContentVectors item, ContentVectors next);
}
