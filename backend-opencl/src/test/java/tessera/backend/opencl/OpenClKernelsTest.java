package tessera.backend.opencl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tessera.ir.loop.Device.DeviceException;
import tessera.runtime.DType;
import tessera.runtime.Philox;
import tessera.runtime.Tensor;

/**
 * The {@link Samples} kernels on the OpenCL device, against plain-Java results. Sizes 1, 7, 33
 * and 1000 are not multiples of the work-group size, so the out-of-range guard matters.
 */
@RequiresOpenCl
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenClKernelsTest {
    private OpenClDevice device;

    @BeforeAll
    void open() throws DeviceException {
        device = OpenClTestSupport.open();
        device.prepare(L.module("samples", Samples.elementwise(), Samples.philox(), Samples.matvec(),
                Samples.branches(), Samples.grid3(), Samples.serialSum()));
    }

    @AfterAll
    void close() {
        if (device != null) device.close();
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 33, 1000})
    void elementwiseSelectAndCast(int n) throws DeviceException {
        double[] x = values(n, 17);
        Map<String, Tensor> out = OpenClTestSupport.run(device, Samples.elementwise(), new long[] {n},
                Map.of("x", Tensor.fromDoubles(DType.F32, new long[] {n}, x)),
                Map.of("y", new long[] {n}, "k", new long[] {n}), Map.of("N", (double) n, "alpha", 1.5));
        for (int i = 0; i < n; i++) {
            float xi = (float) x[i];
            float y = xi > 0 ? 1.5f * xi : xi / 2f;
            assertThat(out.get("y").getDouble(i)).as("y[%d]", i).isEqualTo(y);
            assertThat(out.get("k").getLong(i)).as("k[%d]", i).isEqualTo((int) (3 * xi));
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 42, -1, (1L << 40) + 12345, -(1L << 52) + 7})
    void philoxIsBitIdenticalToTheRuntime(long seed) throws DeviceException {
        int n = 1000;
        Map<String, Tensor> out = OpenClTestSupport.run(device, Samples.philox(), new long[] {n}, Map.of(),
                Map.of("bits", new long[] {n}, "u", new long[] {n}), Map.of("seed", (double) seed, "N", (double) n));
        for (int i = 0; i < n; i++) {
            long a = (long) i * 4294967297L - 5;
            long b = i - 3;
            assertThat(out.get("bits").getLong(i)).as("bits[%d]", i).isEqualTo(Philox.bits(seed, a, b));
            assertThat(out.get("u").getDouble(i)).as("u[%d]", i).isEqualTo(Philox.uniform(seed, a, b));
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 33, 1000})
    void matvecWithASerialReduction(int n) throws DeviceException {
        int m = 33;
        double[] a = values(n * m, 3);
        double[] x = values(m, 5);
        Map<String, Tensor> out = OpenClTestSupport.run(device, Samples.matvec(), new long[] {n},
                Map.of("A", Tensor.fromDoubles(DType.F32, new long[] {n, m}, a),
                        "x", Tensor.fromDoubles(DType.F32, new long[] {m}, x)),
                Map.of("y", new long[] {n}), Map.of("N", (double) n, "M", (double) m));
        for (int i = 0; i < n; i++) {
            double expected = 0;
            for (int j = 0; j < m; j++) expected += (float) a[i * m + j] * (float) x[j];
            assertThat(out.get("y").getDouble(i)).as("y[%d]", i).isCloseTo(expected, within(1e-4));
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 33, 1000})
    void ifVarAssignAndBoolBuffers(int n) throws DeviceException {
        for (boolean invert : new boolean[] {false, true}) {
            double[] x = values(n, 11);
            double[] mask = new double[n];
            for (int i = 0; i < n; i++) mask[i] = i % 3 == 0 ? 1 : 0;
            Map<String, Tensor> out = OpenClTestSupport.run(device, Samples.branches(), new long[] {n},
                    Map.of("x", Tensor.fromDoubles(DType.F32, new long[] {n}, x),
                            "mask", Tensor.fromDoubles(DType.BOOL, new long[] {n}, mask)),
                    Map.of("cls", new long[] {n}, "flag", new long[] {n}),
                    Map.of("N", (double) n, "lo", -0.5, "hi", 0.5, "invert", invert ? 1.0 : 0.0));
            for (int i = 0; i < n; i++) {
                float xi = (float) x[i];
                int c = xi < -0.5f ? -1 : xi > 0.5f ? 1 : mask[i] != 0 && !invert ? 2 : 0;
                boolean flag = c != 0 && (i + 1 >= n || (float) x[i + 1] > xi);
                assertThat(out.get("cls").getLong(i)).as("cls[%d]", i).isEqualTo(c);
                assertThat(out.get("flag").getLong(i)).as("flag[%d]", i).isEqualTo(flag ? 1 : 0);
                assertThat(out.get("flag").data().get(java.lang.foreign.ValueLayout.JAVA_BYTE, i))
                        .as("flag[%d] is a 0/1 byte", i).isEqualTo((byte) (flag ? 1 : 0));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"1,1,1", "1,7,33", "7,1,33", "3,5,7", "10,10,10"})
    void multiDimensionalGridsDecodeRowMajor(String shape) throws DeviceException {
        String[] s = shape.split(",");
        int a = Integer.parseInt(s[0]), b = Integer.parseInt(s[1]), c = Integer.parseInt(s[2]);
        Map<String, Tensor> out = OpenClTestSupport.run(device, Samples.grid3(), new long[] {a, b, c}, Map.of(),
                Map.of("out", new long[] {a, b, c}), Map.of("A", (double) a, "B", (double) b, "C", (double) c));
        for (int i = 0; i < a; i++) {
            for (int j = 0; j < b; j++) {
                for (int k = 0; k < c; k++) {
                    assertThat(out.get("out").getLong((i * b + j) * c + k)).isEqualTo(i * 10000 + j * 100 + k);
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 33})
    void workItemsPastTheGridDoNothing(int n) throws DeviceException {
        // The buffer is a whole work-group long, so a missing guard would write past the grid.
        int size = (int) OpenClDevice.LOCAL_SIZE;
        Map<String, Tensor> out = OpenClTestSupport.run(device, Samples.grid3(), new long[] {1, 1, n}, Map.of(),
                Map.of("out", new long[] {size}), Map.of("A", 1.0, "B", 1.0, "C", (double) n));
        for (int k = 0; k < size; k++) assertThat(out.get("out").getLong(k)).as("out[%d]", k).isEqualTo(k < n ? k : 0);
    }

    @Test
    void aSerialKernelRunsOnce() throws DeviceException {
        int n = 1000;
        double[] x = values(n, 23);
        Map<String, Tensor> out = OpenClTestSupport.run(device, Samples.serialSum(), new long[] {},
                Map.of("x", Tensor.fromDoubles(DType.F32, new long[] {n}, x)), Map.of("total", new long[] {1}),
                Map.of("N", (double) n));
        double expected = 0;
        for (double v : x) expected += (float) v;
        assertThat(out.get("total").getDouble(0)).isCloseTo(expected, within(1e-9));
    }

    @Test
    void anEmptyGridLaunchesNothing() throws DeviceException {
        Map<String, Tensor> out = OpenClTestSupport.run(device, Samples.grid3(), new long[] {0, 5, 5}, Map.of(),
                Map.of("out", new long[] {1}), Map.of("A", 0.0, "B", 5.0, "C", 5.0));
        assertThat(out.get("out").getLong(0)).isZero();
    }

    /** Deterministic values in [-1, 1), a few exactly 0. */
    static double[] values(int n, int salt) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = i % 13 == 5 ? 0 : Philox.uniform(salt, i, 0) * 2 - 1;
        return v;
    }
}
