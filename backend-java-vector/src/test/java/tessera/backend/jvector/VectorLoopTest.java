package tessera.backend.jvector;

import static org.assertj.core.api.Assertions.assertThat;
import static tessera.backend.jvector.L.*;

import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import tessera.ir.loop.Kernel;
import tessera.ir.loop.LExpr;
import tessera.ir.loop.Module;
import tessera.ir.tensor.Expr;
import tessera.runtime.DType;
import tessera.runtime.Tensor;

/** Kernels whose innermost grid loop runs on vector lanes, at lengths around the lane count, against values computed here. */
class VectorLoopTest {
    private static JavaDevice device;
    private static JavaDevice scalarDevice;

    @BeforeAll
    static void open() {
        device = new JavaDevice(JavaOptions.defaults().withThreads(2));
        scalarDevice = new JavaDevice(JavaOptions.defaults().withThreads(2).withVectorise(false));
    }

    @AfterAll
    static void close() {
        device.close();
        scalarDevice.close();
    }

    /** {@code y[i] = max(alpha * x[i] + b[0], 0)}: a contiguous load, a broadcast load, a scalar. */
    static Kernel relu() {
        LExpr i = i32("i");
        return new Kernel("relu", List.of(in("x", DType.F32), in("b", DType.F32), out("y", DType.F32),
                scalar("alpha", DType.F32), scalar("n", DType.I32)),
                List.of(dim("i", i32("n"))),
                List.of(comment("y = relu(alpha * x + b)"),
                        let("t", add(mul(ref("alpha", DType.F32), f32("x", i)), f32("b", ci(0)))),
                        store("y", i, call(Expr.Builtin.MAX, DType.F32, ref("t", DType.F32), cf(0)))),
                "y[i] = max(alpha * x[i] + b[0], 0)");
    }

    static float[] random(int n, long seed) {
        Random r = new Random(seed);
        float[] v = new float[n];
        for (int k = 0; k < n; k++) v[k] = (float) (r.nextGaussian());
        return v;
    }

