package tessera.ir.loop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static tessera.ir.loop.L.BOOL;
import static tessera.ir.loop.L.F32;
import static tessera.ir.loop.L.I32;
import static tessera.ir.loop.Runs.f32;
import static tessera.ir.loop.Runs.i32;
import static tessera.ir.loop.Runs.inputs;
import static tessera.ir.loop.Runs.shape;
import static tessera.ir.loop.Runs.tensor;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import tessera.ir.SourceSpan;
import tessera.ir.loop.Device.DeviceBuffer;
import tessera.ir.loop.LaunchPlan.Role;
import tessera.ir.tensor.Expr;
import tessera.ir.tensor.IndexVar;
import tessera.ir.tensor.Interpreter;
import tessera.ir.tensor.Program;
import tessera.ir.tensor.Stmt;
import tessera.runtime.DType;
import tessera.runtime.Tensor;

/**
 * Every way a call can be wrong, run through {@link PlanRunner} and through the reference
 * {@link Interpreter} on the same kernel written in Tensor IR: the messages must be the same.
 */
class PlanRunnerBindingTest {
    private static final SourceSpan NO = SourceSpan.NONE;

    // ---- the kernel of the reference interpreter's binding test, in both IRs ----
    // k: f32[B, KH, M, D], v: f32[B, KH, M, 4], kv_len: i32[B]; causal: bool = false, window: i32 = M - 1, scale: f32
    // -> o: f32[B] where M % KH == 0, window < M || causal
    // o[b] = scale * float(kv_len[b] + window) + (causal ? 100.0 : 0.0)

    private static Expr.Scalar dimT(String n) {
        return new Expr.Scalar(n, Expr.ScalarKind.DIM, DType.I32);
    }

    private static Expr.Scalar paramT(String n, DType t) {
        return new Expr.Scalar(n, Expr.ScalarKind.PARAM, t);
    }

    private static Expr.Binary binT(Expr.BinOp op, Expr a, Expr b, DType t) {
        return new Expr.Binary(op, a, b, t);
    }

    private static Program.Dim dimDecl(String n) {
        return new Program.Dim(n, OptionalLong.empty(), Optional.empty(), NO);
    }

    private static Program.TensorDecl tensorT(String n, Program.Role role, DType t, Expr... shape) {
        return new Program.TensorDecl(n, role, t, List.of(shape), NO);
    }

    static Program referenceProgram() {
        Expr value = binT(Expr.BinOp.ADD,
                binT(Expr.BinOp.MUL, paramT("scale", F32),
                        new Expr.Call(Expr.Builtin.FLOAT, List.of(binT(Expr.BinOp.ADD,
                                new Expr.Read("kv_len", List.of(new Expr.Index("b")), I32), paramT("window", I32), I32)), F32), F32),
                new Expr.Select(paramT("causal", BOOL), Expr.Const.f32(100), Expr.Const.f32(0), F32), F32);
        return new Program("bind",
                List.of(dimDecl("B"), dimDecl("KH"), dimDecl("M"), dimDecl("D")),
                List.of(tensorT("k", Program.Role.INPUT, F32, dimT("B"), dimT("KH"), dimT("M"), dimT("D")),
                        tensorT("v", Program.Role.INPUT, F32, dimT("B"), dimT("KH"), dimT("M"), Expr.Const.i32(4)),
                        tensorT("kv_len", Program.Role.INPUT, I32, dimT("B")),
                        tensorT("o", Program.Role.OUTPUT, F32, dimT("B"))),
                List.of(new Program.ScalarParam("causal", BOOL, Optional.of(Expr.Const.bool(false)), NO),
                        new Program.ScalarParam("window", I32, Optional.of(binT(Expr.BinOp.SUB, dimT("M"), Expr.Const.i32(1), I32)), NO),
                        new Program.ScalarParam("scale", F32, Optional.empty(), NO)),
                List.of(new Program.Constraint(binT(Expr.BinOp.EQ, binT(Expr.BinOp.MOD, dimT("M"), dimT("KH"), I32), Expr.Const.i32(0), BOOL), "M % KH == 0", NO),
                        new Program.Constraint(binT(Expr.BinOp.OR, binT(Expr.BinOp.LT, paramT("window", I32), dimT("M"), BOOL), paramT("causal", BOOL), BOOL),
                                "window < M || causal", NO)),
                List.of(new Stmt.Define("o", List.of(new IndexVar("b", dimT("B"))), Optional.empty(), value, NO)),
                List.of(), NO);
    }

