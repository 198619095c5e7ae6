package tessera.backend.opencl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
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

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import tessera.ir.loop.Kernel;
import tessera.ir.loop.LExpr;
import tessera.ir.loop.LStmt;
import tessera.ir.tensor.Expr.BinOp;
import tessera.ir.tensor.Expr.Builtin;
import tessera.ir.tensor.Expr.UnOp;
import tessera.ir.loop.Device.DeviceException;
import tessera.runtime.DType;
import tessera.runtime.Philox;
import tessera.runtime.Tensor;

/** The corners of the semantics: integer division, conversions, literals, builtins, f64, f16/bf16, reserved names. */
@RequiresOpenCl
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenClSemanticsTest {
    private static final LExpr I = i32("i");
    private static final LExpr N = i32("N");
    private OpenClDevice device;

    @BeforeAll
    void open() throws DeviceException {
        device = OpenClTestSupport.open();
    }

    @AfterAll
    void close() {
        if (device != null) device.close();
    }

    private Map<String, Tensor> run(Kernel k, long[] grid, Map<String, Tensor> inputs, Map<String, long[]> outputs,
                                    Map<String, Double> scalars) throws DeviceException {
        device.prepare(L.module(k.name(), k));
        return OpenClTestSupport.run(device, k, grid, inputs, outputs, scalars);
    }

    @Test
    void integerDivisionTruncatesAndTheRemainderTakesTheDividendsSign() throws DeviceException {
        long[] as = {7, -7, 7, -7, 0, Integer.MIN_VALUE, Integer.MAX_VALUE, 5, -9, 1000};
        long[] bs = {2, 2, -2, -2, 3, -1, 7, 0, 4, 1};
        int n = as.length;
        List<LStmt> body = new ArrayList<>();
        for (DType t : new DType[] {DType.I32, DType.I64}) {
            LExpr a = load("a" + t.sourceName(), I, t), b = load("b" + t.sourceName(), I, t);
            String s = t.sourceName();
            body.add(store("q" + s, I, bin(BinOp.DIV, a, b)));
            body.add(store("r" + s, I, bin(BinOp.MOD, a, b)));
            body.add(store("q3" + s, I, bin(BinOp.DIV, a, c(3))));
            body.add(store("rm4" + s, I, bin(BinOp.MOD, a, c(-4))));
        }
        List<Kernel.Param> params = new ArrayList<>();
        Map<String, Tensor> inputs = new java.util.HashMap<>();
        Map<String, long[]> outputs = new java.util.HashMap<>();
        for (DType t : new DType[] {DType.I32, DType.I64}) {
            String s = t.sourceName();
            params.add(in("a" + s, t));
            params.add(in("b" + s, t));
            inputs.put("a" + s, Tensor.fromInts(t, new long[] {n}, as));
            inputs.put("b" + s, Tensor.fromInts(t, new long[] {n}, bs));
            for (String o : List.of("q", "r", "q3", "rm4")) {
                params.add(out(o + s, t));
                outputs.put(o + s, new long[] {n});
            }
        }
        params.add(scalar("N", DType.I32));
        Kernel k = new Kernel("divide", params, List.of(dim("i", N)), body, "q = a / b");
        Map<String, Tensor> r = run(k, new long[] {n}, inputs, outputs, Map.of("N", (double) n));
        for (int i = 0; i < n; i++) {
            int a = (int) as[i], b = (int) bs[i];
            assertThat(r.get("qi32").getLong(i)).as("%d / %d", a, b).isEqualTo(b == 0 ? 0 : a / b);
            assertThat(r.get("ri32").getLong(i)).as("%d %% %d", a, b).isEqualTo(b == 0 ? 0 : a % b);
            assertThat(r.get("q3i32").getLong(i)).isEqualTo(a / 3);
            assertThat(r.get("rm4i32").getLong(i)).isEqualTo(a % -4);
            long la = as[i], lb = bs[i];
            assertThat(r.get("qi64").getLong(i)).as("%d / %d", la, lb).isEqualTo(lb == 0 ? 0 : la / lb);
            assertThat(r.get("ri64").getLong(i)).isEqualTo(lb == 0 ? 0 : la % lb);
            assertThat(r.get("q3i64").getLong(i)).isEqualTo(la / 3);
            assertThat(r.get("rm4i64").getLong(i)).isEqualTo(la % -4);
        }
    }

    @Test
    void floatToIntegerConversionsTruncateSaturateAndSendNanToZero() throws DeviceException {
        double[] x = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 1e20, -1e20, -2.7, 2.7, 0.5, -0.0, 3e9};
        int n = x.length;
        LExpr xi = load("x", I, DType.F32);
        Kernel k = new Kernel("convert",
                List.of(in("x", DType.F32), out("n", DType.I32), out("l", DType.I64), out("b", DType.BOOL),
                        out("direct", DType.I32), out("viaInt", DType.I32), scalar("N", DType.I32)),
                List.of(dim("i", N)),
                List.of(store("n", I, cast(xi, DType.I32)),
                        store("l", I, cast(xi, DType.I64)),
                        store("b", I, cast(xi, DType.BOOL)),
                        new LStmt.Comment("a store converts to the element type"),
                        store("direct", I, xi),
                        store("viaInt", I, call(Builtin.INT, DType.I32, xi))),
                "conversions");
        Map<String, Tensor> r = run(k, new long[] {n}, Map.of("x", Tensor.fromDoubles(DType.F32, new long[] {n}, x)),
                Map.of("n", new long[] {n}, "l", new long[] {n}, "b", new long[] {n}, "direct", new long[] {n},
                        "viaInt", new long[] {n}),
                Map.of("N", (double) n));
        for (int j = 0; j < n; j++) {
            float v = (float) x[j];
            assertThat(r.get("n").getLong(j)).as("(int) %s", v).isEqualTo((int) v);
            assertThat(r.get("l").getLong(j)).as("(long) %s", v).isEqualTo((long) v);
            assertThat(r.get("b").getLong(j)).as("(bool) %s", v).isEqualTo(v != 0 ? 1 : 0);
            assertThat(r.get("direct").getLong(j)).as("store %s", v).isEqualTo((int) v);
            assertThat(r.get("viaInt").getLong(j)).as("int(%s)", v).isEqualTo((int) v);
        }
    }

    @Test
    void literalsAtTheEdges() throws DeviceException {
        LExpr x0 = load("x", c(0), DType.F32);
        Kernel k = new Kernel("edges",
                List.of(in("x", DType.F32), out("f", DType.F32), out("i", DType.I32), out("l", DType.I64),
                        out("d", DType.F64)),
                List.of(),
                List.of(store("f", c(0), f(Double.NEGATIVE_INFINITY)),
                        store("f", c(1), f(Double.NaN)),
                        store("f", c(2), new LExpr.Unary(UnOp.NEG, f(-1.5), DType.F32)),
                        store("f", c(3), bin(BinOp.SUB, x0, f(-2))),
                        store("f", c(4), select(bin(BinOp.LT, x0, f(Double.POSITIVE_INFINITY)), f(1e-30), f(3.4028234663852886e38))),
                        store("i", c(0), c(Integer.MIN_VALUE)),
                        store("i", c(1), new LExpr.Unary(UnOp.NEG, c(-7), DType.I32)),
                        store("l", c(0), c(Long.MIN_VALUE, DType.I64)),
                        store("l", c(1), c(1L << 53, DType.I64)),
                        store("d", c(0), c(Double.NEGATIVE_INFINITY, DType.F64)),
                        store("d", c(1), c(0.1, DType.F64)),
                        store("d", c(2), c(Double.MIN_VALUE, DType.F64))),
                "edges");
        Map<String, Tensor> r = run(k, new long[] {}, Map.of("x", Tensor.fromDoubles(DType.F32, new long[] {1}, new double[] {0.25})),
                Map.of("f", new long[] {5}, "i", new long[] {2}, "l", new long[] {2}, "d", new long[] {3}), Map.of());
        assertThat(r.get("f").getDouble(0)).isEqualTo(Double.NEGATIVE_INFINITY);
        assertThat(r.get("f").getDouble(1)).isNaN();
        assertThat(r.get("f").getDouble(2)).isEqualTo(1.5);
        assertThat(r.get("f").getDouble(3)).isEqualTo(2.25);
        assertThat(r.get("f").getDouble(4)).isEqualTo((float) 1e-30);
        assertThat(r.get("i").getLong(0)).isEqualTo(Integer.MIN_VALUE);
        assertThat(r.get("i").getLong(1)).isEqualTo(7);
        assertThat(r.get("l").getLong(0)).isEqualTo(Long.MIN_VALUE);
        assertThat(r.get("l").getLong(1)).isEqualTo(1L << 53);
        assertThat(r.get("d").getDouble(0)).isEqualTo(Double.NEGATIVE_INFINITY);
        assertThat(r.get("d").getDouble(1)).isEqualTo(0.1);
        assertThat(r.get("d").getDouble(2)).isEqualTo(Double.MIN_VALUE);
    }

    @Test
    void floatBuiltinsMatchJavaMath() throws DeviceException {
        assertBuiltins(DType.F32, 2e-6);
    }

    @Test
    void doubleBuiltinsMatchJavaMath() throws DeviceException {
        assertBuiltins(DType.F64, 1e-14);
    }

    private void assertBuiltins(DType t, double tolerance) throws DeviceException {
        record Case(String name, LExpr expr, DoubleUnaryOperator java) {}
        LExpr x = load("x", I, t);
        LExpr pos = add(call(Builtin.ABS, t, x), c(0.5, t));
        List<Case> cases = List.of(
                new Case("exp", call(Builtin.EXP, t, x), Math::exp),
                new Case("log", call(Builtin.LOG, t, pos), v -> Math.log(Math.abs(v) + 0.5)),
                new Case("sqrt", call(Builtin.SQRT, t, pos), v -> Math.sqrt(Math.abs(v) + 0.5)),
                new Case("rsqrt", call(Builtin.RSQRT, t, pos), v -> 1 / Math.sqrt(Math.abs(v) + 0.5)),
                new Case("tanh", call(Builtin.TANH, t, x), Math::tanh),
                new Case("sigmoid", call(Builtin.SIGMOID, t, x), v -> 1 / (1 + Math.exp(-v))),
                new Case("min", call(Builtin.MIN, t, x, c(0.25, t)), v -> Math.min(v, 0.25)),
                new Case("max", call(Builtin.MAX, t, x, c(0.25, t)), v -> Math.max(v, 0.25)),
                new Case("pow", call(Builtin.POW, t, pos, c(1.5, t)), v -> Math.pow(Math.abs(v) + 0.5, 1.5)),
                new Case("floor", call(Builtin.FLOOR, t, mul(x, c(4, t))), v -> Math.floor(v * 4)),
                new Case("ceil", call(Builtin.CEIL, t, mul(x, c(4, t))), v -> Math.ceil(v * 4)),
                new Case("fmod", bin(BinOp.MOD, mul(x, c(10, t)), c(3, t)), v -> (v * 10) % 3),
                new Case("float_of_int", mul(cast(I, t), c(0.5, t)), v -> Double.NaN),
                new Case("uniform", call(Builtin.UNIFORM, t, c(9, DType.I64), cast(I, DType.I64), c(1, DType.I64)), v -> Double.NaN));
        List<Kernel.Param> params = new ArrayList<>(List.of(in("x", t), scalar("N", DType.I32)));
        List<LStmt> body = new ArrayList<>();
        Map<String, long[]> outputs = new java.util.HashMap<>();
        int n = 100;
        for (Case cs : cases) {
            params.add(out(cs.name(), t));
            body.add(store(cs.name(), I, cs.expr()));
            outputs.put(cs.name(), new long[] {n});
        }
        Kernel k = new Kernel("builtins_" + t.sourceName(), params, List.of(dim("i", N)), body, "builtins");
        double[] x0 = OpenClKernelsTest.values(n, 31);
        for (int i = 0; i < n; i++) x0[i] *= 3;
        Tensor xs = Tensor.fromDoubles(t, new long[] {n}, x0);
        Map<String, Tensor> r = run(k, new long[] {n}, Map.of("x", xs), outputs, Map.of("N", (double) n));
        for (Case cs : cases) {
            for (int i = 0; i < n; i++) {
                double v = xs.getDouble(i);
                double expected = switch (cs.name()) {
                    case "float_of_int" -> i * 0.5;
                    case "uniform" -> Philox.uniform(9, i, 1);
                    default -> cs.java().applyAsDouble(v);
                };
                double got = r.get(cs.name()).getDouble(i);
                assertThat(got).as("%s(%s) at %d", cs.name(), v, i)
                        .isCloseTo(expected, within(tolerance * Math.max(1, Math.abs(expected))));
            }
        }
    }

    @Test
    void halfAndBfloat16Storage() throws DeviceException {
        int n = 33;
        LExpr x = load("x", I, DType.F32);
        Kernel k = new Kernel("narrow",
                List.of(in("x", DType.F32), in("h", DType.F16), in("bh", DType.BF16), out("yh", DType.F16),
                        out("yb", DType.BF16), out("z", DType.F32), scalar("N", DType.I32)),
                List.of(dim("i", N)),
                List.of(store("yh", I, mul(x, f(1.5))),
                        store("yb", I, mul(x, f(1.5))),
                        store("z", I, add(load("h", I, DType.F16), load("bh", I, DType.BF16)))),
                "narrow");
        double[] x0 = OpenClKernelsTest.values(n, 41);
        x0[3] = 65504 * 2; // overflows f16 to infinity
        x0[4] = Double.NaN;
        Tensor h = Tensor.fromDoubles(DType.F16, new long[] {n}, x0);
        Tensor bh = Tensor.fromDoubles(DType.BF16, new long[] {n}, x0);
        Map<String, Tensor> r = run(k, new long[] {n},
                Map.of("x", Tensor.fromDoubles(DType.F32, new long[] {n}, x0), "h", h, "bh", bh),
                Map.of("yh", new long[] {n}, "yb", new long[] {n}, "z", new long[] {n}), Map.of("N", (double) n));
        Tensor expectH = Tensor.zeros(DType.F16, n), expectB = Tensor.zeros(DType.BF16, n);
        for (int i = 0; i < n; i++) {
            double product = (float) x0[i] * 1.5f;
            expectH.setDouble(i, product);
            expectB.setDouble(i, product);
            // Boxed, so that NaN equals NaN (and -0.0 differs from 0.0).
            assertThat(Double.valueOf(r.get("yh").getDouble(i))).as("yh[%d]", i).isEqualTo(Double.valueOf(expectH.getDouble(i)));
            assertThat(Double.valueOf(r.get("yb").getDouble(i))).as("yb[%d]", i).isEqualTo(Double.valueOf(expectB.getDouble(i)));
            assertThat(Double.valueOf(r.get("z").getDouble(i))).as("z[%d]", i)
                    .isEqualTo(Double.valueOf((float) (h.getDouble(i) + bh.getDouble(i))));
        }
    }

    @Test
    void namesThatCReservesStillWork() throws DeviceException {
        LExpr x = load("float", ref("__x", DType.I32), DType.F32);
        Kernel k = new Kernel("kernel",
                List.of(in("float", DType.F32), out("int", DType.F32), scalar("exp", DType.F32), scalar("M_PI", DType.I32),
                        scalar("get_global_id", DType.I32)),
                List.of(dim("__x", i32("M_PI"))),
                List.of(new LStmt.Let("tsr_philox", mul(x, ref("exp", DType.F32))),
                        new LStmt.Let("item__", call(Builtin.EXP, DType.F32, ref("tsr_philox", DType.F32))),
                        store("int", ref("__x", DType.I32), add(ref("item__", DType.F32), cast(i32("get_global_id"), DType.F32)))),
                "reserved names");
        int n = 7;
        double[] x0 = OpenClKernelsTest.values(n, 2);
        Map<String, Tensor> r = run(k, new long[] {n}, Map.of("float", Tensor.fromDoubles(DType.F32, new long[] {n}, x0)),
                Map.of("int", new long[] {n}), Map.of("exp", 2.0, "M_PI", (double) n, "get_global_id", 10.0));
        for (int i = 0; i < n; i++) {
            assertThat(r.get("int").getDouble(i)).isCloseTo(Math.exp((float) x0[i] * 2) + 10, within(1e-5));
        }
    }
}
