package tessera.backend.ptx;

import static tessera.backend.ptx.L.add;
import static tessera.backend.ptx.L.barrier;
import static tessera.backend.ptx.L.bin;
import static tessera.backend.ptx.L.c;
import static tessera.backend.ptx.L.call;
import static tessera.backend.ptx.L.cast;
import static tessera.backend.ptx.L.comment;
import static tessera.backend.ptx.L.dim;
import static tessera.backend.ptx.L.f;
import static tessera.backend.ptx.L.i32;
import static tessera.backend.ptx.L.in;
import static tessera.backend.ptx.L.load;
import static tessera.backend.ptx.L.local;
import static tessera.backend.ptx.L.loop;
import static tessera.backend.ptx.L.mul;
import static tessera.backend.ptx.L.out;
import static tessera.backend.ptx.L.ref;
import static tessera.backend.ptx.L.scalar;
import static tessera.backend.ptx.L.select;
import static tessera.backend.ptx.L.shared;
import static tessera.backend.ptx.L.store;
import static tessera.backend.ptx.L.when;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import tessera.ir.loop.Kernel;
import tessera.ir.loop.LExpr;
import tessera.ir.loop.LStmt;
import tessera.ir.tensor.Expr.BinOp;
import tessera.ir.tensor.Expr.Builtin;
import tessera.runtime.DType;

/**
 * Hand-built kernels with local arrays: group kernels with shared arrays and barriers (a tree
 * reduction, a tile of fused attention with cooperative loads and matmuls, a group run once) and
 * a plain kernel with private arrays declared inside a loop.
 */
final class GroupSamples {
    private GroupSamples() {}

    /** The work items of every group here. */
    static final int GROUP = 16;
    /** The head dimension of {@link #attentionTile()}. */
    static final int D = 6;

    private static final LExpr LID = i32("lid");

    private static Optional<Kernel.Group> group(int size) {
        return Optional.of(new Kernel.Group("lid", size));
    }

    /**
     * {@code out[g] = sum[t < 16](x[g * 16 + t])} (x read as 0 past N), one group of 16 per g
     * {@code < G}: each work item stores its element into a shared array, then a tree halves the
     * live part four times. {@code barrierInTree} false drops the barrier between the tree's
     * steps, a race.
     */
    static Kernel blockSum(boolean barrierInTree) {
        LExpr g = i32("g");
        LExpr stride = i32("stride");
        LExpr gi = i32("gi");
        List<LStmt> step = new ArrayList<>(List.of(
                when(bin(BinOp.LT, LID, stride),
                        store("s", LID, add(load("s", LID, DType.F32), load("s", add(LID, stride), DType.F32))))));
        if (barrierInTree) step.add(barrier());
        step.add(new LStmt.Assign("stride", bin(BinOp.DIV, stride, c(2))));
        return new Kernel(barrierInTree ? "block_sum" : "block_sum_racy",
                List.of(in("x", DType.F32), out("out", DType.F32), scalar("N", DType.I32), scalar("G", DType.I32)),
                List.of(dim("g", i32("G"))), group(GROUP),
                List.of(comment("out[g] = sum[t](x[g * 16 + t])   (sum.tsr:2, lower)"),
                        shared("s", DType.F32, GROUP),
                        new LStmt.Let("gi", add(mul(g, c(GROUP)), LID)),
                        store("s", LID, select(bin(BinOp.LT, gi, i32("N")), load("x", gi, DType.F32), f(0))),
                        barrier(),
                        new LStmt.Var("stride", DType.I32, c(GROUP / 2)),
                        new LStmt.For("k", c(0), c(4), LStmt.LoopKind.SERIAL, step),
                        when(bin(BinOp.EQ, LID, c(0)), store("out", g, load("s", c(0), DType.F32)))),
                "out[g] = sum[t](x[g * 16 + t])");
    }

