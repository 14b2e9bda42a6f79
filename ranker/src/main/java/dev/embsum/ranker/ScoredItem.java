package dev.embsum.ranker;

/**
 * One entry of a ranking.
 *
 * @param index the item's position in the list that was scored
 * @param score its score
 */
public record ScoredItem(int index, float score) {}
