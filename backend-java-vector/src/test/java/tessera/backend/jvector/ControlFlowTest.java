package tessera.backend.jvector;

import static org.assertj.core.api.Assertions.assertThat;
import static tessera.backend.jvector.L.*;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tessera.ir.loop.Kernel;
import tessera.ir.loop.LExpr;
import tessera.ir.loop.LStmt;
import tessera.ir.tensor.Expr;
import tessera.runtime.DType;
import tessera.runtime.Tensor;

/** Kernels with If, Var and Assign, nested and triangular loops, and lazy operators guarding loads. */
class ControlFlowTest {
    private static JavaDevice device;

    @BeforeAll
    static void open() {
        device = new JavaDevice(JavaOptions.defaults().withThreads(4));
    }

    @AfterAll
    static void close() {
        device.close();
    }

    /** Row max and argmax (an If in a loop), an If/else on the result, and a triangular prefix sum. */
    static Kernel argmax() {
        LExpr i = i32("i");
        LExpr k = i32("k");
        LExpr best = ref("best", DType.F32);
        LExpr arg = ref("arg", DType.I32);
        return new Kernel("argmax", List.of(in("a", DType.F32), out("mx", DType.F32), out("am", DType.I32),
                out("even", DType.BOOL), out("prefix", DType.F64), scalar("R", DType.I32), scalar("C", DType.I32)),
                List.of(dim("i", i32("R"))),
                List.of(var("best", DType.F32, cf(Double.NEGATIVE_INFINITY)),
                        var("arg", DType.I32, ci(-1)),
                        loop("k", ci(0), i32("C"),
                                let("v", f32("a", add(mul(i, i32("C")), k))),
                                when(gt(ref("v", DType.F32), best),
                                        List.of(comment("a new maximum"), assign("best", ref("v", DType.F32)), assign("arg", k)),
                                        List.of())),
                        store("mx", i, best),
                        store("am", i, arg),
                        when(bin(Expr.BinOp.EQ, mod(arg, ci(2)), ci(0)),
                                List.of(store("even", i, cb(true))),
                                List.of(store("even", i, cb(false)))),
                        var("sum", DType.F64, cd(0)),
                        loop("k", ci(0), add(i, ci(1)),
                                assign("sum", add(ref("sum", DType.F64), cast(f32("a", k), DType.F64)))),
                        store("prefix", i, ref("sum", DType.F64))),
                "argmax");
    }

    @Test
    void argmaxAndPrefixSums() throws Exception {
        Kernel kernel = argmax();
        device.prepare(Run.module("argmax", kernel));
        assertThat(device.lastSource()).contains("// a new maximum").contains("} else {");
        int rows = 37;
        int cols = 5;
        double[] a = new double[rows * cols];
        for (int j = 0; j < a.length; j++) a[j] = (float) Math.cos(j * 0.37);
        long[] r = {rows};
        var out = Run.launch(device, kernel, r, Map.of("a", Tensor.fromDoubles(DType.F32, new long[] {rows, cols}, a)),
                Map.of("R", (double) rows, "C", (double) cols),
                Map.of("mx", r, "am", r, "even", r, "prefix", r));
        for (int row = 0; row < rows; row++) {
            float mx = Float.NEGATIVE_INFINITY;
            int am = -1;
            for (int c = 0; c < cols; c++) {
                if ((float) a[row * cols + c] > mx) {
                    mx = (float) a[row * cols + c];
                    am = c;
                }
            }
            double prefix = 0;
            for (int c = 0; c <= row; c++) prefix += (float) a[c];
            assertThat((float) out.get("mx").getDouble(row)).isEqualTo(mx);
            assertThat(out.get("am").getLong(row)).isEqualTo(am);
            assertThat(out.get("even").getLong(row)).isEqualTo(am % 2 == 0 ? 1 : 0);
            assertThat(out.get("prefix").getDouble(row)).isEqualTo(prefix);
        }
    }

