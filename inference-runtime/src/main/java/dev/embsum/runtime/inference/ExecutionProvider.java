package dev.embsum.runtime.inference;

/** Where ONNX Runtime runs the graphs. */
public enum ExecutionProvider {
    /** ONNX Runtime's CPU provider: always available. */
    CPU,
    /**
     * NVIDIA CUDA. Needs the {@code onnxruntime_gpu} artifact and a CUDA device; when either is
     * missing the runtime logs a warning and falls back to {@link #CPU}.
     */
    CUDA
}
