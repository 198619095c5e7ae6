package tessera.ir.loop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static tessera.ir.loop.Runs.error;
import static tessera.ir.loop.Runs.f32;
import static tessera.ir.loop.Runs.i32;
import static tessera.ir.loop.Runs.inputs;
import static tessera.ir.loop.Runs.ok;
import static tessera.ir.loop.Runs.shape;
import static tessera.ir.loop.Runs.tensor;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tessera.ir.loop.LaunchPlan.Role;
import tessera.runtime.DType;
import tessera.runtime.Philox;
import tessera.runtime.Tensor;

/** PlanRunner driving the loop interpreter over the shared modules, checked against hand-computed values. */
class LoopInterpreterTest {
    @Test void matvecRunsItsSerialReduction() {
        Map<String, Tensor> in = inputs("a", tensor(DType.F32, shape(2, 3), 1, 2, 3, 4, 5, 6), "x", f32(1, 0, -1));
        assertThat(ok(Modules.matvec(), in).get("y").toDoubleArray()).containsExactly(-2, -2);
        assertThat(ok(Modules.matvec(), in, Map.of("alpha", 0.5)).get("y").toDoubleArray()).containsExactly(-1, -1);
        Tensor y = ok(Modules.matvec(), in).get("y");
        assertThat(y.dtype()).isEqualTo(DType.F32);
        assertThat(y.shape()).containsExactly(2);
    }

    @Test void maskedSoftmaxNormalisesPresentEntriesAndZeroesEmptyRows() {
        Map<String, Tensor> in = inputs("x", tensor(DType.F32, shape(3, 3), 1, 2, 3, 0, 0, 0, 5, 1, 1), "len", i32(2, 0, 3));
        double[] p = ok(Modules.maskedSoftmax(), in).get("p").toDoubleArray();
        double e = Math.exp(-1);
        double z = 1 + 2 * Math.exp(-4);
        double[] want = {e / (1 + e), 1 / (1 + e), 0, 0, 0, 0, 1 / z, Math.exp(-4) / z, Math.exp(-4) / z};
        for (int k = 0; k < want.length; k++) assertThat(p[k]).as("p[%d]", k).isCloseTo(want[k], within(1e-7));
        // stored as f32: every value is a float
        for (double v : p) assertThat(v).isEqualTo((double) (float) v);
    }

    @Test void dropoutDrawsPhiloxAndWrapsBitsIntoI32() {
        double[] x = {1.5, -2.7, 3.25, 4.0, -0.5};
        Map<String, Tensor> out = ok(Modules.dropout(), inputs("x", f32(x)), Map.of("seed", 42.0, "keep", 0.75));
        double[] y = out.get("y").toDoubleArray();
        long[] r = out.get("r").toLongArray();
        long[] s = out.get("s").toLongArray();
        for (int i = 0; i < x.length; i++) {
            double u = Philox.uniform(42, i, 7);
            assertThat(y[i]).as("y[%d]", i).isEqualTo(u < 0.75 ? (float) ((float) x[i] * (1 / 0.75)) : 0.0, within(1e-6));
            assertThat(r[i]).as("r[%d]", i).isEqualTo((long) (int) Philox.bits(42, i, 1));
        }
        assertThat(s).containsExactly(1, -1, 3, -1, 0);
        assertThat(java.util.Arrays.stream(r).anyMatch(v -> v < 0)).as("some u32 wrapped to a negative i32").isTrue();
    }

    @Test void countUsesIfVarsAndTruncatingDivision() {
        Tensor x = tensor(DType.F32, shape(3, 4), 0, 1, -1, 2, -1, -2, -3, -4, 5, 6, 7, 8);
        Map<String, Tensor> out = ok(Modules.count(), inputs("x", x));
        assertThat(out.keySet()).containsExactly("cnt", "first", "half", "rem");
        assertThat(out.get("cnt").toLongArray()).containsExactly(2, 0, 2);
        assertThat(out.get("first").toLongArray()).containsExactly(1, -1, 0);
        // counts 2, 0, 4: (c - 3) / 2 and % 2 truncate toward zero, the remainder has the dividend's sign
        assertThat(out.get("half").toLongArray()).containsExactly(0, -1, 0);
        assertThat(out.get("rem").toLongArray()).containsExactly(-1, -1, 1);
        assertThat(ok(Modules.count(), inputs("x", x), Map.of("lim", 3.0)).get("cnt").toLongArray()).containsExactly(2, 0, 3);
    }

    @Test void emptyGridsRunNothing() {
        Map<String, Tensor> out = ok(Modules.matvec(), inputs("a", tensor(DType.F32, shape(0, 3)), "x", f32(1, 2, 3)));
        assertThat(out.get("y").size()).isZero();
    }

