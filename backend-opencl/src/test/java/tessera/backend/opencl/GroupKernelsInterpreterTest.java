package tessera.backend.opencl;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import tessera.ir.loop.Device.DeviceException;
import tessera.ir.loop.LoopInterpreter;
import tessera.ir.loop.LoopVerifier;
import tessera.ir.loop.Module;
import tessera.runtime.Tensor;

/**
 * The oracle of {@link OpenClGroupKernelsTest} checked first: the {@link GroupSamples} kernels are
 * valid Loop IR, and the loop interpreter's results for them are what plain Java computes. Needs
 * no OpenCL.
 */
class GroupKernelsInterpreterTest {
    private static final Module MODULE = L.module("groups", GroupSamples.tileSum(), GroupSamples.attention(8),
            GroupSamples.attention(5));

    @Test
    void theSamplesAreValidLoopIr() {
        assertThat(LoopVerifier.check(MODULE)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 31, 32, 33, 100, 1000})
    void theInterpreterSumsTilesAsPlainJavaDoes(int n) throws DeviceException {
        double[] x = OpenClKernelsTest.values(n, 29);
        LoopInterpreter interpreter = new LoopInterpreter();
        interpreter.prepare(MODULE);
        Map<String, Tensor> got = GroupSamples.runTileSum(interpreter, x);
        Map<String, double[]> expected = GroupSamples.tileSumInJava(x);
        // The same operations in the same order and precision: exact.
        for (String out : List.of("serial", "tree")) {
            assertThat(got.get(out).toDoubleArray()).as(out).isEqualTo(expected.get(out));
        }
        assertThat(expected.get("tree")).doesNotContain(0.0);
    }

    @ParameterizedTest
    @CsvSource({"8, 1, 1, 1", "8, 2, 37, 45", "5, 3, 17, 1", "5, 1, 20, 33"})
    void theInterpreterComputesAttentionAsPlainJavaDoes(int d, int b, int n, int m) throws DeviceException {
        double[] q = OpenClKernelsTest.values(b * n * d, 41);
        double[] k = OpenClKernelsTest.values(b * m * d, 43);
        double[] v = OpenClKernelsTest.values(b * m * d, 47);
        LoopInterpreter interpreter = new LoopInterpreter();
        interpreter.prepare(MODULE);
        Tolerance.assertClose("out", GroupSamples.attentionInJava(d, b, n, m, q, k, v),
                GroupSamples.runAttention(interpreter, d, b, n, m, q, k, v));
    }
}