    /**
     * A tile of attention as a GPU kernel runs it: grid (b < B, qt < QT), a group of 16 work
     * items each owning query row {@code n = qt * 16 + lid} (rows past N still load tiles and
     * reach every barrier). For each of KT key tiles, uniformly: the group loads K and V rows
     * {@code [kt * 16, kt * 16 + 16)} (zeros past M) into shared [16 x D] tiles, a barrier, each
     * row's dot products with the tile by loops into private {@code s} (declared in the loop, so
     * zeroed per tile) and by a matmul into private {@code s2}, a matmul accumulating
     * {@code s2 x V-tile} into private {@code acc}, a barrier. Out: {@code scores} and
     * {@code scores2} [B, N, M] (scaled), {@code rowmax} [B, N], {@code o} [B, N, D].
     */
    static Kernel attentionTile() {
        LExpr b = i32("b"), qt = i32("qt"), n = i32("n"), kt = i32("kt"), t = i32("t"), j = i32("j"), d = i32("d");
        LExpr bigN = i32("N"), bigM = i32("M");
        LExpr rowOk = ref("row_ok", DType.BOOL);
        LExpr idx = i32("idx"), kr = i32("kr"), src = i32("src"), m = i32("m");
        LExpr scale = ref("scale", DType.F32);
        LExpr mx = ref("mx", DType.F32);
        LExpr qBase = mul(add(mul(b, bigN), n), c(D));
        LExpr scoreAt = add(mul(add(mul(b, bigN), n), bigM), m);
        return new Kernel("attention_tile",
                List.of(in("q", DType.F32), in("k", DType.F32), in("v", DType.F32),
                        out("scores", DType.F32), out("scores2", DType.F32), out("rowmax", DType.F32), out("o", DType.F32),
                        scalar("B", DType.I32), scalar("N", DType.I32), scalar("M", DType.I32), scalar("QT", DType.I32),
                        scalar("KT", DType.I32), scalar("scale", DType.F32)),
                List.of(dim("b", i32("B")), dim("qt", i32("QT"))), group(GROUP),
                List.of(comment("scores[b, n, m] = scale * sum[d](q[b, n, d] * k[b, m, d])   (attn.tsr:3, lower)"),
                        shared("k_tile", DType.F32, GROUP * D),
                        shared("v_tile", DType.F32, GROUP * D),
                        new LStmt.Let("n", add(mul(qt, c(GROUP)), LID)),
                        new LStmt.Let("row_ok", bin(BinOp.LT, n, bigN)),
                        local("q_row", DType.F32, D),
                        local("acc", DType.F32, D),
                        new LStmt.Var("mx", DType.F32, c(Double.NEGATIVE_INFINITY, DType.F32)),
                        when(rowOk, loop("d", c(0), c(D), store("q_row", d, load("q", add(qBase, d), DType.F32)))),
                        loop("kt", c(0), i32("KT"),
                                comment("cooperative load of the K and V tiles"),
                                loop("t", c(0), c((GROUP * D + GROUP - 1) / GROUP),
                                        new LStmt.Let("idx", add(mul(t, c(GROUP)), LID)),
                                        when(bin(BinOp.LT, idx, c(GROUP * D)),
                                                new LStmt.Let("kr", add(mul(kt, c(GROUP)), bin(BinOp.DIV, idx, c(D)))),
                                                new LStmt.Let("src", add(mul(add(mul(b, bigM), kr), c(D)), bin(BinOp.MOD, idx, c(D)))),
                                                store("k_tile", idx, select(bin(BinOp.LT, kr, bigM), load("k", src, DType.F32), f(0))),
                                                store("v_tile", idx, select(bin(BinOp.LT, kr, bigM), load("v", src, DType.F32), f(0))))),
                                barrier(),
                                local("s", DType.F32, GROUP),
                                local("s2", DType.F32, GROUP),
                                when(rowOk,
                                        loop("j", c(0), c(GROUP), loop("d", c(0), c(D),
                                                store("s", j, add(load("s", j, DType.F32),
                                                        mul(load("q_row", d, DType.F32), load("k_tile", add(mul(j, c(D)), d), DType.F32)))))),
                                        new LStmt.MatMul(new LStmt.Operand("s2", c(0), c(GROUP), c(1)),
                                                new LStmt.Operand("q_row", c(0), c(D), c(1)),
                                                new LStmt.Operand("k_tile", c(0), c(1), c(D)), c(1), c(GROUP), c(D), false),
                                        new LStmt.MatMul(new LStmt.Operand("acc", c(0), c(D), c(1)),
                                                new LStmt.Operand("s2", c(0), c(GROUP), c(1)),
                                                new LStmt.Operand("v_tile", c(0), c(D), c(1)), c(1), c(D), c(GROUP), true),
                                        loop("j", c(0), c(GROUP),
                                                new LStmt.Let("m", add(mul(kt, c(GROUP)), j)),
                                                when(bin(BinOp.LT, m, bigM),
                                                        store("scores", scoreAt, mul(load("s", j, DType.F32), scale)),
                                                        store("scores2", scoreAt, mul(load("s2", j, DType.F32), scale)),
                                                        new LStmt.Assign("mx", call(Builtin.MAX, DType.F32, mx,
                                                                mul(load("s", j, DType.F32), scale)))))),
                                barrier()),
                        when(rowOk,
                                store("rowmax", add(mul(b, bigN), n), mx),
                                loop("d", c(0), c(D), store("o", add(qBase, d), load("acc", d, DType.F32))))),
                "scores[b, n, m] = scale * sum[d](q[b, n, d] * k[b, m, d])");
    }

