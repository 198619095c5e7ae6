package tessera.backend.ptx;

import static tessera.backend.ptx.L.add;
import static tessera.backend.ptx.L.bin;
import static tessera.backend.ptx.L.c;
import static tessera.backend.ptx.L.call;
import static tessera.backend.ptx.L.cast;
import static tessera.backend.ptx.L.comment;
import static tessera.backend.ptx.L.dim;
import static tessera.backend.ptx.L.f;
import static tessera.backend.ptx.L.i32;
import static tessera.backend.ptx.L.in;
import static tessera.backend.ptx.L.inout;
import static tessera.backend.ptx.L.load;
import static tessera.backend.ptx.L.mul;
import static tessera.backend.ptx.L.neg;
import static tessera.backend.ptx.L.not;
import static tessera.backend.ptx.L.out;
import static tessera.backend.ptx.L.ref;
import static tessera.backend.ptx.L.scalar;
import static tessera.backend.ptx.L.select;
import static tessera.backend.ptx.L.store;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tessera.ir.loop.Kernel;
import tessera.ir.loop.LExpr;
import tessera.ir.loop.LStmt;
import tessera.ir.loop.Module;
import tessera.ir.tensor.Expr.BinOp;
import tessera.ir.tensor.Expr.Builtin;
import tessera.ir.tensor.Types;
import tessera.runtime.DType;

/**
 * Hand-built Loop IR kernels that together use every expression and statement kind, every
 * builtin, every dtype in buffers and scalars, every loop kind, grids of 0 to 3 dimensions and
 * an empty grid.
 */
final class Samples {
    private Samples() {}

    static final LExpr I = i32("i");
    static final LExpr N = i32("N");
    /** The value types, and the storage types. */
    static final List<DType> VALUE_TYPES = List.of(DType.BOOL, DType.I32, DType.I64, DType.F32, DType.F64);
    static final List<DType> NUMBERS = List.of(DType.I32, DType.I64, DType.F32, DType.F64);

    /** Every hand-built module, by name. */
    static Map<String, Module> all() {
        Map<String, Module> m = new java.util.LinkedHashMap<>();
        m.put("elementwise", L.module("elementwise", elementwise()));
        m.put("matvec", L.module("matvec", matvec()));
        m.put("branches", L.module("branches", branches()));
        m.put("grid3", L.module("grid3", grid3()));
        m.put("serial", L.module("serial", serialSum()));
        m.put("empty_grid", L.module("empty_grid", emptyGrid()));
        m.put("arithmetic", L.module("arithmetic", arithmetic()));
        m.put("conversions", L.module("conversions", conversions()));
        m.put("builtins", L.module("builtins", builtins()));
        m.put("random", L.module("random", random()));
        m.put("storage", L.module("storage", storage()));
        m.put("lazy", L.module("lazy", lazy()));
        m.put("loops", L.module("loops", loops()));
        m.put("two_kernels", L.module("two_kernels", elementwise(), matvec()));
        m.put("edges", L.module("edges", noParams(), farIndex()));
        return m;
    }

    /** {@code y[i] = x[i] > 0 ? alpha * x[i] : x[i] / 2; k[i] = int(3 * x[i])}. */
    static Kernel elementwise() {
        LExpr xi = ref("xi", DType.F32);
        return new Kernel("relu_scale",
                List.of(in("x", DType.F32), out("y", DType.F32), out("k", DType.I32), scalar("N", DType.I32),
                        scalar("alpha", DType.F32)),
                List.of(dim("i", N)),
                List.of(comment("y[i] = x[i] > 0 ? alpha * x[i] : x[i] / 2   (relu.tsr:3, lower)"),
                        new LStmt.Let("xi", load("x", I, DType.F32)),
                        store("y", I, select(bin(BinOp.GT, xi, f(0)), mul(ref("alpha", DType.F32), xi), bin(BinOp.DIV, xi, f(2)))),
                        comment("k[i] = int(3 * x[i])"),
                        store("k", I, cast(mul(c(3), xi), DType.I32))),
                "y[i] = x[i] > 0 ? alpha * x[i] : x[i] / 2");
    }