    private static Module module() {
        return Modules.bind();
    }

    private static Map<String, Tensor> good() {
        return inputs("k", tensor(F32, shape(1, 2, 4, 3), new double[24]), "v", tensor(F32, shape(1, 2, 4, 4), new double[32]), "kv_len", i32(5));
    }

    private static Map<String, Tensor> with(String name, Tensor t) {
        Map<String, Tensor> m = new HashMap<>(good());
        if (t == null) m.remove(name);
        else m.put(name, t);
        return m;
    }

    /** The message PlanRunner gives, after checking the reference interpreter gives the same one. */
    private static String same(Program p, Module m, Map<String, Tensor> inputs, Map<String, Double> scalars) {
        String reference = switch (Interpreter.run(p, inputs, scalars)) {
            case Interpreter.Outcome.Ok ok -> fail("the reference interpreter accepted the call");
            case Interpreter.Outcome.Failed f -> f.error().oneLine();
        };
        String loop = Runs.error(m, inputs, scalars);
        assertThat(loop).as("the loop plan's message").isEqualTo(reference);
        return loop;
    }

    private static String same(Map<String, Tensor> inputs, Map<String, Double> scalars) {
        return same(referenceProgram(), module(), inputs, scalars);
    }

    @Test void aGoodCallGivesTheReferenceResults() {
        for (Map<String, Double> s : List.of(Map.of("scale", 2.0), Map.of("scale", 1.0, "window", 7.0, "causal", 1.0))) {
            Tensor want = ((Interpreter.Outcome.Ok) Interpreter.run(referenceProgram(), good(), s)).outputs().get("o");
            assertThat(Runs.ok(module(), good(), s).get("o").toDoubleArray()).containsExactly(want.toDoubleArray());
        }
        assertThat(Runs.ok(module(), good(), Map.of("scale", 2.0)).get("o").getDouble(0)).isEqualTo(16);
    }

    @Test void missingInput() {
        assertThat(same(with("k", null), Map.of("scale", 1.0))).isEqualTo("error: missing input 'k' (f32[B, KH, M, D])");
    }

    @Test void unknownInput() {
        assertThat(same(with("foo", f32(1)), Map.of("scale", 1.0))).isEqualTo("error: unknown input 'foo' (the inputs are k, v, kv_len)");
        assertThat(same(with("o", f32(1)), Map.of("scale", 1.0))).isEqualTo("error: unknown input 'o': it is an output (the inputs are k, v, kv_len)");
    }

    @Test void wrongRankAndDtype() {
        assertThat(same(with("k", tensor(F32, shape(1, 2, 4), new double[8])), Map.of("scale", 1.0)))
                .isEqualTo("error: input 'k' has rank 3, expected 4: f32[B, KH, M, D]");
        assertThat(same(with("kv_len", f32(5)), Map.of("scale", 1.0))).isEqualTo("error: input 'kv_len' is f32, expected i32");
    }

    @Test void wrongDimNamesBothInputsAndAxes() {
        assertThat(same(with("v", tensor(F32, shape(1, 2, 7, 4), new double[56])), Map.of("scale", 1.0)))
                .isEqualTo("error: dim M: input 'v' has 7 at axis 2, but 'k' gave M = 4 at axis 2");
        assertThat(same(with("kv_len", i32(1, 2)), Map.of("scale", 1.0)))
                .isEqualTo("error: dim B: input 'kv_len' has 2 at axis 0, but 'k' gave B = 1 at axis 0");
    }

    @Test void wrongLiteralAxis() {
        assertThat(same(with("v", tensor(F32, shape(1, 2, 4, 3), new double[24])), Map.of("scale", 1.0)))
                .isEqualTo("error: input 'v' axis 3 must be 4, got 3");
    }

