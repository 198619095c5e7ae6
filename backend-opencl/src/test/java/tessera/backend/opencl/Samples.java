package tessera.backend.opencl;

import static tessera.backend.opencl.L.add;
import static tessera.backend.opencl.L.bin;
import static tessera.backend.opencl.L.c;
import static tessera.backend.opencl.L.call;
import static tessera.backend.opencl.L.cast;
import static tessera.backend.opencl.L.dim;
import static tessera.backend.opencl.L.f;
import static tessera.backend.opencl.L.i32;
import static tessera.backend.opencl.L.in;
import static tessera.backend.opencl.L.load;
import static tessera.backend.opencl.L.mul;
import static tessera.backend.opencl.L.out;
import static tessera.backend.opencl.L.ref;
import static tessera.backend.opencl.L.scalar;
import static tessera.backend.opencl.L.select;
import static tessera.backend.opencl.L.store;
import static tessera.backend.opencl.L.sub;

import java.util.List;
import tessera.ir.loop.Kernel;
import tessera.ir.loop.LExpr;
import tessera.ir.loop.LStmt;
import tessera.ir.tensor.Expr.BinOp;
import tessera.ir.tensor.Expr.Builtin;
import tessera.ir.tensor.Expr.UnOp;
import tessera.runtime.DType;

/** Hand-built Loop IR kernels shared by the emitter and device tests. */
final class Samples {
    private Samples() {}

    static final LExpr I = i32("i");
    static final LExpr N = i32("N");

    /** {@code y[i] = x[i] > 0 ? alpha * x[i] : x[i] / 2; k[i] = int(3 * x[i])}. */
    static Kernel elementwise() {
        LExpr xi = ref("xi", DType.F32);
        return new Kernel("relu_scale",
                List.of(in("x", DType.F32), out("y", DType.F32), out("k", DType.I32), scalar("N", DType.I32),
                        scalar("alpha", DType.F32)),
                List.of(dim("i", N)),
                List.of(new LStmt.Comment("y[i] = x[i] > 0 ? alpha * x[i] : x[i] / 2   (relu.tsr:3, lower)"),
                        new LStmt.Let("xi", load("x", I, DType.F32)),
                        store("y", I, select(bin(BinOp.GT, xi, f(0)), mul(ref("alpha", DType.F32), xi),
                                bin(BinOp.DIV, xi, f(2)))),
                        new LStmt.Comment("k[i] = int(3 * x[i])"),
                        store("k", I, cast(mul(c(3), xi), DType.I32))),
                "y[i] = x[i] > 0 ? alpha * x[i] : x[i] / 2");
    }

    /** {@code bits[i] = philox(seed, a, i - 3); u[i] = uniform(seed, a, i - 3)} with {@code a = i * (2^32 + 1) - 5}. */
    static Kernel philox() {
        LExpr a = ref("a", DType.I64);
        LExpr b = sub(I, c(3));
        return new Kernel("noise",
                List.of(out("bits", DType.I64), out("u", DType.F32), scalar("seed", DType.I64), scalar("N", DType.I32)),
                List.of(dim("i", N)),
                List.of(new LStmt.Let("a", sub(mul(cast(I, DType.I64), c(4294967297.0, DType.I64)), c(5, DType.I64))),
                        store("bits", I, call(Builtin.PHILOX, DType.I64, ref("seed", DType.I64), a, b)),
                        store("u", I, call(Builtin.UNIFORM, DType.F32, ref("seed", DType.I64), a, b))),
                "bits[i] = philox(seed, a, i - 3)");
    }

