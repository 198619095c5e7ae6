package tessera.passes;

import java.util.ArrayList;
import java.util.List;
import tessera.ir.loop.Kernel;
import tessera.ir.loop.LExpr;
import tessera.ir.loop.LStmt;
import tessera.ir.loop.Module;
import tessera.ir.tensor.Expr;
import tessera.runtime.DType;

/**
 * Tiles the parallel loops by the target's preferred sizes. A kernel whose grid has at least two
 * dimensions gets its last two strip-mined: the grid runs over tiles
 * ({@code i__tile < ceil(I / tileRows)}, {@code j__tile < ceil(J / tileCols)}) and each work item
 * walks its tile with serial loops, re-deriving {@code i} and {@code j} and skipping the ragged
 * edge, so consecutive iterations reuse the rows they read. Applies only to targets whose groups
 * have one lane ({@link Target#lanesPerGroup()} {@code == 1}: a CPU thread runs a grid point),
 * only when both tile sizes exceed 1, and not to kernels that already manage their tiles (group
 * kernels and kernels with local arrays, such as fused attention); GPU targets keep one point per lane and get their
 * locality from groups.
 */
public final class Tile implements LoopPass {
    @Override
    public String name() {
        return "tile";
    }

    @Override
    public Module apply(Module m, Target t) {
        if (t.lanesPerGroup() != 1 || t.tileRows() <= 1 || t.tileCols() <= 1) return m;
        List<Kernel> kernels = m.kernels().stream().map(k -> k.grid().size() < 2 || planned(k) ? k : tile(k, t.tileRows(), t.tileCols())).toList();
        return new Module(m.name(), kernels, m.plan());
    }

    /** A group kernel, or one that manages its own tiles (local arrays), keeps its grid. */
    private static boolean planned(Kernel k) {
        return k.group().isPresent() || k.body().stream().anyMatch(s -> s instanceof LStmt.Alloc);
    }

    private static LExpr i32(long v) {
        return LExpr.Const.i32(v);
    }

    private static LExpr bin(Expr.BinOp op, LExpr a, LExpr b) {
        return new LExpr.Binary(op, a, b, op.isComparison() || op.isLogical() ? DType.BOOL : DType.I32);
    }

    /** ceil(e / size) for a non-negative extent. */
    private static LExpr tiles(LExpr extent, int size) {
        return bin(Expr.BinOp.DIV, bin(Expr.BinOp.ADD, extent, i32(size - 1)), i32(size));
    }

    static Kernel tile(Kernel k, int rows, int cols) {
        int n = k.grid().size();
        Kernel.GridDim gi = k.grid().get(n - 2);
        Kernel.GridDim gj = k.grid().get(n - 1);
        String it = gi.var() + "__tile";
        String jt = gj.var() + "__tile";
        String ii = gi.var() + "__in";
        String jj = gj.var() + "__in";
        List<Kernel.GridDim> grid = new ArrayList<>(k.grid().subList(0, n - 2));
        grid.add(new Kernel.GridDim(it, tiles(gi.extent(), rows)));
        grid.add(new Kernel.GridDim(jt, tiles(gj.extent(), cols)));
        LExpr i = bin(Expr.BinOp.ADD, bin(Expr.BinOp.MUL, new LExpr.Ref(it, DType.I32), i32(rows)), new LExpr.Ref(ii, DType.I32));
        LExpr j = bin(Expr.BinOp.ADD, bin(Expr.BinOp.MUL, new LExpr.Ref(jt, DType.I32), i32(cols)), new LExpr.Ref(jj, DType.I32));
        List<LStmt> inner = new ArrayList<>();
        inner.add(new LStmt.Let(gj.var(), j));
        inner.add(new LStmt.If(bin(Expr.BinOp.LT, new LExpr.Ref(gj.var(), DType.I32), gj.extent()), k.body(), List.of()));
        List<LStmt> row = new ArrayList<>();
        row.add(new LStmt.Let(gi.var(), i));
        row.add(new LStmt.If(bin(Expr.BinOp.LT, new LExpr.Ref(gi.var(), DType.I32), gi.extent()),
                List.of(new LStmt.For(jj, i32(0), i32(cols), LStmt.LoopKind.SERIAL, inner)), List.of()));
        List<LStmt> body = List.of(
                new LStmt.Comment("tile: " + gi.var() + " in tiles of " + rows + ", " + gj.var() + " in tiles of " + cols),
                new LStmt.For(ii, i32(0), i32(rows), LStmt.LoopKind.SERIAL, row));
        return new Kernel(k.name(), k.params(), grid, k.group(), body, k.origin());
    }
}
