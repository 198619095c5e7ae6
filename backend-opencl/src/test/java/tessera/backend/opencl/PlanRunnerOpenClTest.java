package tessera.backend.opencl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static tessera.backend.opencl.L.add;
import static tessera.backend.opencl.L.bin;
import static tessera.backend.opencl.L.buffer;
import static tessera.backend.opencl.L.c;
import static tessera.backend.opencl.L.call;
import static tessera.backend.opencl.L.cast;
import static tessera.backend.opencl.L.computed;
import static tessera.backend.opencl.L.dim;
import static tessera.backend.opencl.L.f;
import static tessera.backend.opencl.L.hostDim;
import static tessera.backend.opencl.L.i32;
import static tessera.backend.opencl.L.in;
import static tessera.backend.opencl.L.load;
import static tessera.backend.opencl.L.mul;
import static tessera.backend.opencl.L.out;
import static tessera.backend.opencl.L.param;
import static tessera.backend.opencl.L.ref;
import static tessera.backend.opencl.L.scalar;
import static tessera.backend.opencl.L.select;
import static tessera.backend.opencl.L.store;
import static tessera.backend.opencl.L.sub;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tessera.ir.loop.Device.DeviceException;
import tessera.ir.loop.Kernel;
import tessera.ir.loop.LExpr;
import tessera.ir.loop.LStmt;
import tessera.ir.loop.LoopInterpreter;
import tessera.ir.loop.LoopPrinter;
import tessera.ir.loop.Module;
import tessera.ir.loop.PlanRunner;
import tessera.ir.tensor.Expr.BinOp;
import tessera.ir.tensor.Expr.Builtin;
import tessera.ir.tensor.Interpreter.Outcome;
import tessera.runtime.DType;
import tessera.runtime.Tensor;

import static tessera.ir.loop.LaunchPlan.Role.INPUT;
import static tessera.ir.loop.LaunchPlan.Role.OUTPUT;
import static tessera.ir.loop.LaunchPlan.Role.TEMP;

/**
 * Whole modules through {@link PlanRunner} on the OpenCL device, against the same run on the
 * {@link LoopInterpreter} (the oracle for emitters), compared with docs/testing.md's tolerance.
 */
