package tessera.ir.loop;

import java.util.List;
import tessera.runtime.DType;

/**
 * One kernel: run {@code body} once for every point of the grid, in any order and in parallel.
 * Grid variables are I32 {@link LExpr.Ref}s in the body; extents are expressions of the scalar
 * parameters. Work items never write the same element of a buffer (except where the plan says a
 * kernel is serial: a grid of one point).
 *
 * @param origin the source statement, for comments and messages
 */
public record Kernel(String name, List<Param> params, List<GridDim> grid, List<LStmt> body, String origin) {
    public Kernel {
        params = List.copyOf(params);
        grid = List.copyOf(grid);
        body = List.copyOf(body);
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
