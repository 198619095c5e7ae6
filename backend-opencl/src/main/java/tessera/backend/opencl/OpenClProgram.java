package tessera.backend.opencl;

import java.util.Map;

/**
 * An emitted OpenCL C program: the source, and the C function name of each Loop IR kernel (a
 * source name that C reserves, such as {@code float}, is mangled). Each function takes the Loop IR
 * kernel's parameters in their order: buffers as {@code __global} pointers, scalars by value
 * ({@code bool} as a 0/1 {@code uchar}). A launch needs at least as many work items as the grid
 * has points (1 for a grid of no dimensions), in one dimension; extra items do nothing. A group
 * kernel ({@link tessera.ir.loop.Kernel#group()}) needs work-groups of exactly its group size,
 * one per grid point; extra groups do nothing.
 *
 * @param moduleName   the Loop IR module's name
 * @param source       the OpenCL C 1.2 source text
 * @param kernelNames  Loop IR kernel name to C function name
 * @param needsFp64    whether the program uses double precision (and enables {@code cl_khr_fp64})
 */
public record OpenClProgram(String moduleName, String source, Map<String, String> kernelNames, boolean needsFp64) {
    public OpenClProgram {
        kernelNames = Map.copyOf(kernelNames);
    }
}
