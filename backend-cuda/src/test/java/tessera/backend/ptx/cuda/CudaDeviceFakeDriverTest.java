package tessera.backend.ptx.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tessera.ir.loop.Device.DeviceBuffer;
import tessera.ir.loop.Device.DeviceException;
import tessera.ir.loop.LoopInterpreter;
import tessera.ir.loop.PlanRunner;
import tessera.ir.tensor.Interpreter;
import tessera.runtime.DType;
import tessera.runtime.Tensor;

/**
 * {@link CudaDevice} and {@link CudaDriver} over {@link FakeCuda}, a libcuda written in Java and
 * reached through upcall stubs: every binding, out-parameter, error path and the launch
 * convention (grid and block sizes, argument bytes in parameter order) without a GPU.
 */
class CudaDeviceFakeDriverTest {
    private FakeCuda fake;

    @BeforeEach
    void fake() {
        fake = new FakeCuda().emulate("vadd", TestPtx::vadd).emulate("scalars", TestPtx::scalars);
    }

    @AfterEach
    void noFailureInsideTheFake() {
        assertThat(fake.errors()).as("exceptions inside the fake driver").isEmpty();
        fake.close();
    }

    private CudaDevice open(int blockSize) throws DeviceException {
        return new CudaDevice(fake.driver(), 0, (m, sm) -> TestPtx.image(), blockSize);
    }

    private CudaDevice open() throws DeviceException {
        return open(CudaDevice.DEFAULT_BLOCK_SIZE);
    }

    private static Tensor floats(float... values) {
        double[] d = new double[values.length];
        for (int i = 0; i < values.length; i++) d[i] = values[i];
        return Tensor.fromDoubles(DType.F32, new long[] {values.length}, d);
    }