@RequiresOpenCl
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PlanRunnerOpenClTest {
    private OpenClDevice device;

    @BeforeAll
    void open() throws DeviceException {
        device = OpenClTestSupport.open();
    }

    @AfterAll
    void close() {
        if (device != null) device.close();
    }

    /** Runs {@code m} on both devices and asserts the outputs agree; returns OpenCL's. */
    private Map<String, Tensor> agree(Module m, Map<String, Tensor> inputs, Map<String, Double> scalars) {
        Map<String, Tensor> expected = ok(PlanRunner.run(m, new LoopInterpreter(), inputs, scalars), m, "loop-interp");
        Map<String, Tensor> actual = ok(PlanRunner.run(m, device, inputs, scalars), m, device.name());
        assertThat(actual.keySet()).containsExactlyElementsOf(expected.keySet());
        expected.forEach((name, e) -> Tolerance.assertClose(name, e, actual.get(name)));
        return actual;
    }

    private static Map<String, Tensor> ok(Outcome o, Module m, String on) {
        return switch (o) {
            case Outcome.Ok ok -> ok.outputs();
            case Outcome.Failed f -> fail("on " + on + ": " + f.error().oneLine() + "\n" + LoopPrinter.print(m));
        };
    }

    /** {@code y[i] = alpha * sum[j](a[i, j] * x[j])}. */
    private static Module matvec() {
        Kernel k = new Kernel("matvec_y",
                List.of(in("a", DType.F32), in("x", DType.F32), out("y", DType.F32), scalar("M", DType.I32),
                        scalar("N", DType.I32), scalar("alpha", DType.F32)),
                List.of(dim("i", i32("M"))),
                List.of(new LStmt.Comment("y[i] = alpha * sum[j](a[i, j] * x[j])"),
                        new LStmt.Var("acc", DType.F32, f(0)),
                        new LStmt.For("j", c(0), i32("N"), LStmt.LoopKind.SERIAL, List.of(new LStmt.Assign("acc",
                                add(ref("acc", DType.F32), mul(load("a", add(mul(i32("i"), i32("N")), i32("j")), DType.F32),
                                        load("x", i32("j"), DType.F32)))))),
                        store("y", i32("i"), mul(ref("alpha", DType.F32), ref("acc", DType.F32)))),
                "y[i] = alpha * sum[j](a[i, j] * x[j])");
        return L.module("matvec",
                List.of(hostDim("M", "a", 0), hostDim("N", "a", 1), param("alpha", DType.F32, f(1))),
                List.of(buffer("a", DType.F32, INPUT, i32("M"), i32("N")), buffer("x", DType.F32, INPUT, i32("N")),
                        buffer("y", DType.F32, OUTPUT, i32("M"))),
                k);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 33, 1000})
    void matvec(int m) {
        int n = 17;
        Map<String, Tensor> out = agree(matvec(),
                Map.of("a", tensor(DType.F32, new long[] {m, n}, 1), "x", tensor(DType.F32, new long[] {n}, 2)),
                Map.of("alpha", 0.5));
        assertThat(out.get("y").shape()).containsExactly(m);
    }

    /**
     * {@code p[r, c] = softmax[c](x[r, c]) if c < len[r]}: a bool mask kernel over a 2-d grid, a
     * row statistics kernel, and the normalising kernel, through temporaries.
     */
    private static Module maskedSoftmax() {
        LExpr rc = add(mul(i32("r"), i32("C")), i32("c"));
        Kernel mask = new Kernel("softmax_mask", List.of(in("len", DType.I32), out("mask", DType.BOOL), scalar("R", DType.I32),
                scalar("C", DType.I32)), List.of(dim("r", i32("R")), dim("c", i32("C"))),
                List.of(store("mask", rc, bin(BinOp.LT, i32("c"), load("len", i32("r"), DType.I32)))), "mask of p");
        LExpr mx = ref("mx", DType.F32), sum = ref("sum", DType.F32);
        Kernel stats = new Kernel("softmax_stats",
                List.of(in("x", DType.F32), in("mask", DType.BOOL), out("m", DType.F32), out("l", DType.F32),
                        scalar("R", DType.I32), scalar("C", DType.I32)),
                List.of(dim("r", i32("R"))),
                List.of(new LStmt.Var("mx", DType.F32, f(Double.NEGATIVE_INFINITY)),
                        new LStmt.For("c", c(0), i32("C"), LStmt.LoopKind.SERIAL, List.of(new LStmt.If(load("mask", rc, DType.BOOL),
                                List.of(new LStmt.Assign("mx", call(Builtin.MAX, DType.F32, mx, load("x", rc, DType.F32)))), List.of()))),
                        new LStmt.Var("sum", DType.F32, f(0)),
                        new LStmt.For("c", c(0), i32("C"), LStmt.LoopKind.SERIAL, List.of(new LStmt.If(load("mask", rc, DType.BOOL),
                                List.of(new LStmt.Assign("sum", add(sum, call(Builtin.EXP, DType.F32, sub(load("x", rc, DType.F32), mx))))),
                                List.of()))),
                        store("m", i32("r"), mx),
                        store("l", i32("r"), sum)),
                "stats of softmax[c](x[r, c])");
        Kernel p = new Kernel("softmax_p",
                List.of(in("x", DType.F32), in("mask", DType.BOOL), in("m", DType.F32), in("l", DType.F32), out("p", DType.F32),
                        scalar("R", DType.I32), scalar("C", DType.I32)),
                List.of(dim("r", i32("R")), dim("c", i32("C"))),
                List.of(new LStmt.Let("k", rc),
                        store("p", i32("k"), select(load("mask", i32("k"), DType.BOOL),
                                bin(BinOp.DIV, call(Builtin.EXP, DType.F32, sub(load("x", i32("k"), DType.F32), load("m", i32("r"), DType.F32))),
                                        load("l", i32("r"), DType.F32)),
                                f(0)))),
                "p[r, c] = softmax[c](x[r, c]) if c < len[r]");
        return L.module("masked_softmax", List.of(hostDim("R", "x", 0), hostDim("C", "x", 1)),
                List.of(buffer("x", DType.F32, INPUT, i32("R"), i32("C")), buffer("len", DType.I32, INPUT, i32("R")),
                        buffer("p", DType.F32, OUTPUT, i32("R"), i32("C")), buffer("mask", DType.BOOL, TEMP, i32("R"), i32("C")),
                        buffer("m", DType.F32, TEMP, i32("R")), buffer("l", DType.F32, TEMP, i32("R"))),
                mask, stats, p);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 33, 1000})
    void maskedSoftmaxThroughTemporaries(int rows) {
        int cols = 9;
        double[] len = new double[rows];
        for (int r = 0; r < rows; r++) len[r] = r % (cols + 1); // row 0 is empty: softmax 0
        agree(maskedSoftmax(), Map.of("x", tensor(DType.F32, new long[] {rows, cols}, 3),
                "len", Tensor.fromDoubles(DType.I32, new long[] {rows}, len)), Map.of());
    }

    /**
     * Dropout with Philox: {@code y[i] = uniform(seed, i, 7) < keep ? x[i] * scale : 0}, the raw
     * bits {@code r[i] = philox(seed, i, 1)} and {@code s[i] = i % 2 == 0 ? int(x[i] * 10) : -1};
     * {@code scale = 1 / keep} computed on the host.
     */
    private static Module dropout() {
        LExpr i = i32("i"), seed = ref("seed", DType.I64);
        Kernel k = new Kernel("dropout",
                List.of(in("x", DType.F32), out("y", DType.F32), out("r", DType.I64), out("s", DType.I32),
                        scalar("seed", DType.I64), scalar("keep", DType.F32), scalar("scale", DType.F32), scalar("N", DType.I32)),
                List.of(dim("i", i32("N"))),
                List.of(new LStmt.Let("u", call(Builtin.UNIFORM, DType.F32, seed, cast(i, DType.I64), c(7, DType.I64))),
                        store("y", i, select(bin(BinOp.LT, ref("u", DType.F32), ref("keep", DType.F32)),
                                mul(load("x", i, DType.F32), ref("scale", DType.F32)), f(0))),
                        store("r", i, call(Builtin.PHILOX, DType.I64, seed, cast(i, DType.I64), c(1, DType.I64))),
                        store("s", i, select(bin(BinOp.EQ, bin(BinOp.MOD, i, c(2)), c(0)),
                                call(Builtin.INT, DType.I32, mul(load("x", i, DType.F32), f(10))), c(-1)))),
                "y[i] = uniform(seed, i, 7) < keep ? x[i] * scale : 0.0");
        return L.module("dropout",
                List.of(hostDim("N", "x", 0), param("seed", DType.I64, null), param("keep", DType.F32, f(0.5)),
                        computed("scale", DType.F32, bin(BinOp.DIV, f(1), ref("keep", DType.F32)))),
                List.of(buffer("x", DType.F32, INPUT, i32("N")), buffer("y", DType.F32, OUTPUT, i32("N")),
                        buffer("r", DType.I64, OUTPUT, i32("N")), buffer("s", DType.I32, OUTPUT, i32("N"))),
                k);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 33, 1000})
    void dropoutWithPhilox(int n) {
        for (double seed : new double[] {0, 123456789, -42}) {
            agree(dropout(), Map.of("x", tensor(DType.F32, new long[] {n}, 4)), Map.of("seed", seed, "keep", 0.7));
        }
    }

    /**
     * Per row: the count of positive entries capped at {@code lim}, the first positive column or
     * -1, and truncating {@code (count - 3) / 2} and {@code (count - 3) % 2}; plus an f64 total.
     */
    private static Module count() {
        LExpr i = i32("i"), cnt = i32("c"), at = i32("at");
        LExpr xij = load("x", add(mul(i, i32("M")), i32("j")), DType.F32);
        Kernel k = new Kernel("count",
                List.of(in("x", DType.F32), out("cnt", DType.I32), out("first", DType.I32), out("half", DType.I32),
                        out("rem", DType.I32), out("total", DType.F64), scalar("N", DType.I32), scalar("M", DType.I32),
                        scalar("lim", DType.I32)),
                List.of(dim("i", i32("N"))),
                List.of(new LStmt.Var("c", DType.I32, c(0)),
                        new LStmt.Var("at", DType.I32, c(-1)),
                        new LStmt.Var("t", DType.F64, c(0, DType.F64)),
                        new LStmt.For("j", c(0), i32("M"), LStmt.LoopKind.SERIAL, List.of(
                                new LStmt.Let("x_ij", xij),
                                new LStmt.Assign("t", add(ref("t", DType.F64), cast(ref("x_ij", DType.F32), DType.F64))),
                                new LStmt.If(bin(BinOp.GT, ref("x_ij", DType.F32), f(0)),
                                        List.of(new LStmt.Assign("c", add(cnt, c(1))),
                                                new LStmt.If(bin(BinOp.LT, at, c(0)), List.of(new LStmt.Assign("at", i32("j"))), List.of())),
                                        List.of(new LStmt.Comment("not positive"))))),
                        store("cnt", i, select(bin(BinOp.GT, cnt, i32("lim")), i32("lim"), cnt)),
                        store("first", i, at),
                        store("half", i, bin(BinOp.DIV, sub(cnt, c(3)), c(2))),
                        store("rem", i, bin(BinOp.MOD, sub(cnt, c(3)), c(2))),
                        store("total", i, ref("t", DType.F64))),
                "cnt[i] = min(lim, sum[j](x[i, j] > 0.0 ? 1 : 0))");
        return L.module("count",
                List.of(hostDim("N", "x", 0), hostDim("M", "x", 1), param("lim", DType.I32, c(2))),
                List.of(buffer("x", DType.F32, INPUT, i32("N"), i32("M")), buffer("cnt", DType.I32, OUTPUT, i32("N")),
                        buffer("first", DType.I32, OUTPUT, i32("N")), buffer("half", DType.I32, OUTPUT, i32("N")),
                        buffer("rem", DType.I32, OUTPUT, i32("N")), buffer("total", DType.F64, OUTPUT, i32("N"))),
                k);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 33, 1000})
    void branchesCountersAndIntegerArithmetic(int n) {
        agree(count(), Map.of("x", tensor(DType.F32, new long[] {n, 6}, 5)), Map.of("lim", 4.0));
    }

    @Test
    void planFailuresReadTheSameOnBothDevices() {
        Map<String, Tensor> bad = Map.of("a", tensor(DType.F32, new long[] {3, 4}, 1), "x", tensor(DType.F32, new long[] {5}, 2));
        Outcome onInterp = PlanRunner.run(matvec(), new LoopInterpreter(), bad, Map.of());
        Outcome onOpenCl = PlanRunner.run(matvec(), device, bad, Map.of());
        assertThat(onOpenCl).isInstanceOf(Outcome.Failed.class);
        assertThat(((Outcome.Failed) onOpenCl).error().oneLine()).isEqualTo(((Outcome.Failed) onInterp).error().oneLine());
    }

    /** Deterministic values in [-1, 1) of the given shape. */
    private static Tensor tensor(DType type, long[] shape, int salt) {
        long n = 1;
        for (long d : shape) n *= d;
        return Tensor.fromDoubles(type, shape, OpenClKernelsTest.values((int) n, salt));
    }
}
