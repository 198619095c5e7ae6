package tessera.ir.loop;

import static tessera.ir.loop.L.BOOL;
import static tessera.ir.loop.L.F32;
import static tessera.ir.loop.L.I32;
import static tessera.ir.loop.L.I64;
import static tessera.ir.loop.L.add;
import static tessera.ir.loop.L.bool;
import static tessera.ir.loop.L.buffer;
import static tessera.ir.loop.L.call;
import static tessera.ir.loop.L.cast;
import static tessera.ir.loop.L.check;
import static tessera.ir.loop.L.computed;
import static tessera.ir.loop.L.dim;
import static tessera.ir.loop.L.div;
import static tessera.ir.loop.L.eq;
import static tessera.ir.loop.L.f;
import static tessera.ir.loop.L.flat;
import static tessera.ir.loop.L.grid;
import static tessera.ir.loop.L.gt;
import static tessera.ir.loop.L.i;
import static tessera.ir.loop.L.in;
import static tessera.ir.loop.L.let;
import static tessera.ir.loop.L.load;
import static tessera.ir.loop.L.loop;
import static tessera.ir.loop.L.lt;
import static tessera.ir.loop.L.mod;
import static tessera.ir.loop.L.mul;
import static tessera.ir.loop.L.note;
import static tessera.ir.loop.L.or;
import static tessera.ir.loop.L.out;
import static tessera.ir.loop.L.param;
import static tessera.ir.loop.L.ref;
import static tessera.ir.loop.L.scalar;
import static tessera.ir.loop.L.select;
import static tessera.ir.loop.L.set;
import static tessera.ir.loop.L.store;
import static tessera.ir.loop.L.sub;
import static tessera.ir.loop.L.v;
import static tessera.ir.loop.L.var;
import static tessera.ir.loop.L.when;

import java.util.List;
import tessera.ir.loop.LaunchPlan.Role;
import tessera.ir.tensor.Expr.Builtin;

/** The hand-built modules the loop tests share: what {@code Lower} is expected to produce for small kernels. */
final class Modules {
    private Modules() {}

    /** {@code y[i] = alpha * sum[j](a[i, j] * x[j])}: a serial reduction loop into a var. */
    static Module matvec() {
        Kernel k = new Kernel("matvec_y",
                List.of(in("a", F32), in("x", F32), out("y", F32), scalar("M", I32), scalar("N", I32), scalar("alpha", F32)),
                List.of(grid("i", v("M"))),
                List.of(note("y[i] = alpha * sum[j](a[i, j] * x[j])"),
                        var("acc", F32, f(0)),
                        loop("j", i(0), v("N"),
                                set("acc", add(ref("acc", F32), mul(load("a", flat(v("i"), v("N"), v("j")), F32), load("x", v("j"), F32))))),
                        store("y", v("i"), mul(ref("alpha", F32), ref("acc", F32)))),
                "y[i] = alpha * sum[j](a[i, j] * x[j])");
        LaunchPlan plan = new LaunchPlan(
                List.of(dim("M", "a", 0), dim("N", "a", 1), param("alpha", F32, f(1))),
                List.of(),
                List.of(buffer("a", F32, Role.INPUT, v("M"), v("N")), buffer("x", F32, Role.INPUT, v("N")), buffer("y", F32, Role.OUTPUT, v("M"))),
                List.of(new LaunchPlan.Launch("matvec_y")));
        return new Module("matvec", List.of(k), plan);
    }