    static Tensor tensor(float[] v) {
        double[] d = new double[v.length];
        for (int k = 0; k < v.length; k++) d[k] = v[k];
        return Tensor.fromDoubles(DType.F32, new long[] {v.length}, d);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 7, 8, 9, 15, 16, 17, 33, 1000})
    void reluIsExactAtEveryLength(int n) throws Exception {
        Kernel k = relu();
        device.prepare(Run.module("relu", k));
        if (JavaDevice.vectorModulePresent()) {
            assertThat(device.lastSource()).contains("FloatVector.fromArray(FLOAT_SPECIES, x, i)")
                    .contains("indexInRange").contains("// y = relu(alpha * x + b)");
        }
        float[] x = random(n, n);
        float alpha = 1.5f;
        float b = -0.25f;
        var out = Run.launch(device, k, new long[] {n}, Map.of("x", tensor(x), "b", tensor(new float[] {b})),
                Map.of("alpha", (double) alpha, "n", (double) n), Map.of("y", new long[] {n}));
        for (int j = 0; j < n; j++) {
            assertThat((float) out.get("y").getDouble(j)).as("y[%d]", j).isEqualTo(Math.max(alpha * x[j] + b, 0f));
        }
    }

    /**
     * A 2-D grid: rows scalar, columns on lanes, with a varying Select and a compare against a
     * broadcast (loads hoisted into lets: a load inside a branch would keep the loop scalar).
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 7, 8, 9, 33})
    void twoDimensionalSelectIsExact(int cols) throws Exception {
        LExpr r = i32("r");
        LExpr c = i32("c");
        LExpr idx = add(mul(r, i32("C")), c);
        Kernel k = new Kernel("rowscale", List.of(in("x", DType.F32), in("w", DType.F32), in("bias", DType.F32),
                out("y", DType.F32), scalar("R", DType.I32), scalar("C", DType.I32)),
                List.of(dim("r", i32("R")), dim("c", i32("C"))),
                List.of(let("at", idx),
                        let("v", f32("x", i32("at"))),
                        let("wc", f32("w", c)),
                        let("br", f32("bias", r)),
                        let("pos", gt(ref("v", DType.F32), ref("br", DType.F32))),
                        store("y", i32("at"), select(ref("pos", DType.BOOL),
                                add(mul(ref("v", DType.F32), ref("wc", DType.F32)), ref("br", DType.F32)),
                                sub(cf(0.5), div(ref("v", DType.F32), cf(4)))))),
                "y[r, c] = x > bias[r] ? x * w[c] + bias[r] : 0.5 - x / 4");
        device.prepare(Run.module("rowscale", k));
        if (JavaDevice.vectorModulePresent()) {
            assertThat(device.lastSource()).contains(".blend(").contains("VectorOperators.GT");
        }
        int rows = 5;
        float[] x = random(rows * cols, 7);
        float[] w = random(cols, 8);
        float[] bias = random(rows, 9);
        var out = Run.launch(device, k, new long[] {rows, cols},
                Map.of("x", tensor(x), "w", tensor(w), "bias", tensor(bias)),
                Map.of("R", (double) rows, "C", (double) cols), Map.of("y", new long[] {rows, cols}));
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                float v = x[i * cols + j];
                float want = v > bias[i] ? v * w[j] + bias[i] : 0.5f - v / 4f;
                assertThat((float) out.get("y").getDouble(i * cols + j)).isEqualTo(want);
            }
        }
    }

    /** f64 lanes, and the functions the vector loop supports, against the double formula. */
    @ParameterizedTest
    @ValueSource(ints = {1, 3, 4, 5, 9, 33})
    void doubleFunctionsOnLanes(int n) throws Exception {
        LExpr i = i32("i");
        LExpr x = f64("x", i);
        LExpr e = add(add(call(Expr.Builtin.EXP, DType.F64, x), call(Expr.Builtin.SIGMOID, DType.F64, x)),
                add(call(Expr.Builtin.TANH, DType.F64, x), call(Expr.Builtin.SQRT, DType.F64, call(Expr.Builtin.ABS, DType.F64, x))));
        LExpr e2 = add(call(Expr.Builtin.LOG, DType.F64, add(call(Expr.Builtin.ABS, DType.F64, x), cd(1))),
                add(call(Expr.Builtin.RSQRT, DType.F64, add(mul(x, x), cd(1))),
                        call(Expr.Builtin.POW, DType.F64, call(Expr.Builtin.ABS, DType.F64, x), cd(1.5))));
        LExpr e3 = call(Expr.Builtin.MIN, DType.F64, neg(x), cast(ref("s", DType.I32), DType.F64));
        Kernel k = new Kernel("funcs", List.of(in("x", DType.F64), out("y", DType.F64), out("z", DType.F64),
                out("u", DType.F64), scalar("n", DType.I32), scalar("s", DType.I32)),
                List.of(dim("i", i32("n"))),
                List.of(store("y", i, e), store("z", i, e2), store("u", i, e3)), "funcs");
        device.prepare(Run.module("funcs", k));
        if (JavaDevice.vectorModulePresent()) {
            assertThat(device.lastSource()).contains("DoubleVector").contains("VectorOperators.TANH");
        }
        Random rnd = new Random(n);
        double[] xs = new double[n];
        for (int j = 0; j < n; j++) xs[j] = rnd.nextGaussian() * 2;
        var out = Run.launch(device, k, new long[] {n}, Map.of("x", Tensor.fromDoubles(DType.F64, new long[] {n}, xs)),
                Map.of("n", (double) n, "s", 1.0), Map.of("y", new long[] {n}, "z", new long[] {n}, "u", new long[] {n}));
        for (int j = 0; j < n; j++) {
            double v = xs[j];
            double y = Math.exp(v) + 1 / (1 + Math.exp(-v)) + Math.tanh(v) + Math.sqrt(Math.abs(v));
            double z = Math.log(Math.abs(v) + 1) + 1 / Math.sqrt(v * v + 1) + Math.pow(Math.abs(v), 1.5);
            assertThat(out.get("y").getDouble(j)).isCloseTo(y, org.assertj.core.data.Offset.offset(1e-12 * (1 + Math.abs(y))));
            assertThat(out.get("z").getDouble(j)).isCloseTo(z, org.assertj.core.data.Offset.offset(1e-12 * (1 + Math.abs(z))));
            assertThat(out.get("u").getDouble(j)).isEqualTo(Math.min(-v, 1.0));
        }
    }

    /** Gathers, strides, integer buffers and Philox stay scalar, and still compute the right values. */
    @Test
    void nonVectorisableKernelsFallBackToScalarLoops() throws Exception {
        LExpr i = i32("i");
        Kernel strided = new Kernel("strided", List.of(in("x", DType.F32), out("y", DType.F32), scalar("n", DType.I32)),
                List.of(dim("i", i32("n"))),
                List.of(store("y", i, mul(f32("x", mul(ci(2), i)), cf(3)))), "y[i] = 3 * x[2i]");
        Kernel ints = new Kernel("ints", List.of(in("a", DType.I32), out("b", DType.I32), scalar("n", DType.I32)),
                List.of(dim("i", i32("n"))),
                List.of(store("b", i, add(load("a", i, DType.I32), ci(1)))), "b[i] = a[i] + 1");
        Module m = Run.module("fallbacks", strided, ints);
        device.prepare(m);
        assertThat(device.lastSource()).doesNotContain("FloatVector").doesNotContain("IntVector");
        for (int n : new int[] {1, 9, 33}) {
            float[] x = random(2 * n, n);
            var out = Run.launch(device, strided, new long[] {n}, Map.of("x", tensor(x)), Map.of("n", (double) n),
                    Map.of("y", new long[] {n}));
            for (int j = 0; j < n; j++) {
                assertThat((float) out.get("y").getDouble(j)).isEqualTo(x[2 * j] * 3f);
            }
            long[] a = new long[n];
            for (int j = 0; j < n; j++) a[j] = j * 7L - 20;
            var outInts = Run.launch(device, ints, new long[] {n}, Map.of("a", Tensor.fromInts(DType.I32, new long[] {n}, a)),
                    Map.of("n", (double) n), Map.of("b", new long[] {n}));
            for (int j = 0; j < n; j++) {
                assertThat(outInts.get("b").getLong(j)).isEqualTo(a[j] + 1);
            }
        }
    }

    /** The same kernel with and without vectors gives the same bits (no transcendental functions in it). */
    @Test
    void vectorAndScalarLoopsAgree() throws Exception {
        Kernel k = relu();
        device.prepare(Run.module("relu", k));
        scalarDevice.prepare(Run.module("relu", k));
        assertThat(scalarDevice.lastSource()).doesNotContain("FloatVector");
        int n = 77;
        float[] x = random(n, 3);
        Map<String, Tensor> in = Map.of("x", tensor(x), "b", tensor(new float[] {0.125f}));
        Map<String, Double> s = Map.of("alpha", -0.75, "n", (double) n);
        var a = Run.launch(device, k, new long[] {n}, in, s, Map.of("y", new long[] {n}));
        var b = Run.launch(scalarDevice, k, new long[] {n}, in, s, Map.of("y", new long[] {n}));
        assertThat(a.get("y").toDoubleArray()).containsExactly(b.get("y").toDoubleArray());
    }
}