    @Test void scalarParameters() {
        assertThat(same(good(), Map.of())).isEqualTo("error: missing scalar parameter 'scale' (f32)");
        assertThat(same(good(), Map.of("scale", 1.0, "bogus", 1.0))).isEqualTo("error: unknown scalar parameter 'bogus'");
        assertThat(same(good(), Map.of("scale", 1.0, "M", 4.0)))
                .isEqualTo("error: unknown scalar parameter 'M': it is a dim, which comes from the inputs' shapes");
        assertThat(same(good(), Map.of("scale", 1.0, "window", 2.5))).isEqualTo("error: scalar 'window' must be an integer, got 2.5");
        assertThat(same(good(), Map.of("scale", 1.0, "window", 3e10))).isEqualTo("error: scalar 'window' is out of the i32 range, got 30000000000");
        assertThat(same(good(), Map.of("scale", 1.0, "causal", 2.0))).isEqualTo("error: scalar 'causal' is bool and must be 0 or 1, got 2");
    }

    @Test void violatedConstraintsListTheirScalars() {
        Map<String, Tensor> kh3 = new HashMap<>(good());
        kh3.put("k", tensor(F32, shape(1, 3, 4, 3), new double[36]));
        kh3.put("v", tensor(F32, shape(1, 3, 4, 4), new double[48]));
        assertThat(same(kh3, Map.of("scale", 1.0))).isEqualTo("error: constraint 'M % KH == 0' does not hold (M = 4, KH = 3)");
        assertThat(same(good(), Map.of("scale", 1.0, "window", 4.0)))
                .isEqualTo("error: constraint 'window < M || causal' does not hold (window = 4, M = 4, causal = 0)");
    }

    // ---- computed axes, fixed dims, dims without a value ----

    @Test void computedAxis() {
        // x: f32[N], y: f32[2 * N + 1] -> o: f32[N]; o[i] = x[i] + y[2 * i]
        Expr yAxis = binT(Expr.BinOp.ADD, binT(Expr.BinOp.MUL, Expr.Const.i32(2), dimT("N"), I32), Expr.Const.i32(1), I32);
        Program p = new Program("c", List.of(dimDecl("N")),
                List.of(tensorT("x", Program.Role.INPUT, F32, dimT("N")), tensorT("y", Program.Role.INPUT, F32, yAxis), tensorT("o", Program.Role.OUTPUT, F32, dimT("N"))),
                List.of(), List.of(),
                List.of(new Stmt.Define("o", List.of(new IndexVar("i", dimT("N"))), Optional.empty(),
                        binT(Expr.BinOp.ADD, new Expr.Read("x", List.of(new Expr.Index("i")), F32),
                                new Expr.Read("y", List.of(binT(Expr.BinOp.MUL, Expr.Const.i32(2), new Expr.Index("i"), I32)), F32), F32), NO)),
                List.of(), NO);
        LExpr yShape = L.add(L.mul(L.i(2), L.v("N")), L.i(1));
        Kernel k = new Kernel("c_o", List.of(L.in("x", F32), L.in("y", F32), L.out("o", F32), L.scalar("N", I32)), List.of(L.grid("i", L.v("N"))),
                List.of(L.store("o", L.v("i"), L.add(L.load("x", L.v("i"), F32), L.load("y", L.mul(L.i(2), L.v("i")), F32)))), "");
        Module m = new Module("c", List.of(k), new LaunchPlan(List.of(L.dim("N", "x", 0)), List.of(),
                List.of(L.buffer("x", F32, Role.INPUT, L.v("N")), L.buffer("y", F32, Role.INPUT, yShape), L.buffer("o", F32, Role.OUTPUT, L.v("N"))),
                List.of(new LaunchPlan.Launch("c_o"))));
        assertThat(Runs.ok(m, inputs("x", f32(1), "y", f32(1, 2, 3))).get("o").getDouble(0)).isEqualTo(2);
        assertThat(same(p, m, inputs("x", f32(1), "y", f32(1, 2)), Map.of())).isEqualTo("error: input 'y' axis 0 must be 2 * N + 1 = 3, got 2");
    }

