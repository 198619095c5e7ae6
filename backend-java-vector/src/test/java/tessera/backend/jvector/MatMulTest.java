package tessera.backend.jvector;

import static org.assertj.core.api.Assertions.assertThat;
import static tessera.backend.jvector.L.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tessera.ir.loop.Kernel;
import tessera.ir.loop.LExpr;
import tessera.ir.loop.LStmt;
import tessera.runtime.DType;
import tessera.runtime.Tensor;

/**
 * MatMul statements on the Java device against the loop interpreter. Both add each element's
 * terms in order of depth with fused multiply-adds in C's type, so results must be identical,
 * bit for bit, on the vector kernel's blocks and tails, on its scalar fallback and on the inline
 * loops for operands of another type.
 */
class MatMulTest {
    private static JavaDevice vector;
    private static JavaDevice scalar;

    @BeforeAll
    static void open() {
        vector = new JavaDevice(JavaOptions.defaults().withThreads(2));
        scalar = new JavaDevice(JavaOptions.defaults().withThreads(2).withVectorise(false));
    }

    @AfterAll
    static void close() {
        vector.close();
        scalar.close();
    }

    /**
     * Per grid point {@code g}: {@code c_g (+)= a_g x b_g}, {@code R x C} by depth {@code K}, each
     * operand at offset {@code g * xSz} with strides given as scalars {@code xRs, xCs}.
     */
    static Kernel batched(DType ct, DType at, DType bt, boolean accumulate) {
        LExpr g = i32("g");
        List<Kernel.Param> params = new ArrayList<>(List.of(inOut("c", ct), in("a", at), in("b", bt),
                scalar("G", DType.I32), scalar("R", DType.I32), scalar("C", DType.I32), scalar("K", DType.I32)));
        for (String x : List.of("a", "b", "c")) {
            params.add(scalar(x + "Sz", DType.I32));
            params.add(scalar(x + "Rs", DType.I32));
            params.add(scalar(x + "Cs", DType.I32));
        }
        return new Kernel("mm", params, List.of(dim("g", i32("G"))),
                List.of(matmul(op("c", g), op("a", g), op("b", g), i32("R"), i32("C"), i32("K"), accumulate)),
                "c (+)= a x b per g");
    }

    private static LStmt.Operand op(String x, LExpr g) {
        return operand(x, mul(g, i32(x + "Sz")), i32(x + "Rs"), i32(x + "Cs"));
    }

    /** How one operand is laid out: row-major, or transposed (column-major). */
    enum Layout { ROWS, COLUMNS }

    /** Runs {@code batched} on the interpreter and both devices; C's outputs must be identical. */
    static void check(DType ct, DType at, DType bt, int rows, int cols, int depth, boolean accumulate,
                      Layout la, Layout lb, Layout lc) throws Exception {
        int groups = 3;
        Kernel k = batched(ct, at, bt, accumulate);
        Oracle.verified(k);
        Map<String, Double> s = new java.util.HashMap<>(Map.of("G", (double) groups, "R", (double) rows, "C", (double) cols,
                "K", (double) depth));
        strides(s, "a", rows, depth, la);
        strides(s, "b", depth, cols, lb);
        strides(s, "c", rows, cols, lc);
        Map<String, Tensor> buffers = Map.of(
                "a", Oracle.random(at, 1, groups * rows * depth),
                "b", Oracle.random(bt, 2, groups * depth * cols),
                "c", Oracle.random(ct, 3, groups * rows * cols));
        long[] grid = {groups};
        Tensor want = Oracle.reference(k, grid, buffers, s, List.of("c")).get("c");
        for (JavaDevice d : List.of(vector, scalar)) {
            Tensor got = Oracle.run(d, k, grid, buffers, s, List.of("c")).get("c");
            Oracle.same(String.format("%s on %s, %dx%dx%d acc=%s a=%s b=%s c=%s", ct, d.options().vectorise() ? "vector" : "scalar",
                    rows, cols, depth, accumulate, la, lb, lc), got, want);
        }
        // accumulate or not, C really changed (the test would catch a kernel that did nothing)
        assertThat(want.toDoubleArray()).isNotEqualTo(buffers.get("c").toDoubleArray());
    }

    private static void strides(Map<String, Double> s, String x, int rows, int cols, Layout layout) {
        s.put(x + "Sz", (double) rows * cols);
        s.put(x + "Rs", (double) (layout == Layout.ROWS ? cols : 1));
        s.put(x + "Cs", (double) (layout == Layout.ROWS ? 1 : rows));
    }

    static Stream<Arguments> sizes() {
        int[] n = {1, 3, 17, 64, 65};
        List<Arguments> out = new ArrayList<>();
        for (int r : n) {
            for (int c : n) {
                for (int k : new int[] {1, 17, 64}) {
                    out.add(Arguments.of(r, c, k, (r + c + k) % 2 == 0));
                }
            }
        }
        out.add(Arguments.of(64, 64, 64, true));
        out.add(Arguments.of(64, 64, 64, false));
        out.add(Arguments.of(5, 33, 0, false));
        out.add(Arguments.of(5, 33, 0, true));
        return out.stream();
    }

