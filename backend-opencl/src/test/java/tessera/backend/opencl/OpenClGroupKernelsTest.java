package tessera.backend.opencl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import tessera.ir.loop.Device.DeviceException;
import tessera.ir.loop.Kernel;
import tessera.ir.loop.LoopInterpreter;
import tessera.ir.loop.Module;
import tessera.runtime.DType;
import tessera.runtime.Tensor;

/**
 * The {@link GroupSamples} group kernels on the OpenCL device against the loop interpreter
 * (checked against plain Java by {@link GroupKernelsInterpreterTest}). Sizes are not multiples of
 * the group size, so the work items past the end must do nothing yet still reach every barrier.
 */
@RequiresOpenCl
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenClGroupKernelsTest {
    private static final Module MODULE = L.module("groups", GroupSamples.tileSum(), GroupSamples.attention(8),
            GroupSamples.attention(5), GroupSamples.reverse(), GroupSamples.batchedMatmul());

    private OpenClDevice device;
    private final LoopInterpreter interpreter = new LoopInterpreter();

    @BeforeAll
    void open() throws DeviceException {
        interpreter.prepare(MODULE);
        device = OpenClTestSupport.open();
        device.prepare(MODULE);
    }

    @AfterAll
    void close() {
        if (device != null) device.close();
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 31, 32, 33, 100, 1000})
    void tiledReductionMatchesTheInterpreter(int n) throws DeviceException {
        double[] x = OpenClKernelsTest.values(n, 31);
        Map<String, Tensor> expected = GroupSamples.runTileSum(interpreter, x);
        Map<String, Tensor> actual = GroupSamples.runTileSum(device, x);
        // An f32 sum on the device, a double one in the interpreter.
        Tolerance.assertClose("serial", expected.get("serial"), actual.get("serial"));
        // The same f32 additions in the same order: exact.
        assertThat(actual.get("tree").toDoubleArray()).isEqualTo(expected.get("tree").toDoubleArray());
        assertThat(actual.get("tree").toDoubleArray()).doesNotContain(0.0);
    }

    @ParameterizedTest
    @CsvSource({"8, 1, 1, 1", "8, 2, 16, 16", "8, 2, 37, 45", "8, 1, 5, 70", "5, 2, 37, 45", "5, 3, 17, 1"})
    void fusedAttentionMatchesTheInterpreter(int d, int b, int n, int m) throws DeviceException {
        double[] q = OpenClKernelsTest.values(b * n * d, 41);
        double[] k = OpenClKernelsTest.values(b * m * d, 43);
        double[] v = OpenClKernelsTest.values(b * m * d, 47);
        Tensor expected = GroupSamples.runAttention(interpreter, d, b, n, m, q, k, v);
        Tensor actual = GroupSamples.runAttention(device, d, b, n, m, q, k, v);
        Tolerance.assertClose("out", expected, actual);
        Tolerance.assertClose("out against plain Java", GroupSamples.attentionInJava(d, b, n, m, q, k, v), actual);
    }

    @Test
    void aSerialGroupKernelRunsOneGroup() throws DeviceException {
        double[] x = {0.5, -1, 3, 0.25, 2, -7, 1, 0};
        Map<String, Tensor> expected = GroupSamples.runReverse(interpreter, x);
        Map<String, Tensor> actual = GroupSamples.runReverse(device, x);
        assertThat(actual.get("y").toDoubleArray()).containsExactly(0, 1, -7, 2, 0.25, 3, -1, 0.5);
        assertThat(actual.get("count").toDoubleArray()).containsExactly(3, 6, 0, 4, 1, 7, 2, 5);
        assertThat(expected.get("y").toDoubleArray()).containsExactly(actual.get("y").toDoubleArray());
        assertThat(expected.get("count").toDoubleArray()).containsExactly(actual.get("count").toDoubleArray());
    }

    @ParameterizedTest
    @CsvSource({"1, 1, 1, 1", "3, 2, 5, 7", "2, 7, 3, 16"})
    void aMatmulBetweenBuffersWithStridesAndAnI32Operand(int nb, int r, int c, int k) throws DeviceException {
        double[] a = OpenClKernelsTest.values(nb * r * k, 53);
        double[] b = new double[nb * c * k];
        for (int i = 0; i < b.length; i++) b[i] = i % 7 - 3;
        Tensor expected = GroupSamples.runBatchedMatmul(interpreter, nb, r, c, k, a, b);
        Tolerance.assertClose("interpreter c", GroupSamples.batchedMatmulInJava(nb, r, c, k, a, b), expected);
        Tolerance.assertClose("c", expected, GroupSamples.runBatchedMatmul(device, nb, r, c, k, a, b));
    }

    @Test
    void aGroupLargerThanTheDeviceAllowsIsRefusedClearly() {
        Kernel huge = new Kernel("huge", List.of(L.out("y", DType.F32)), List.of(), Optional.of(new Kernel.Group("t", 1 << 30)),
                List.of(L.store("y", L.c(0), L.f(1))), "y[0] = 1");
        assertThatThrownBy(() -> device.prepare(L.module("huge", huge)))
                .isInstanceOf(DeviceException.class)
                .hasMessageStartingWith("kernel huge runs work-groups of 1073741824 work items, but " + device.name() + " allows at most ")
                .hasMessageEndingWith(" per group (CL_DEVICE_MAX_WORK_GROUP_SIZE, CL_DEVICE_MAX_WORK_ITEM_SIZES[0])");
    }
}
