package tessera.backend.ptx.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static tessera.backend.ptx.sim.Ir.add;
import static tessera.backend.ptx.sim.Ir.bin;
import static tessera.backend.ptx.sim.Ir.buffer;
import static tessera.backend.ptx.sim.Ir.c;
import static tessera.backend.ptx.sim.Ir.call;
import static tessera.backend.ptx.sim.Ir.cast;
import static tessera.backend.ptx.sim.Ir.dim;
import static tessera.backend.ptx.sim.Ir.f;
import static tessera.backend.ptx.sim.Ir.flat;
import static tessera.backend.ptx.sim.Ir.grid;
import static tessera.backend.ptx.sim.Ir.i;
import static tessera.backend.ptx.sim.Ir.in;
import static tessera.backend.ptx.sim.Ir.let;
import static tessera.backend.ptx.sim.Ir.load;
import static tessera.backend.ptx.sim.Ir.loop;
import static tessera.backend.ptx.sim.Ir.mul;
import static tessera.backend.ptx.sim.Ir.out;
import static tessera.backend.ptx.sim.Ir.param;
import static tessera.backend.ptx.sim.Ir.ref;
import static tessera.backend.ptx.sim.Ir.scalar;
import static tessera.backend.ptx.sim.Ir.select;
import static tessera.backend.ptx.sim.Ir.set;
import static tessera.backend.ptx.sim.Ir.store;
import static tessera.backend.ptx.sim.Ir.sub;
import static tessera.backend.ptx.sim.Ir.v;
import static tessera.backend.ptx.sim.Ir.var;
import static tessera.backend.ptx.sim.Ir.when;

import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tessera.ir.loop.Device;
import tessera.ir.loop.Kernel;
import tessera.ir.loop.LaunchPlan;
import tessera.ir.loop.LaunchPlan.Role;
import tessera.ir.loop.LoopInterpreter;
import tessera.ir.loop.Module;
import tessera.ir.loop.PlanRunner;
import tessera.ir.tensor.Expr.BinOp;
import tessera.ir.tensor.Expr.Builtin;
import tessera.ir.tensor.Interpreter.Outcome;
import tessera.runtime.DType;
import tessera.runtime.Tensor;

/**
 * The emitter's PTX for hand-built Loop IR modules, run on {@link PtxSimDevice} through
 * {@link PlanRunner}, against the {@link LoopInterpreter} running the same module: a
 * disagreement is an emitter or simulator bug. Floats compare with the project's tolerance rule
 * (the interpreter computes f32 in double precision; PTX rounds every operation), integers and
 * bools exactly.
 */
class PtxSimDeviceTest {

    private static Map<String, Tensor> run(Device device, Module m, Map<String, Tensor> inputs, Map<String, Double> scalars) {
        Outcome o = PlanRunner.run(m, device, inputs, scalars);
        if (o instanceof Outcome.Failed f) throw new AssertionError(device.name() + ": " + f.error().message());
        return ((Outcome.Ok) o).outputs();
    }

    /** Runs on both devices and compares every output. */
    private static Map<String, Tensor> agree(Module m, Map<String, Tensor> inputs, Map<String, Double> scalars) {
        Map<String, Tensor> ref = run(new LoopInterpreter(), m, inputs, scalars);
        Map<String, Tensor> sim;
        try (PtxSimDevice device = PtxSimDevice.withEmitter()) {
            assertThat(device.name()).isEqualTo("ptx-sim");
            sim = run(device, m, inputs, scalars);
        }
        assertThat(sim.keySet()).isEqualTo(ref.keySet());
        for (String name : ref.keySet()) assertClose(m.name() + "." + name, sim.get(name), ref.get(name));
        return sim;
    }