    @Test void fixedDim() {
        Program p = new Program("f", List.of(new Program.Dim("N", OptionalLong.of(3), Optional.empty(), NO)),
                List.of(tensorT("x", Program.Role.INPUT, F32, dimT("N")), tensorT("o", Program.Role.OUTPUT, F32, dimT("N"))), List.of(), List.of(),
                List.of(new Stmt.Define("o", List.of(new IndexVar("i", dimT("N"))), Optional.empty(), new Expr.Read("x", List.of(new Expr.Index("i")), F32), NO)),
                List.of(), NO);
        Kernel k = new Kernel("f_o", List.of(L.in("x", F32), L.out("o", F32), L.scalar("N", I32)), List.of(L.grid("i", L.v("N"))),
                List.of(L.store("o", L.v("i"), L.load("x", L.v("i"), F32))), "");
        Module m = new Module("f", List.of(k), new LaunchPlan(List.of(L.fixedDim("N", 3, "x", 0)), List.of(),
                List.of(L.buffer("x", F32, Role.INPUT, L.v("N")), L.buffer("o", F32, Role.OUTPUT, L.v("N"))), List.of(new LaunchPlan.Launch("f_o"))));
        assertThat(Runs.ok(m, inputs("x", f32(1, 2, 3))).get("o").toDoubleArray()).containsExactly(1, 2, 3);
        assertThat(same(p, m, inputs("x", f32(1, 2)), Map.of())).isEqualTo("error: dim N: input 'x' has 2 at axis 0, but N is fixed to 3");
        // a fixed dim that no input carries is just a number
        Module free = new Module("f", List.of(k), new LaunchPlan(List.of(L.fixedDim("N", 2, null, 0)), List.of(),
                List.of(L.buffer("x", F32, Role.INPUT, L.v("N")), L.buffer("o", F32, Role.OUTPUT, L.v("N"))), List.of(new LaunchPlan.Launch("f_o"))));
        assertThat(Runs.error(free, inputs("x", f32(1, 2, 3)))).isEqualTo("error: dim N: input 'x' has 3 at axis 0, but N is fixed to 2");
    }

    @Test void dimWithoutAValue() {
        Program p = new Program("f", List.of(dimDecl("N"), dimDecl("E")),
                List.of(tensorT("x", Program.Role.INPUT, F32, dimT("N")), tensorT("o", Program.Role.OUTPUT, F32, dimT("E"))), List.of(), List.of(),
                List.of(new Stmt.Define("o", List.of(new IndexVar("i", dimT("E"))), Optional.empty(), Expr.Const.f32(1), NO)), List.of(), NO);
        Kernel k = new Kernel("f_o", List.of(L.out("o", F32), L.scalar("E", I32)), List.of(L.grid("i", L.v("E"))), List.of(L.store("o", L.v("i"), L.f(1))), "");
        Module m = new Module("f", List.of(k), new LaunchPlan(List.of(L.dim("N", "x", 0), L.dim("E", null, 0)), List.of(),
                List.of(L.buffer("x", F32, Role.INPUT, L.v("N")), L.buffer("o", F32, Role.OUTPUT, L.v("E"))), List.of(new LaunchPlan.Launch("f_o"))));
        assertThat(same(p, m, inputs("x", f32(1)), Map.of()))
                .isEqualTo("error: dim E has no value: no input carries it and it is neither fixed nor derived");
    }

    @Test void aDimCarriedFirstByALaterInputIsStillCheckedAgainstEveryInput() {
        // M is bound from 'v' (the second input), 'k' also carries it
        Module m = module();
        List<LaunchPlan.HostScalar> scalars = new java.util.ArrayList<>(m.plan().scalars());
        scalars.set(2, L.dim("M", "v", 2));
        Module later = new Module(m.name(), m.kernels(), new LaunchPlan(scalars, m.plan().checks(), m.plan().buffers(), m.plan().launches()));
        assertThat(Runs.error(later, with("v", tensor(F32, shape(1, 2, 7, 4), new double[56])), Map.of("scale", 1.0)))
                .isEqualTo("error: dim M: input 'k' has 4 at axis 2, but 'v' gave M = 7 at axis 2");
    }

    // ---- failures after binding ----

