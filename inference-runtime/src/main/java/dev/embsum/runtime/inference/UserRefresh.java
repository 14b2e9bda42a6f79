package dev.embsum.runtime.inference;

/**
 * One user's refresh result.
 *
 * @param upe the User Poly-Embedding A, {@code [m, d]} row-major float32
 * @param summaryIds the greedy summary's token ids, up to and including {@code </s>} (or {@code
 *     max_summary_tokens} ids when the cap was hit)
 * @param summary the summary text (special tokens dropped)
 * @param globalVector the decoder state that emitted {@code </s>}, {@code [d]}; not published
 * @param itemVectors {@code [k, d]}: the encoder state at each history item's [SOS], oldest first
 * @param sessions sessions in the user's history
 */
public record UserRefresh(
        float[] upe,
        int[] summaryIds,
        String summary,
        float[] globalVector,
        float[] itemVectors,
        int sessions) {}