    /**
     * {@code &&} and Select must not evaluate the side they skip: here that side reads past the
     * end of {@code p}. On lanes, the loads of a side run under the mask of the lanes that take it.
     */
    @Test
    void lazyOperatorsGuardLoads() throws Exception {
        LExpr i = i32("i");
        LExpr limit = i32("lim");
        Kernel kernel = new Kernel("guarded", List.of(in("p", DType.F32), in("c", DType.F32), out("g", DType.F32),
                out("s", DType.F32), scalar("n", DType.I32), scalar("lim", DType.I32)),
                List.of(dim("i", i32("n"))),
                List.of(store("g", i, select(and(lt(i, limit), gt(f32("p", i), cf(0))), cf(1), cf(-1))),
                        store("s", i, select(lt(i, limit), f32("p", i), cf(7)))),
                "guarded");
        Kernel lanes = new Kernel("guardedLanes", List.of(in("p", DType.F32), in("c", DType.F32), out("v", DType.F32),
                scalar("n", DType.I32)),
                List.of(dim("i", i32("n"))),
                List.of(store("v", i, select(gt(f32("c", i), cf(0)), f32("p", i), cf(0)))),
                "v[i] = c[i] > 0 ? p[i] : 0");
        device.prepare(Run.module("guarded", kernel, lanes));
        if (JavaDevice.vectorModulePresent()) {
            assertThat(device.lastSource())
                    .contains("VectorMask<Float> left = FLOAT_SPECIES.indexInRange(0, Math.clamp((long) lim - i, -1, FLOAT_SPECIES.length()));")
                    .contains("FloatVector.fromArray(FLOAT_SPECIES, p, i, tail.and(left))")
                    .contains("FloatVector.fromArray(FLOAT_SPECIES, p, i, tail.and(cond))");
        }
        int n = 20;
        int lim = 6;
        double[] p = {1, -1, 2, -2, 3, -3};
        double[] c = new double[n];
        for (int j = 0; j < lim; j++) c[j] = 1;
        long[] shape = {n};
        var out = Run.launch(device, kernel, shape,
                Map.of("p", Tensor.fromDoubles(DType.F32, new long[] {lim}, p), "c", Tensor.fromDoubles(DType.F32, shape, c)),
                Map.of("n", (double) n, "lim", (double) lim), Map.of("g", shape, "s", shape));
        out.putAll(Run.launch(device, lanes, shape,
                Map.of("p", Tensor.fromDoubles(DType.F32, new long[] {lim}, p), "c", Tensor.fromDoubles(DType.F32, shape, c)),
                Map.of("n", (double) n), Map.of("v", shape)));
        for (int j = 0; j < n; j++) {
            assertThat(out.get("g").getDouble(j)).isEqualTo(j < lim && p[j] > 0 ? 1 : -1);
            assertThat(out.get("s").getDouble(j)).isEqualTo(j < lim ? p[j] : 7);
            assertThat(out.get("v").getDouble(j)).isEqualTo(j < lim ? p[j] : 0);
        }
    }

    /** A kernel without a grid runs its body once; loops over an empty range do nothing. */
    @Test
    void kernelWithoutGrid() throws Exception {
        Kernel kernel = new Kernel("total", List.of(in("x", DType.I64), out("t", DType.I64), scalar("n", DType.I32)),
                List.of(),
                List.of(var("t", DType.I64, cl(0)),
                        loop("k", ci(0), i32("n"), assign("t", add(ref("t", DType.I64), load("x", i32("k"), DType.I64)))),
                        loop("k", ci(5), ci(2), assign("t", cl(-1))),
                        store("t", ci(0), ref("t", DType.I64))),
                "t = sum(x)");
        device.prepare(Run.module("total", kernel));
        long[] x = {1L << 40, 3, -5, 7};
        var out = Run.launch(device, kernel, new long[0], Map.of("x", Tensor.fromInts(DType.I64, new long[] {4}, x)),
                Map.of("n", 4.0), Map.of("t", new long[] {1}));
        assertThat(out.get("t").getLong(0)).isEqualTo((1L << 40) + 5);
    }
}
