package tessera.backend.jvector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static tessera.backend.jvector.L.*;

import com.palantir.javapoet.JavaFile;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.TypeSpec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tessera.ir.loop.Device.DeviceBuffer;
import tessera.ir.loop.Device.DeviceException;
import tessera.ir.loop.Kernel;
import tessera.ir.loop.LExpr;
import tessera.runtime.DType;
import tessera.runtime.Tensor;

/** The device's contract: buffers, binding by name, and one-line errors. */
class JavaDeviceTest {
    private static JavaDevice device;

    @BeforeAll
    static void open() {
        device = new JavaDevice(JavaOptions.defaults().withThreads(2));
    }

    @AfterAll
    static void close() {
        device.close();
    }

    static Kernel divide() {
        LExpr i = i32("i");
        return new Kernel("divide", List.of(in("a", DType.I32), out("q", DType.I32), scalar("d", DType.I32), scalar("n", DType.I32)),
                List.of(dim("i", i32("n"))),
                List.of(store("q", i, div(load("a", i, DType.I32), i32("d")))), "q[i] = a[i] / d");
    }

    @Test
    void buffersRoundTripEveryType() throws Exception {
        for (DType t : DType.values()) {
            Tensor src = Tensor.fromDoubles(t, new long[] {2, 3}, new double[] {0, 1, 0, 1, 1, 0});
            DeviceBuffer b = device.allocate(t, 6);
            assertThat(b.type()).isEqualTo(t);
            assertThat(b.elements()).isEqualTo(6);
            assertThat(device.read(b, new long[] {6}).toDoubleArray()).containsOnly(0.0);
            device.write(b, src);
            assertThat(device.read(b, new long[] {3, 2}).toDoubleArray()).containsExactly(src.toDoubleArray());
        }
    }

    @Test
    void wrongSizesAndTypesAreOneLineErrors() throws Exception {
        DeviceBuffer b = device.allocate(DType.F32, 4);
        assertThatThrownBy(() -> device.write(b, Tensor.zeros(DType.F64, 4))).isInstanceOf(DeviceException.class)
                .hasMessageNotContaining("\n").hasMessageContaining("f64[4]");
        assertThatThrownBy(() -> device.read(b, new long[] {5})).isInstanceOf(DeviceException.class)
                .hasMessageContaining("element counts differ");
        assertThatThrownBy(() -> device.allocate(DType.F32, 1L << 40)).isInstanceOf(DeviceException.class);
    }

    @Test
    void launchChecksItsBindings() throws Exception {
        Kernel k = divide();
        device.prepare(Run.module("divide", k));
        Tensor a = Tensor.fromInts(DType.I32, new long[] {4}, new long[] {7, -7, 9, 0});
        var out = Run.launch(device, k, new long[] {4}, Map.of("a", a), Map.of("d", 2.0, "n", 4.0), Map.of("q", new long[] {4}));
        assertThat(out.get("q").toLongArray()).containsExactly(3, -3, 4, 0);
        assertThatThrownBy(() -> Run.launch(device, k, new long[] {4}, Map.of("a", a), Map.of("n", 4.0), Map.of("q", new long[] {4})))
                .isInstanceOf(DeviceException.class).hasMessage("kernel 'divide': no value bound to scalar 'd'");
        assertThatThrownBy(() -> Run.launch(device, k, new long[] {4}, Map.of(), Map.of("d", 1.0, "n", 4.0), Map.of("q", new long[] {4})))
                .isInstanceOf(DeviceException.class).hasMessage("kernel 'divide': no buffer bound to 'a'");
        assertThatThrownBy(() -> Run.launch(device, k, new long[] {4, 1}, Map.of("a", a), Map.of("d", 1.0, "n", 4.0), Map.of("q", new long[] {4})))
                .isInstanceOf(DeviceException.class).hasMessageContaining("1 grid dimensions, launched with 2");
        Tensor wrong = Tensor.zeros(DType.I64, 4);
        assertThatThrownBy(() -> Run.launch(device, k, new long[] {4}, Map.of("a", wrong), Map.of("d", 1.0, "n", 4.0), Map.of("q", new long[] {4})))
                .isInstanceOf(DeviceException.class).hasMessageContaining("buffer 'a' is i32");
        Kernel other = new Kernel("never", List.of(), List.of(), List.of(), "never");
        assertThatThrownBy(() -> device.launch(other, new long[0], Map.of(), Map.of()))
                .isInstanceOf(DeviceException.class).hasMessage("kernel 'never' was not prepared on the java device");
    }

