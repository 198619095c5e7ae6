package tessera.backend.ptx.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tessera.ir.loop.Device.DeviceBuffer;
import tessera.ir.loop.Device.DeviceException;
import tessera.ir.loop.PlanRunner;
import tessera.ir.tensor.Interpreter;
import tessera.runtime.DType;
import tessera.runtime.Tensor;

/**
 * {@link CudaDevice} on a real NVIDIA GPU, with the hand-written PTX of {@link TestPtx} compared
 * with the same arithmetic in Java. Skipped ({@link RequiresCuda}), with the reason, where there is
 * no GPU or driver: CI has none, and {@code tools/gpu-check} runs the stdlib on a GPU machine.
 */
@RequiresCuda
class CudaDeviceGpuTest {
    private static CudaDevice device;

    @BeforeAll
    static void open() throws DeviceException {
        device = new CudaDevice(0, (m, sm) -> TestPtx.image());
        device.load(TestPtx.image());
    }

    @AfterAll
    static void close() {
        if (device != null) device.close();
    }

    @Test
    void namesTheDevice() {
        assertThat(device.name()).matches("cuda \\(.+, sm_\\d{2,3}\\)");
        assertThat(device.computeCapability()).isGreaterThanOrEqualTo(50);
    }

    @Test
    void vectorAddMatchesJavaAroundBlockBoundaries() throws DeviceException {
        SplittableRandom random = new SplittableRandom(7);
        for (int n : List.of(1, 127, 128, 129, 1000, 100_003)) {
            double[] a = new double[n];
            double[] b = new double[n];
            for (int i = 0; i < n; i++) {
                a[i] = (float) random.nextDouble(-1e3, 1e3);
                b[i] = (float) random.nextDouble(-1, 1);
            }
            Map<String, DeviceBuffer> buffers = new HashMap<>();
            for (String name : List.of("a", "b", "c")) buffers.put(name, device.allocate(DType.F32, n));
            device.write(buffers.get("a"), Tensor.fromDoubles(DType.F32, new long[] {n}, a));
            device.write(buffers.get("b"), Tensor.fromDoubles(DType.F32, new long[] {n}, b));
            device.launch(TestPtx.VADD, new long[] {n}, buffers, Map.of("n", (double) n));
            Tensor c = device.read(buffers.get("c"), new long[] {n});
            for (int i = 0; i < n; i++) {
                assertThat(c.getDouble(i)).as("n=%d, c[%d]", n, i).isEqualTo((double) ((float) a[i] + (float) b[i]));
            }
            for (DeviceBuffer buffer : buffers.values()) device.release(buffer);
        }
    }

    @Test
    void everyScalarTypeArrivesIntact() throws DeviceException {
        DeviceBuffer out = device.allocate(DType.F64, 5);
        device.launch(TestPtx.SCALARS, new long[0], Map.of("out", out), TestPtx.SCALAR_VALUES);
        assertThat(device.read(out, new long[] {5}).toDoubleArray()).containsExactly(TestPtx.SCALAR_EXPECTED);
        device.launch(TestPtx.SCALARS, new long[0], Map.of("out", out), Map.of("a", 0.0, "b", -1.0, "c", -0.0,
                "d", Double.NEGATIVE_INFINITY, "flag", 0.0));
        assertThat(device.read(out, new long[] {5}).toDoubleArray()).containsExactly(0, -1, -0.0, Double.NEGATIVE_INFINITY, 0);
        device.release(out);
    }

    @Test
    void buffersStartZeroedAndRoundTrip() throws DeviceException {
        DeviceBuffer l = device.allocate(DType.I64, 3);
        assertThat(device.read(l, new long[] {3}).toLongArray()).containsExactly(0, 0, 0);
        device.write(l, Tensor.fromInts(DType.I64, new long[] {3}, new long[] {Long.MIN_VALUE, -1, Long.MAX_VALUE}));
        assertThat(device.read(l, new long[] {3}).toLongArray()).containsExactly(Long.MIN_VALUE, -1, Long.MAX_VALUE);
        DeviceBuffer b = device.allocate(DType.BOOL, 3);
        device.write(b, Tensor.fromInts(DType.BOOL, new long[] {3}, new long[] {1, 0, 1}));
        assertThat(device.read(b, new long[] {3}).toLongArray()).containsExactly(1, 0, 1);
        device.release(l);
        device.release(b);
    }

    @Test
    void anyBlockSizeGivesTheSameResult() throws DeviceException {
        for (int block : List.of(1, 32, 1024)) {
            try (CudaDevice other = new CudaDevice(0, (m, sm) -> TestPtx.image(), block)) {
                Map<String, Tensor> inputs = Map.of(
                        "a", Tensor.fromDoubles(DType.F32, new long[] {1000}, new double[1000]),
                        "b", Tensor.fromDoubles(DType.F32, new long[] {1000}, java.util.stream.IntStream.range(0, 1000)
                                .asDoubleStream().toArray()));
                Interpreter.Outcome out = PlanRunner.run(TestPtx.vaddModule(), other, inputs, Map.of());
                assertThat(out).as("block size %d", block).isInstanceOf(Interpreter.Outcome.Ok.class);
                Tensor c = ((Interpreter.Outcome.Ok) out).outputs().get("c");
                for (int i = 0; i < 1000; i++) assertThat(c.getDouble(i)).as("block %d, c[%d]", block, i).isEqualTo(i);
            }
        }
    }

    @Test
    void invalidPtxFailsWithTheCallTheErrorAndTheJitLog() {
        assertThatThrownBy(() -> device.load(new PtxImage("broken", TestPtx.BROKEN, Map.of("vadd", "vadd"))))
                .isExactlyInstanceOf(DeviceException.class)
                .hasMessageStartingWith("module broken on " + device.name() + ": cuModuleLoadDataEx: CUDA_ERROR_INVALID_PTX")
                .satisfies(e -> assertThat(e.getMessage().lines().skip(1).toList()).as("JIT log").isNotEmpty()
                        .anySatisfy(line -> assertThat(line).contains("f33")));
    }
}