    @ParameterizedTest
    @MethodSource("sizes")
    void f32RowMajorBlocksAndTails(int rows, int cols, int depth, boolean accumulate) throws Exception {
        if (depth == 0 && accumulate) {
            // C unchanged is what it should be; the "C changed" check does not apply
            return;
        }
        check(DType.F32, DType.F32, DType.F32, rows, cols, depth, accumulate, Layout.ROWS, Layout.ROWS, Layout.ROWS);
    }

    @ParameterizedTest
    @MethodSource("sizes")
    void f64RowMajorBlocksAndTails(int rows, int cols, int depth, boolean accumulate) throws Exception {
        if (depth == 0 && accumulate) {
            return;
        }
        check(DType.F64, DType.F64, DType.F64, rows, cols, depth, accumulate, Layout.ROWS, Layout.ROWS, Layout.ROWS);
    }

    @ParameterizedTest
    @MethodSource("layouts")
    void stridedOperands(Layout la, Layout lb, Layout lc, boolean accumulate) throws Exception {
        check(DType.F32, DType.F32, DType.F32, 19, 37, 23, accumulate, la, lb, lc);
        check(DType.F64, DType.F64, DType.F64, 6, 9, 5, accumulate, la, lb, lc);
    }

    static Stream<Arguments> layouts() {
        List<Arguments> out = new ArrayList<>();
        for (Layout la : Layout.values()) {
            for (Layout lb : Layout.values()) {
                for (Layout lc : Layout.values()) {
                    out.add(Arguments.of(la, lb, lc, la == lb));
                }
            }
        }
        return out.stream();
    }

    @Test
    void operandsOfAnotherTypeAreConvertedInline() throws Exception {
        check(DType.F32, DType.I32, DType.F64, 7, 20, 9, true, Layout.ROWS, Layout.ROWS, Layout.ROWS);
        check(DType.F32, DType.F16, DType.F32, 5, 17, 64, false, Layout.COLUMNS, Layout.ROWS, Layout.ROWS);
        check(DType.F64, DType.F32, DType.F32, 4, 16, 3, true, Layout.ROWS, Layout.COLUMNS, Layout.ROWS);
        assertThat(vector.lastSource()).contains("Math.fma(").doesNotContain("TileKernels.matmul(");
    }

    @Test
    void sourceCallsTheTileKernels() throws Exception {
        vector.prepare(Run.module("mm", batched(DType.F32, DType.F32, DType.F32, true)));
        if (JavaDevice.vectorModulePresent()) {
            assertThat(vector.lastSource())
                    .contains("// matmul ")
                    .contains("VectorTileKernels.matmul(c, g * cSz, cRs, cCs, a, g * aSz, aRs, aCs, b, g * bSz, bRs, bCs, R, C, K, true);");
        }
        scalar.prepare(Run.module("mm", batched(DType.F64, DType.F64, DType.F64, false)));
        assertThat(scalar.lastSource()).contains(" TileKernels.matmul(").doesNotContain("VectorTileKernels").doesNotContain("jdk.incubator");
    }

    /** The helpers directly: every size from 0 to 40 against the scalar definition, both types. */
    @Test
    void vectorHelperAgreesWithTheScalarOneEverywhere() {
        if (!JavaDevice.vectorModulePresent()) {
            return;
        }
        java.util.Random rnd = new java.util.Random(7);
        for (int rows = 0; rows <= 13; rows++) {
            for (int cols = 0; cols <= 40; cols += rows % 2 == 0 ? 1 : 3) {
                for (int depth : new int[] {0, 1, 2, 7}) {
                    boolean acc = rnd.nextBoolean();
                    int pad = 5;
                    float[] a = new float[pad + rows * depth + 1];
                    float[] b = new float[pad + depth * (cols + 2) + 1];
                    float[] c = new float[pad + rows * (cols + 3) + 1];
                    for (int i = 0; i < a.length; i++) a[i] = (float) rnd.nextGaussian();
                    for (int i = 0; i < b.length; i++) b[i] = (float) rnd.nextGaussian();
                    for (int i = 0; i < c.length; i++) c[i] = (float) rnd.nextGaussian();
                    float[] want = c.clone();
                    TileKernels.matmul(want, pad, cols + 3, 1, a, pad, depth, 1, b, pad, cols + 2, 1, rows, cols, depth, acc);
                    float[] got = c.clone();
                    VectorTileKernels.matmul(got, pad, cols + 3, 1, a, pad, depth, 1, b, pad, cols + 2, 1, rows, cols, depth, acc);
                    assertThat(got).as("f32 %dx%dx%d acc=%s", rows, cols, depth, acc).containsExactly(want);

                    double[] ad = new double[a.length], bd = new double[b.length], cd = new double[c.length];
                    for (int i = 0; i < a.length; i++) ad[i] = a[i] * 1.000001;
                    for (int i = 0; i < b.length; i++) bd[i] = b[i];
                    for (int i = 0; i < c.length; i++) cd[i] = c[i];
                    double[] wantD = cd.clone();
                    TileKernels.matmul(wantD, pad, cols + 3, 1, ad, pad, depth, 1, bd, pad, cols + 2, 1, rows, cols, depth, acc);
                    double[] gotD = cd.clone();
                    VectorTileKernels.matmul(gotD, pad, cols + 3, 1, ad, pad, depth, 1, bd, pad, cols + 2, 1, rows, cols, depth, acc);
                    assertThat(gotD).as("f64 %dx%dx%d acc=%s", rows, cols, depth, acc).containsExactly(wantD);
                }
            }
        }
    }
}