    @Test
    void failuresInsideKernelsBecomeDeviceExceptions() throws Exception {
        Kernel k = divide();
        device.prepare(Run.module("divide", k));
        Tensor a = Tensor.fromInts(DType.I32, new long[] {64}, new long[64]);
        assertThatThrownBy(() -> Run.launch(device, k, new long[] {64}, Map.of("a", a), Map.of("d", 0.0, "n", 64.0), Map.of("q", new long[] {64})))
                .isInstanceOf(DeviceException.class).hasMessage("kernel 'divide': integer division by zero (on the java device)");
        assertThatThrownBy(() -> Run.launch(device, k, new long[] {65}, Map.of("a", a), Map.of("d", 1.0, "n", 65.0), Map.of("q", new long[] {64})))
                .isInstanceOf(DeviceException.class).hasMessage("kernel 'divide': index 64 out of range [0, 64) of a buffer (on the java device)");
        Kernel relu = VectorLoopTest.relu();
        device.prepare(Run.module("relu", relu));
        Tensor x = Tensor.zeros(DType.F32, 20);
        assertThatThrownBy(() -> Run.launch(device, relu, new long[] {33}, Map.of("x", x, "b", Tensor.zeros(DType.F32, 1)),
                Map.of("alpha", 1.0, "n", 33.0), Map.of("y", new long[] {33})))
                .isInstanceOf(DeviceException.class).hasMessageStartingWith("kernel 'relu': index").hasMessageNotContaining("\n");
    }

    @Test
    void codeThatDoesNotCompileIsAnInternalError() throws Exception {
        TypeSpec broken = TypeSpec.classBuilder("Broken")
                .addMethod(MethodSpec.methodBuilder("f").addStatement("int x = $S", "text").build()).build();
        JavaSource src = new JavaSource(JavaFile.builder("tessera.generated", broken).build(), "tessera.generated.Broken", Map.of(), false);
        assertThatThrownBy(() -> new JavaCompilerService().compile(src)).isInstanceOf(DeviceException.class)
                .satisfies(e -> {
                    String[] lines = e.getMessage().split("\n");
                    assertThat(lines[0]).startsWith("internal error: the Java backend generated code that does not compile (1 error");
                    assertThat(lines[1]).contains("line").contains("incompatible types");
                    assertThat(lines[2]).contains("int x = \"text\";");
                });
    }

    @Test
    void emitterBugsAreInternalErrors() {
        Kernel k = new Kernel("bad", List.of(out("y", DType.F32)), List.of(), List.of(store("y", ci(0), ref("nowhere", DType.F32))), "bad");
        assertThatThrownBy(() -> device.prepare(Run.module("bad", k))).isInstanceOf(DeviceException.class)
                .hasMessageStartingWith("internal error").hasMessageContaining("'nowhere' is not in scope");
    }

