package dev.embsum.runtime.inference;

/**
 * How the runtime runs a bundle. {@link #defaults()} is right for a CPU worker; every knob is a
 * throughput/memory trade-off, never a change of results (rows of a batch never interact).
 *
 * @param provider execution provider; CUDA falls back to CPU with a warning
 * @param cudaDeviceId CUDA device ordinal when {@code provider == CUDA}
 * @param intraOpThreads ONNX Runtime threads per graph run; 0 = ONNX Runtime's default (all cores).
 *     In a Flink task manager with several slots, 1-2 per slot
 * @param maxDecodeBatch users decoded together (greedy decoding is step-serial, so batching users
 *     is where its throughput comes from)
 * @param encoderTokenBudget most padded tokens (sessions x longest session) per session-encoder
 *     run; sessions are sorted by length first, so padding stays small
 * @param encoderCacheBytes bound of the per-session encoder-output cache (LRU); 0 = no cache
 * @param maxSummaryTokens greedy decoding cap; 0 = the bundle's {@code max_summary_tokens}. A
 *     smaller cap changes the summary and the UPE: for tests and benches
 */
public record InferenceOptions(
        ExecutionProvider provider,
        int cudaDeviceId,
        int intraOpThreads,
        int maxDecodeBatch,
        int encoderTokenBudget,
        long encoderCacheBytes,
        int maxSummaryTokens) {

    public InferenceOptions {
        if (provider == null) {
            throw new IllegalArgumentException("provider must be CPU or CUDA");
        }
        requireAtLeast("cudaDeviceId", cudaDeviceId, 0);
        requireAtLeast("intraOpThreads", intraOpThreads, 0);
        requireAtLeast("maxDecodeBatch", maxDecodeBatch, 1);
        requireAtLeast("encoderTokenBudget", encoderTokenBudget, 1);
        if (encoderCacheBytes < 0) {
            throw new IllegalArgumentException(
                    "encoderCacheBytes must be >= 0 (0 = no cache), got " + encoderCacheBytes);
        }
        requireAtLeast("maxSummaryTokens", maxSummaryTokens, 0);
    }

    /** CPU, ONNX Runtime's threads, decode batches of 32, 32k-token encoder runs, 256 MiB cache. */
    public static InferenceOptions defaults() {
        return new InferenceOptions(ExecutionProvider.CPU, 0, 0, 32, 32_768, 256L << 20, 0);
    }

    public InferenceOptions withProvider(ExecutionProvider p, int deviceId) {
        return new InferenceOptions(
                p,
                deviceId,
                intraOpThreads,
                maxDecodeBatch,
                encoderTokenBudget,
                encoderCacheBytes,
                maxSummaryTokens);
    }

    public InferenceOptions withIntraOpThreads(int threads) {
        return new InferenceOptions(
                provider,
                cudaDeviceId,
                threads,
                maxDecodeBatch,
                encoderTokenBudget,
                encoderCacheBytes,
                maxSummaryTokens);
    }

    public InferenceOptions withMaxDecodeBatch(int users) {
        return new InferenceOptions(
                provider,
                cudaDeviceId,
                intraOpThreads,
                users,
                encoderTokenBudget,
                encoderCacheBytes,
                maxSummaryTokens);
    }

    public InferenceOptions withEncoderTokenBudget(int tokens) {
        return new InferenceOptions(
                provider,
                cudaDeviceId,
                intraOpThreads,
                maxDecodeBatch,
                tokens,
                encoderCacheBytes,
                maxSummaryTokens);
    }

    public InferenceOptions withEncoderCacheBytes(long bytes) {
        return new InferenceOptions(
                provider,
                cudaDeviceId,
                intraOpThreads,
                maxDecodeBatch,
                encoderTokenBudget,
                bytes,
                maxSummaryTokens);
    }

    public InferenceOptions withMaxSummaryTokens(int tokens) {
        return new InferenceOptions(
                provider,
                cudaDeviceId,
                intraOpThreads,
                maxDecodeBatch,
                encoderTokenBudget,
                encoderCacheBytes,
                tokens);
    }

    private static void requireAtLeast(String name, int value, int min) {
        if (value < min) {
            throw new IllegalArgumentException(name + " must be >= " + min + ", got " + value);
        }
    }
}