    /** {@code out[0] = sum[t < 8](t * t)} by one group of 8 that runs once (a grid of no dimensions). */
    static Kernel groupOnce() {
        return new Kernel("squares", List.of(out("out", DType.I64)), List.of(), group(8),
                List.of(shared("sq", DType.I64, 8),
                        store("sq", LID, mul(cast(LID, DType.I64), cast(LID, DType.I64))),
                        barrier(),
                        when(bin(BinOp.EQ, LID, c(0)),
                                new LStmt.Var("total", DType.I64, c(0, DType.I64)),
                                loop("t", c(0), c(8), new LStmt.Assign("total", add(ref("total", DType.I64), load("sq", i32("t"), DType.I64)))),
                                store("out", c(0), ref("total", DType.I64)))),
                "out[0] = sum[t](t * t)");
    }

    /**
     * A plain kernel (no groups) with private arrays declared inside a loop over r < 3: an i64
     * array of 20 (zeroed by a loop) accumulated twice, a bool array of 5 (zeroed by one store)
     * with a constant index. {@code y[i * 3 + r] = 10 * sum[j](h[j]) + (number of true seen[0..3])}
     * is right only if both arrays start zeroed in every iteration; {@code flag[i * 3 + r] = w[i] > 0}.
     */
    static Kernel privateScratch() {
        LExpr i = i32("i"), r = i32("r"), j = i32("j");
        LExpr h = load("h", j, DType.I64);
        LExpr at = add(mul(i, c(3)), r);
        return new Kernel("scratch",
                List.of(in("w", DType.I32), out("y", DType.I64), out("flag", DType.BOOL), scalar("N", DType.I32)),
                List.of(dim("i", i32("N"))),
                List.of(loop("r", c(0), c(3),
                        local("h", DType.I64, 20),
                        local("seen", DType.BOOL, 5),
                        loop("j", c(0), c(20), store("h", j, add(h, mul(cast(load("w", i, DType.I32), DType.I64), add(j, r))))),
                        loop("j", c(0), c(20), store("h", j, add(h, j))),
                        store("seen", r, LExpr.Const.bool(true)),
                        store("seen", c(4), bin(BinOp.GT, load("w", i, DType.I32), c(0))),
                        new LStmt.Var("total", DType.I64, c(0, DType.I64)),
                        loop("j", c(0), c(20), new LStmt.Assign("total", add(ref("total", DType.I64), h))),
                        new LStmt.Var("count", DType.I32, c(0)),
                        loop("j", c(0), c(4), new LStmt.Assign("count", add(i32("count"), select(load("seen", j, DType.BOOL), c(1), c(0))))),
                        store("y", at, add(mul(ref("total", DType.I64), c(10)), i32("count"))),
                        store("flag", at, load("seen", c(4), DType.BOOL)))),
                "y[i, r] = ...");
    }

    /** Every kernel here, one module each, by name. */
    static java.util.Map<String, tessera.ir.loop.Module> all() {
        java.util.Map<String, tessera.ir.loop.Module> m = new java.util.LinkedHashMap<>();
        m.put("block_sum", L.module("block_sum", blockSum(true)));
        m.put("block_sum_racy", L.module("block_sum_racy", blockSum(false)));
        m.put("attention_tile", L.module("attention_tile", attentionTile()));
        m.put("group_once", L.module("group_once", groupOnce()));
        m.put("private_scratch", L.module("private_scratch", privateScratch()));
        return m;
    }
}
