package tessera.backend.jvector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static tessera.backend.jvector.L.*;

import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tessera.ir.loop.Kernel;
import tessera.ir.loop.LExpr;
import tessera.ir.loop.LStmt;
import tessera.runtime.DType;
import tessera.runtime.Tensor;

/** A matrix-vector product: a serial reduction per row, scalar (bit-exact) and as a vector dot product (within rounding). */
class MatvecTest {
    private static JavaDevice scalar;
    private static JavaDevice vector;

    @BeforeAll
    static void open() {
        scalar = new JavaDevice(JavaOptions.defaults().withThreads(2).withVectorise(false));
        vector = new JavaDevice(JavaOptions.defaults().withThreads(2));
    }

    @AfterAll
    static void close() {
        scalar.close();
        vector.close();
    }

    /** {@code y[i] = sum[k](A[i, k] * x[k])}, with {@code acc + a * b} or {@code a * b + acc}. */
    static Kernel matvec(DType t, boolean accFirst) {
        LExpr i = i32("i");
        LExpr k = i32("k");
        LExpr acc = ref("acc", t);
        LExpr product = mul(load("A", add(mul(i, i32("K")), k), t), load("x", k, t));
        return new Kernel("matvec", List.of(in("A", t), in("x", t), out("y", t), scalar("M", DType.I32), scalar("K", DType.I32)),
                List.of(dim("i", i32("M"))),
                List.of(comment("y[i] = sum[k](A[i, k] * x[k])"),
                        var("acc", t, new LExpr.Const(0, t)),
                        new LStmt.For("k", ci(0), i32("K"), LStmt.LoopKind.SERIAL,
                                List.of(assign("acc", accFirst ? add(acc, product) : add(product, acc)))),
                        store("y", i, acc)),
                "y[i] = sum[k](A[i, k] * x[k])");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 7, 8, 16, 17, 33, 100})
    void floatMatvec(int cols) throws Exception {
        int rows = 6;
        Kernel k = matvec(DType.F32, true);
        scalar.prepare(Run.module("matvec", k));
        vector.prepare(Run.module("matvec", k));
        if (JavaDevice.vectorModulePresent()) {
            assertThat(vector.lastSource()).contains(".fma(").contains("reduceLanes");
        }
        assertThat(scalar.lastSource()).doesNotContain("fma");
        Random r = new Random(cols);
        double[] a = new double[rows * cols];
        double[] x = new double[cols];
        for (int j = 0; j < a.length; j++) a[j] = (float) r.nextGaussian();
        for (int j = 0; j < x.length; j++) x[j] = (float) r.nextGaussian();
        Map<String, Tensor> in = Map.of("A", Tensor.fromDoubles(DType.F32, new long[] {rows, cols}, a),
                "x", Tensor.fromDoubles(DType.F32, new long[] {cols}, x));
        Map<String, Double> s = Map.of("M", (double) rows, "K", (double) cols);
        Tensor ys = Run.launch(scalar, k, new long[] {rows}, in, s, Map.of("y", new long[] {rows})).get("y");
        Tensor yv = Run.launch(vector, k, new long[] {rows}, in, s, Map.of("y", new long[] {rows})).get("y");
        for (int i = 0; i < rows; i++) {
            float serial = 0;
            double exact = 0;
            double scale = 0;
            for (int c = 0; c < cols; c++) {
                serial = serial + (float) a[i * cols + c] * (float) x[c];
                exact += a[i * cols + c] * x[c];
                scale += Math.abs(a[i * cols + c] * x[c]);
            }
            assertThat((float) ys.getDouble(i)).isEqualTo(serial);
            assertThat(yv.getDouble(i)).isCloseTo(exact, within(1e-6 * (1 + scale)));
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3, 4, 5, 9, 64})
    void doubleMatvecWithProductFirst(int cols) throws Exception {
        int rows = 3;
        Kernel k = matvec(DType.F64, false);
        vector.prepare(Run.module("matvec64", k));
        if (JavaDevice.vectorModulePresent()) {
            assertThat(vector.lastSource()).contains("DoubleVector.broadcast(DOUBLE_SPECIES, -0.0)");
        }
        double[] a = new double[rows * cols];
        double[] x = new double[cols];
        for (int j = 0; j < a.length; j++) a[j] = (j % 7) - 3;
        for (int j = 0; j < x.length; j++) x[j] = j * 0.5;
        Tensor y = Run.launch(vector, k, new long[] {rows},
                Map.of("A", Tensor.fromDoubles(DType.F64, new long[] {rows, cols}, a),
                        "x", Tensor.fromDoubles(DType.F64, new long[] {cols}, x)),
                Map.of("M", (double) rows, "K", (double) cols), Map.of("y", new long[] {rows})).get("y");
        for (int i = 0; i < rows; i++) {
            double want = 0;
            for (int c = 0; c < cols; c++) want += a[i * cols + c] * x[c];
            assertThat(y.getDouble(i)).isEqualTo(want); // small integers and halves: exact in any order
        }
    }
}