    @Test void storesRoundToTheElementType() throws Exception {
        try (LoopInterpreter d = new LoopInterpreter()) {
            InterpBuffer f32 = (InterpBuffer) d.allocate(DType.F32, 1);
            f32.setDouble(0, 0.1);
            assertThat(f32.data[0]).isEqualTo((double) 0.1f);
            InterpBuffer f16 = (InterpBuffer) d.allocate(DType.F16, 1);
            f16.setDouble(0, 1 + 0x1p-11 + 0x1p-40); // above the tie: rounds up, once
            assertThat(f16.data[0]).isEqualTo(1 + 0x1p-10);
            InterpBuffer bf16 = (InterpBuffer) d.allocate(DType.BF16, 1);
            bf16.setLong(0, 257);
            assertThat(bf16.data[0]).isEqualTo(256);
            InterpBuffer i32 = (InterpBuffer) d.allocate(DType.I32, 2);
            i32.setLong(0, 0x1_0000_0005L);
            i32.setDouble(1, -2.9);
            assertThat(i32.data).containsExactly(5, -2);
            InterpBuffer b = (InterpBuffer) d.allocate(DType.BOOL, 2);
            b.setDouble(0, -3);
            b.setLong(1, 0);
            assertThat(b.data).containsExactly(1, 0);
        }
    }

    @Test void readAndWriteCheckTypesAndSizes() throws Exception {
        LoopInterpreter d = new LoopInterpreter();
        Device.DeviceBuffer b = d.allocate(DType.F32, 3);
        assertThatThrownBy(() -> d.write(b, i32(1, 2, 3))).hasMessage("cannot write a i32 tensor into a f32 buffer");
        assertThatThrownBy(() -> d.write(b, f32(1, 2))).hasMessage("cannot write 2 elements into a buffer of 3");
        d.write(b, f32(1, 2, 3));
        assertThat(d.read(b, new long[] {3, 1}).toDoubleArray()).containsExactly(1, 2, 3);
        assertThatThrownBy(() -> d.read(b, new long[] {2})).hasMessage("cannot read a buffer of 3 elements as shape [2]");
        assertThatThrownBy(() -> d.allocate(DType.F32, -1)).hasMessage("cannot allocate -1 elements");
        assertThat(d.name()).isEqualTo("loop-interp");
    }

    @Test void anIndexOutOfRangeIsAnErrorNamingKernelBufferAndExpression() {
        // x has N elements but the kernel reads x[i + 1]
        Kernel k = new Kernel("shift", List.of(L.in("x", L.F32), L.out("y", L.F32), L.scalar("N", L.I32)), List.of(L.grid("i", L.v("N"))),
                List.of(L.store("y", L.v("i"), L.load("x", L.add(L.v("i"), L.i(1)), L.F32))), "y[i] = x[i + 1]");
        Module m = new Module("shift", List.of(k), new LaunchPlan(List.of(L.dim("N", "x", 0)), List.of(),
                List.of(L.buffer("x", L.F32, Role.INPUT, L.v("N")), L.buffer("y", L.F32, Role.OUTPUT, L.v("N"))), List.of(new LaunchPlan.Launch("shift"))));
        assertThat(error(m, inputs("x", f32(1, 2, 3))))
                .isEqualTo("error: kernel 'shift': index 3 out of range [0, 3) of buffer 'x' in x[i + 1]");
    }

    @Test void integerDivisionByZeroInAKernelIsAnError() {
        Kernel k = new Kernel("q", List.of(L.in("x", L.I32), L.out("y", L.I32), L.scalar("N", L.I32)), List.of(L.grid("i", L.v("N"))),
                List.of(L.store("y", L.v("i"), L.div(L.i(10), L.load("x", L.v("i"), L.I32)))), "y[i] = 10 / x[i]");
        Module m = new Module("q", List.of(k), new LaunchPlan(List.of(L.dim("N", "x", 0)), List.of(),
                List.of(L.buffer("x", L.I32, Role.INPUT, L.v("N")), L.buffer("y", L.I32, Role.OUTPUT, L.v("N"))), List.of(new LaunchPlan.Launch("q"))));
        assertThat(ok(m, inputs("x", i32(3, -4))).get("y").toLongArray()).containsExactly(3, -2);
        assertThat(error(m, inputs("x", i32(3, 0)))).isEqualTo("error: kernel 'q': integer division by zero in 10 / x[i]");
    }

    @Test void aForReevaluatesItsBoundAndLocalsDoNotLeakBetweenPoints() {
        // for (j = 0; j < n; j++) n = n - 1  runs while j < the shrinking n: 0 < 4, 1 < 3, then 2 < 2 stops
        Kernel k = new Kernel("k", List.of(L.out("y", L.I32), L.scalar("N", L.I32)), List.of(L.grid("i", L.v("N"))),
                List.of(L.var("n", L.I32, L.i(4)), L.var("t", L.I32, L.i(0)),
                        L.loop("j", L.i(0), L.v("n"), L.set("n", L.sub(L.v("n"), L.i(1))), L.set("t", L.add(L.v("t"), L.i(1)))),
                        L.store("y", L.v("i"), L.add(L.mul(L.v("t"), L.i(10)), L.v("n")))), "");
        Module m = new Module("k", List.of(k), new LaunchPlan(List.of(L.param("N", L.I32, L.i(3))), List.of(),
                List.of(L.buffer("y", L.I32, Role.OUTPUT, L.v("N"))), List.of(new LaunchPlan.Launch("k"))));
        assertThat(ok(m, Map.of()).get("y").toLongArray()).containsExactly(22, 22, 22);
    }
}
