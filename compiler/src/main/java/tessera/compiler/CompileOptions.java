package tessera.compiler;

import java.util.Map;

/**
 * Everything that steers a compilation, read in one place.
 *
 * @param fixedDims dims fixed at compile time ({@code --dim N=2048}); where clauses over them are
 *     checked at compile time and the passes may fold them
 * @param fuseAttention whether FlashFusion runs (the default); off, attention takes the generic
 *     path, which stores the score matrix ({@code --no-fusion}, for comparisons)
 */
public record CompileOptions(Map<String, Long> fixedDims, boolean fuseAttention) {
    public CompileOptions {
        fixedDims = Map.copyOf(fixedDims);
    }

    public static CompileOptions defaults() {
        return new CompileOptions(Map.of(), true);
    }

    public CompileOptions withFixedDims(Map<String, Long> dims) {
        return new CompileOptions(dims, fuseAttention);
    }

    public CompileOptions withFusion(boolean fuse) {
        return new CompileOptions(fixedDims, fuse);
    }
}