    /** {@code y[i] = sum[j](A[i, j] * x[j])}: one work item per row, a serial loop over the row. */
    static Kernel matvec() {
        LExpr j = i32("j");
        LExpr acc = ref("acc", DType.F32);
        return new Kernel("matvec",
                List.of(in("A", DType.F32), in("x", DType.F32), out("y", DType.F32), scalar("N", DType.I32),
                        scalar("M", DType.I32)),
                List.of(dim("i", N)),
                List.of(new LStmt.Comment("y[i] = sum[j](A[i, j] * x[j])"),
                        new LStmt.Var("acc", DType.F32, f(0)),
                        new LStmt.For("j", c(0), i32("M"), LStmt.LoopKind.SERIAL, List.of(
                                new LStmt.Assign("acc", add(acc, mul(load("A", add(mul(I, i32("M")), j), DType.F32),
                                        load("x", j, DType.F32)))))),
                        store("y", I, acc)),
                "y[i] = sum[j](A[i, j] * x[j])");
    }

    /**
     * {@code cls[i]} = -1 below lo, 1 above hi, 2 in between where mask[i] and not invert, else 0;
     * {@code flag[i] = cls[i] != 0 && (i + 1 >= N || x[i + 1] > x[i])} (lazy: no read past the end).
     */
    static Kernel branches() {
        LExpr x = load("x", I, DType.F32);
        LExpr cls = ref("c", DType.I32);
        LExpr next = add(I, c(1));
        LExpr rising = bin(BinOp.OR, bin(BinOp.GE, next, N),
                bin(BinOp.GT, load("x", next, DType.F32), x));
        return new Kernel("classify",
                List.of(in("x", DType.F32), in("mask", DType.BOOL), out("cls", DType.I32), out("flag", DType.BOOL),
                        scalar("N", DType.I32), scalar("lo", DType.F32), scalar("hi", DType.F32),
                        scalar("invert", DType.BOOL)),
                List.of(dim("i", N)),
                List.of(new LStmt.Var("c", DType.I32, c(0)),
                        new LStmt.If(bin(BinOp.LT, x, ref("lo", DType.F32)),
                                List.of(new LStmt.Assign("c", c(-1))),
                                List.of(new LStmt.If(bin(BinOp.GT, x, ref("hi", DType.F32)),
                                        List.of(new LStmt.Assign("c", c(1))),
                                        List.of(new LStmt.If(bin(BinOp.AND, load("mask", I, DType.BOOL),
                                                        new LExpr.Unary(UnOp.NOT, ref("invert", DType.BOOL), DType.BOOL)),
                                                List.of(new LStmt.Comment("inside, masked in"), new LStmt.Assign("c", c(2))),
                                                List.of()))))),
                        store("cls", I, cls),
                        store("flag", I, bin(BinOp.AND, bin(BinOp.NE, cls, c(0)), rising))),
                "cls[i] = ...");
    }

    /** {@code out[i, j, k] = i * 10000 + j * 100 + k} over a 3-d grid. */
    static Kernel grid3() {
        LExpr i = i32("i"), j = i32("j"), k = i32("k"), b = i32("B"), cc = i32("C");
        return new Kernel("iota3",
                List.of(out("out", DType.I32), scalar("A", DType.I32), scalar("B", DType.I32), scalar("C", DType.I32)),
                List.of(dim("i", i32("A")), dim("j", b), dim("k", cc)),
                List.of(store("out", add(mul(add(mul(i, b), j), cc), k),
                        add(add(mul(i, c(10000)), mul(j, c(100))), k))),
                "out[i, j, k] = i * 10000 + j * 100 + k");
    }

    /** {@code total[0] = sum[i](x[i])} on one work item. */
    static Kernel serialSum() {
        LExpr s = ref("s", DType.F64);
        return new Kernel("total",
                List.of(in("x", DType.F32), out("total", DType.F64), scalar("N", DType.I32)),
                List.of(),
                List.of(new LStmt.Var("s", DType.F64, c(0)),
                        new LStmt.For("i", c(0), N, LStmt.LoopKind.UNROLLED,
                                List.of(new LStmt.Assign("s", add(s, load("x", I, DType.F32))))),
                        store("total", c(0), s)),
                "total = sum[i](x[i])");
    }
}