    /**
     * {@code p[r, c] = softmax[c](x[r, c]) if c < len[r]}: a presence mask kernel, a stats kernel
     * (row max and sum of exponentials over present entries) and the normalising kernel. A row
     * with no present entry gives 0 (the lazy select never divides by its zero sum).
     */
    static Module maskedSoftmax() {
        LExpr rc = flat(v("r"), v("C"), v("c"));
        Kernel mask = new Kernel("softmax_mask",
                List.of(in("len", I32), out("mask", BOOL), scalar("R", I32), scalar("C", I32)),
                List.of(grid("r", v("R")), grid("c", v("C"))),
                List.of(store("mask", rc, lt(v("c"), load("len", v("r"), I32)))),
                "mask of p");
        Kernel stats = new Kernel("softmax_stats",
                List.of(in("x", F32), in("mask", BOOL), out("m", F32), out("l", F32), scalar("R", I32), scalar("C", I32)),
                List.of(grid("r", v("R"))),
                List.of(note("row max over present entries"),
                        var("mx", F32, f(Double.NEGATIVE_INFINITY)),
                        loop("c", i(0), v("C"),
                                when(load("mask", rc, BOOL), set("mx", call(Builtin.MAX, ref("mx", F32), load("x", rc, F32))))),
                        note("sum of exponentials"),
                        var("sum", F32, f(0)),
                        loop("c", i(0), v("C"),
                                when(load("mask", rc, BOOL),
                                        set("sum", add(ref("sum", F32), call(Builtin.EXP, sub(load("x", rc, F32), ref("mx", F32))))))),
                        store("m", v("r"), ref("mx", F32)),
                        store("l", v("r"), ref("sum", F32))),
                "stats of softmax[c](x[r, c])");
        Kernel p = new Kernel("softmax_p",
                List.of(in("x", F32), in("mask", BOOL), in("m", F32), in("l", F32), out("p", F32), scalar("R", I32), scalar("C", I32)),
                List.of(grid("r", v("R")), grid("c", v("C"))),
                List.of(let("k", rc),
                        store("p", v("k"), select(load("mask", v("k"), BOOL),
                                div(call(Builtin.EXP, sub(load("x", v("k"), F32), load("m", v("r"), F32))), load("l", v("r"), F32)),
                                f(0)))),
                "p[r, c] = softmax[c](x[r, c]) if c < len[r]");
        LaunchPlan plan = new LaunchPlan(
                List.of(dim("R", "x", 0), dim("C", "x", 1)),
                List.of(),
                List.of(buffer("x", F32, Role.INPUT, v("R"), v("C")), buffer("len", I32, Role.INPUT, v("R")),
                        buffer("p", F32, Role.OUTPUT, v("R"), v("C")), buffer("mask", BOOL, Role.TEMP, v("R"), v("C")),
                        buffer("m", F32, Role.TEMP, v("R")), buffer("l", F32, Role.TEMP, v("R"))),
                List.of(new LaunchPlan.Launch("softmax_mask"), new LaunchPlan.Launch("softmax_stats"), new LaunchPlan.Launch("softmax_p")));
        return new Module("masked_softmax", List.of(mask, stats, p), plan);
    }

    /**
     * Dropout with Philox: {@code y[i] = uniform(seed, i, 7) < keep ? x[i] * scale : 0}, the raw
     * bits {@code r[i] = i32(philox(seed, i, 1))} (wrapping a u32 into i32), and
     * {@code s[i] = i % 2 == 0 ? int(x[i]) : -1}; {@code scale = 1 / keep} is computed on the host.
     */
    static Module dropout() {
        Kernel k = new Kernel("dropout",
                List.of(in("x", F32), out("y", F32), out("r", I32), out("s", I32), scalar("seed", I64), scalar("keep", F32), scalar("scale", F32),
                        scalar("N", I32)),
                List.of(grid("i", v("N"))),
                List.of(let("u", call(Builtin.UNIFORM, ref("seed", I64), cast(v("i"), I64), i(7))),
                        store("y", v("i"), select(lt(ref("u", F32), ref("keep", F32)), mul(load("x", v("i"), F32), ref("scale", F32)), f(0))),
                        store("r", v("i"), cast(call(Builtin.PHILOX, ref("seed", I64), v("i"), i(1)), I32)),
                        store("s", v("i"), select(eq(mod(v("i"), i(2)), i(0)), call(Builtin.INT, load("x", v("i"), F32)), i(-1)))),
                "y[i] = uniform(seed, i, 7) < keep ? x[i] * scale : 0.0");
        LaunchPlan plan = new LaunchPlan(
                List.of(dim("N", "x", 0), param("seed", I64, null), param("keep", F32, f(0.5)), computed("scale", F32, div(f(1), ref("keep", F32)))),
                List.of(),
                List.of(buffer("x", F32, Role.INPUT, v("N")), buffer("y", F32, Role.OUTPUT, v("N")), buffer("r", I32, Role.OUTPUT, v("N")),
                        buffer("s", I32, Role.OUTPUT, v("N"))),
                List.of(new LaunchPlan.Launch("dropout")));
        return new Module("dropout", List.of(k), plan);
    }