    @Test void aNegativeBufferExtentIsAnError() {
        Module m = Modules.matvec();
        List<LaunchPlan.Buffer> buffers = new java.util.ArrayList<>(m.plan().buffers());
        buffers.add(L.buffer("t", F32, Role.TEMP, L.sub(L.v("N"), L.i(5))));
        Module bad = new Module(m.name(), m.kernels(), new LaunchPlan(m.plan().scalars(), m.plan().checks(), buffers, m.plan().launches()));
        assertThat(Runs.error(bad, inputs("a", tensor(F32, shape(1, 2), 1, 2), "x", f32(1, 1)), Map.of()))
                .isEqualTo("error: axis 0 of buffer 't' is -3 (N - 5); it must be a non-negative integer");
    }

    @Test void anInvalidModuleIsAFailureNotAnException() {
        Module m = Modules.matvec();
        Module bad = new Module(m.name(), m.kernels(), new LaunchPlan(m.plan().scalars(), m.plan().checks(), m.plan().buffers(),
                List.of(new LaunchPlan.Launch("nope"))));
        assertThat(Runs.error(bad, Map.of(), Map.of())).isEqualTo("error: invalid module 'matvec': launch 1 (nope): launch of unknown kernel 'nope'");
    }

    @Test void aDeviceErrorBecomesAFailureAndOtherExceptionsAreInternal() {
        Map<String, Tensor> in = inputs("a", tensor(F32, shape(1, 2), 1, 2), "x", f32(1, 1));
        Device refusing = new LoopInterpreterWrapper() {
            @Override public void launch(Kernel kernel, long[] grid, Map<String, DeviceBuffer> buffers, Map<String, Double> scalars) throws DeviceException {
                throw new DeviceException("build failed: line 3: bad token");
            }
        };
        assertThat(Runs.error(Modules.matvec(), refusing, in, Map.of())).isEqualTo("error: build failed: line 3: bad token");
        Device broken = new LoopInterpreterWrapper() {
            @Override public void prepare(Module m) {
                throw new UnsupportedOperationException("boom");
            }
        };
        assertThat(Runs.error(Modules.matvec(), broken, in, Map.of())).isEqualTo("error: internal error: java.lang.UnsupportedOperationException: boom");
    }

    @Test void launchesGetExactlyTheirParametersAndEvaluatedGrids() {
        Map<String, Object> seen = new HashMap<>();
        Device spy = new LoopInterpreterWrapper() {
            @Override public void launch(Kernel kernel, long[] grid, Map<String, DeviceBuffer> buffers, Map<String, Double> scalars) throws DeviceException {
                seen.put("grid", grid.clone());
                seen.put("buffers", List.copyOf(buffers.keySet()));
                seen.put("scalars", Map.copyOf(scalars));
                super.launch(kernel, grid, buffers, scalars);
            }
        };
        assertThat(PlanRunner.run(Modules.matvec(), spy, inputs("a", tensor(F32, shape(2, 3), new double[6]), "x", f32(1, 2, 3)), Map.of()))
                .isInstanceOf(Interpreter.Outcome.Ok.class);
        assertThat((long[]) seen.get("grid")).containsExactly(2);
        assertThat(seen.get("buffers")).isEqualTo(List.of("a", "x", "y"));
        assertThat(seen.get("scalars")).isEqualTo(Map.of("M", 2.0, "N", 3.0, "alpha", 1.0));
    }

    /** A device that delegates to a loop interpreter, for tests that override one method. */
    private static class LoopInterpreterWrapper implements Device {
        private final LoopInterpreter inner = new LoopInterpreter();

        @Override public String name() {
            return "wrapper";
        }

        @Override public void prepare(Module module) throws DeviceException {
            inner.prepare(module);
        }

        @Override public DeviceBuffer allocate(DType type, long elements) throws DeviceException {
            return inner.allocate(type, elements);
        }

        @Override public void write(DeviceBuffer dst, Tensor src) throws DeviceException {
            inner.write(dst, src);
        }

        @Override public Tensor read(DeviceBuffer src, long[] shape) throws DeviceException {
            return inner.read(src, shape);
        }

        @Override public void launch(Kernel kernel, long[] grid, Map<String, DeviceBuffer> buffers, Map<String, Double> scalars) throws DeviceException {
            inner.launch(kernel, grid, buffers, scalars);
        }
    }
}