    @Test
    void manyRowsRunInParallelChunks() throws Exception {
        Kernel k = VectorLoopTest.relu();
        LExpr r = i32("r");
        LExpr c = i32("c");
        Kernel grid2 = new Kernel("fill", List.of(out("y", DType.I32), scalar("C", DType.I32), scalar("R", DType.I32)),
                List.of(dim("r", i32("R")), dim("c", i32("C"))),
                List.of(store("y", add(mul(r, i32("C")), c), add(mul(r, ci(1000)), c))), "y[r, c] = 1000 r + c");
        device.prepare(Run.module("fill", k, grid2));
        int rows = 301;
        int cols = 3;
        var out = Run.launch(device, grid2, new long[] {rows, cols}, Map.of(), Map.of("C", (double) cols, "R", (double) rows),
                Map.of("y", new long[] {rows, cols}));
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                assertThat(out.get("y").getLong(i * cols + j)).isEqualTo(1000L * i + j);
            }
        }
    }
    /** {@code y[a, b, c] = 10000 a + 100 b + c} over a 3-D grid; scalar, so the pool splits all three dimensions. */
    static Kernel fill3() {
        LExpr a = i32("a");
        LExpr b = i32("b");
        LExpr c = i32("c");
        LExpr at = add(mul(add(mul(a, i32("B")), b), i32("C")), c);
        return new Kernel("fill3", List.of(out("y", DType.I32), scalar("A", DType.I32), scalar("B", DType.I32), scalar("C", DType.I32)),
                List.of(dim("a", i32("A")), dim("b", i32("B")), dim("c", i32("C"))),
                List.of(store("y", at, add(add(mul(a, ci(10000)), mul(b, ci(100))), c))), "y[a, b, c] = 10000 a + 100 b + c");
    }

    /** {@code y[a, b, c] = x[a, b, c] * 2} over a 3-D grid; the innermost runs on lanes, the pool splits (a, b). */
    static Kernel twice3() {
        LExpr at = add(mul(add(mul(i32("a"), i32("B")), i32("b")), i32("C")), i32("c"));
        return new Kernel("twice3", List.of(in("x", DType.F32), out("y", DType.F32), scalar("A", DType.I32), scalar("B", DType.I32),
                scalar("C", DType.I32)),
                List.of(dim("a", i32("A")), dim("b", i32("B")), dim("c", i32("C"))),
                List.of(store("y", at, mul(f32("x", at), cf(2)))), "y = 2 x");
    }

    @Test
    void gridsWhoseOuterDimensionIsOneStillSplitAcrossThePool() throws Exception {
        Kernel k = fill3();
        Kernel v = twice3();
        device.prepare(Run.module("grids", k, v));
        assertThat(device.lastSource()).contains("long points = (long) aExtent * bExtent * cExtent;")
                .contains("if (++c == cExtent) {");
        if (JavaDevice.vectorModulePresent()) {
            assertThat(device.lastSource()).contains("long points = (long) aExtent * bExtent;");
        }
        for (int[] e : new int[][] {{1, 1, 37}, {1, 3, 7}, {2, 0, 5}, {3, 5, 1}, {1, 1, 1}, {0, 4, 4}, {2, 9, 13}}) {
            long[] grid = {e[0], e[1], e[2]};
            Map<String, Double> s = Map.of("A", (double) e[0], "B", (double) e[1], "C", (double) e[2]);
            var out = Run.launch(device, k, grid, Map.of(), s, Map.of("y", grid));
            double[] x = new double[e[0] * e[1] * e[2]];
            for (int i = 0; i < x.length; i++) x[i] = i * 0.5 - 3;
            var twice = Run.launch(device, v, grid, Map.of("x", Tensor.fromDoubles(DType.F32, grid, x)), s, Map.of("y", grid));
            for (int a = 0; a < e[0]; a++) {
                for (int b = 0; b < e[1]; b++) {
                    for (int c = 0; c < e[2]; c++) {
                        int i = (a * e[1] + b) * e[2] + c;
                        assertThat(out.get("y").getLong(i)).as("%s at %d", java.util.Arrays.toString(e), i).isEqualTo(10000L * a + 100L * b + c);
                        assertThat(twice.get("y").getDouble(i)).isEqualTo(2 * x[i]);
                    }
                }
            }
        }
    }

    /** A released buffer comes back for the next allocation of its size, and reads as zeros again. */
    @Test
    void releasedBuffersAreRecycledAndReadAsZeros() throws DeviceException {
        DeviceBuffer a = device.allocate(DType.F32, 1000);
        device.write(a, Tensor.fromDoubles(DType.F32, new long[] {1000}, java.util.stream.DoubleStream.generate(() -> 7).limit(1000).toArray()));
        device.release(a);
        DeviceBuffer b = device.allocate(DType.F32, 1000);
        assertThat(b).isSameAs(a);
        assertThat(device.read(b, new long[] {1000}).toDoubleArray()).containsOnly(0.0);
        // an upload overwrites a recycled buffer entirely: what it holds afterwards is the upload
        device.write(b, Tensor.fromDoubles(DType.F32, new long[] {1000}, java.util.stream.DoubleStream.generate(() -> 3).limit(1000).toArray()));
        device.release(b);
        DeviceBuffer c = device.allocate(DType.F32, 1000);
        device.write(c, Tensor.fromDoubles(DType.F32, new long[] {1000}, java.util.stream.DoubleStream.generate(() -> 5).limit(1000).toArray()));
        assertThat(device.read(c, new long[] {1000}).toDoubleArray()).containsOnly(5.0);
        assertThat(device.allocate(DType.F32, 999)).isNotSameAs(c);
        device.release(c);
    }
}