    /**
     * Per row of {@code x: f32[N, M]}: the number of positive entries, capped at {@code lim}
     * ({@code cnt}), the column of the first positive one or -1 ({@code first}), and
     * {@code (count - 3) / 2} and {@code (count - 3) % 2} (truncating integer arithmetic).
     */
    static Module count() {
        Kernel k = new Kernel("count",
                List.of(in("x", F32), out("cnt", I32), out("first", I32), out("half", I32), out("rem", I32),
                        scalar("N", I32), scalar("M", I32), scalar("lim", I32)),
                List.of(grid("i", v("N"))),
                List.of(var("c", I32, i(0)),
                        var("at", I32, i(-1)),
                        loop("j", i(0), v("M"),
                                let("x_ij", load("x", flat(v("i"), v("M"), v("j")), F32)),
                                when(gt(ref("x_ij", F32), f(0)),
                                        List.of(set("c", add(v("c"), i(1))), when(lt(v("at"), i(0)), set("at", v("j")))),
                                        List.of(note("not positive")))),
                        store("cnt", v("i"), select(gt(v("c"), v("lim")), v("lim"), v("c"))),
                        store("first", v("i"), v("at")),
                        store("half", v("i"), div(sub(v("c"), i(3)), i(2))),
                        store("rem", v("i"), mod(sub(v("c"), i(3)), i(2)))),
                "cnt[i] = min(lim, sum[j](x[i, j] > 0.0 ? 1 : 0))");
        LaunchPlan plan = new LaunchPlan(
                List.of(dim("N", "x", 0), dim("M", "x", 1), param("lim", I32, i(2))),
                List.of(L.check(gt(v("lim"), i(0)), "lim > 0")),
                List.of(buffer("x", F32, Role.INPUT, v("N"), v("M")), buffer("cnt", I32, Role.OUTPUT, v("N")),
                        buffer("first", I32, Role.OUTPUT, v("N")), buffer("half", I32, Role.OUTPUT, v("N")), buffer("rem", I32, Role.OUTPUT, v("N"))),
                List.of(new LaunchPlan.Launch("count")));
        return new Module("count", List.of(k), plan);
    }

    /**
     * The reference interpreter's binding-test kernel: {@code k: f32[B, KH, M, D], v: f32[B, KH, M, 4],
     * kv_len: i32[B]; causal: bool = false, window: i32 = M - 1, scale: f32 -> o: f32[B] where
     * M % KH == 0, window < M || causal}; {@code o[b] = scale * float(kv_len[b] + window) + (causal ? 100.0 : 0.0)}.
     */
    static Module bind() {
        LExpr value = add(mul(ref("scale", F32), call(Builtin.FLOAT, add(load("kv_len", v("b"), I32), v("window")))),
                select(ref("causal", BOOL), f(100), f(0)));
        Kernel k = new Kernel("bind_o",
                List.of(in("kv_len", I32), out("o", F32), scalar("B", I32), scalar("window", I32), scalar("scale", F32), scalar("causal", BOOL)),
                List.of(grid("b", v("B"))), List.of(store("o", v("b"), value)), "o[b] = ...");
        LaunchPlan plan = new LaunchPlan(
                List.of(dim("B", "k", 0), dim("KH", "k", 1), dim("M", "k", 2), dim("D", "k", 3),
                        param("causal", BOOL, bool(false)), param("window", I32, sub(v("M"), i(1))), param("scale", F32, null)),
                List.of(check(eq(mod(v("M"), v("KH")), i(0)), "M % KH == 0"),
                        check(or(lt(v("window"), v("M")), ref("causal", BOOL)), "window < M || causal")),
                List.of(buffer("k", F32, Role.INPUT, v("B"), v("KH"), v("M"), v("D")),
                        buffer("v", F32, Role.INPUT, v("B"), v("KH"), v("M"), i(4)),
                        buffer("kv_len", I32, Role.INPUT, v("B")),
                        buffer("o", F32, Role.OUTPUT, v("B"))),
                List.of(new LaunchPlan.Launch("bind_o")));
        return new Module("bind", List.of(k), plan);
    }

    static List<Module> all() {
        return List.of(matvec(), maskedSoftmax(), dropout(), count());
    }
}
