package tessera.backend.opencl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static tessera.backend.opencl.L.c;
import static tessera.backend.opencl.L.f;
import static tessera.backend.opencl.L.out;
import static tessera.backend.opencl.L.store;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import tessera.ir.loop.Device.DeviceBuffer;
import tessera.ir.loop.Device.DeviceException;
import tessera.ir.loop.Kernel;
import tessera.runtime.DType;
import tessera.runtime.Tensor;

/** The device's mechanics: choosing, buffers, transfers, argument binding, build errors, closing. */
@RequiresOpenCl
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenClDeviceTest {
    private OpenClDevice device;

    @BeforeAll
    void open() throws DeviceException {
        device = OpenClTestSupport.open();
    }

    @AfterAll
    void close() {
        if (device != null) device.close();
    }

    @Test
    void describesItself() throws DeviceException {
        assertThat(OpenClDevice.whyUnavailable()).isEmpty();
        assertThat(device.name()).startsWith("opencl (").endsWith(")").doesNotContain("\n");
        assertThat(device.description()).contains("OpenCL C");
        List<String> devices = OpenClDevice.deviceList();
        assertThat(devices).isNotEmpty();
        assertThat(devices.getFirst()).startsWith("0: ");
    }

    @Test
    void aDeviceCanBeChosenByIndexAndABadIndexListsTheDevices() throws DeviceException {
        try (OpenClDevice first = new OpenClDevice(0)) {
            assertThat(first.name()).startsWith("opencl (");
        }
        assertThatThrownBy(() -> new OpenClDevice(99)).isInstanceOf(DeviceException.class)
                .hasMessageStartingWith("no OpenCL device 99; there are ").hasMessageContaining("0: ");
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void buffersStartZeroedAndRoundTripEveryType(DType type) throws DeviceException {
        long[] shape = {3, 11};
        DeviceBuffer b = device.allocate(type, 33);
        assertThat(b.type()).isEqualTo(type);
        assertThat(b.elements()).isEqualTo(33);
        assertThat(device.read(b, shape).toDoubleArray()).containsOnly(0.0);
        double[] values = new double[33];
        for (int i = 0; i < values.length; i++) values[i] = type == DType.BOOL ? i % 2 : i * 1.5 - 7;
        Tensor t = Tensor.fromDoubles(type, shape, values);
        device.write(b, t);
        Tensor back = device.read(b, shape);
        assertThat(back.shape()).isEqualTo(shape);
        assertThat(back.toDoubleArray()).isEqualTo(t.toDoubleArray());
        device.release(b);
    }

    @Test
    void emptyBuffersAreAllowed() throws DeviceException {
        DeviceBuffer b = device.allocate(DType.F32, 0);
        device.write(b, Tensor.zeros(DType.F32, 0, 4));
        assertThat(device.read(b, new long[] {4, 0}).size()).isZero();
    }

    @Test
    void transfersCheckTypeAndSize() throws DeviceException {
        DeviceBuffer b = device.allocate(DType.F32, 4);
        assertThatThrownBy(() -> device.write(b, Tensor.zeros(DType.I32, 4))).isInstanceOf(DeviceException.class)
                .hasMessage("cannot write a i32[4] tensor into a buffer of 4 f32");
        assertThatThrownBy(() -> device.write(b, Tensor.zeros(DType.F32, 5))).isInstanceOf(DeviceException.class);
        assertThatThrownBy(() -> device.read(b, new long[] {2, 3})).isInstanceOf(DeviceException.class)
                .hasMessage("cannot read a buffer of 4 f32 as f32[2, 3]");
        device.release(b);
        assertThatThrownBy(() -> device.read(b, new long[] {4})).isInstanceOf(DeviceException.class)
                .hasMessage("buffer was released");
    }

    @Test
    void aBufferOfAnotherDeviceIsRefused() throws DeviceException {
        try (OpenClDevice other = new OpenClDevice()) {
            DeviceBuffer theirs = other.allocate(DType.F32, 1);
            assertThatThrownBy(() -> device.read(theirs, new long[] {1})).isInstanceOf(DeviceException.class)
                    .hasMessageStartingWith("buffer does not belong to opencl");
        }
    }

    @Test
    void aBrokenProgramReportsItsBuildLog() {
        OpenClProgram broken = new OpenClProgram("broken",
                "__kernel void oops(__global float* y) {\n    y[0] = undeclared_thing + 1.0f;\n}\n", Map.of("oops", "oops"), false);
        assertThatThrownBy(() -> device.load(broken)).isInstanceOf(DeviceException.class).satisfies(e -> {
            List<String> lines = e.getMessage().lines().toList();
            assertThat(lines.getFirst()).startsWith("OpenCL build of module broken failed on opencl (")
                    .contains("undeclared_thing");
            assertThat(lines.size()).as("the build log follows the first line").isGreaterThan(1);
            assertThat(String.join("\n", lines.subList(1, lines.size()))).contains("undeclared_thing");
        });
    }

    @Test
    void launchesBindArgumentsByNameAndSayWhatIsMissing() throws DeviceException {
        Kernel k = new Kernel("fill", List.of(out("y", DType.F32), L.scalar("v", DType.F32), L.scalar("N", DType.I32)),
                List.of(L.dim("i", L.i32("N"))), List.of(store("y", L.i32("i"), L.ref("v", DType.F32))), "y[i] = v");
        device.prepare(L.module("fill", k));
        DeviceBuffer y = device.allocate(DType.F32, 5);
        Map<String, DeviceBuffer> buffers = new HashMap<>(Map.of("y", y));
        device.launch(k, new long[] {5}, buffers, Map.of("v", 2.5, "N", 5.0));
        assertThat(device.read(y, new long[] {5}).toDoubleArray()).containsOnly(2.5);

        assertThatThrownBy(() -> device.launch(k, new long[] {5}, buffers, Map.of("N", 5.0)))
                .isInstanceOf(DeviceException.class).hasMessage("kernel fill: no value for scalar parameter 'v'");
        assertThatThrownBy(() -> device.launch(k, new long[] {5}, Map.of(), Map.of("v", 1.0, "N", 5.0)))
                .isInstanceOf(DeviceException.class).hasMessage("kernel fill: no buffer for parameter 'y'");
        DeviceBuffer ints = device.allocate(DType.I32, 5);
        assertThatThrownBy(() -> device.launch(k, new long[] {5}, Map.of("y", ints), Map.of("v", 1.0, "N", 5.0)))
                .isInstanceOf(DeviceException.class).hasMessage("kernel fill: parameter 'y' is f32 but its buffer holds i32");
        assertThatThrownBy(() -> device.launch(k, new long[] {5, 1}, buffers, Map.of("v", 1.0, "N", 5.0)))
                .isInstanceOf(DeviceException.class).hasMessage("kernel fill has a 1-d grid, launched with 2 extents");
        Kernel other = new Kernel("never_prepared", List.of(), List.of(), List.of(), "");
        assertThatThrownBy(() -> device.launch(other, new long[] {}, Map.of(), Map.of()))
                .isInstanceOf(DeviceException.class).hasMessageStartingWith("kernel never_prepared was not prepared on opencl");
    }

    @Test
    void aClosedDeviceRefusesWorkAndClosesTwiceQuietly() throws DeviceException {
        OpenClDevice d = new OpenClDevice();
        Kernel k = new Kernel("one", List.of(out("y", DType.F32)), List.of(), List.of(store("y", c(0), f(1))), "");
        d.prepare(L.module("one", k));
        d.allocate(DType.F32, 1);
        d.close();
        d.close();
        assertThatThrownBy(() -> d.allocate(DType.F32, 1)).isInstanceOf(DeviceException.class).hasMessageEndingWith("is closed");
    }
}
