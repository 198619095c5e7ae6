package tessera.backend.ptx;

import java.util.Map;

/**
 * An emitted PTX module. Each Loop IR kernel is one {@code .visible .entry} whose parameters are
 * the kernel's parameters in order: buffers as {@code .u64} global addresses, scalars by value as
 * {@code .s32}, {@code .s64}, {@code .f32}, {@code .f64}, and bool as a {@code .u8} holding 0 or
 * 1. Launch an entry as a one-dimensional grid of one-dimensional blocks with at least as many
 * threads in total as the kernel's grid has points (the product of its extents; 1 for a grid of
 * no dimensions); threads past the end return at once. The entry of a group kernel
 * ({@link tessera.ir.loop.Kernel#group()}) declares {@code .reqntid N} for a group of N work
 * items: launch it as one block of N threads per grid point.
 *
 * @param moduleName the Loop IR module's name
 * @param text       the PTX source
 * @param entryNames Loop IR kernel name to PTX entry name (the same unless the name is not a PTX identifier)
 * @param sm         the architecture the text targets ({@code .target sm_XX})
 */
public record PtxProgram(String moduleName, String text, Map<String, String> entryNames, int sm) {
    public PtxProgram {
        entryNames = Map.copyOf(entryNames);
    }
}
