package tessera.ir.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static tessera.ir.tensor.Runs.error;
import static tessera.ir.tensor.Runs.f32;
import static tessera.ir.tensor.Runs.inputs;
import static tessera.ir.tensor.Runs.ok;
import static tessera.ir.tensor.Runs.shape;
import static tessera.ir.tensor.Runs.tensor;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import tessera.ir.SourceSpan;
import tessera.runtime.DType;
import tessera.runtime.Tensor;

/** Inputs, dims, scalar parameters and constraints: each way a call can be wrong, with its message. */
class InterpreterBindingTest {
    private static final DType F = DType.F32;

    /** k: f32[B, KH, M, D], v: f32[B, KH, M, 4], kv_len: i32[B]; window: i32 = 2, scale: f32 (no default). */
    private static Program program() {
        return KernelBuilder.kernel("bind").in("k", F, "B, KH, M, D").in("v", F, "B, KH, M, 4").in("kv_len", DType.I32, "B")
                .param("causal", DType.BOOL, "false").param("window", DType.I32, "M - 1").param("scale", F)
                .out("o", F, "B").where("M % KH == 0").where("window < M || causal")
                .stmt("o[b < B] = scale * float(kv_len[b] + window) + (causal ? 100.0 : 0.0)").build();
    }

    private static Map<String, Tensor> good() {
        return inputs("k", tensor(F, shape(1, 2, 4, 3), new double[24]), "v", tensor(F, shape(1, 2, 4, 4), new double[32]),
                "kv_len", Runs.i32(5));
    }

    private static Map<String, Tensor> with(String name, Tensor t) {
        Map<String, Tensor> m = new HashMap<>(good());
        if (t == null) m.remove(name);
        else m.put(name, t);
        return m;
    }

    @Test void aGoodCallBindsDimsDefaultsAndOverrides() {
        assertThat(ok(program(), good(), Map.of("scale", 2.0)).get("o").getDouble(0)).isEqualTo(2 * (5 + 3));
        assertThat(ok(program(), good(), Map.of("scale", 1.0, "window", 7.0, "causal", 1.0)).get("o").getDouble(0)).isEqualTo(112);
    }

    @Test void missingInput() {
        assertThat(error(program(), with("k", null), Map.of("scale", 1.0))).isEqualTo("error: missing input 'k' (f32[B, KH, M, D])");
    }

    @Test void unknownInput() {
        assertThat(error(program(), with("foo", f32(1)), Map.of("scale", 1.0)))
                .isEqualTo("error: unknown input 'foo' (the inputs are k, v, kv_len)");
        assertThat(error(program(), with("o", f32(1)), Map.of("scale", 1.0)))
                .isEqualTo("error: unknown input 'o': it is an output (the inputs are k, v, kv_len)");
    }

    @Test void wrongRank() {
        assertThat(error(program(), with("k", tensor(F, shape(1, 2, 4), new double[8])), Map.of("scale", 1.0)))
                .isEqualTo("error: input 'k' has rank 3, expected 4: f32[B, KH, M, D]");
    }

    @Test void wrongDtype() {
        assertThat(error(program(), with("kv_len", f32(5)), Map.of("scale", 1.0))).isEqualTo("error: input 'kv_len' is f32, expected i32");
    }

    @Test void wrongDim() {
        assertThat(error(program(), with("v", tensor(F, shape(1, 2, 7, 4), new double[56])), Map.of("scale", 1.0)))
                .isEqualTo("error: dim M: input 'v' has 7 at axis 2, but 'k' gave M = 4 at axis 2");
        assertThat(error(program(), with("kv_len", Runs.i32(1, 2)), Map.of("scale", 1.0)))
                .isEqualTo("error: dim B: input 'kv_len' has 2 at axis 0, but 'k' gave B = 1 at axis 0");
    }

    @Test void wrongLiteralAxis() {
        assertThat(error(program(), with("v", tensor(F, shape(1, 2, 4, 3), new double[24])), Map.of("scale", 1.0)))
                .isEqualTo("error: input 'v' axis 3 must be 4, got 3");
    }

    @Test void computedAxis() {
        Program p = KernelBuilder.kernel("c").in("x", F, "N").in("y", F, "2 * N + 1").out("o", F, "N").stmt("o[i < N] = x[i] + y[2 * i]").build();
        assertThat(ok(p, inputs("x", f32(1), "y", f32(1, 2, 3))).get("o").getDouble(0)).isEqualTo(2);
        assertThat(error(p, inputs("x", f32(1), "y", f32(1, 2)))).isEqualTo("error: input 'y' axis 0 must be 2 * N + 1 = 3, got 2");
    }

