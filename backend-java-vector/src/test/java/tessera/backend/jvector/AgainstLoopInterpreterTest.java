package tessera.backend.jvector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static tessera.backend.jvector.L.*;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tessera.ir.loop.Device;
import tessera.ir.loop.Kernel;
import tessera.ir.loop.LExpr;
import tessera.ir.loop.LaunchPlan;
import tessera.ir.loop.LaunchPlan.Role;
import tessera.ir.loop.LoopInterpreter;
import tessera.ir.loop.LoopPrinter;
import tessera.ir.loop.Module;
import tessera.ir.loop.PlanRunner;
import tessera.ir.tensor.Interpreter.Outcome;
import tessera.runtime.DType;
import tessera.runtime.Tensor;

/**
 * The hand-built kernels of the other tests, given launch plans and run through
 * {@link PlanRunner} on the {@link LoopInterpreter} (the oracle) and on the Java device with and
 * without vectors; outputs must agree within docs/testing.md's tolerance (exactly for integers
 * and bools).
 */
class AgainstLoopInterpreterTest {
    private static JavaDevice vector;
    private static JavaDevice scalar;

    @BeforeAll
    static void open() {
        vector = new JavaDevice(JavaOptions.defaults().withThreads(3));
        scalar = new JavaDevice(JavaOptions.defaults().withThreads(1).withVectorise(false));
    }

    @AfterAll
    static void close() {
        vector.close();
        scalar.close();
    }

    static LaunchPlan.HostScalar dimOf(String name, String input, int axis) {
        return new LaunchPlan.HostScalar(name, DType.I32, LaunchPlan.ScalarSource.DIM, Optional.empty(), input, axis);
    }

    static LaunchPlan.HostScalar param(String name, DType t, LExpr dflt) {
        return new LaunchPlan.HostScalar(name, t, LaunchPlan.ScalarSource.PARAM, Optional.ofNullable(dflt), null, 0);
    }

    static LaunchPlan.Buffer buffer(String name, DType t, Role role, LExpr... shape) {
        return new LaunchPlan.Buffer(name, t, role, List.of(shape));
    }

    static Module module(String name, List<Kernel> kernels, List<LaunchPlan.HostScalar> scalars, List<LaunchPlan.Buffer> buffers) {
        return new Module(name, kernels, new LaunchPlan(scalars, List.of(), buffers,
                kernels.stream().map(k -> new LaunchPlan.Launch(k.name())).toList()));
    }

    static Map<String, Tensor> ok(Module m, Device device, Map<String, Tensor> in, Map<String, Double> scalars) {
        return switch (PlanRunner.run(m, device, in, scalars)) {
            case Outcome.Ok ok -> ok.outputs();
            case Outcome.Failed f -> fail("on " + device.name() + ": " + f.error().oneLine() + "\n" + LoopPrinter.print(m));
        };
    }

    /** Runs {@code m} on the interpreter and on the vector and scalar Java devices and compares every output. */
    static void agree(Module m, Map<String, Tensor> in, Map<String, Double> scalars) {
        agree(m, in, scalars, vector, scalar);
    }

    /** Runs {@code m} on the interpreter and on {@code devices} and compares every output with the interpreter's. */
    static void agree(Module m, Map<String, Tensor> in, Map<String, Double> scalars, JavaDevice... devices) {
        Map<String, Tensor> want = ok(m, new LoopInterpreter(), in, scalars);
        for (JavaDevice d : devices) {
            Map<String, Tensor> got = ok(m, d, in, scalars);
            assertThat(got.keySet()).containsExactlyElementsOf(want.keySet());
            String how = d.options().vectorise() ? " (vector)" : " (scalar)";
            want.forEach((name, ref) -> close(m.name() + "." + name + how, got.get(name), ref));
        }
    }

    /** docs/testing.md: |out - ref| <= atol + rtol |ref|, scale = max(1, max |ref|); integers and bools exact. */
    static void close(String what, Tensor got, Tensor ref) {
        assertThat(got.dtype()).as(what).isEqualTo(ref.dtype());
        assertThat(got.shape()).as(what).containsExactly(ref.shape());
        double[] a = got.toDoubleArray();
        double[] r = ref.toDoubleArray();
        double scale = 1;
        for (double x : r) if (Double.isFinite(x)) scale = Math.max(scale, Math.abs(x));
        double[] tol = switch (ref.dtype()) {
            case F64 -> new double[] {1e-12 * scale, 1e-10};
            case F32 -> new double[] {1e-5 * scale, 1e-4};
            case F16 -> new double[] {2e-3 * scale, 2e-3};
            case BF16 -> new double[] {1.6e-2 * scale, 1.6e-2};
            case I32, I64, BOOL -> new double[] {0, 0};
        };
        for (int i = 0; i < r.length; i++) {
            if (Double.isNaN(r[i]) || Double.isInfinite(r[i])) {
                assertThat(a[i]).as("%s[%d]", what, i).isEqualTo(r[i]);
            } else {
                assertThat(Math.abs(a[i] - r[i])).as("%s[%d]: %s vs %s", what, i, a[i], r[i]).isLessThanOrEqualTo(tol[0] + tol[1] * Math.abs(r[i]));
            }
        }
    }

