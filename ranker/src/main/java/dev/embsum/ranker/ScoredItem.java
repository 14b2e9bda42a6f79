package dev.embsum.ranker;

import dev.embsum.annotation.PublicEvolving;

/**
 * One entry of a ranking.
 *
 * @param index the item's position in the list that was scored
 * @param score its score
 */
@PublicEvolving
public record ScoredItem(int index, float score) {}
