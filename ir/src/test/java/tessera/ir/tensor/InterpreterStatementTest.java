package tessera.ir.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static tessera.ir.tensor.Runs.error;
import static tessera.ir.tensor.Runs.f32;
import static tessera.ir.tensor.Runs.i32;
import static tessera.ir.tensor.Runs.inputs;
import static tessera.ir.tensor.Runs.ok;
import static tessera.ir.tensor.Runs.shape;
import static tessera.ir.tensor.Runs.tensor;

import java.util.Map;
import org.junit.jupiter.api.Test;
import tessera.runtime.DType;

/** Let, Define (extents, declared shapes), TopK, Scatter and derived dims. */
class InterpreterStatementTest {
    private static final DType F = DType.F32;
    private static final DType I = DType.I32;

    private static KernelBuilder topk(String k) {
        return KernelBuilder.kernel("top").in("m", F, "B, N").param("u", I, k).derived("U", "u").out("top", I, "B, U")
                .stmt("top[b < B, r < U] = topk[i < N, U](m[b, i])");
    }

    @Test void topkLargestFirstTiesToTheSmallerIndex() {
        var out = ok(topk("3").build(), inputs("m", tensor(F, shape(2, 5), 1, 5, 3, 5, 2, -1, -2, 7, 7, 7)));
        assertThat(out.get("top").toDoubleArray()).containsExactly(1, 3, 2, 2, 3, 4);
        assertThat(out.get("top").dtype()).isEqualTo(DType.I32);
    }

    @Test void topkTreatsNegativeZeroAsATieAndSkipsAbsentValues() {
        Program p = KernelBuilder.kernel("top").in("m", F, "N").out("top", I, "2")
                .stmt("t[i < N] = m[i] if i != 1")
                .stmt("top[r < 2] = topk[i < N, 2](t[i])").build();
        assertThat(ok(p, inputs("m", f32(-0.0, 9, 0.0, -1))).get("top").toDoubleArray()).containsExactly(0, 2);
    }

    @Test void topkKErrors() {
        assertThat(error(topk("6").build(), inputs("m", tensor(F, shape(1, 5), 1, 2, 3, 4, 5))))
                .isEqualTo("test.tsr:1:1: error: topk into 'top': k = 6 is larger than the extent 5 of 'i'");
        Program masked = KernelBuilder.kernel("top").in("m", F, "B, N").out("top", I, "B, 2")
                .stmt("t[b < B, i < N] = m[b, i] if i < 3 - b")
                .stmt("top[b < B, r < 2] = topk[i < N, 2](t[b, i])").build();
        assertThat(ok(masked, inputs("m", tensor(F, shape(2, 4), 1, 2, 3, 4, 5, 6, 7, 8))).get("top").toDoubleArray())
                .containsExactly(2, 1, 1, 0);
        assertThat(error(masked, inputs("m", tensor(F, shape(3, 4), new double[12]))))
                .isEqualTo("test.tsr:2:1: error: topk into 'top': only 1 present values along 'i' at b = 2, fewer than k = 2");
        assertThat(error(topk("0 - 1").build(), inputs("m", tensor(F, shape(1, 2), 1, 2))))
                .isEqualTo("test.tsr:1:1: error: derived dim U is -1 (u); it must be a non-negative integer");
    }

    @Test void derivedDimsAreEvaluatedWhenFirstNeededAfterEarlierLets() {
        Program p = KernelBuilder.kernel("d").in("m", F, "N").param("c", F, "1.0")
                .stmt("let k = int(c * float(N) / 2.0)")
                .derived("K", "k").out("top", I, "K").out("v", F, "K")
                .stmt("top[r < K] = topk[i < N, K](m[i])")
                .stmt("v[r < K] = m[top[r]]").build();
        var out = ok(p, inputs("m", f32(3, 1, 4, 1, 5, 9)));
        assertThat(out.get("top").toDoubleArray()).containsExactly(5, 4, 2);
        assertThat(out.get("v").toDoubleArray()).containsExactly(9, 5, 4);
        assertThat(ok(p, inputs("m", f32(3, 1, 4, 1, 5, 9)), Map.of("c", 0.4)).get("v").toDoubleArray()).containsExactly(9);
    }

    private static KernelBuilder scatter() {
        return KernelBuilder.kernel("sc").in("x", F, "N").in("idx", I, "K").in("val", F, "K").out("o", F, "N")
                .stmt("o[i < N] = x[i]");
    }

