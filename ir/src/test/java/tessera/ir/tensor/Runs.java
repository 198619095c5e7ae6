package tessera.ir.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.util.LinkedHashMap;
import java.util.Map;
import tessera.runtime.DType;
import tessera.runtime.Tensor;

/** Running programs in tests: expecting success or a failure, building tensors, evaluating one expression. */
final class Runs {
    private Runs() {}

    /** Runs and returns the outputs; fails the test with the run's message otherwise. */
    static Map<String, Tensor> ok(Program p, Map<String, Tensor> inputs, Map<String, Double> scalars) {
        return switch (Interpreter.run(p, inputs, scalars)) {
            case Interpreter.Outcome.Ok ok -> ok.outputs();
            case Interpreter.Outcome.Failed f -> fail("expected success, got: " + f.error().oneLine() + "\n" + Printer.print(p));
        };
    }

    static Map<String, Tensor> ok(Program p, Map<String, Tensor> inputs) {
        return ok(p, inputs, Map.of());
    }

    /** Runs, expects a failure, and returns its one-line form. */
    static String error(Program p, Map<String, Tensor> inputs, Map<String, Double> scalars) {
        return switch (Interpreter.run(p, inputs, scalars)) {
            case Interpreter.Outcome.Ok ok -> fail("expected a failure, got outputs " + ok.outputs());
            case Interpreter.Outcome.Failed f -> {
                assertThat(f.error().oneLine()).doesNotContain("\n").doesNotContain("internal error");
                yield f.error().oneLine();
            }
        };
    }

    static String error(Program p, Map<String, Tensor> inputs) {
        return error(p, inputs, Map.of());
    }

    static Tensor tensor(DType t, long[] shape, double... values) {
        return Tensor.fromDoubles(t, shape, values);
    }

    /** A vector of f32 values. */
    static Tensor f32(double... values) {
        return Tensor.fromDoubles(DType.F32, new long[] {values.length}, values);
    }

    /** A vector of i32 values. */
    static Tensor i32(double... values) {
        return Tensor.fromDoubles(DType.I32, new long[] {values.length}, values);
    }

    static long[] shape(long... dims) {
        return dims;
    }

    static Map<String, Tensor> inputs(Object... nameThenTensor) {
        Map<String, Tensor> m = new LinkedHashMap<>();
        for (int i = 0; i < nameThenTensor.length; i += 2) m.put((String) nameThenTensor[i], (Tensor) nameThenTensor[i + 1]);
        return m;
    }

    /**
     * Evaluates {@code expr} once, as the single entry {@code y[z]} of an output of type
     * {@code out} (f64 for floats, i64 for integers, bool), with {@code x = [1, 2, 3]} (f32) and
     * {@code n = [-7, 2, 0]} (i32) as inputs.
     */
    static double eval(String expr, DType out) {
        Program p = kernel(out).stmt("y[z < 1] = " + expr).build();
        return ok(p, inputs("x", f32(1, 2, 3), "n", i32(-7, 2, 0))).get("y").getDouble(0);
    }

    static double eval(String expr) {
        return eval(expr, DType.F64);
    }

    /** The failure of evaluating {@code expr} as in {@link #eval}. */
    static String evalError(String expr, DType out) {
        Program p = kernel(out).stmt("y[z < 1] = " + expr).build();
        return error(p, inputs("x", f32(1, 2, 3), "n", i32(-7, 2, 0)));
    }

    private static KernelBuilder kernel(DType out) {
        return KernelBuilder.kernel("e").in("x", DType.F32, "3").in("n", DType.I32, "3").out("y", out, "1");
    }
}