    static Tensor random(DType t, long seed, long... shape) {
        Random rnd = new Random(seed);
        long n = 1;
        for (long d : shape) n *= d;
        double[] v = new double[(int) n];
        for (int i = 0; i < v.length; i++) v[i] = rnd.nextGaussian() * 2;
        return Tensor.fromDoubles(t, shape, v);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 8, 9, 17, 33, 100})
    void elementwiseKernels(int n) {
        LExpr nRef = i32("n");
        Module relu = module("relu", List.of(VectorLoopTest.relu()),
                List.of(dimOf("n", "x", 0), param("alpha", DType.F32, cf(1.5))),
                List.of(buffer("x", DType.F32, Role.INPUT, nRef), buffer("b", DType.F32, Role.INPUT, ci(1)),
                        buffer("y", DType.F32, Role.OUTPUT, nRef)));
        agree(relu, Map.of("x", random(DType.F32, n, n), "b", random(DType.F32, 1, 1)), Map.of());
        agree(relu, Map.of("x", random(DType.F32, n, n), "b", random(DType.F32, 1, 1)), Map.of("alpha", -0.25));

        Module mix = module("mix", List.of(ElementwiseTest.mix()),
                List.of(dimOf("n", "x", 0), param("seed", DType.I64, cl(7))),
                List.of(buffer("x", DType.F32, Role.INPUT, nRef), buffer("mask", DType.BOOL, Role.INPUT, nRef),
                        buffer("bits", DType.I64, Role.OUTPUT, nRef), buffer("unif", DType.F32, Role.OUTPUT, nRef),
                        buffer("sel", DType.F32, Role.OUTPUT, nRef), buffer("flag", DType.BOOL, Role.OUTPUT, nRef),
                        buffer("quot", DType.I32, Role.OUTPUT, nRef), buffer("rem", DType.I32, Role.OUTPUT, nRef),
                        buffer("wide", DType.F64, Role.OUTPUT, nRef), buffer("round", DType.F32, Role.OUTPUT, nRef),
                        buffer("neg", DType.BOOL, Role.OUTPUT, nRef)));
        Tensor mask = Tensor.zeros(DType.BOOL, n);
        for (int i = 0; i < n; i += 2) mask.setLong(i, 1);
        agree(mix, Map.of("x", random(DType.F32, n + 1, n), "mask", mask), Map.of("seed", 123456789.0));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 8, 9, 33})
    void rowKernels(int cols) {
        LExpr r = i32("R");
        LExpr c = i32("C");
        Module stats = module("row_stats", List.of(ReductionTest.rowStats()),
                List.of(dimOf("R", "a", 0), dimOf("C", "a", 1), param("shift", DType.F32, cf(0.5))),
                List.of(buffer("a", DType.F32, Role.INPUT, r, c), buffer("total", DType.F32, Role.OUTPUT, r),
                        buffer("hi", DType.F32, Role.OUTPUT, r), buffer("lo", DType.F32, Role.OUTPUT, r)));
        agree(stats, Map.of("a", random(DType.F32, cols, 5, cols)), Map.of());

        Kernel argmax = argmaxKernel();
        Module am = module("argmax", List.of(argmax), List.of(dimOf("R", "a", 0), dimOf("C", "a", 1)),
                List.of(buffer("a", DType.F32, Role.INPUT, r, c), buffer("mx", DType.F32, Role.OUTPUT, r),
                        buffer("am", DType.I32, Role.OUTPUT, r), buffer("even", DType.BOOL, Role.OUTPUT, r),
                        buffer("prefix", DType.F64, Role.OUTPUT, r)));
        agree(am, Map.of("a", random(DType.F32, cols + 3, cols + 2, cols)), Map.of());

        LExpr m = i32("M");
        LExpr k = i32("K");
        for (DType t : List.of(DType.F32, DType.F64)) {
            Module mv = module("matvec", List.of(MatvecTest.matvec(t, t == DType.F32)), List.of(dimOf("M", "A", 0), dimOf("K", "A", 1)),
                    List.of(buffer("A", t, Role.INPUT, m, k), buffer("x", t, Role.INPUT, k), buffer("y", t, Role.OUTPUT, m)));
            agree(mv, Map.of("A", random(t, cols, 4, cols), "x", random(t, cols + 1, cols)), Map.of());
        }
    }

    /** Two launches through a temporary: a vector kernel writes it, a scalar kernel reads it reversed. */
    @ParameterizedTest
    @ValueSource(ints = {1, 8, 19})
    void temporariesFlowBetweenLaunches(int n) {
        LExpr i = i32("i");
        LExpr nRef = i32("n");
        Kernel first = new Kernel("double_it", List.of(in("x", DType.F32), out("t__tmp", DType.F32), scalar("n", DType.I32)),
                List.of(dim("i", nRef)), List.of(store("t__tmp", i, mul(f32("x", i), cf(2)))), "t = 2 x");
        Kernel second = new Kernel("reverse", List.of(in("t__tmp", DType.F32), out("y", DType.F32), scalar("n", DType.I32)),
                List.of(dim("i", nRef)),
                List.of(store("y", i, add(f32("t__tmp", i), f32("t__tmp", sub(sub(nRef, ci(1)), i))))), "y = t + reverse(t)");
        Module m = module("two", List.of(first, second), List.of(dimOf("n", "x", 0)),
                List.of(buffer("x", DType.F32, Role.INPUT, nRef), buffer("t__tmp", DType.F32, Role.TEMP, nRef),
                        buffer("y", DType.F32, Role.OUTPUT, nRef)));
        agree(m, Map.of("x", random(DType.F32, n, n)), Map.of());
    }

    static Kernel argmaxKernel() {
        return ControlFlowTest.argmax();
    }
}
