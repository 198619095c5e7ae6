package tessera.backend.ptx;

import static org.assertj.core.api.Assertions.assertThat;
import static tessera.backend.ptx.L.bin;
import static tessera.backend.ptx.L.call;
import static tessera.backend.ptx.L.cast;
import static tessera.backend.ptx.L.dim;
import static tessera.backend.ptx.L.i32;
import static tessera.backend.ptx.L.in;
import static tessera.backend.ptx.L.load;
import static tessera.backend.ptx.L.out;
import static tessera.backend.ptx.L.scalar;
import static tessera.backend.ptx.L.store;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import tessera.ir.loop.Device.DeviceException;
import tessera.ir.loop.Kernel;
import tessera.ir.loop.LExpr;
import tessera.ir.loop.LStmt;
import tessera.ir.loop.LoopInterpreter;
import tessera.ir.tensor.Expr.BinOp;
import tessera.ir.tensor.Expr.Builtin;
import tessera.runtime.DType;
import tessera.runtime.Philox;
import tessera.runtime.Tensor;

/**
 * What the emitted PTX computes, run on the {@link PtxSimulator}: the hand-built samples agree
 * with the Loop IR interpreter on random inputs with NaN, infinities, zeros and subnormals; and
 * the corners where Java's semantics are easy to miss are bit for bit Java's: Philox, integer
 * division by 0 and -1, float remainder, min/max of NaN and signed zeros, float-to-integer
 * casts, pow's special cases.
 */
class PtxSemanticsTest {
    private static final long SIZE = 64 * 37 + 64;
    private static final LExpr I = i32("i");

    private static Map<String, Tensor> sim(Kernel k, Map<String, Tensor> inputs, long size, Map<String, Double> scalars)
            throws DeviceException {
        return Runs.run(new tessera.backend.ptx.sim.PtxSimDevice(m -> new PtxEmitter().emit(m, PtxOptions.defaults()),
                tessera.backend.ptx.sim.PtxSimDevice.DEFAULT_BLOCK_SIZE, tessera.backend.ptx.sim.SimOptions.defaults()), k, inputs, size, scalars);
    }

    @TestFactory
    Stream<DynamicTest> everySampleAgreesWithTheLoopInterpreter() {
        List<DynamicTest> tests = new ArrayList<>();
        for (var e : Samples.all().entrySet()) {
            // For ptxas only: arithmetic divides by constant 0 (a fault in the interpreter); edges
            // writes far past any buffer.
            if (e.getKey().equals("arithmetic") || e.getKey().equals("edges")) continue;
            for (Kernel k : e.getValue().kernels()) {
                tests.add(DynamicTest.dynamicTest(e.getKey() + "/" + k.name(), () -> {
                    for (long seed = 1; seed <= 3; seed++) {
                        Map<String, Tensor> inputs = Runs.inputs(k, SIZE, seed);
                        Map<String, Tensor> want = Runs.run(new LoopInterpreter(), k, inputs, SIZE, Runs.SCALARS);
                        Map<String, Tensor> got = sim(k, inputs, SIZE, Runs.SCALARS);
                        for (String name : want.keySet()) Runs.assertClose(k.name() + " " + name, got.get(name), want.get(name));
                    }
                }));
            }
        }
        return tests.stream();
    }

    @Test
    void philoxAndUniformAreBitForBitTheRuntimes() throws DeviceException {
        Map<String, Tensor> out = sim(Samples.random(), Map.of(), SIZE, Runs.SCALARS);
        long seed = Runs.SCALARS.get("seed").longValue();
        int n = Runs.SCALARS.get("N").intValue();
        for (int i = 0; i < n; i++) {
            long a = i * 4294967297L - 5;
            assertThat(out.get("bits").getLong(i)).as("bits[%d]", i).isEqualTo(Philox.bits(seed, a, i - 3));
            assertThat(out.get("u").getDouble(i)).as("u[%d]", i).isEqualTo(Philox.uniform(seed, a, i - 3));
            assertThat(out.get("bits").getLong(i + n)).as("bits[%d]", i + n).isEqualTo(Philox.bits(42, i, 7));
        }
    }

