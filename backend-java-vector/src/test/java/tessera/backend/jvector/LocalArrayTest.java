package tessera.backend.jvector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static tessera.backend.jvector.L.*;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tessera.ir.loop.Device.DeviceException;
import tessera.ir.loop.Kernel;
import tessera.ir.loop.LExpr;
import tessera.ir.loop.LStmt;
import tessera.runtime.DType;
import tessera.runtime.Tensor;

/**
 * Private local arrays (zeroed at every declaration), loops with stores over them on vector lanes
 * (and the loops that must stay serial), a fused FlashAttention tile, and the rejection of group
 * kernels; against the loop interpreter and values computed here.
 */
class LocalArrayTest {
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
     * Per row {@code i}: {@code t = 0; t += x[i]; t += 1} in a private f32 array, copied to
     * {@code y[i]}; a private i32 counter bumped once, stored in {@code n[i]}; and inside a loop
     * of two rounds, a private array declared afresh each round: {@code z[i] = x[i] * 2} only if
     * it restarts at zero.
     */
    static Kernel zeroed() {
        LExpr i = i32("i");
        LExpr k = i32("k");
        LExpr kk = i32("K");
        LExpr at = add(mul(i, kk), k);
        return new Kernel("zeroed", List.of(in("x", DType.F32), out("y", DType.F32), out("n", DType.I32), inOut("z", DType.F32),
                scalar("R", DType.I32), scalar("K", DType.I32)),
                List.of(dim("i", i32("R"))),
                List.of(local("t", DType.F32, kk),
                        local("cnt", DType.I32, ci(1)),
                        loop("k", ci(0), kk, store("t", k, add(f32("t", k), f32("x", at)))),
                        loop("k", ci(0), kk, store("t", k, add(f32("t", k), cf(1)))),
                        loop("k", ci(0), kk, store("y", at, f32("t", k))),
                        store("cnt", ci(0), add(load("cnt", ci(0), DType.I32), ci(1))),
                        store("n", i, load("cnt", ci(0), DType.I32)),
                        loop("round", ci(0), ci(2),
                                local("u", DType.F32, kk),
                                loop("k", ci(0), kk, store("u", k, add(f32("u", k), f32("x", at)))),
                                loop("k", ci(0), kk, store("z", at, add(f32("z", at), f32("u", k)))))),
                "y = x + 1 through a private array; n = 1; z = 2x through arrays declared in a loop");
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 15, 16, 17, 40})
    void privateArraysStartZeroedAtEveryDeclaration(int cols) throws Exception {
        Kernel k = zeroed();
        Oracle.verified(k);
        int rows = 5;
        Tensor x = Oracle.random(DType.F32, 11, rows * cols);
        Map<String, Tensor> buffers = Map.of("x", x, "y", Tensor.zeros(DType.F32, rows * cols),
                "n", Tensor.zeros(DType.I32, rows), "z", Tensor.zeros(DType.F32, rows * cols));
        Map<String, Double> s = Map.of("R", (double) rows, "K", (double) cols);
        List<String> read = List.of("y", "n", "z");
        long[] grid = {rows};
        Map<String, Tensor> want = Oracle.reference(k, grid, buffers, s, read);
        double[] xv = x.toDoubleArray();
        for (JavaDevice d : List.of(vector, scalar)) {
            Map<String, Tensor> got = Oracle.run(d, k, grid, buffers, s, read);
            for (String name : read) {
                Oracle.same(name, got.get(name), want.get(name));
            }
            double[] y = got.get("y").toDoubleArray();
            double[] z = got.get("z").toDoubleArray();
            for (int j = 0; j < xv.length; j++) {
                assertThat(y[j]).isEqualTo((double) ((float) xv[j] + 1f));
                assertThat(z[j]).isEqualTo((double) ((float) xv[j] * 2f));
            }
            assertThat(got.get("n").toDoubleArray()).containsOnly(1.0);
        }
        assertThat(vector.lastSource()).contains("float[] t = new float[K];").contains("int[] cnt = new int[1];");
        if (JavaDevice.vectorModulePresent()) {
            // the serial maps over the private arrays run on lanes
            assertThat(vector.lastSource()).contains(".intoArray(t, k").contains(".intoArray(u, k").contains(".intoArray(y, ");
        }
    }

    /** Row softmax through a private array: scale and max, exp and sum, normalise; all VECTORIZED. */
    static Kernel softmaxRows() {
        LExpr i = i32("i");
        LExpr c = i32("c");
        LExpr cc = i32("C");
        LExpr at = add(mul(i, cc), c);
        LExpr f32 = ref("scale", DType.F32);
        return new Kernel("softmax_rows", List.of(in("x", DType.F32), out("y", DType.F32), scalar("R", DType.I32),
                scalar("C", DType.I32), scalar("scale", DType.F32)),
                List.of(dim("i", i32("R"))),
                List.of(local("s", DType.F32, cc),
                        var("mx", DType.F32, cf(Double.NEGATIVE_INFINITY)),
                        vectorized("c", ci(0), cc,
                                let("sv", mul(f32("x", at), f32)),
                                store("s", c, ref("sv", DType.F32)),
                                assign("mx", max(ref("mx", DType.F32), ref("sv", DType.F32)))),
                        var("sum", DType.F32, cf(0)),
                        vectorized("c", ci(0), cc,
                                let("p", exp(sub(f32("s", c), ref("mx", DType.F32)))),
                                store("s", c, ref("p", DType.F32)),
                                assign("sum", add(ref("p", DType.F32), ref("sum", DType.F32)))),
                        let("inv", div(cf(1), ref("sum", DType.F32))),
                        vectorized("c", ci(0), cc, store("y", at, mul(f32("s", c), ref("inv", DType.F32))))),
                "y = softmax(x * scale) per row");
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 16, 17, 33, 64, 100})
    void mapAndReduceLoopsOverPrivateArraysRunOnLanes(int cols) throws Exception {
        Kernel k = softmaxRows();
        Oracle.verified(k);
        int rows = 6;
        Tensor x = Oracle.random(DType.F32, 5, rows * cols);
        Map<String, Tensor> buffers = Map.of("x", x, "y", Tensor.zeros(DType.F32, rows * cols));
        Map<String, Double> s = Map.of("R", (double) rows, "C", (double) cols, "scale", 0.7);
        long[] grid = {rows};
        Tensor want = Oracle.reference(k, grid, buffers, s, List.of("y")).get("y");
        double[] xv = x.toDoubleArray();
        double[] direct = new double[xv.length];
        for (int r = 0; r < rows; r++) {
            double mx = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < cols; c++) mx = Math.max(mx, xv[r * cols + c] * 0.7);
            double sum = 0;
            for (int c = 0; c < cols; c++) sum += Math.exp(xv[r * cols + c] * 0.7 - mx);
            for (int c = 0; c < cols; c++) direct[r * cols + c] = Math.exp(xv[r * cols + c] * 0.7 - mx) / sum;
        }
        Tensor exact = Tensor.fromDoubles(DType.F32, new long[] {direct.length}, direct);
        for (JavaDevice d : List.of(vector, scalar)) {
            Tensor got = Oracle.run(d, k, grid, buffers, s, List.of("y")).get("y");
            Oracle.close("y vs interpreter", got, want, 1e-6, 1e-5);
            Oracle.close("y vs double softmax", got, exact, 1e-6, 1e-5);
        }
        if (JavaDevice.vectorModulePresent()) {
            assertThat(vector.lastSource())
                    .contains("sv.intoArray(s, c)").contains("sv.intoArray(s, c, tail)")
                    .contains("mxLanes = mxLanes.lanewise(VectorOperators.MAX, sv)")
                    .contains("lanewise(VectorOperators.EXP)")
                    .contains("FloatVector.fromArray(FLOAT_SPECIES, s, c, tail)");
        }
    }

    /**
     * Loops whose stores feed later iterations: a prefix sum (SERIAL, and the same marked
     * VECTORIZED), a shift by one, two stores to one array at different indices, and a loop
     * whose bound reads an array it stores. All must run serially and give the serial answer.
     */
    static Kernel carried() {
        LExpr i = i32("i");
        LExpr k = i32("k");
        LExpr kk = i32("K");
        LExpr at = add(mul(i, kk), k);
        LExpr prev = sub(k, ci(1));
        return new Kernel("carried", List.of(in("x", DType.F32), out("p", DType.F32), out("q", DType.F32), out("w", DType.F32),
                out("v", DType.F32), scalar("R", DType.I32), scalar("K", DType.I32)),
                List.of(dim("i", i32("R"))),
                List.of(local("t", DType.F32, kk),
                        local("t2", DType.F32, kk),
                        local("t3", DType.F32, add(kk, ci(1))),
                        local("lim", DType.F32, kk),
                        store("t", ci(0), f32("x", mul(i, kk))),
                        store("t2", ci(0), f32("x", mul(i, kk))),
                        loop("k", ci(1), kk, store("t", k, add(f32("t", prev), f32("x", at)))),
                        vectorized("k", ci(1), kk, let("a", f32("t2", prev)), store("t2", k, add(ref("a", DType.F32), f32("x", at)))),
                        loop("k", ci(0), kk, store("p", at, f32("t", k)), store("q", at, f32("t2", k))),
                        loop("k", ci(0), kk, store("t3", k, f32("x", at)), store("t3", add(k, ci(1)), mul(f32("x", at), cf(2)))),
                        loop("k", ci(0), kk, store("w", at, f32("t3", k))),
                        store("lim", ci(0), cast(kk, DType.F32)),
                        loop("k", ci(0), cast(f32("lim", ci(0)), DType.I32), store("lim", k, cf(1)), store("v", at, f32("x", at)))),
                "p, q = prefix sums of x; w = 2 x shifted by one; v = x[0]");
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 16, 17, 40})
    void loopsThatCarryValuesBetweenIterationsStaySerial(int cols) throws Exception {
        Kernel k = carried();
        Oracle.verified(k);
        int rows = 3;
        Tensor x = Oracle.random(DType.F32, 9, rows * cols);
        Map<String, Tensor> buffers = Map.of("x", x, "p", Tensor.zeros(DType.F32, rows * cols),
                "q", Tensor.zeros(DType.F32, rows * cols), "w", Tensor.zeros(DType.F32, rows * cols),
                "v", Tensor.zeros(DType.F32, rows * cols));
        Map<String, Double> s = Map.of("R", (double) rows, "K", (double) cols);
        List<String> read = List.of("p", "q", "w", "v");
        long[] grid = {rows};
        Map<String, Tensor> want = Oracle.reference(k, grid, buffers, s, read);
        double[] xv = x.toDoubleArray();
        double[] w = want.get("w").toDoubleArray();
        double[] v = want.get("v").toDoubleArray();
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                // t3[c] is x[c] (written by iteration c after iteration c - 1 wrote 2 x[c - 1])
                assertThat(w[r * cols + c]).isEqualTo(xv[r * cols + c]);
                assertThat(v[r * cols + c]).isEqualTo(c == 0 ? xv[r * cols] : 0.0);
            }
        }
        for (JavaDevice d : List.of(vector, scalar)) {
            Map<String, Tensor> got = Oracle.run(d, k, grid, buffers, s, read);
            for (String name : read) {
                Oracle.same(name + (d == vector ? " (vector)" : " (scalar)"), got.get(name), want.get(name));
            }
        }
        // the copies out (p, q, w) are safe maps; the loops that carry values are not
        assertThat(vector.lastSource()).doesNotContain("intoArray(t,").doesNotContain("intoArray(t2,")
                .doesNotContain("intoArray(t3,").doesNotContain("intoArray(lim,").doesNotContain("intoArray(v,");
        if (JavaDevice.vectorModulePresent()) {
            assertThat(vector.lastSource()).contains("intoArray(p,").contains("intoArray(w,");
        }
    }

    @Test
    void flashTileMatchesTheInterpreterOnRaggedTiles() throws Exception {
        flash(16, 16, 2, 37, 29, 5, 7);
        flash(16, 8, 1, 16, 40, 16, 17);
    }

    @Test
    void flashTileMatchesTheInterpreterOnFullTiles() throws Exception {
        flash(64, 64, 1, 130, 100, 64, 64);
        if (JavaDevice.vectorModulePresent()) {
            assertThat(vector.lastSource())
                    .contains("VectorTileKernels.matmul(S, 0, 64, 1, Qs, 0, D, 1, Kt, 0, 64, 1, rows, cols, D, false);")
                    .contains("VectorTileKernels.matmul(acc, 0, E, 1, S, 0, 64, 1, v, vbase + j0 * E, E, 1, rows, E, cols, true);")
                    .contains("lanewise(VectorOperators.EXP)")
                    .contains(".intoArray(acc, ")
                    .contains(".intoArray(Qs, ")
                    .contains(".intoArray(o, ");
        }
    }

    @Test
    void causalFlashTileMasksOnLanes() throws Exception {
        flash(16, 16, 2, 37, 37, 5, 7, true);
        flash(64, 64, 1, 100, 130, 64, 64, true);
        if (JavaDevice.vectorModulePresent()) {
            assertThat(vector.lastSource()).contains("FLOAT_SPECIES.indexInRange(0, Math.clamp((long) (i0 + r + (M - N)) - (j0 + c) + 1, -1, FLOAT_SPECIES.length())).not()")
                    .contains("mxLanes.lanewise(VectorOperators.MAX, sv)");
        }
    }

    private static void flash(int br, int bc, int bh, int n, int m, int d, int e) throws Exception {
        flash(br, bc, bh, n, m, d, e, false);
    }

    /** Runs the flash tile on the interpreter and both devices and against attention computed here in double. */
    private static void flash(int br, int bc, int bh, int n, int m, int d, int e, boolean causal) throws Exception {
        Kernel k = FlashTile.kernel(br, bc, causal);
        Oracle.verified(k);
        int qt = (n + br - 1) / br;
        double scale = 1 / Math.sqrt(d);
        Map<String, Tensor> buffers = Map.of("q", Oracle.random(DType.F32, 1, bh * n * d), "k", Oracle.random(DType.F32, 2, bh * m * d),
                "v", Oracle.random(DType.F32, 3, bh * m * e), "o", Tensor.zeros(DType.F32, bh * n * e));
        Map<String, Double> s = Map.of("BH", (double) bh, "QT", (double) qt, "N", (double) n, "M", (double) m,
                "D", (double) d, "E", (double) e, "scale", scale);
        long[] grid = {bh, qt};
        Tensor want = Oracle.reference(k, grid, buffers, s, List.of("o")).get("o");
        Tensor exact = attention(buffers, bh, n, m, d, e, (float) scale, causal);
        Oracle.close("interpreter vs attention", want, exact, 1e-5, 1e-4);
        for (JavaDevice dev : List.of(vector, scalar)) {
            Tensor got = Oracle.run(dev, k, grid, buffers, s, List.of("o")).get("o");
            Oracle.close("o vs interpreter", got, want, 1e-5, 1e-4);
        }
    }

    static Tensor attention(Map<String, Tensor> b, int bh, int n, int m, int d, int e, float scale, boolean causal) {
        double[] q = b.get("q").toDoubleArray(), k = b.get("k").toDoubleArray(), v = b.get("v").toDoubleArray();
        double[] o = new double[bh * n * e];
        for (int h = 0; h < bh; h++) {
            for (int i = 0; i < n; i++) {
                double[] sc = new double[m];
                double mx = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < m; j++) {
                    double dot = 0;
                    for (int x = 0; x < d; x++) dot += q[(h * n + i) * d + x] * k[(h * m + j) * d + x];
                    sc[j] = causal && j > i + m - n ? Double.NEGATIVE_INFINITY : dot * scale;
                    mx = Math.max(mx, sc[j]);
                }
                double sum = 0;
                for (int j = 0; j < m; j++) sum += sc[j] = Math.exp(sc[j] - mx);
                for (int y = 0; y < e; y++) {
                    double acc = 0;
                    for (int j = 0; j < m; j++) acc += sc[j] * v[(h * m + j) * e + y];
                    o[(h * n + i) * e + y] = acc / sum;
                }
            }
        }
        return Tensor.fromDoubles(DType.F32, new long[] {o.length}, o);
    }

    @Test
    void groupKernelsAreRejectedWithTheKernelsName() {
        LExpr t = i32("t");
        Kernel group = new Kernel("tiled_sum", List.of(in("x", DType.F32), out("y", DType.F32), scalar("G", DType.I32)),
                List.of(dim("g", i32("G"))), Optional.of(new Kernel.Group("t", 4)),
                List.of(new LStmt.Alloc("part", DType.F32, ci(4), LStmt.Space.SHARED),
                        store("part", t, f32("x", add(mul(i32("g"), ci(4)), t))),
                        new LStmt.Barrier(),
                        when(bin(tessera.ir.tensor.Expr.BinOp.EQ, t, ci(0)),
                                List.of(store("y", i32("g"), add(add(f32("part", ci(0)), f32("part", ci(1))),
                                        add(f32("part", ci(2)), f32("part", ci(3)))))), List.of())),
                "y = sum of groups of 4");
        Oracle.verified(group);
        assertThatThrownBy(() -> vector.prepare(Run.module("groups", group)))
                .isInstanceOf(DeviceException.class)
                .hasMessageContaining("kernel 'tiled_sum' is a group kernel")
                .hasMessageNotContaining("internal error");
        assertThatThrownBy(() -> new JavaEmitter(JavaOptions.defaults()).emit(Run.module("groups", group)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tiled_sum");
    }
}
