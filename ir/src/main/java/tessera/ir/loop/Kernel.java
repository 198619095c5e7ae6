package tessera.ir.loop;

import java.util.List;
import java.util.Optional;
import tessera.runtime.DType;

/**
 * One kernel: run {@code body} once for every point of the grid, in any order and in parallel.
 * Grid variables are I32 {@link LExpr.Ref}s in the body; extents are expressions of the scalar
 * parameters. Work items never write the same element of a buffer (except where the plan says a
 * kernel is serial: a grid of one point).
 *
 * @param origin the source statement, for comments and messages
 */
public record Kernel(String name, List<Param> params, List<GridDim> grid, Optional<Group> group, List<LStmt> body,
                     String origin) {
    public Kernel {
        params = List.copyOf(params);
        grid = List.copyOf(grid);
        body = List.copyOf(body);
        if (group == null) throw new IllegalArgumentException("group: use Optional.empty()");
    }

    /** A kernel whose grid points are single work items. */
    public Kernel(String name, List<Param> params, List<GridDim> grid, List<LStmt> body, String origin) {
        this(name, params, grid, Optional.empty(), body, origin);
    }

    /** The same kernel with another body. */
    public Kernel withBody(List<LStmt> newBody) {
        return new Kernel(name, params, grid, group, newBody, origin);
    }

    /**
     * A group kernel runs {@code size} work items at every grid point: they are one group
     * (a CUDA thread block, an OpenCL work-group), see their position in it as the I32
     * {@link LExpr.Ref} {@code var} in {@code [0, size)}, share {@link LStmt.Space#SHARED} arrays
     * and meet at {@link LStmt.Barrier}s. Groups run in any order and never wait for each other.
     */
    public record Group(String var, int size) {
        public Group {
            if (var == null || size < 1) throw new IllegalArgumentException("group " + var + " of " + size);
        }
    }

    public sealed interface Param {
        String name();
        DType type();
    }

    /** A buffer argument: elements of {@code type}, stored row-major. */
    public record BufferParam(String name, DType type, Access access) implements Param {}

    public enum Access { READ, WRITE, READ_WRITE }

    /** A scalar argument (a dim, a scalar parameter, a host-computed let). */
    public record ScalarParam(String name, DType type) implements Param {}

    /** One parallel dimension of the grid: {@code var} ranges over {@code [0, extent)}. */
    public record GridDim(String var, LExpr extent) {}
}