    @Test
    void aThreeDimensionalGridCoversEveryPointOnceAndAnEmptyGridNone() throws DeviceException {
        Tensor out = sim(Samples.grid3(), Map.of(), 3 * 5 * 7 + 1, Runs.SCALARS).get("out");
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 5; j++) {
                for (int k = 0; k < 7; k++) assertThat(out.getLong((i * 5 + j) * 7 + k)).isEqualTo(i * 10000 + j * 100 + k);
            }
        }
        assertThat(out.getLong(3 * 5 * 7)).as("past the grid").isZero();
        Tensor none = sim(Samples.emptyGrid(), Map.of(), 64, Runs.SCALARS).get("y");
        assertThat(none.toDoubleArray()).containsOnly(0.0);
    }

    /** {@code q[i] = a[i] / b[i]; r[i] = a[i] % b[i]} on type {@code t}. */
    private static Kernel divide(DType t) {
        LExpr a = load("a", I, t), b = load("b", I, t);
        return new Kernel("divide", List.of(in("a", t), in("b", t), out("q", t), out("r", t), scalar("N", DType.I32)),
                List.of(dim("i", i32("N"))),
                List.of(store("q", I, bin(BinOp.DIV, a, b)), store("r", I, bin(BinOp.MOD, a, b))), "q, r = a / b, a % b");
    }

    @Test
    void integerDivisionTruncatesWrapsAndGivesZeroForAZeroDivisor() throws DeviceException {
        long[][] pairs = {{7, 2}, {-7, 2}, {7, -2}, {-7, -2}, {5, 0}, {-5, 0}, {0, 0}, {9, -1}, {0, 3}};
        for (DType t : List.of(DType.I32, DType.I64)) {
            long min = t == DType.I32 ? Integer.MIN_VALUE : Long.MIN_VALUE;
            long max = t == DType.I32 ? Integer.MAX_VALUE : Long.MAX_VALUE;
            List<long[]> cases = new ArrayList<>(List.of(pairs));
            cases.addAll(List.of(new long[] {min, -1}, new long[] {min, 1}, new long[] {max, min}, new long[] {min, max},
                    new long[] {min, 0}, new long[] {max, -1}));
            long[] as = cases.stream().mapToLong(p -> p[0]).toArray();
            long[] bs = cases.stream().mapToLong(p -> p[1]).toArray();
            long n = as.length;
            Map<String, Tensor> out = sim(divide(t), Map.of("a", Tensor.fromInts(t, new long[] {n}, as),
                    "b", Tensor.fromInts(t, new long[] {n}, bs)), n, Map.of("N", (double) n));
            for (int i = 0; i < n; i++) {
                long a = as[i], b = bs[i];
                long q = b == 0 ? 0 : t == DType.I32 ? (int) a / (int) b : a / b;
                long r = b == 0 ? 0 : t == DType.I32 ? (int) a % (int) b : a % b;
                assertThat(out.get("q").getLong(i)).as("%s %d / %d", t, a, b).isEqualTo(q);
                assertThat(out.get("r").getLong(i)).as("%s %d %% %d", t, a, b).isEqualTo(r);
            }
        }
    }

    /** Float operands that meet Java's corner cases. */
    private static final double[] CORNERS = {0.0, -0.0, 1.0, -1.0, 2.5, -2.5, 7.0, 0.1, 1e-40, -1e-40, 3e38, -3e38,
        1e30, 1.5e-7, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 2147483648.0, -2147483649.0, 1e19};

    /** Every pair of corners, in two buffers. */
    private static Map<String, Tensor> cornerPairs(DType t) {
        int n = CORNERS.length * CORNERS.length;
        double[] a = new double[n], b = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = CORNERS[i / CORNERS.length];
            b[i] = CORNERS[i % CORNERS.length];
        }
        return Map.of("a", Tensor.fromDoubles(t, new long[] {n}, a), "b", Tensor.fromDoubles(t, new long[] {n}, b));
    }

    @Test
    void floatRemainderMinMaxAndCastsAreJavasBitForBit() throws DeviceException {
        for (DType t : List.of(DType.F32, DType.F64)) {
            LExpr a = load("a", I, t), b = load("b", I, t);
            Kernel k = new Kernel("corners",
                    List.of(in("a", t), in("b", t), out("rem", t), out("max", t), out("min", t), out("i32", DType.I32),
                            out("i64", DType.I64), out("fl", t), out("ce", t), scalar("N", DType.I32)),
                    List.of(dim("i", i32("N"))),
                    List.of(store("rem", I, bin(BinOp.MOD, a, b)), store("max", I, call(Builtin.MAX, t, a, b)),
                            store("min", I, call(Builtin.MIN, t, a, b)), store("i32", I, cast(a, DType.I32)),
                            store("i64", I, cast(a, DType.I64)), store("fl", I, call(Builtin.FLOOR, t, a)),
                            store("ce", I, call(Builtin.CEIL, t, a))),
                    "corners");
            Map<String, Tensor> in = cornerPairs(t);
            long n = in.get("a").size();
            Map<String, Tensor> out = sim(k, in, n, Map.of("N", (double) n));
            for (int i = 0; i < n; i++) {
                double x = in.get("a").getDouble(i), y = in.get("b").getDouble(i);
                String at = t + " (" + x + ", " + y + ")";
                if (t == DType.F32) {
                    float fx = (float) x, fy = (float) y;
                    assertBits(at + " %", out.get("rem").getDouble(i), fx % fy);
                    assertBits(at + " max", out.get("max").getDouble(i), Math.max(fx, fy));
                    assertBits(at + " min", out.get("min").getDouble(i), Math.min(fx, fy));
                    assertThat(out.get("i32").getLong(i)).as(at + " (int)").isEqualTo((int) fx);
                    assertThat(out.get("i64").getLong(i)).as(at + " (long)").isEqualTo((long) fx);
                    assertBits(at + " floor", out.get("fl").getDouble(i), (float) Math.floor(fx));
                    assertBits(at + " ceil", out.get("ce").getDouble(i), (float) Math.ceil(fx));
                } else {
                    assertBits(at + " %", out.get("rem").getDouble(i), x % y);
                    assertBits(at + " max", out.get("max").getDouble(i), Math.max(x, y));
                    assertBits(at + " min", out.get("min").getDouble(i), Math.min(x, y));
                    assertThat(out.get("i32").getLong(i)).as(at + " (int)").isEqualTo((int) x);
                    assertThat(out.get("i64").getLong(i)).as(at + " (long)").isEqualTo((long) x);
                    assertBits(at + " floor", out.get("fl").getDouble(i), Math.floor(x));
                    assertBits(at + " ceil", out.get("ce").getDouble(i), Math.ceil(x));
                }
            }
        }
    }

    private static void assertBits(String what, double got, double want) {
        if (Double.isNaN(want)) assertThat(got).as(what).isNaN();
        else assertThat(Double.doubleToRawLongBits(got)).as("%s: got %s, want %s", what, got, want)
                .isEqualTo(Double.doubleToRawLongBits(want));
    }

    @Test
    void f32FunctionsAreWithinTheirStatedBoundsAndPowKeepsJavasSpecialCases() throws DeviceException {
        LExpr a = load("a", I, DType.F32), b = load("b", I, DType.F32);
        Kernel k = new Kernel("functions",
                List.of(in("a", DType.F32), in("b", DType.F32), out("exp", DType.F32), out("log", DType.F32),
                        out("tanh", DType.F32), out("sigmoid", DType.F32), out("pow", DType.F32), out("rsqrt", DType.F32),
                        out("sqrt", DType.F32), scalar("N", DType.I32)),
                List.of(dim("i", i32("N"))),
                List.of(store("exp", I, call(Builtin.EXP, DType.F32, a)), store("log", I, call(Builtin.LOG, DType.F32, a)),
                        store("tanh", I, call(Builtin.TANH, DType.F32, a)), store("sigmoid", I, call(Builtin.SIGMOID, DType.F32, a)),
                        store("pow", I, call(Builtin.POW, DType.F32, a, b)), store("rsqrt", I, call(Builtin.RSQRT, DType.F32, a)),
                        store("sqrt", I, call(Builtin.SQRT, DType.F32, a))),
                "functions");
        Map<String, Tensor> in = cornerPairs(DType.F32);
        long n = in.get("a").size();
        Map<String, Tensor> out = sim(k, in, n, Map.of("N", (double) n));
        for (int i = 0; i < n; i++) {
            float x = (float) in.get("a").getDouble(i), y = (float) in.get("b").getDouble(i);
            String at = "(" + x + ", " + y + ")";
            assertNear(at + " exp", out.get("exp").getDouble(i), (float) Math.exp(x));
            assertNear(at + " log", out.get("log").getDouble(i), (float) Math.log(x));
            assertNear(at + " tanh", out.get("tanh").getDouble(i), (float) Math.tanh(x));
            assertNear(at + " sigmoid", out.get("sigmoid").getDouble(i), (float) (1 / (1 + Math.exp(-x))));
            assertNear(at + " pow", out.get("pow").getDouble(i), (float) Math.pow(x, y));
            assertNear(at + " rsqrt", out.get("rsqrt").getDouble(i), (float) (1 / Math.sqrt(x)));
            assertBits(at + " sqrt", out.get("sqrt").getDouble(i), (float) Math.sqrt(x));
        }
        // tanh and exp over a dense range, where the polynomial meets the formula.
        int m = 4001;
        double[] xs = new double[m];
        for (int i = 0; i < m; i++) xs[i] = -10 + 20.0 * i / (m - 1);
        Map<String, Tensor> dense = sim(k, Map.of("a", Tensor.fromDoubles(DType.F32, new long[] {m}, xs),
                "b", Tensor.fromDoubles(DType.F32, new long[] {m}, xs)), m, Map.of("N", (double) m));
        for (int i = 0; i < m; i++) {
            float x = (float) xs[i];
            assertNear("tanh " + x, dense.get("tanh").getDouble(i), (float) Math.tanh(x));
            assertNear("exp " + x, dense.get("exp").getDouble(i), (float) Math.exp(x));
            assertNear("sigmoid " + x, dense.get("sigmoid").getDouble(i), (float) (1 / (1 + Math.exp(-x))));
        }
    }

    /** Exactly equal for zeros, infinities and NaN (sign included); else within 2e-6 relative. */
    private static void assertNear(String what, double got, double want) {
        if (Double.isNaN(want) || Double.isInfinite(want) || want == 0) {
            assertBits(what, got, want);
            return;
        }
        assertThat(Math.abs(got - want)).as("%s: got %s, want %s", what, got, want).isLessThanOrEqualTo(2e-6 * Math.abs(want) + 1e-37);
    }

    @Test
    void boolsAndStorageTypesRoundTrip() throws DeviceException {
        Kernel k = new Kernel("copy",
                List.of(in("b", DType.BOOL), in("h", DType.F16), in("bf", DType.BF16), out("nb", DType.BOOL),
                        out("h2", DType.F16), out("bf2", DType.BF16), scalar("N", DType.I32), scalar("flip", DType.BOOL)),
                List.of(dim("i", i32("N"))),
                List.of(store("nb", I, bin(BinOp.NE, load("b", I, DType.BOOL), L.ref("flip", DType.BOOL))),
                        store("h2", I, load("h", I, DType.F16)), store("bf2", I, load("bf", I, DType.BF16)),
                        new LStmt.Comment("done")),
                "copy");
        double[] v = {0, 1, -2.5, 65504, 1e-3, Double.NaN, Double.NEGATIVE_INFINITY, 3.140625};
        long[] bools = {1, 0, 1, 1, 0, 0, 1, 0};
        long n = v.length;
        Map<String, Tensor> out = sim(k, Map.of("b", Tensor.fromInts(DType.BOOL, new long[] {n}, bools),
                "h", Tensor.fromDoubles(DType.F16, new long[] {n}, v), "bf", Tensor.fromDoubles(DType.BF16, new long[] {n}, v)),
                n, Map.of("N", (double) n, "flip", 1.0));
        for (int i = 0; i < n; i++) {
            assertThat(out.get("nb").getLong(i)).isEqualTo(1 - bools[i]);
            assertBits("f16 " + v[i], out.get("h2").getDouble(i), Tensor.fromDoubles(DType.F16, new long[] {1}, new double[] {v[i]}).getDouble(0));
            assertBits("bf16 " + v[i], out.get("bf2").getDouble(i), Tensor.fromDoubles(DType.BF16, new long[] {1}, new double[] {v[i]}).getDouble(0));
        }
    }
}