    /** {@code y[i] = sum[j](A[i, j] * x[j])}: a serial loop per row. */
    static Kernel matvec() {
        LExpr j = i32("j");
        LExpr acc = ref("acc", DType.F32);
        return new Kernel("matvec",
                List.of(in("A", DType.F32), in("x", DType.F32), out("y", DType.F32), scalar("N", DType.I32), scalar("M", DType.I32)),
                List.of(dim("i", N)),
                List.of(comment("y[i] = sum[j](A[i, j] * x[j])"),
                        new LStmt.Var("acc", DType.F32, f(0)),
                        new LStmt.For("j", c(0), i32("M"), LStmt.LoopKind.SERIAL, List.of(
                                new LStmt.Assign("acc", add(acc, mul(load("A", add(mul(I, i32("M")), j), DType.F32),
                                        load("x", j, DType.F32)))))),
                        store("y", I, acc)),
                "y[i] = sum[j](A[i, j] * x[j])");
    }

    /** Nested if/else chains, bool buffers and a bool scalar, and a lazy {@code &&} guarding a read past the end. */
    static Kernel branches() {
        LExpr x = load("x", I, DType.F32);
        LExpr cls = ref("c", DType.I32);
        LExpr next = add(I, c(1));
        LExpr rising = bin(BinOp.OR, bin(BinOp.GE, next, N), bin(BinOp.GT, load("x", next, DType.F32), x));
        return new Kernel("classify",
                List.of(in("x", DType.F32), in("mask", DType.BOOL), out("cls", DType.I32), out("flag", DType.BOOL),
                        scalar("N", DType.I32), scalar("lo", DType.F32), scalar("hi", DType.F32), scalar("invert", DType.BOOL)),
                List.of(dim("i", N)),
                List.of(new LStmt.Var("c", DType.I32, c(0)),
                        new LStmt.If(bin(BinOp.LT, x, ref("lo", DType.F32)),
                                List.of(new LStmt.Assign("c", c(-1))),
                                List.of(new LStmt.If(bin(BinOp.GT, x, ref("hi", DType.F32)),
                                        List.of(new LStmt.Assign("c", c(1))),
                                        List.of(new LStmt.If(bin(BinOp.AND, load("mask", I, DType.BOOL), not(ref("invert", DType.BOOL))),
                                                List.of(comment("inside, masked in"), new LStmt.Assign("c", c(2))),
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
                List.of(store("out", add(mul(add(mul(i, b), j), cc), k), add(add(mul(i, c(10000)), mul(j, c(100))), k))),
                "out[i, j, k] = i * 10000 + j * 100 + k");
    }

    /** {@code total[0] = sum[i](x[i])} in f64 on one thread, with an unrolled loop. */
    static Kernel serialSum() {
        LExpr s = ref("s", DType.F64);
        return new Kernel("total",
                List.of(in("x", DType.F32), out("total", DType.F64), scalar("N", DType.I32)),
                List.of(),
                List.of(new LStmt.Var("s", DType.F64, c(0, DType.F64)),
                        new LStmt.For("i", c(0), N, LStmt.LoopKind.UNROLLED, List.of(new LStmt.Assign("s", add(s, load("x", I, DType.F32))))),
                        store("total", c(0), s)),
                "total = sum[i](x[i])");
    }

    /** A grid with a constant zero extent and a 2-d grid with a constant one: nothing runs, or a fixed count does. */
    static Kernel emptyGrid() {
        return new Kernel("nothing",
                List.of(out("y", DType.F32), scalar("N", DType.I32)),
                List.of(dim("i", c(0)), dim("j", N)),
                List.of(store("y", add(mul(I, N), i32("j")), f(1))),
                "y[i, j] = 1 over an empty grid");
    }

    /** Every arithmetic and comparison operator on every numeric type, and == / != on bools. */
    static Kernel arithmetic() {
        List<Kernel.Param> params = new ArrayList<>();
        List<LStmt> body = new ArrayList<>();
        for (DType t : NUMBERS) {
            String n = t.sourceName();
            params.add(in("a_" + n, t));
            params.add(out("r_" + n, t));
            LExpr a = load("a_" + n, I, t);
            LExpr b = load("a_" + n, add(I, c(1)), t);
            body.add(new LStmt.Let("x_" + n, a));
            body.add(new LStmt.Let("y_" + n, b));
            LExpr x = ref("x_" + n, t), y = ref("y_" + n, t);
            int slot = 0;
            for (BinOp op : List.of(BinOp.ADD, BinOp.SUB, BinOp.MUL, BinOp.DIV, BinOp.MOD)) {
                body.add(store("r_" + n, add(mul(I, c(16)), c(slot++)), bin(op, x, y)));
            }
            // Constant divisors: 0 and -1 fold, others divide directly; MIN and negative immediates.
            for (double d : List.of(0.0, -1.0, 7.0)) {
                body.add(store("r_" + n, add(mul(I, c(16)), c(slot++)), bin(BinOp.DIV, x, c(d, t))));
                body.add(store("r_" + n, add(mul(I, c(16)), c(slot++)), bin(BinOp.MOD, x, c(d, t))));
            }
            double min = t == DType.I32 ? Integer.MIN_VALUE : t == DType.I64 ? Long.MIN_VALUE : -Double.MAX_VALUE;
            body.add(store("r_" + n, add(mul(I, c(16)), c(slot++)), add(neg(x), c(min, t))));
            body.add(store("r_" + n, add(mul(I, c(16)), c(slot++)), bin(BinOp.SUB, c(5, t), x)));
            for (BinOp op : List.of(BinOp.LT, BinOp.LE, BinOp.GT, BinOp.GE, BinOp.EQ, BinOp.NE)) {
                params.add(out("cmp_" + n + "_" + op.name().toLowerCase(), DType.BOOL));
                body.add(store("cmp_" + n + "_" + op.name().toLowerCase(), I, bin(op, x, y)));
            }
        }
        params.add(in("p", DType.BOOL));
        params.add(out("q", DType.BOOL));
        LExpr p = load("p", I, DType.BOOL), q = load("p", add(I, c(1)), DType.BOOL);
        body.add(store("q", mul(I, c(4)), bin(BinOp.EQ, p, q)));
        body.add(store("q", add(mul(I, c(4)), c(1)), bin(BinOp.NE, p, c(1, DType.BOOL))));
        body.add(store("q", add(mul(I, c(4)), c(2)), bin(BinOp.LT, ref("x_i32", DType.I32), ref("y_f64", DType.F64))));
        body.add(store("q", add(mul(I, c(4)), c(3)), bin(BinOp.EQ, c(1, DType.BOOL), c(0, DType.BOOL))));
        params.add(scalar("N", DType.I32));
        return new Kernel("arith", params, List.of(dim("i", N)), body, "every operator");
    }

    /** Every cast between value types, of a loaded value and of a constant, and FLOAT/INT. */
    static Kernel conversions() {
        List<Kernel.Param> params = new ArrayList<>();
        List<LStmt> body = new ArrayList<>();
        for (DType from : VALUE_TYPES) params.add(in("src_" + from.sourceName(), from));
        for (DType to : VALUE_TYPES) params.add(out("dst_" + to.sourceName(), to));
        int slot = 0;
        for (DType from : VALUE_TYPES) {
            for (DType to : VALUE_TYPES) {
                LExpr index = add(mul(I, c(32)), c(slot++));
                body.add(store("dst_" + to.sourceName(), index, cast(load("src_" + from.sourceName(), I, from), to)));
                LExpr constant = from == DType.BOOL ? c(1, DType.BOOL) : c(from.isFloat() ? -2.5e10 : -7, from);
                body.add(store("dst_" + to.sourceName(), add(index, c(16)), cast(constant, to)));
            }
        }
        for (DType from : NUMBERS) {
            LExpr v = load("src_" + from.sourceName(), I, from);
            body.add(store("dst_f32", I, call(Builtin.FLOAT, DType.F32, v)));
            body.add(store("dst_f64", I, call(Builtin.FLOAT, DType.F64, v)));
            body.add(store("dst_i32", I, call(Builtin.INT, DType.I32, v)));
            body.add(store("dst_i64", I, call(Builtin.INT, DType.I64, v)));
        }
        body.add(store("dst_f32", I, call(Builtin.FLOAT, DType.F32, load("src_bool", I, DType.BOOL))));
        body.add(store("dst_f32", I, c(Double.NaN, DType.F32)));
        body.add(store("dst_f64", I, c(Double.NEGATIVE_INFINITY, DType.F64)));
        params.add(scalar("N", DType.I32));
        return new Kernel("convert", params, List.of(dim("i", N)), body, "every conversion");
    }

    /** Every builtin that f32 and f64 support, on loaded values. */
    static Kernel builtins() {
        List<Kernel.Param> params = new ArrayList<>();
        List<LStmt> body = new ArrayList<>();
        for (DType t : NUMBERS) {
            String n = t.sourceName();
            DType ft = Types.floatOf(t);
            params.add(in("a_" + n, t));
            params.add(out("r_" + n, t));
            params.add(out("fr_" + n, ft));
            LExpr x = load("a_" + n, I, t);
            LExpr y = load("a_" + n, add(I, c(1)), t);
            List<LExpr> results = new ArrayList<>(List.of(
                    call(Builtin.ABS, t, x), call(Builtin.MIN, t, x, y), call(Builtin.MAX, t, x, y),
                    call(Builtin.SQRT, ft, x), call(Builtin.RSQRT, ft, x), call(Builtin.FLOOR, ft, x), call(Builtin.CEIL, ft, x)));
            if (ft == DType.F32) {
                results.addAll(List.of(call(Builtin.EXP, ft, x), call(Builtin.LOG, ft, x), call(Builtin.TANH, ft, x),
                        call(Builtin.SIGMOID, ft, x), call(Builtin.POW, ft, x, y)));
            }
            int slot = 0;
            for (LExpr r : results) {
                String target = r.type() == t ? "r_" + n : "fr_" + n;
                body.add(store(target, add(mul(I, c(16)), c(slot++)), r));
            }
        }
        body.add(store("r_f32", I, call(Builtin.MAX, DType.F32, f(Double.NaN), load("a_f32", I, DType.F32))));
        params.add(scalar("N", DType.I32));
        return new Kernel("builtins", params, List.of(dim("i", N)), body, "every builtin");
    }

    /** {@code bits[i] = philox(seed, a, i - 3); u[i] = uniform(seed, a, i - 3)}, i32 and i64 arguments. */
    static Kernel random() {
        LExpr a = ref("a", DType.I64);
        LExpr b = bin(BinOp.SUB, I, c(3));
        return new Kernel("noise",
                List.of(out("bits", DType.I64), out("u", DType.F32), scalar("seed", DType.I64), scalar("N", DType.I32)),
                List.of(dim("i", N)),
                List.of(new LStmt.Let("a", bin(BinOp.SUB, mul(cast(I, DType.I64), c(4294967297.0, DType.I64)), c(5, DType.I64))),
                        store("bits", I, call(Builtin.PHILOX, DType.I64, ref("seed", DType.I64), a, b)),
                        store("u", I, call(Builtin.UNIFORM, DType.F32, ref("seed", DType.I64), a, b)),
                        store("bits", add(I, N), call(Builtin.PHILOX, DType.I64, c(42), I, c(7)))),
                "bits[i] = philox(seed, a, i - 3)");
    }

    /** f16 and bf16 buffers (read and written), a read-write buffer, i64 indices, and scalars of every type. */
    static Kernel storage() {
        LExpr h = load("h", I, DType.F16);
        LExpr bf = load("bf", I, DType.BF16);
        return new Kernel("storage",
                List.of(in("h", DType.F16), in("bf", DType.BF16), out("h_out", DType.F16), out("bf_out", DType.BF16),
                        inout("acc", DType.F64), scalar("N", DType.I32), scalar("L", DType.I64), scalar("s32", DType.F32),
                        scalar("s64", DType.F64), scalar("flag", DType.BOOL)),
                List.of(dim("i", N)),
                List.of(store("h_out", I, add(h, bf)),
                        store("h_out", add(I, N), c(1.5, DType.F64)),
                        store("h_out", add(I, mul(N, c(2))), add(load("acc", I, DType.F64), c(1, DType.F64))),
                        store("bf_out", I, mul(bf, ref("s32", DType.F32))),
                        store("bf_out", add(I, N), c(3, DType.I64)),
                        store("acc", cast(I, DType.I64), add(load("acc", cast(I, DType.I64), DType.F64), ref("s64", DType.F64))),
                        store("acc", add(cast(I, DType.I64), ref("L", DType.I64)),
                                select(ref("flag", DType.BOOL), cast(ref("L", DType.I64), DType.F64), h))),
                "f16/bf16 storage");
    }

    /** && || and select with sides that load (branches) and that cannot fault (selp), on every type. */
    static Kernel lazy() {
        LExpr inRange = bin(BinOp.LT, add(I, c(1)), N);
        LExpr next = load("x", add(I, c(1)), DType.F32);
        LExpr here = load("x", I, DType.F32);
        LExpr flag = load("m", I, DType.BOOL);
        List<LStmt> body = new ArrayList<>(List.of(
                store("y", I, select(inRange, next, here)),
                store("y", add(I, N), select(inRange, f(1), f(2))),
                store("b", I, bin(BinOp.AND, inRange, load("m", add(I, c(1)), DType.BOOL))),
                store("b", add(I, N), bin(BinOp.OR, not(inRange), flag)),
                store("b", add(I, mul(N, c(2))), select(flag, inRange, not(inRange))),
                store("b", add(I, mul(N, c(3))), select(inRange, load("m", add(I, c(1)), DType.BOOL), flag)),
                store("k", I, select(flag, c(1, DType.I64), cast(I, DType.I64))),
                store("d", I, select(inRange, cast(next, DType.F64), c(0.5, DType.F64))),
                store("k", add(I, N), cast(select(bin(BinOp.AND, flag, bin(BinOp.OR, inRange, flag)), c(3), c(4)), DType.I64))));
        return new Kernel("lazy",
                List.of(in("x", DType.F32), in("m", DType.BOOL), out("y", DType.F32), out("b", DType.BOOL), out("k", DType.I64),
                        out("d", DType.F64), scalar("N", DType.I32)),
                List.of(dim("i", N)), body, "lazy evaluation");
    }

    /** Loops of every kind, nested, with an i64 bound, a loop-carried var, lets inside and an if in the body. */
    static Kernel loops() {
        LExpr j = i32("j"), k = i32("k");
        LExpr acc = ref("acc", DType.F32), best = ref("best", DType.F32), count = ref("count", DType.I64);
        return new Kernel("loops",
                List.of(in("x", DType.F32), out("y", DType.F32), out("n", DType.I64), scalar("N", DType.I32), scalar("M", DType.I32),
                        scalar("L", DType.I64)),
                List.of(dim("i", N)),
                List.of(comment("y[i] = sum, max and count over loops of each kind"),
                        new LStmt.Var("acc", DType.F32, f(0)),
                        new LStmt.Var("best", DType.F32, f(Double.NEGATIVE_INFINITY)),
                        new LStmt.Var("count", DType.I64, c(0, DType.I64)),
                        new LStmt.For("j", c(0), i32("M"), LStmt.LoopKind.VECTORIZED, List.of(
                                new LStmt.Let("v", load("x", j, DType.F32)),
                                new LStmt.Assign("acc", add(acc, ref("v", DType.F32))),
                                new LStmt.Assign("best", call(Builtin.MAX, DType.F32, best, ref("v", DType.F32))))),
                        new LStmt.For("j", I, ref("L", DType.I64), LStmt.LoopKind.SERIAL, List.of(
                                new LStmt.For("k", c(0), c(4), LStmt.LoopKind.UNROLLED, List.of(
                                        new LStmt.Let("jk", add(j, k)),
                                        new LStmt.If(bin(BinOp.EQ, bin(BinOp.MOD, i32("jk"), c(2)), c(0)),
                                                List.of(new LStmt.Assign("count", add(count, c(1)))),
                                                List.of(new LStmt.Assign("count", bin(BinOp.SUB, count, cast(i32("jk"), DType.I64))))))))),
                        new LStmt.Let("snapshot", acc),
                        new LStmt.Assign("acc", add(acc, f(1))),
                        store("y", I, add(ref("snapshot", DType.F32), best)),
                        store("y", add(I, N), acc),
                        store("n", I, count)),
                "loops of every kind");
    }

    /** A kernel with no parameters at all (it computes nothing anyone sees). */
    static Kernel noParams() {
        return new Kernel("idle", List.of(), List.of(dim("i", c(3))),
                List.of(new LStmt.Let("unused", add(I, c(1)))), "nothing");
    }

    /** Constant indices past what an address offset holds, and negative ones, in i32 and i64. */
    static Kernel farIndex() {
        return new Kernel("far", List.of(out("y", DType.F32), out("z", DType.BOOL), in("x", DType.F64)), List.of(),
                List.of(store("y", c(1L << 30, DType.I64), f(1)), store("y", c(1L << 29), f(2)),
                        store("z", c(3L << 31, DType.I64), bin(BinOp.GT, load("x", c(-1), DType.F64), c(0, DType.F64)))),
                "far away");
    }

    /** A kernel whose f64 exp the backend cannot emit. */
    static Kernel f64Exp() {
        return new Kernel("lse64",
                List.of(in("x", DType.F64), out("y", DType.F64), scalar("N", DType.I32)),
                List.of(dim("i", N)),
                List.of(comment("y[i] = exp(x[i])   (t.tsr:4, lower)"),
                        store("y", I, call(Builtin.EXP, DType.F64, load("x", I, DType.F64))),
                        comment("y[i + N] = log(x[i])"),
                        store("y", add(I, N), call(Builtin.LOG, DType.F64, load("x", I, DType.F64)))),
                "y[i] = exp(x[i])");
    }
}
