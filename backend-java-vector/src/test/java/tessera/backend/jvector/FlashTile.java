package tessera.backend.jvector;

import static tessera.backend.jvector.L.*;

import java.util.List;
import tessera.ir.loop.Kernel;
import tessera.ir.loop.LExpr;
import tessera.runtime.DType;

/**
 * A hand-written fused FlashAttention kernel in the shape the compiler lowers it to: per grid
 * point (bh, qt) a tile of {@code br} query rows in private arrays, key blocks of {@code bc}
 * keys transposed into a private array, {@code S = Q Kt} and {@code acc += P V} as matmuls (V
 * read straight from its buffer), the online softmax in VECTORIZED loops over the private
 * arrays. Head dims {@code D}, {@code E} and lengths {@code N}, {@code M} are run-time scalars.
 *
 * <p>Buffers: {@code q[BH, N, D]}, {@code k[BH, M, D]}, {@code v[BH, M, E]}, {@code o[BH, N, E]}
 * (f32); scalars {@code BH, QT (= ceil(N / br)), N, M, D, E, scale}.
 */
final class FlashTile {
    private FlashTile() {}

    static Kernel kernel(int br, int bc) {
        return kernel(br, bc, false);
    }

    /** With {@code causal}, key {@code j} is masked out of query row {@code i} when {@code j > i + M - N}. */
    static Kernel kernel(int br, int bc, boolean causal) {
        LExpr bh = i32("bh");
        LExpr qt = i32("qt");
        LExpr n = i32("N");
        LExpr m = i32("M");
        LExpr d = i32("D");
        LExpr e = i32("E");
        LExpr r = i32("r");
        LExpr c = i32("c");
        LExpr dd = i32("d");
        LExpr ee = i32("e");
        LExpr rows = i32("rows");
        LExpr cols = i32("cols");
        LExpr i0 = i32("i0");
        LExpr j0 = i32("j0");
        LExpr f = ref("scale", DType.F32);
        LExpr brC = ci(br);
        LExpr bcC = ci(bc);
        LExpr negInf = cf(Double.NEGATIVE_INFINITY);
        LExpr sAt = add(mul(r, bcC), c);
        LExpr accAt = add(mul(r, e), ee);
        return new Kernel("flash_tile",
                List.of(in("q", DType.F32), in("k", DType.F32), in("v", DType.F32), out("o", DType.F32),
                        scalar("BH", DType.I32), scalar("QT", DType.I32), scalar("N", DType.I32), scalar("M", DType.I32),
                        scalar("D", DType.I32), scalar("E", DType.I32), scalar("scale", DType.F32)),
                List.of(dim("bh", i32("BH")), dim("qt", i32("QT"))),
                List.of(
                        local("Qs", DType.F32, mul(brC, d)),
                        local("Kt", DType.F32, mul(d, bcC)),
                        local("S", DType.F32, ci((long) br * bc)),
                        local("acc", DType.F32, mul(brC, e)),
                        local("mrow", DType.F32, brC),
                        local("lrow", DType.F32, brC),
                        let("qbase", mul(mul(bh, n), d)),
                        let("kbase", mul(mul(bh, m), d)),
                        let("vbase", mul(mul(bh, m), e)),
                        let("obase", mul(mul(bh, n), e)),
                        let("i0", mul(qt, brC)),
                        let("rows", min(brC, sub(n, i0))),
                        comment("copy the query tile"),
                        loop("r", ci(0), rows,
                                vectorized("d", ci(0), d,
                                        store("Qs", add(mul(r, d), dd),
                                                f32("q", add(add(i32("qbase"), mul(add(i0, r), d)), dd))))),
                        loop("r", ci(0), rows, store("mrow", r, negInf)),
                        let("KB", div(add(m, ci(bc - 1)), bcC)),
                        loop("kb", ci(0), i32("KB"),
                                let("j0", mul(i32("kb"), bcC)),
                                let("cols", min(bcC, sub(m, j0))),
                                loop("c", ci(0), cols,
                                        loop("d", ci(0), d,
                                                store("Kt", add(mul(dd, bcC), c),
                                                        f32("k", add(add(i32("kbase"), mul(add(j0, c), d)), dd))))),
                                matmul(operand("S", ci(0), bcC, ci(1)), operand("Qs", ci(0), d, ci(1)),
                                        operand("Kt", ci(0), bcC, ci(1)), rows, cols, d, false),
                                loop("r", ci(0), rows,
                                        var("mx", DType.F32, negInf),
                                        vectorized("c", ci(0), cols,
                                                let("sv", causal
                                                        ? select(gt(add(j0, c), add(add(i0, r), sub(m, n))), negInf, mul(f32("S", sAt), f))
                                                        : mul(f32("S", sAt), f)),
                                                store("S", sAt, ref("sv", DType.F32)),
                                                assign("mx", max(ref("mx", DType.F32), ref("sv", DType.F32)))),
                                        let("mold", f32("mrow", r)),
                                        let("mnew", max(ref("mold", DType.F32), ref("mx", DType.F32))),
                                        let("alpha", exp(sub(ref("mold", DType.F32), ref("mnew", DType.F32)))),
                                        store("mrow", r, ref("mnew", DType.F32)),
                                        var("sum", DType.F32, cf(0)),
                                        vectorized("c", ci(0), cols,
                                                let("p", exp(sub(f32("S", sAt), ref("mnew", DType.F32)))),
                                                store("S", sAt, ref("p", DType.F32)),
                                                assign("sum", add(ref("sum", DType.F32), ref("p", DType.F32)))),
                                        store("lrow", r, add(mul(f32("lrow", r), ref("alpha", DType.F32)), ref("sum", DType.F32))),
                                        vectorized("e", ci(0), e,
                                                store("acc", accAt, mul(f32("acc", accAt), ref("alpha", DType.F32))))),
                                matmul(operand("acc", ci(0), e, ci(1)), operand("S", ci(0), bcC, ci(1)),
                                        operand("v", add(i32("vbase"), mul(j0, e)), e, ci(1)), rows, e, cols, true)),
                        loop("r", ci(0), rows,
                                let("inv", div(cf(1), f32("lrow", r))),
                                vectorized("e", ci(0), e,
                                        store("o", add(add(i32("obase"), mul(add(i0, r), e)), ee),
                                                mul(f32("acc", accAt), ref("inv", DType.F32)))))),
                causal ? "o = softmax(causal(q k^T * scale)) v, tiled" : "o = softmax(q k^T * scale) v, tiled");
    }
}