    @Test void scatterOverwritesEntriesThroughAnIndirectIndex() {
        Program p = scatter().stmt("scatter k < K: o[idx[k]] = val[k] + o[idx[k]] if val[k] >= 0.0").build();
        var out = ok(p, inputs("x", f32(1, 2, 3, 4), "idx", i32(3, 0, 1), "val", f32(10, 20, -1)));
        assertThat(out.get("o").toDoubleArray()).containsExactly(21, 2, 3, 14);
    }

    @Test void scatterMakesAbsentEntriesPresentAndReadsTheTensorAsItWas() {
        Program p = KernelBuilder.kernel("sc").in("x", F, "N").out("o", F, "N")
                .stmt("t[i < N] = x[i] if i == 0")
                .stmt("scatter i < N - 1: t[i + 1] = t[i] + 1.0")
                .stmt("o[i < N] = t[i] * 2.0").build();
        // reads see t before the scatter: only t[0] exists, so only t[1] is written
        assertThat(ok(p, inputs("x", f32(5, 0, 0, 0))).get("o").toDoubleArray()).containsExactly(10, 12, 0, 0);
    }

    @Test void scatterWritingOneEntryTwiceIsAnError() {
        Program p = scatter().stmt("scatter k < K: o[idx[k]] = val[k]").build();
        assertThat(error(p, inputs("x", f32(1, 2, 3), "idx", i32(2, 0, 2), "val", f32(1, 1, 1))))
                .isEqualTo("test.tsr:2:1: error: the scatter o[idx[k]] = val[k] writes o[2] twice (again at k = 2)");
    }

    @Test void scatterOutOfRangeIsAnError() {
        Program p = scatter().stmt("scatter k < K: o[idx[k]] = val[k]").build();
        assertThat(error(p, inputs("x", f32(1, 2, 3), "idx", i32(3), "val", f32(1))))
                .isEqualTo("test.tsr:2:1: error: index 3 out of range [0, 3) for axis 0 of 'o' in the scatter o[idx[k]] = val[k] (at k = 0)");
    }

    @Test void gatherTopkScatterRoundTrip() {
        Program p = KernelBuilder.kernel("sparse").in("m", F, "N").in("x", F, "N").out("o", F, "N")
                .stmt("top[r < 2] = topk[i < N, 2](m[i])")
                .stmt("o[i < N] = 0.0")
                .stmt("scatter r < 2: o[top[r]] = x[top[r]] * 10.0").build();
        assertThat(ok(p, inputs("m", f32(0, 5, 1, 7), "x", f32(1, 2, 3, 4))).get("o").toDoubleArray()).containsExactly(0, 20, 0, 40);
    }

    @Test void extentsAndDeclaredShapes() {
        Program negative = KernelBuilder.kernel("neg").in("x", F, "N").out("y", F, "N")
                .stmt("t[i < N - 5] = 1.0").stmt("y[i < N] = x[i]").build();
        assertThat(error(negative, inputs("x", f32(1, 2, 3))))
                .isEqualTo("test.tsr:1:1: error: the extent of 'i' is -2 (N - 5); it must be a non-negative integer");
        Program mismatch = KernelBuilder.kernel("mis").in("x", F, "N").out("y", F, "N")
                .stmt("y[i < N - 1] = x[i]").build();
        assertThat(error(mismatch, inputs("x", f32(1, 2, 3))))
                .isEqualTo("test.tsr:1:1: error: 'y' is declared f32[N] = [3] but its statement gives it shape [2]");
        Program empty = KernelBuilder.kernel("empty").in("x", F, "N").out("y", F, "N").out("s", F, "")
                .stmt("y[i < N] = x[i]").stmt("s[] = sum[i < N](y[i]) + 1.0").build();
        var out = ok(empty, inputs("x", f32()));
        assertThat(out.get("y").size()).isZero();
        assertThat(out.get("s").getDouble(0)).isEqualTo(1.0);
    }

    @Test void outputsComeInSignatureOrderConvertedToTheirType() {
        Program p = KernelBuilder.kernel("conv").in("x", F, "N").out("b", DType.BOOL, "N").out("h", DType.F16, "N").out("n", DType.I64, "N")
                .stmt("n[i < N] = int(x[i] * 2.0)").stmt("h[i < N] = x[i] / 3.0").stmt("b[i < N] = x[i] > 1.0").build();
        var out = ok(p, inputs("x", f32(1, 2.5)));
        assertThat(out.keySet()).containsExactly("b", "h", "n");
        assertThat(out.get("n").toDoubleArray()).containsExactly(2, 5);
        assertThat(out.get("b").toDoubleArray()).containsExactly(0, 1);
        assertThat(out.get("h").dtype()).isEqualTo(DType.F16);
    }
}
