package tessera.compiler;

import java.util.Map;

/**
 * Everything that steers a compilation, read in one place.
 *
 * @param fixedDims dims fixed at compile time ({@code --dim N=2048}); where clauses over them are
 *     checked at compile time and the passes may fold them
 */
public record CompileOptions(Map<String, Long> fixedDims) {
    public CompileOptions {
        fixedDims = Map.copyOf(fixedDims);
    }

    public static CompileOptions defaults() {
        return new CompileOptions(Map.of());
    }

    public CompileOptions withFixedDims(Map<String, Long> dims) {
        return new CompileOptions(dims);
    }
}
