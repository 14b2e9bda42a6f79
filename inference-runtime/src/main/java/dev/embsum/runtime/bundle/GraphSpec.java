package dev.embsum.runtime.bundle;

import java.util.List;
import java.util.Objects;

/**
 * One ONNX graph of the bundle as manifest.json declares it ({@code onnx.graphs.<name>}).
 *
 * @param file the graph file, relative to the bundle ({@code decoder_step.onnx}); its weights are
 *     in {@code weights.bin} next to it, so sessions are created from the file's path
 * @param inputs the graph's inputs in the graph's order
 * @param outputs the graph's outputs in the graph's order
 */
public record GraphSpec(String file, List<TensorSpec> inputs, List<TensorSpec> outputs) {

    public GraphSpec {
        Objects.requireNonNull(file, "file");
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
    }
}