    /** Runs vadd on a and b of length n (the buffers) with scalar n = {@code nArg}, and returns c. */
    private static Tensor vadd(CudaDevice device, int n, int nArg) throws DeviceException {
        float[] a = new float[n];
        float[] b = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = i * 0.5f;
            b[i] = 1000 - i;
        }
        Map<String, DeviceBuffer> buffers = new HashMap<>();
        buffers.put("a", device.allocate(DType.F32, n));
        buffers.put("b", device.allocate(DType.F32, n));
        buffers.put("c", device.allocate(DType.F32, n));
        device.write(buffers.get("a"), floats(a));
        device.write(buffers.get("b"), floats(b));
        device.launch(TestPtx.VADD, new long[] {nArg}, buffers, Map.of("n", (double) nArg));
        return device.read(buffers.get("c"), new long[] {n});
    }

    @Test
    void opensTheDeviceByIndexAndNamesItWithItsComputeCapability() throws DeviceException {
        fake.deviceCount = 2;
        fake.major = 8;
        fake.minor = 6;
        try (CudaDevice device = new CudaDevice(fake.driver(), 1, (m, sm) -> TestPtx.image(), 128)) {
            assertThat(device.name()).isEqualTo("cuda (Fake GPU #1, sm_86)");
            assertThat(device.computeCapability()).isEqualTo(86);
            assertThat(device.description()).isEqualTo(
                    "CUDA device 1: Fake GPU #1, sm_86, driver for CUDA 13.0, 128 threads per block");
            assertThat(fake.contextRetains()).isEqualTo(1);
            assertThat(fake.calls()).startsWith("cuInit").contains("cuDevicePrimaryCtxRetain", "cuCtxSetCurrent");
        }
        assertThat(fake.contextRetains()).isZero();
    }

    @Test
    void aDeviceIndexOutOfRangeSaysHowManyThereAre() {
        fake.deviceCount = 2;
        assertThatThrownBy(() -> new CudaDevice(fake.driver(), 2, (m, sm) -> TestPtx.image(), 128))
                .isExactlyInstanceOf(DeviceException.class).hasMessage("no CUDA device 2; there are 2");
        assertThat(fake.contextRetains()).isZero();
    }

    @Test
    void aDriverThatDoesNotStartOrSeesNoDeviceIsUnavailableWithTheReason() throws DeviceException {
        fake.initResult = FakeCuda.NO_DEVICE;
        String why = "the CUDA driver did not start: cuInit: CUDA_ERROR_NO_DEVICE (no CUDA-capable device is detected)";
        assertThat(CudaDevice.whyUnavailable(fake.driver())).contains(why);
        assertThatThrownBy(this::open).isExactlyInstanceOf(DeviceException.class).hasMessage(why);

        fake.initResult = FakeCuda.SUCCESS;
        fake.deviceCount = 0;
        assertThat(CudaDevice.whyUnavailable(fake.driver())).contains("no CUDA device found: the driver sees none");
        assertThatThrownBy(this::open).hasMessage("no CUDA device found: the driver sees none");

        fake.deviceCount = 1;
        assertThat(CudaDevice.whyUnavailable(fake.driver())).isEmpty();
    }

    @Test
    void errorsAreNamedByTheDriverAndUnknownCodesByNumber() throws DeviceException {
        CudaDriver driver = fake.driver();
        assertThat(driver.describe(FakeCuda.ILLEGAL_ADDRESS))
                .isEqualTo("CUDA_ERROR_ILLEGAL_ADDRESS (an illegal memory access was encountered)");
        assertThat(driver.describe(12345)).isEqualTo("CUresult 12345");
    }

    @Test
    void buffersStartZeroedAndRoundTripEveryType() throws DeviceException {
        try (CudaDevice device = open()) {
            DeviceBuffer f = device.allocate(DType.F32, 5);
            assertThat(device.read(f, new long[] {5}).toDoubleArray()).containsOnly(0.0);
            device.write(f, floats(1.5f, -2, Float.NaN, Float.POSITIVE_INFINITY, 1e-30f));
            assertThat(device.read(f, new long[] {5}).toDoubleArray())
                    .containsExactly(1.5, -2, Double.NaN, Double.POSITIVE_INFINITY, (double) 1e-30f);

            Tensor longs = Tensor.fromInts(DType.I64, new long[] {2, 2}, new long[] {Long.MIN_VALUE, -1, 0, Long.MAX_VALUE});
            DeviceBuffer l = device.allocate(DType.I64, 4);
            device.write(l, longs);
            assertThat(device.read(l, new long[] {2, 2}).toLongArray()).containsExactly(Long.MIN_VALUE, -1, 0, Long.MAX_VALUE);

            Tensor bools = Tensor.fromInts(DType.BOOL, new long[] {3}, new long[] {1, 0, 1});
            DeviceBuffer b = device.allocate(DType.BOOL, 3);
            device.write(b, bools);
            assertThat(device.read(b, new long[] {3}).toLongArray()).containsExactly(1, 0, 1);

            DeviceBuffer empty = device.allocate(DType.F64, 0);
            device.write(empty, Tensor.zeros(DType.F64, 0));
            assertThat(device.read(empty, new long[] {0}).size()).isZero();
        }
    }

    @Test
    void transfersOfTheWrongSizeOrTypeAreRefused() throws DeviceException {
        try (CudaDevice device = open()) {
            DeviceBuffer f = device.allocate(DType.F32, 4);
            assertThatThrownBy(() -> device.write(f, floats(1, 2, 3)))
                    .hasMessage("cannot write a f32[3] tensor into a buffer of 4 f32");
            assertThatThrownBy(() -> device.write(f, Tensor.zeros(DType.I32, 4)))
                    .hasMessage("cannot write a i32[4] tensor into a buffer of 4 f32");
            assertThatThrownBy(() -> device.read(f, new long[] {5})).hasMessage("cannot read a buffer of 4 f32 as f32[5]");
            assertThatThrownBy(() -> device.allocate(DType.F32, -1)).hasMessage("cannot allocate -1 elements");
        }
    }

    @Test
    void launchesOneDimensionalBlocksWithTheArgumentsInParameterOrder() throws DeviceException {
        try (CudaDevice device = open()) {
            device.prepare(TestPtx.vaddModule());
            Tensor c = vadd(device, 1000, 1000);
            for (int i = 0; i < 1000; i++) assertThat(c.getDouble(i)).isEqualTo((double) (i * 0.5f + (1000 - i)));

            FakeCuda.Launch launch = fake.launches().getLast();
            assertThat(launch.entry()).isEqualTo("vadd");
            assertThat(List.of(launch.gridX(), launch.gridY(), launch.gridZ())).containsExactly(8, 1, 1); // ceil(1000 / 128)
            assertThat(List.of(launch.blockX(), launch.blockY(), launch.blockZ())).containsExactly(128, 1, 1);
            assertThat(launch.sharedBytes()).isZero();
            assertThat(launch.args()).hasSize(4);
            assertThat(launch.args().subList(0, 3)).allSatisfy(a -> assertThat(a).hasSize(8));
            assertThat(TestPtx.value(launch.args().get(3))).isEqualTo(1000);
        }
    }

    @Test
    void theBlockSizeSetsTheGrid() throws DeviceException {
        try (CudaDevice device = open(256)) {
            device.prepare(TestPtx.vaddModule());
            vadd(device, 1000, 1000);
            assertThat(fake.launches().getLast().gridX()).isEqualTo(4);
            assertThat(fake.launches().getLast().blockX()).isEqualTo(256);
        }
        assertThatThrownBy(() -> open(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> open(1025)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aGroupKernelLaunchesOneBlockOfTheGroupsSizePerGridPoint() throws DeviceException {
        var grouped = new tessera.ir.loop.Kernel("vadd", TestPtx.VADD.params(), TestPtx.VADD.grid(),
                java.util.Optional.of(new tessera.ir.loop.Kernel.Group("t", 32)), TestPtx.VADD.body(), TestPtx.VADD.origin());
        try (CudaDevice device = open()) {
            device.prepare(TestPtx.vaddModule());
            DeviceBuffer x = device.allocate(DType.F32, 10);
            device.write(x, floats(1, 2, 3, 4, 5, 6, 7, 8, 9, 10));
            device.launch(grouped, new long[] {10}, Map.of("a", x, "b", x, "c", x), Map.of("n", 10.0));
            assertThat(device.read(x, new long[] {10}).toDoubleArray()).containsExactly(2, 4, 6, 8, 10, 12, 14, 16, 18, 20);
            FakeCuda.Launch launch = fake.launches().getLast();
            assertThat(List.of(launch.gridX(), launch.gridY(), launch.gridZ())).containsExactly(10, 1, 1);
            assertThat(List.of(launch.blockX(), launch.blockY(), launch.blockZ())).containsExactly(32, 1, 1);

            var tooBig = new tessera.ir.loop.Kernel("vadd", grouped.params(), grouped.grid(),
                    java.util.Optional.of(new tessera.ir.loop.Kernel.Group("t", 2048)), grouped.body(), grouped.origin());
            assertThatThrownBy(() -> device.launch(tooBig, new long[] {10}, Map.of("a", x, "b", x, "c", x), Map.of("n", 10.0)))
                    .isInstanceOf(DeviceException.class)
                    .hasMessage("kernel vadd: a group of 2048 work items; a CUDA block has at most 1024 threads");
            assertThat(fake.launches()).hasSize(1);
        }
    }

    @Test
    void everyScalarTypeArrivesWithItsSize() throws DeviceException {
        try (CudaDevice device = open()) {
            device.load(TestPtx.image());
            DeviceBuffer out = device.allocate(DType.F64, 5);
            device.launch(TestPtx.SCALARS, new long[0], Map.of("out", out), TestPtx.SCALAR_VALUES);
            assertThat(device.read(out, new long[] {5}).toDoubleArray()).containsExactly(TestPtx.SCALAR_EXPECTED);
            FakeCuda.Launch launch = fake.launches().getLast();
            assertThat(launch.gridX()).isEqualTo(1); // a grid of no dimensions is one point
            assertThat(launch.args()).extracting(a -> a.length).containsExactly(8, 4, 8, 4, 8, 1);
        }
    }

    @Test
    void anEmptyGridLaunchesNothing() throws DeviceException {
        try (CudaDevice device = open()) {
            device.load(TestPtx.image());
            DeviceBuffer a = device.allocate(DType.F32, 0);
            device.launch(TestPtx.VADD, new long[] {0}, Map.of("a", a, "b", a, "c", a), Map.of("n", 0.0));
            assertThat(fake.launches()).isEmpty();
        }
    }

    @Test
    void runsAModuleThroughPlanRunnerAsTheLoopInterpreterDoes() throws DeviceException {
        List<Integer> smSeen = new ArrayList<>();
        PtxSource source = (m, sm) -> {
            smSeen.add(sm);
            return TestPtx.image();
        };
        Map<String, Tensor> inputs = Map.of("a", floats(1, 2, 3, 4, 5, 6, 7), "b", floats(0.25f, -2, 30, 1e8f, 0, -6, 1));
        try (CudaDevice device = new CudaDevice(fake.driver(), 0, source, 4)) {
            Interpreter.Outcome cuda = PlanRunner.run(TestPtx.vaddModule(), device, inputs, Map.of());
            Interpreter.Outcome reference = PlanRunner.run(TestPtx.vaddModule(), new LoopInterpreter(), inputs, Map.of());
            assertThat(cuda).isInstanceOf(Interpreter.Outcome.Ok.class);
            Tensor c = ((Interpreter.Outcome.Ok) cuda).outputs().get("c");
            Tensor expected = ((Interpreter.Outcome.Ok) reference).outputs().get("c");
            assertThat(c.toDoubleArray()).containsExactly(expected.toDoubleArray());
            assertThat(fake.launches().getLast().gridX()).isEqualTo(2); // 7 points in blocks of 4
        }
        assertThat(smSeen).containsExactly(90);
    }

    @Test
    void ptxIsLoadedOnceAndEntriesMapToLoopIrNames() throws DeviceException {
        try (CudaDevice device = open()) {
            device.load(TestPtx.image());
            device.load(new PtxImage("renamed", TestPtx.TEXT, Map.of("add_vectors", "vadd")));
            assertThat(fake.calls().stream().filter("cuModuleLoadDataEx"::equals)).hasSize(1);
            assertThat(fake.loadedModules()).isEqualTo(1);
            DeviceBuffer x = device.allocate(DType.F32, 1);
            var renamed = new tessera.ir.loop.Kernel("add_vectors", TestPtx.VADD.params(), TestPtx.VADD.grid(),
                    TestPtx.VADD.body(), TestPtx.VADD.origin());
            device.launch(renamed, new long[] {1}, Map.of("a", x, "b", x, "c", x), Map.of("n", 1.0));
            assertThat(fake.launches().getLast().entry()).isEqualTo("vadd");
        }
    }

    @Test
    void aJitFailureNamesTheCallAndErrorAndShowsTheLog() throws DeviceException {
        fake.rejectPtxContaining("f33", "ptxas application ptx input, line 37; error   : Unknown modifier '.f33'");
        try (CudaDevice device = open()) {
            assertThatThrownBy(() -> device.load(new PtxImage("test", TestPtx.BROKEN, Map.of("vadd", "vadd"))))
                    .isExactlyInstanceOf(DeviceException.class)
                    .hasMessage("module test on cuda (Fake GPU #0, sm_90): cuModuleLoadDataEx: CUDA_ERROR_INVALID_PTX "
                            + "(a PTX JIT compilation failed)\n"
                            + "ptxas application ptx input, line 37; error   : Unknown modifier '.f33'");
        }
    }

    @Test
    void aMissingEntryIsNamed() throws DeviceException {
        try (CudaDevice device = open()) {
            assertThatThrownBy(() -> device.load(new PtxImage("test", TestPtx.TEXT, Map.of("vadd", "vsub"))))
                    .hasMessage("cuModuleGetFunction vsub: CUDA_ERROR_NOT_FOUND (named symbol not found)");
        }
    }

    @Test
    void launchFailuresNameTheKernelTheCallAndTheError() throws DeviceException {
        try (CudaDevice device = open()) {
            device.load(TestPtx.image());
            fake.failNext("cuLaunchKernel", FakeCuda.INVALID_VALUE);
            assertThatThrownBy(() -> vadd(device, 10, 10)).isExactlyInstanceOf(DeviceException.class)
                    .hasMessage("kernel vadd on cuda (Fake GPU #0, sm_90): cuLaunchKernel: CUDA_ERROR_INVALID_VALUE (invalid argument)");
            // A fault inside the kernel surfaces when the device waits for it.
            assertThatThrownBy(() -> vadd(device, 10, 20)).hasMessage("kernel vadd on cuda (Fake GPU #0, sm_90): "
                    + "cuCtxSynchronize: CUDA_ERROR_ILLEGAL_ADDRESS (an illegal memory access was encountered)");
        }
    }

    @Test
    void badLaunchRequestsAreRefusedBeforeTheDriverSeesThem() throws DeviceException {
        try (CudaDevice device = open()) {
            DeviceBuffer f = device.allocate(DType.F32, 4);
            DeviceBuffer i = device.allocate(DType.I32, 4);
            Map<String, DeviceBuffer> ok = Map.of("a", f, "b", f, "c", f);
            assertThatThrownBy(() -> device.launch(TestPtx.VADD, new long[] {4}, ok, Map.of("n", 4.0)))
                    .hasMessage("kernel vadd was not prepared on cuda (Fake GPU #0, sm_90)");
            device.load(TestPtx.image());
            assertThatThrownBy(() -> device.launch(TestPtx.VADD, new long[] {4, 1}, ok, Map.of("n", 4.0)))
                    .hasMessage("kernel vadd has a 1-d grid, launched with 2 extents");
            assertThatThrownBy(() -> device.launch(TestPtx.VADD, new long[] {-1}, ok, Map.of("n", 4.0)))
                    .hasMessage("kernel vadd: negative grid extent -1");
            assertThatThrownBy(() -> device.launch(TestPtx.VADD, new long[] {4}, Map.of("a", f, "b", f), Map.of("n", 4.0)))
                    .hasMessage("kernel vadd: no buffer for parameter 'c'");
            assertThatThrownBy(() -> device.launch(TestPtx.VADD, new long[] {4}, Map.of("a", f, "b", i, "c", f), Map.of("n", 4.0)))
                    .hasMessage("kernel vadd: parameter 'b' is f32 but its buffer holds i32");
            assertThatThrownBy(() -> device.launch(TestPtx.VADD, new long[] {4}, ok, Map.of()))
                    .hasMessage("kernel vadd: no value for scalar parameter 'n'");
            assertThatThrownBy(() -> device.launch(TestPtx.VADD, new long[] {1L << 40}, ok, Map.of("n", 4.0)))
                    .hasMessage("kernel vadd: 1099511627776 grid points need 8589934592 blocks of 128 threads; CUDA allows 2147483647");
            assertThat(fake.launches()).isEmpty();
        }
    }

    @Test
    void anAllocationFailureNamesTheSize() throws DeviceException {
        try (CudaDevice device = open()) {
            fake.failNext("cuMemAlloc_v2", FakeCuda.OUT_OF_MEMORY);
            assertThatThrownBy(() -> device.allocate(DType.F32, 1000))
                    .hasMessage("cuMemAlloc_v2 (4000 bytes): CUDA_ERROR_OUT_OF_MEMORY (out of memory)");
            assertThat(fake.liveAllocations()).isZero();
        }
    }

    @Test
    void closeReleasesEverythingAndTheDeviceRefusesUseAfterwards() throws DeviceException {
        CudaDevice device = open();
        DeviceBuffer a = device.allocate(DType.F32, 3);
        device.allocate(DType.I64, 3);
        DeviceBuffer released = device.allocate(DType.BOOL, 3);
        device.release(released);
        device.load(TestPtx.image());
        assertThat(fake.liveAllocations()).isEqualTo(2);
        assertThatThrownBy(() -> device.write(released, Tensor.zeros(DType.BOOL, 3))).hasMessage("buffer was released");
        try (CudaDevice other = open()) {
            assertThatThrownBy(() -> other.read(a, new long[] {3})).hasMessage("buffer does not belong to " + other.name());
        }

        device.close();
        assertThat(fake.liveAllocations()).isZero();
        assertThat(fake.loadedModules()).isZero();
        assertThat(fake.contextRetains()).isZero();
        device.close();
        assertThatThrownBy(() -> device.allocate(DType.F32, 1)).hasMessage("cuda (Fake GPU #0, sm_90) is closed");
        assertThatThrownBy(() -> device.read(a, new long[] {3})).hasMessage("cuda (Fake GPU #0, sm_90) is closed");
    }
}
