package tessera.backend.ptx.cuda;

import java.util.Map;
import java.util.Objects;

/**
 * PTX text for the driver to load, and the {@code .entry} name of each Loop IR kernel in it. Each
 * entry takes the Loop IR kernel's parameters in their order (buffers as {@code .u64} device
 * addresses, scalars by value with their types, {@code bool} as {@code .u8}) and is launched 1-D:
 * work item {@code ctaid.x * ntid.x + tid.x} handles that point of the row-major grid, and items
 * past the grid's point count (1 for a grid of no dimensions) do nothing.
 *
 * @param moduleName  the Loop IR module's name, for messages
 * @param text        the PTX source (loaded with {@code cuModuleLoadDataEx})
 * @param entryNames  Loop IR kernel name to PTX entry name
 */
public record PtxImage(String moduleName, String text, Map<String, String> entryNames) {
    public PtxImage {
        Objects.requireNonNull(moduleName, "moduleName");
        Objects.requireNonNull(text, "text");
        entryNames = Map.copyOf(entryNames);
    }
}