    private static void assertClose(String what, Tensor actual, Tensor reference) {
        assertThat(actual.shape()).as(what).isEqualTo(reference.shape());
        double[] a = actual.toDoubleArray();
        double[] r = reference.toDoubleArray();
        double scale = 1;
        for (double x : r) if (Double.isFinite(x)) scale = Math.max(scale, Math.abs(x));
        boolean exact = !reference.dtype().isFloat();
        double atol = reference.dtype() == DType.F64 ? 1e-12 * scale : 1e-5 * scale;
        double rtol = reference.dtype() == DType.F64 ? 1e-10 : 1e-4;
        for (int k = 0; k < r.length; k++) {
            String at = what + "[" + k + "]";
            if (Double.isNaN(r[k]) || Double.isInfinite(r[k]) || exact) {
                assertThat(Double.isNaN(a[k]) ? "NaN" : Double.toString(a[k])).as(at).isEqualTo(Double.isNaN(r[k]) ? "NaN" : Double.toString(r[k]));
            } else {
                assertThat(Math.abs(a[k] - r[k])).as("%s: %s vs %s", at, a[k], r[k]).isLessThanOrEqualTo(atol + rtol * Math.abs(r[k]));
            }
        }
    }

    private static Tensor floats(long seed, long... shape) {
        Random rnd = new Random(seed);
        Tensor t = Tensor.zeros(DType.F32, shape);
        double[] specials = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, -0.0};
        for (long k = 0; k < t.size(); k++) {
            t.setDouble(k, rnd.nextInt(10) == 0 ? specials[rnd.nextInt(specials.length)] : (rnd.nextInt(161) - 80) / 8.0);
        }
        return t;
    }

    private static Tensor integers(DType type, long seed, int bound, long... shape) {
        Random rnd = new Random(seed);
        Tensor t = Tensor.zeros(type, shape);
        for (long k = 0; k < t.size(); k++) t.setLong(k, rnd.nextInt(2 * bound + 1) - bound);
        return t;
    }

    private static Module module(String name, Kernel k, List<LaunchPlan.HostScalar> scalars, List<LaunchPlan.Buffer> buffers) {
        return new Module(name, List.of(k), new LaunchPlan(scalars, List.of(), buffers, List.of(new LaunchPlan.Launch(k.name()))));
    }

    /** {@code y[i] = x[i] > 0 ? alpha * x[i] : x[i] / 2; k[i] = int(3 * x[i])}. */
    private static Module relu() {
        var xi = ref("xi", DType.F32);
        Kernel k = new Kernel("relu_scale", List.of(in("x", DType.F32), out("y", DType.F32), out("k", DType.I32), scalar("N", DType.I32), scalar("alpha", DType.F32)),
                List.of(grid("i", v("N"))),
                List.of(let("xi", load("x", v("i"), DType.F32)),
                        store("y", v("i"), select(bin(BinOp.GT, xi, f(0)), mul(ref("alpha", DType.F32), xi), bin(BinOp.DIV, xi, f(2)))),
                        store("k", v("i"), cast(mul(f(3), xi), DType.I32))),
                "y[i] = ...");
        return module("relu", k, List.of(dim("N", "x", 0), param("alpha", DType.F32, f(1.5))),
                List.of(buffer("x", DType.F32, Role.INPUT, v("N")), buffer("y", DType.F32, Role.OUTPUT, v("N")), buffer("k", DType.I32, Role.OUTPUT, v("N"))));
    }

    @ParameterizedTest(name = "{0} points")
    @CsvSource({"1", "7", "127", "128", "129", "1000"})
    void elementwiseAtGridSizesAroundTheBlock(int n) {
        Map<String, Tensor> out = agree(relu(), Map.of("x", floats(n, n)), Map.of("alpha", 2.0));
        assertThat(out.get("y").size()).isEqualTo(n);
    }

    /** {@code y[i] = alpha * sum[j](a[i, j] * x[j])}, a serial loop into a var. */
    private static Module matvec() {
        Kernel k = new Kernel("matvec_y",
                List.of(in("a", DType.F32), in("x", DType.F32), out("y", DType.F32), scalar("M", DType.I32), scalar("N", DType.I32), scalar("alpha", DType.F32)),
                List.of(grid("i", v("M"))),
                List.of(var("acc", DType.F32, f(0)),
                        loop("j", i(0), v("N"), set("acc", add(ref("acc", DType.F32), mul(load("a", flat(v("i"), v("N"), v("j")), DType.F32), load("x", v("j"), DType.F32))))),
                        store("y", v("i"), mul(ref("alpha", DType.F32), ref("acc", DType.F32)))),
                "y[i] = alpha * sum[j](a[i, j] * x[j])");
        return module("matvec", k, List.of(dim("M", "a", 0), dim("N", "a", 1), param("alpha", DType.F32, f(1))),
                List.of(buffer("a", DType.F32, Role.INPUT, v("M"), v("N")), buffer("x", DType.F32, Role.INPUT, v("N")), buffer("y", DType.F32, Role.OUTPUT, v("M"))));
    }

    @Test
    void matrixVectorWithASerialReduction() {
        Tensor a = integers(DType.F32, 3, 9, 37, 53);
        Tensor x = integers(DType.F32, 4, 9, 53);
        Map<String, Tensor> out = agree(matvec(), Map.of("a", a, "x", x), Map.of("alpha", 0.5));
        double want = 0;
        for (int j = 0; j < 53; j++) want += a.getDouble(53 * 5 + j) * x.getDouble(j);
        assertThat(out.get("y").getDouble(5)).isEqualTo(0.5 * want);
    }

    /** A presence mask, row statistics (max, sum of exponentials) and the normalised row: three kernels. */
    private static Module maskedSoftmax() {
        var rc = flat(v("r"), v("C"), v("c"));
        Kernel mask = new Kernel("softmax_mask", List.of(in("len", DType.I32), out("mask", DType.BOOL), scalar("R", DType.I32), scalar("C", DType.I32)),
                List.of(grid("r", v("R")), grid("c", v("C"))),
                List.of(store("mask", rc, bin(BinOp.LT, v("c"), load("len", v("r"), DType.I32)))), "mask");
        Kernel stats = new Kernel("softmax_stats",
                List.of(in("x", DType.F32), in("mask", DType.BOOL), out("m", DType.F32), out("l", DType.F32), scalar("R", DType.I32), scalar("C", DType.I32)),
                List.of(grid("r", v("R"))),
                List.of(var("mx", DType.F32, f(Double.NEGATIVE_INFINITY)),
                        loop("c", i(0), v("C"), when(load("mask", rc, DType.BOOL), set("mx", call(Builtin.MAX, DType.F32, ref("mx", DType.F32), load("x", rc, DType.F32))))),
                        var("sum", DType.F32, f(0)),
                        loop("c", i(0), v("C"), when(load("mask", rc, DType.BOOL),
                                set("sum", add(ref("sum", DType.F32), call(Builtin.EXP, DType.F32, sub(load("x", rc, DType.F32), ref("mx", DType.F32))))))),
                        store("m", v("r"), ref("mx", DType.F32)),
                        store("l", v("r"), ref("sum", DType.F32))), "stats");
        Kernel p = new Kernel("softmax_p",
                List.of(in("x", DType.F32), in("mask", DType.BOOL), in("m", DType.F32), in("l", DType.F32), out("p", DType.F32), scalar("R", DType.I32), scalar("C", DType.I32)),
                List.of(grid("r", v("R")), grid("c", v("C"))),
                List.of(let("k", rc),
                        store("p", v("k"), select(load("mask", v("k"), DType.BOOL),
                                bin(BinOp.DIV, call(Builtin.EXP, DType.F32, sub(load("x", v("k"), DType.F32), load("m", v("r"), DType.F32))), load("l", v("r"), DType.F32)),
                                f(0)))), "p");
        LaunchPlan plan = new LaunchPlan(List.of(dim("R", "x", 0), dim("C", "x", 1)), List.of(),
                List.of(buffer("x", DType.F32, Role.INPUT, v("R"), v("C")), buffer("len", DType.I32, Role.INPUT, v("R")),
                        buffer("p", DType.F32, Role.OUTPUT, v("R"), v("C")), buffer("mask", DType.BOOL, Role.TEMP, v("R"), v("C")),
                        buffer("m", DType.F32, Role.TEMP, v("R")), buffer("l", DType.F32, Role.TEMP, v("R"))),
                List.of(new LaunchPlan.Launch("softmax_mask"), new LaunchPlan.Launch("softmax_stats"), new LaunchPlan.Launch("softmax_p")));
        return new Module("masked_softmax", List.of(mask, stats, p), plan);
    }

    @Test
    void maskedSoftmaxAcrossThreeKernels() {
        Random rnd = new Random(9);
        Tensor x = Tensor.zeros(DType.F32, 9, 40);
        for (long k = 0; k < x.size(); k++) x.setDouble(k, rnd.nextGaussian() * 3);
        Tensor len = Tensor.fromInts(DType.I32, new long[] {9}, new long[] {0, 1, 5, 40, 39, 17, 2, 33, 40});
        Map<String, Tensor> out = agree(maskedSoftmax(), Map.of("x", x, "len", len), Map.of());
        assertThat(out.get("p").getDouble(0)).as("a row with no entry gives 0").isEqualTo(0.0);
    }

    /** Integer corners: truncating division guarded by a lazy select, remainder, i64, comparisons into bool, f64. */
    private static Module integers() {
        var a = ref("ai", DType.I32);
        var b = ref("bi", DType.I32);
        Kernel k = new Kernel("ints",
                List.of(in("a", DType.I32), in("b", DType.I32), out("q", DType.I32), out("r", DType.I32), out("w", DType.I64), out("lt", DType.BOOL),
                        out("d", DType.F64), scalar("N", DType.I32)),
                List.of(grid("i", v("N"))),
                List.of(let("ai", load("a", v("i"), DType.I32)), let("bi", load("b", v("i"), DType.I32)),
                        store("q", v("i"), select(bin(BinOp.NE, b, i(0)), bin(BinOp.DIV, a, b), i(0))),
                        store("r", v("i"), bin(BinOp.MOD, a, i(7))),
                        store("w", v("i"), mul(cast(a, DType.I64), c(3000000000.0, DType.I64))),
                        store("lt", v("i"), bin(BinOp.LT, a, b)),
                        store("d", v("i"), bin(BinOp.DIV, cast(a, DType.F64), c(3, DType.F64)))),
                "integer corners");
        return module("ints", k, List.of(dim("N", "a", 0)),
                List.of(buffer("a", DType.I32, Role.INPUT, v("N")), buffer("b", DType.I32, Role.INPUT, v("N")), buffer("q", DType.I32, Role.OUTPUT, v("N")),
                        buffer("r", DType.I32, Role.OUTPUT, v("N")), buffer("w", DType.I64, Role.OUTPUT, v("N")), buffer("lt", DType.BOOL, Role.OUTPUT, v("N")),
                        buffer("d", DType.F64, Role.OUTPUT, v("N"))));
    }

    @Test
    void integerDivisionRemainderWideningAndComparisons() {
        Tensor a = integers(DType.I32, 11, 1_000_000_000, 300);
        Tensor b = integers(DType.I32, 12, 5, 300);
        a.setLong(0, Integer.MIN_VALUE);
        b.setLong(0, -1);
        agree(integers(), Map.of("a", a, "b", b), Map.of());
    }

    /** {@code out[r, c] = r * 1000 + c} over a 2-D grid. */
    private static Module grid2() {
        Kernel k = new Kernel("grid2", List.of(out("o", DType.I32), scalar("R", DType.I32), scalar("C", DType.I32)),
                List.of(grid("r", v("R")), grid("c", v("C"))),
                List.of(store("o", flat(v("r"), v("C"), v("c")), add(mul(v("r"), i(1000)), v("c")))), "2-D grid");
        return module("grid2", k, List.of(param("R", DType.I32, i(1)), param("C", DType.I32, i(1))),
                List.of(buffer("o", DType.I32, Role.OUTPUT, v("R"), v("C"))));
    }

    @ParameterizedTest(name = "{0} x {1}")
    @CsvSource({"1, 1", "1, 7", "3, 43", "1, 128", "8, 125", "0, 5"})
    void twoDimensionalGridsDecodeRowMajor(int r, int c) {
        Map<String, Tensor> out = agree(grid2(), Map.of(), Map.of("R", (double) r, "C", (double) c));
        if (r * c > 0) assertThat(out.get("o").getDouble(r * c - 1)).isEqualTo((r - 1) * 1000 + c - 1);
    }

    /** Philox bits and uniforms must match bit for bit. */
    @Test
    void philoxBitForBit() {
        var ii = cast(v("i"), DType.I64);
        Kernel k = new Kernel("noise", List.of(out("bits", DType.I64), out("u", DType.F32), scalar("seed", DType.I64), scalar("N", DType.I32)),
                List.of(grid("i", v("N"))),
                List.of(store("bits", v("i"), call(Builtin.PHILOX, DType.I64, ref("seed", DType.I64), ii, c(3, DType.I64))),
                        store("u", v("i"), call(Builtin.UNIFORM, DType.F32, ref("seed", DType.I64), ii, c(7, DType.I64)))), "noise");
        Module m = module("noise", k, List.of(param("seed", DType.I64, c(42, DType.I64)), param("N", DType.I32, i(200))),
                List.of(buffer("bits", DType.I64, Role.OUTPUT, v("N")), buffer("u", DType.F32, Role.OUTPUT, v("N"))));
        Map<String, Tensor> out = agree(m, Map.of(), Map.of("seed", 1234.0));
        for (double u : out.get("u").toDoubleArray()) assertThat(u).isBetween(0.0, 1.0);
    }

    /** f16 and bf16 storage: loads widen, stores round to nearest even. */
    @Test
    void halfPrecisionStorage() {
        Kernel k = new Kernel("halves", List.of(in("h", DType.F16), in("bf", DType.BF16), out("h2", DType.F16), out("bf2", DType.BF16), scalar("N", DType.I32)),
                List.of(grid("i", v("N"))),
                List.of(store("h2", v("i"), mul(load("h", v("i"), DType.F16), f(1.5))),
                        store("bf2", v("i"), add(load("bf", v("i"), DType.BF16), load("h", v("i"), DType.F16)))), "halves");
        Module m = module("halves", k, List.of(dim("N", "h", 0)),
                List.of(buffer("h", DType.F16, Role.INPUT, v("N")), buffer("bf", DType.BF16, Role.INPUT, v("N")),
                        buffer("h2", DType.F16, Role.OUTPUT, v("N")), buffer("bf2", DType.BF16, Role.OUTPUT, v("N"))));
        Random rnd = new Random(13);
        Tensor h = Tensor.zeros(DType.F16, 150);
        Tensor bf = Tensor.zeros(DType.BF16, 150);
        for (int k2 = 0; k2 < 150; k2++) {
            h.setDouble(k2, rnd.nextGaussian() * 100);
            bf.setDouble(k2, rnd.nextGaussian() * 1000);
        }
        agree(m, Map.of("h", h, "bf", bf), Map.of());
    }

    @Test
    void aFaultBecomesADeviceErrorWithItsLine() {
        // an out-of-bounds Loop IR load: both devices must refuse, the simulator naming the PTX line and thread
        Kernel k = new Kernel("shift", List.of(in("x", DType.F32), out("y", DType.F32), scalar("N", DType.I32)),
                List.of(grid("i", v("N"))),
                List.of(store("y", v("i"), load("x", add(v("i"), i(1)), DType.F32))), "y[i] = x[i + 1]");
        Module m = module("shift", k, List.of(dim("N", "x", 0)),
                List.of(buffer("x", DType.F32, Role.INPUT, v("N")), buffer("y", DType.F32, Role.OUTPUT, v("N"))));
        Outcome o = PlanRunner.run(m, PtxSimDevice.withEmitter(), Map.of("x", floats(1, 10)), Map.of());
        assertThat(o).isInstanceOf(Outcome.Failed.class);
        String message = ((Outcome.Failed) o).error().message();
        assertThat(message).startsWith("kernel 'shift', PTX line ").contains("ctaid (0,0,0) tid (9,0,0)", "out-of-bounds access: read of 4 bytes",
                "byte offset 40 is past the end of buffer 'x' (param p_x) (40 bytes)");
    }

    @Test
    void aReleasedBufferCannotBeUsedAgain() throws Exception {
        Module m = relu();
        try (PtxSimDevice device = PtxSimDevice.withEmitter()) {
            device.prepare(m);
            Device.DeviceBuffer x = device.allocate(DType.F32, 4);
            Device.DeviceBuffer y = device.allocate(DType.F32, 4);
            Device.DeviceBuffer k = device.allocate(DType.I32, 4);
            device.write(x, floats(2, 4));
            device.release(x);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> device.launch(m.kernels().get(0), new long[] {4},
                            Map.of("x", x, "y", y, "k", k), Map.of("N", 4.0, "alpha", 1.0)))
                    .isInstanceOf(Device.DeviceException.class)
                    .hasMessageContaining("tid (0,0,0)")
                    .hasMessageContaining("buffer 'x' (param p_x), which has been freed");
        }
    }
}
