package tessera.ir.loop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.util.LinkedHashMap;
import java.util.Map;
import tessera.ir.tensor.Interpreter.Outcome;
import tessera.runtime.DType;
import tessera.runtime.Tensor;

/** Running modules on the loop interpreter in tests. */
final class Runs {
    private Runs() {}

    static Map<String, Tensor> ok(Module m, Map<String, Tensor> inputs, Map<String, Double> scalars) {
        return switch (PlanRunner.run(m, new LoopInterpreter(), inputs, scalars)) {
            case Outcome.Ok ok -> ok.outputs();
            case Outcome.Failed f -> fail("expected success, got: " + f.error().oneLine() + "\n" + LoopPrinter.print(m));
        };
    }

    static Map<String, Tensor> ok(Module m, Map<String, Tensor> inputs) {
        return ok(m, inputs, Map.of());
    }

    /** Runs on {@code device}, expects a failure and returns its one-line form. */
    static String error(Module m, Device device, Map<String, Tensor> inputs, Map<String, Double> scalars) {
        return switch (PlanRunner.run(m, device, inputs, scalars)) {
            case Outcome.Ok ok -> fail("expected a failure, got outputs " + ok.outputs());
            case Outcome.Failed f -> {
                assertThat(f.error().oneLine()).doesNotContain("\n");
                yield f.error().oneLine();
            }
        };
    }

    static String error(Module m, Map<String, Tensor> inputs, Map<String, Double> scalars) {
        return error(m, new LoopInterpreter(), inputs, scalars);
    }

    static String error(Module m, Map<String, Tensor> inputs) {
        return error(m, inputs, Map.of());
    }

    static Tensor tensor(DType t, long[] shape, double... values) {
        return Tensor.fromDoubles(t, shape, values);
    }

    static Tensor f32(double... values) {
        return Tensor.fromDoubles(DType.F32, new long[] {values.length}, values);
    }

    static Tensor i32(double... values) {
        return Tensor.fromDoubles(DType.I32, new long[] {values.length}, values);
    }

    static long[] shape(long... dims) {
        return dims;
    }

    static Map<String, Tensor> inputs(Object... nameThenTensor) {
        Map<String, Tensor> m = new LinkedHashMap<>();
        for (int k = 0; k < nameThenTensor.length; k += 2) m.put((String) nameThenTensor[k], (Tensor) nameThenTensor[k + 1]);
        return m;
    }
}
