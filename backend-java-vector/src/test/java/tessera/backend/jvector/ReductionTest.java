package tessera.backend.jvector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static tessera.backend.jvector.L.*;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tessera.ir.loop.Kernel;
import tessera.ir.loop.LExpr;
import tessera.ir.loop.LStmt;
import tessera.ir.tensor.Expr;
import tessera.runtime.DType;
import tessera.runtime.Tensor;

/** VECTORIZED reduction loops (sum, max, min with lets inside) on lanes, and the forms that must stay serial. */
class ReductionTest {
    private static JavaDevice device;

    @BeforeAll
    static void open() {
        device = new JavaDevice(JavaOptions.defaults().withThreads(2));
    }

    @AfterAll
    static void close() {
        device.close();
    }

    static LStmt.For vectorized(String var, LExpr hi, LStmt... body) {
        return new LStmt.For(var, ci(0), hi, LStmt.LoopKind.VECTORIZED, List.of(body));
    }

    /** Per row: sum of exp(x - shift), max and min, in one VECTORIZED loop. */
    static Kernel rowStats() {
        LExpr i = i32("i");
        LExpr k = i32("k");
        LExpr x = ref("x", DType.F32);
        return new Kernel("row_stats", List.of(in("a", DType.F32), out("total", DType.F32), out("hi", DType.F32),
                out("lo", DType.F32), scalar("R", DType.I32), scalar("C", DType.I32), scalar("shift", DType.F32)),
                List.of(dim("i", i32("R"))),
                List.of(var("s", DType.F32, cf(0)),
                        var("m", DType.F32, cf(Double.NEGATIVE_INFINITY)),
                        var("mn", DType.F32, cf(Double.POSITIVE_INFINITY)),
                        vectorized("k", cast(i32("C"), DType.I32),
                                comment("row statistics"),
                                let("x", f32("a", add(mul(i, i32("C")), k))),
                                let("e", call(Expr.Builtin.EXP, DType.F32, sub(x, ref("shift", DType.F32)))),
                                assign("s", add(ref("s", DType.F32), ref("e", DType.F32))),
                                assign("m", call(Expr.Builtin.MAX, DType.F32, ref("m", DType.F32), x)),
                                assign("mn", call(Expr.Builtin.MIN, DType.F32, x, ref("mn", DType.F32)))),
                        store("total", i, ref("s", DType.F32)),
                        store("hi", i, ref("m", DType.F32)),
                        store("lo", i, ref("mn", DType.F32))),
                "total, hi, lo = sum(exp(a - shift)), max(a), min(a) per row");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 7, 8, 9, 16, 17, 33, 100})
    void rowStatisticsOnLanes(int cols) throws Exception {
        Kernel k = rowStats();
        device.prepare(Run.module("row_stats", k));
        if (JavaDevice.vectorModulePresent()) {
            assertThat(device.lastSource()).contains("sLanes = sLanes.lanewise(VectorOperators.ADD, e)")
                    .contains("mLanes.lanewise(VectorOperators.MAX, x, tail)").contains("Math.min(mn, mnLanes.reduceLanes(VectorOperators.MIN))")
                    .contains("// row statistics");
        }
        int rows = 4;
        double[] a = new double[rows * cols];
        for (int j = 0; j < a.length; j++) a[j] = (float) Math.sin(j * 0.731) * 3;
        long[] r = {rows};
        var out = Run.launch(device, k, r, Map.of("a", Tensor.fromDoubles(DType.F32, new long[] {rows, cols}, a)),
                Map.of("R", (double) rows, "C", (double) cols, "shift", 0.5), Map.of("total", r, "hi", r, "lo", r));
        for (int i = 0; i < rows; i++) {
            double sum = 0;
            float mx = Float.NEGATIVE_INFINITY;
            float mn = Float.POSITIVE_INFINITY;
            for (int c = 0; c < cols; c++) {
                float x = (float) a[i * cols + c];
                sum += Math.exp(x - 0.5);
                mx = Math.max(mx, x);
                mn = Math.min(mn, x);
            }
            assertThat(out.get("total").getDouble(i)).isCloseTo(sum, within(1e-5 * Math.max(1, sum)));
            assertThat((float) out.get("hi").getDouble(i)).isEqualTo(mx);
            assertThat((float) out.get("lo").getDouble(i)).isEqualTo(mn);
        }
    }

    /**
     * Serial forms: an integer counter, an accumulator read by a let (an online softmax step),
     * a term whose width differs from the accumulator's, and an UNROLLED loop.
     */
    @Test
    void otherLoopsStaySerial() throws Exception {
        LExpr i = i32("i");
        LExpr k = i32("k");
        LExpr x = f32("a", add(mul(i, i32("C")), k));
        List<Kernel.Param> params = List.of(in("a", DType.F32), out("y", DType.F64), scalar("R", DType.I32), scalar("C", DType.I32));
        Kernel counter = new Kernel("counter", params, List.of(dim("i", i32("R"))),
                List.of(var("n", DType.I32, ci(0)),
                        vectorized("k", i32("C"), assign("n", add(ref("n", DType.I32), cast(gt(x, cf(0)), DType.I32)))),
                        store("y", i, ref("n", DType.I32))), "count positives");
        Kernel online = new Kernel("online", params, List.of(dim("i", i32("R"))),
                List.of(var("m", DType.F32, cf(-1e30)), var("l", DType.F32, cf(0)),
                        vectorized("k", i32("C"),
                                let("mnew", call(Expr.Builtin.MAX, DType.F32, ref("m", DType.F32), x)),
                                assign("l", add(ref("l", DType.F32), call(Expr.Builtin.EXP, DType.F32, sub(x, ref("mnew", DType.F32))))),
                                assign("m", call(Expr.Builtin.MAX, DType.F32, ref("m", DType.F32), x))),
                        store("y", i, ref("l", DType.F32))), "reads an accumulator");
        Kernel widen = new Kernel("widen", params, List.of(dim("i", i32("R"))),
                List.of(var("s", DType.F64, cd(0)),
                        vectorized("k", i32("C"), assign("s", add(ref("s", DType.F64), cast(x, DType.F64)))),
                        store("y", i, ref("s", DType.F64))), "f32 terms into an f64 sum");
        Kernel unrolled = new Kernel("unrolled", params, List.of(dim("i", i32("R"))),
                List.of(var("s", DType.F32, cf(0)),
                        new LStmt.For("k", ci(0), i32("C"), LStmt.LoopKind.UNROLLED, List.of(assign("s", add(ref("s", DType.F32), x)))),
                        store("y", i, ref("s", DType.F32))), "unrolled");
        device.prepare(Run.module("serial", counter, online, widen, unrolled));
        assertThat(device.lastSource()).doesNotContain("Vector");
        int rows = 3;
        int cols = 19;
        double[] a = new double[rows * cols];
        for (int j = 0; j < a.length; j++) a[j] = (float) Math.cos(j * 1.3);
        Map<String, Tensor> in = Map.of("a", Tensor.fromDoubles(DType.F32, new long[] {rows, cols}, a));
        Map<String, Double> s = Map.of("R", (double) rows, "C", (double) cols);
        long[] r = {rows};
        Tensor n = Run.launch(device, counter, r, in, s, Map.of("y", r)).get("y");
        Tensor l = Run.launch(device, online, r, in, s, Map.of("y", r)).get("y");
        Tensor w = Run.launch(device, widen, r, in, s, Map.of("y", r)).get("y");
        Tensor u = Run.launch(device, unrolled, r, in, s, Map.of("y", r)).get("y");
        for (int row = 0; row < rows; row++) {
            int count = 0;
            float m = -1e30f;
            float sum = 0;
            double wide = 0;
            float plain = 0;
            for (int c = 0; c < cols; c++) {
                float v = (float) a[row * cols + c];
                if (v > 0) count++;
                float mnew = Math.max(m, v);
                sum = sum + (float) Math.exp(v - mnew);
                m = Math.max(m, v);
                wide = wide + v;
                plain = plain + v;
            }
            assertThat(n.getDouble(row)).isEqualTo(count);
            assertThat(l.getDouble(row)).isEqualTo(sum);
            assertThat(w.getDouble(row)).isEqualTo(wide);
            assertThat(u.getDouble(row)).isEqualTo(plain);
        }
    }
}