    @Test void fixedDim() {
        Program p = KernelBuilder.kernel("f").fixed("N", 3).in("x", F, "N").out("o", F, "N").stmt("o[i < N] = x[i]").build();
        assertThat(ok(p, inputs("x", f32(1, 2, 3))).get("o").toDoubleArray()).containsExactly(1, 2, 3);
        assertThat(error(p, inputs("x", f32(1, 2)))).isEqualTo("error: dim N: input 'x' has 2 at axis 0, but N is fixed to 3");
    }

    @Test void dimWithoutAValue() {
        Program p = KernelBuilder.kernel("f").in("x", F, "N").out("o", F, "E").stmt("o[i < E] = 1.0").build();
        assertThat(error(p, inputs("x", f32(1)))).isEqualTo("error: dim E has no value: no input carries it and it is neither fixed nor derived");
    }

    @Test void missingScalar() {
        assertThat(error(program(), good(), Map.of())).isEqualTo("error: missing scalar parameter 'scale' (f32)");
    }

    @Test void unknownScalar() {
        assertThat(error(program(), good(), Map.of("scale", 1.0, "bogus", 1.0))).isEqualTo("error: unknown scalar parameter 'bogus'");
        assertThat(error(program(), good(), Map.of("scale", 1.0, "M", 4.0)))
                .isEqualTo("error: unknown scalar parameter 'M': it is a dim, which comes from the inputs' shapes");
    }

    @Test void nonIntegralIntegerScalarAndNonBinaryBool() {
        assertThat(error(program(), good(), Map.of("scale", 1.0, "window", 2.5))).isEqualTo("error: scalar 'window' must be an integer, got 2.5");
        assertThat(error(program(), good(), Map.of("scale", 1.0, "window", 3e10))).isEqualTo("error: scalar 'window' is out of the i32 range, got 30000000000");
        assertThat(error(program(), good(), Map.of("scale", 1.0, "causal", 2.0))).isEqualTo("error: scalar 'causal' is bool and must be 0 or 1, got 2");
    }

    @Test void violatedConstraintListsItsScalars() {
        assertThat(error(program(), with("k", tensor(F, shape(1, 3, 4, 3), new double[36])), Map.of("scale", 1.0)))
                .isEqualTo("error: dim KH: input 'v' has 2 at axis 1, but 'k' gave KH = 3 at axis 1");
        Map<String, Tensor> kh3 = new HashMap<>(good());
        kh3.put("k", tensor(F, shape(1, 3, 4, 3), new double[36]));
        kh3.put("v", tensor(F, shape(1, 3, 4, 4), new double[48]));
        assertThat(error(program(), kh3, Map.of("scale", 1.0))).isEqualTo("error: constraint 'M % KH == 0' does not hold (M = 4, KH = 3)");
        assertThat(error(program(), good(), Map.of("scale", 1.0, "window", 4.0)))
                .isEqualTo("error: constraint 'window < M || causal' does not hold (window = 4, M = 4, causal = 0)");
    }

    @Test void constraintSpansAreReported() {
        Program p = program();
        var c = p.constraints().get(0);
        Program located = new Program(p.name(), p.dims(), p.tensors(), p.scalars(),
                java.util.List.of(new Program.Constraint(c.predicate(), c.text(), SourceSpan.at("attn.tsr", 6, 7))), p.body(), p.schedules(), p.span());
        Map<String, Tensor> kh3 = new HashMap<>(good());
        kh3.put("k", tensor(F, shape(1, 3, 4, 3), new double[36]));
        kh3.put("v", tensor(F, shape(1, 3, 4, 4), new double[48]));
        assertThat(error(located, kh3, Map.of("scale", 1.0))).startsWith("attn.tsr:6:7: error: constraint 'M % KH == 0'");
    }

    @Test void anInvalidProgramIsAFailureNotAnException() {
        Program broken = KernelBuilder.kernel("broken").in("x", F, "N").out("o", F, "N")
                .raw(new Stmt.Define("o", java.util.List.of(new IndexVar("i", new Expr.Scalar("N", Expr.ScalarKind.DIM, DType.I32))),
                        Optional.empty(), new Expr.Read("nope", java.util.List.of(new Expr.Index("i")), F), SourceSpan.NONE))
                .build();
        assertThat(error(broken, inputs("x", f32(1)))).isEqualTo("error: invalid program 'broken': statement 1 (o): 'nope' is not a declared tensor in nope[i]");
    }
}
