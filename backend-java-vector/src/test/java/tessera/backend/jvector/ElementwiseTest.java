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
import tessera.ir.tensor.Expr;
import tessera.runtime.DType;
import tessera.runtime.Philox;
import tessera.runtime.Tensor;

/** An elementwise kernel with Select, casts, integer division, bools and Philox, against values computed here. */
class ElementwiseTest {
    private static JavaDevice device;

    @BeforeAll
    static void open() {
        device = new JavaDevice(JavaOptions.defaults().withThreads(3));
    }

    @AfterAll
    static void close() {
        device.close();
    }

    static Kernel mix() {
        LExpr i = i32("i");
        LExpr x = f32("x", i);
        LExpr seed = ref("seed", DType.I64);
        LExpr q = ref("q", DType.I32);
        return new Kernel("mix", List.of(in("x", DType.F32), in("mask", DType.BOOL), out("bits", DType.I64),
                out("unif", DType.F32), out("sel", DType.F32), out("flag", DType.BOOL), out("quot", DType.I32),
                out("rem", DType.I32), out("wide", DType.F64), out("round", DType.F32), out("neg", DType.BOOL),
                scalar("seed", DType.I64), scalar("n", DType.I32)),
                List.of(dim("i", i32("n"))),
                List.of(comment("random draws"),
                        let("r", call(Expr.Builtin.PHILOX, DType.I64, seed, cast(i, DType.I64), cl(3))),
                        let("u", call(Expr.Builtin.UNIFORM, DType.F32, seed, i, ci(5))),
                        store("bits", i, ref("r", DType.I64)),
                        store("unif", i, ref("u", DType.F32)),
                        comment("conversions and integer arithmetic"),
                        let("q", call(Expr.Builtin.INT, DType.I32, mul(x, cf(10)))),
                        store("sel", i, select(gt(x, cf(0)), mul(x, cf(2)), cast(mod(q, ci(3)), DType.F32))),
                        store("flag", i, and(gt(x, cf(0.5)), bin(Expr.BinOp.EQ, mod(q, ci(2)), ci(0)))),
                        store("quot", i, div(q, ci(-3))),
                        store("rem", i, mod(q, ci(-3))),
                        store("wide", i, div(cast(x, DType.F64), cd(3))),
                        store("round", i, add(call(Expr.Builtin.FLOOR, DType.F32, mul(x, cf(3))),
                                call(Expr.Builtin.CEIL, DType.F32, x))),
                        store("neg", i, or(not(load("mask", i, DType.BOOL)), lt(x, cf(-1))))),
                "mix of everything");
    }

    @Test
    void everyOutputMatchesJavaArithmetic() throws Exception {
        Kernel k = mix();
        device.prepare(Run.module("mix", k));
        int n = 41;
        double[] xs = new double[n];
        long[] mask = new long[n];
        for (int j = 0; j < n; j++) {
            xs[j] = (float) Math.sin(j * 1.7) * 2.5;
            mask[j] = j % 3 == 0 ? 1 : 0;
        }
        long seed = 987654321L;
        long[] shape = {n};
        var out = Run.launch(device, k, shape,
                Map.of("x", Tensor.fromDoubles(DType.F32, shape, xs), "mask", Tensor.fromInts(DType.BOOL, shape, mask)),
                Map.of("seed", (double) seed, "n", (double) n),
                Map.ofEntries(Map.entry("bits", shape), Map.entry("unif", shape), Map.entry("sel", shape),
                        Map.entry("flag", shape), Map.entry("quot", shape), Map.entry("rem", shape),
                        Map.entry("wide", shape), Map.entry("round", shape), Map.entry("neg", shape)));
        for (int j = 0; j < n; j++) {
            float x = (float) xs[j];
            int q = (int) (x * 10f);
            assertThat(out.get("bits").getLong(j)).isEqualTo(Philox.bits(seed, j, 3));
            assertThat(out.get("unif").getDouble(j)).isEqualTo(Philox.uniform(seed, j, 5));
            assertThat((float) out.get("sel").getDouble(j)).isEqualTo(x > 0 ? x * 2f : (float) (q % 3));
            assertThat(out.get("flag").getLong(j)).isEqualTo(x > 0.5f && q % 2 == 0 ? 1 : 0);
            assertThat(out.get("quot").getLong(j)).isEqualTo(q / -3);
            assertThat(out.get("rem").getLong(j)).isEqualTo(q % -3);
            assertThat(out.get("wide").getDouble(j)).isEqualTo((double) x / 3.0);
            assertThat((float) out.get("round").getDouble(j)).isEqualTo((float) Math.floor(x * 3f) + (float) Math.ceil(x));
            assertThat(out.get("neg").getLong(j)).isEqualTo(mask[j] == 0 || x < -1f ? 1 : 0);
        }
        assertThat(device.lastSource()).contains("Philox.bits(seed, (long) i, 3L)").contains("// random draws")
                .contains("// conversions and integer arithmetic");
    }

    /** f16 and bf16 buffers: short[] of bits, read as float, stored rounded to nearest even. */
    @Test
    void halfPrecisionBuffersRoundTrip() throws Exception {
        LExpr i = i32("i");
        Kernel k = new Kernel("halves", List.of(in("h", DType.F16), in("b", DType.BF16), out("h2", DType.F16),
                out("b2", DType.BF16), scalar("n", DType.I32)),
                List.of(dim("i", i32("n"))),
                List.of(store("h2", i, mul(f32("h", i), cf(3))), store("b2", i, mul(f32("b", i), cf(3)))),
                "halves");
        device.prepare(Run.module("halves", k));
        double[] v = {0, 1, -2.5, 1e-3, 65504 / 4.0, 3.14159, Double.NaN, -0.0, 1.0e30};
        long[] shape = {v.length};
        Tensor h = Tensor.fromDoubles(DType.F16, shape, v);
        Tensor b = Tensor.fromDoubles(DType.BF16, shape, v);
        var out = Run.launch(device, k, shape, Map.of("h", h, "b", b), Map.of("n", (double) v.length),
                Map.of("h2", shape, "b2", shape));
        Tensor wantH = Tensor.zeros(DType.F16, shape);
        Tensor wantB = Tensor.zeros(DType.BF16, shape);
        for (int j = 0; j < v.length; j++) {
            wantH.setDouble(j, (float) h.getDouble(j) * 3f);
            wantB.setDouble(j, (float) b.getDouble(j) * 3f);
        }
        assertThat(out.get("h2").toDoubleArray()).containsExactly(wantH.toDoubleArray());
        assertThat(out.get("b2").toDoubleArray()).containsExactly(wantB.toDoubleArray());
    }
}
