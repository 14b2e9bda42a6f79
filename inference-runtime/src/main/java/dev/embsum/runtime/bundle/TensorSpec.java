package dev.embsum.runtime.bundle;

import java.util.List;
import java.util.Objects;

/**
 * One input or output of an ONNX graph as manifest.json declares it ({@code onnx.graphs.*}).
 *
 * @param name the graph's tensor name ({@code input_ids}, {@code present.0.self.key})
 * @param dtype the ONNX element type in numpy spelling ({@code int64}, {@code float32})
 * @param shape per axis either a {@link String}, a symbolic dim named in {@code onnx.dims} ({@code
 *     "B"}, {@code "T_plus_1"}), or a {@link Long}, a fixed size
 */
public record TensorSpec(String name, String dtype, List<Object> shape) {

    public TensorSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        for (Object dim : Objects.requireNonNull(shape, "shape")) {
            if (!(dim instanceof String) && !(dim instanceof Long)) {
                throw new IllegalArgumentException(
                        "tensor "
                                + name
                                + ": a dim is a String (symbolic) or a Long (fixed), got "
                                + dim);
            }
        }
        shape = List.copyOf(shape);
    }
}
