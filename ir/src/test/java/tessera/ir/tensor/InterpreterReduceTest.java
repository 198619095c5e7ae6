package tessera.ir.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static tessera.ir.tensor.Runs.eval;
import static tessera.ir.tensor.Runs.f32;
import static tessera.ir.tensor.Runs.inputs;
import static tessera.ir.tensor.Runs.ok;
import static tessera.ir.tensor.Runs.shape;
import static tessera.ir.tensor.Runs.tensor;

import java.util.Map;
import org.junit.jupiter.api.Test;
import tessera.runtime.DType;
import tessera.runtime.Tensor;

/** Reductions (with filters, empty, absent terms), softmax, and absence propagation; x = [1, 2, 3]. */
class InterpreterReduceTest {
    private static final DType F = DType.F32;

    @Test void everyReduction() {
        assertThat(eval("sum[j < 3](x[j])")).isEqualTo(6.0);
        assertThat(eval("max[j < 3](x[j])")).isEqualTo(3.0);
        assertThat(eval("min[j < 3](x[j])")).isEqualTo(1.0);
        assertThat(eval("mean[j < 3](x[j])")).isEqualTo(2.0);
        assertThat(eval("logsumexp[j < 3](x[j])")).isCloseTo(Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3)), within(1e-15));
        assertThat(eval("sum[j < 3](n[j])", DType.I64)).isEqualTo(-5);
        assertThat(eval("max[j < 3](n[j])", DType.I64)).isEqualTo(2);
    }

    @Test void twoVariablesAndNesting() {
        Program p = KernelBuilder.kernel("r").in("a", F, "N, M").out("t", F, "").out("m", F, "N")
                .stmt("t[] = sum[i < N, j < M](a[i, j] * float(10 * i + j))")
                .stmt("m[i < N] = max[j < M](a[i, j]) + min[j < M](a[i, j])").build();
        var out = ok(p, inputs("a", tensor(F, shape(2, 3), 1, 2, 3, 4, 5, 6)));
        assertThat(out.get("t").getDouble(0)).isEqualTo(0 * 1 + 1 * 2 + 2 * 3 + 10 * 4 + 11 * 5 + 12 * 6);
        assertThat(out.get("m").toDoubleArray()).containsExactly(4, 10);
    }

    @Test void filtersRestrictTheRangeAndRunBeforeTheBody() {
        Program p = KernelBuilder.kernel("cumsum").in("x", F, "N").out("y", F, "N")
                .stmt("y[i < N] = sum[j < N | j <= i](x[j])").build();
        assertThat(ok(p, inputs("x", f32(1, 2, 3, 4))).get("y").toDoubleArray()).containsExactly(1, 3, 6, 10);
        // the body would read x[3..4], out of range, where the filter is false
        assertThat(eval("sum[j < 5 | j < 3](x[j])")).isEqualTo(6.0);
        assertThat(eval("mean[j < 3 | j != 1](x[j])")).isEqualTo(2.0);
        assertThat(eval("logsumexp[j < 3 | j > 5](x[j])")).isEqualTo(Double.NEGATIVE_INFINITY);
    }

    @Test void emptyReductions() {
        assertThat(eval("sum[j < 3 | false](x[j])")).isEqualTo(0.0);
        assertThat(eval("max[j < 3 | false](x[j])")).isEqualTo(Double.NEGATIVE_INFINITY);
        assertThat(eval("min[j < 3 | false](x[j])")).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(eval("mean[j < 3 | false](x[j])")).isEqualTo(0.0);
        assertThat(eval("logsumexp[j < 3 | false](x[j])")).isEqualTo(Double.NEGATIVE_INFINITY);
        assertThat(eval("sum[j < 0](x[j])")).isEqualTo(0.0);
        assertThat(eval("mean[j < 0, k < 3](x[k])")).isEqualTo(0.0);
    }

    @Test void logsumexpIsStable() {
        assertThat(eval("logsumexp[j < 2](1000.0)")).isCloseTo(1000 + Math.log(2), within(1e-12));
        assertThat(eval("logsumexp[j < 3](1000.0 * x[j])")).isCloseTo(3000 + Math.log(1 + Math.exp(-1000)), within(1e-12));
        assertThat(eval("logsumexp[j < 2](-1000.0)")).isCloseTo(-1000 + Math.log(2), within(1e-12));
        assertThat(eval("logsumexp[j < 3](j == 1 ? -inf : 0.0)")).isCloseTo(Math.log(2), within(1e-15));
        assertThat(eval("logsumexp[j < 3](-inf)")).isEqualTo(Double.NEGATIVE_INFINITY);
        assertThat(eval("logsumexp[j < 3](j == 2 ? inf : 0.0)")).isEqualTo(Double.POSITIVE_INFINITY);
    }

    /** t = x where the index is even, absent elsewhere. */
    private static KernelBuilder masked() {
        return KernelBuilder.kernel("m").in("x", F, "N").stmt("t[i < N] = x[i] if i % 2 == 0");
    }

    @Test void reductionsSkipAbsentTermsAndMeanCountsOnlyPresentOnes() {
        Program p = masked().out("s", F, "").out("a", F, "").out("c", DType.I32, "")
                .stmt("s[] = sum[i < N](t[i] * 2.0 + 1.0)")
                .stmt("a[] = mean[i < N](t[i])")
                .stmt("c[] = sum[i < N](t[i] > 0.0 ? 1 : 0)").build();
        var out = ok(p, inputs("x", f32(1, 10, 3, 10, 5)));
        assertThat(out.get("s").getDouble(0)).isEqualTo(3 + 7 + 11);
        assertThat(out.get("a").getDouble(0)).isEqualTo(3.0);
        assertThat(out.get("c").getDouble(0)).isEqualTo(3);
    }

    @Test void absenceReachesTheStatementAndOutputsStoreZero() {
        Program p = masked().out("u", F, "N").out("count", F, "")
                .stmt("u[i < N] = -t[i] * 2.0")
                .stmt("count[] = sum[i < N](u[i] * 0.0 + 1.0)").build();
        var out = ok(p, inputs("x", f32(1, 10, 3, 10)));
        assertThat(out.get("u").toDoubleArray()).containsExactly(-2, 0, -6, 0);
        assertThat(out.get("count").getDouble(0)).isEqualTo(2.0); // u's entries 1 and 3 stay absent when read
    }

    @Test void absenceThroughIndicesConditionsAndCalls() {
        Program p = masked().in("idx", DType.I32, "K").out("g", F, "K").out("s", F, "N").out("e", F, "N").out("o", DType.BOOL, "N")
                .stmt("ti[i < N] = int(t[i])")
                .stmt("g[k < K] = x[ti[idx[k]]] + 100.0")
                .stmt("s[i < N] = t[i] > 2.0 ? 1.0 : 2.0")
                .stmt("e[i < N] = exp(min(t[i], 0.0)) + 1.0 if i < 4")
                .stmt("o[i < N] = i % 2 == 1 || t[i] > 0.0").build();
        var out = ok(p, inputs("x", f32(1, 10, 3, 10, 2), "idx", Runs.i32(0, 1, 2)));
        assertThat(out.get("g").toDoubleArray()).containsExactly(110, 0, 110); // ti[1] is absent, so the read through it is too
        assertThat(out.get("s").toDoubleArray()).containsExactly(2, 0, 1, 0, 2);
        assertThat(out.get("e").toDoubleArray()).containsExactly(2, 0, 2, 0, 0);
        assertThat(out.get("o").toDoubleArray()).containsExactly(1, 1, 1, 1, 1); // || never reads t at odd i
    }

    @Test void softmaxOfARow() {
        Program p = KernelBuilder.kernel("sm").in("s", F, "N, M").out("p", F, "N, M")
                .stmt("p[i < N, j < M] = softmax[j < M](s[i, j])").build();
        double[] s = {1, 2, 3, 1000, 1001, 1000};
        double[] p0 = ok(p, inputs("s", tensor(DType.F32, shape(2, 3), s))).get("p").toDoubleArray();
        for (int i = 0; i < 2; i++) {
            double sum = 0;
            for (int j = 0; j < 3; j++) sum += Math.exp(s[3 * i + j] - s[3 * i + 1]);
            for (int j = 0; j < 3; j++) {
                assertThat(p0[3 * i + j]).isCloseTo((float) (Math.exp(s[3 * i + j] - s[3 * i + 1]) / sum), within(1e-7));
            }
        }
    }

    @Test void softmaxOverMaskedAndEmptyRowsNeverGivesNaN() {
        // row 0: causal, sees j <= 0; row 1: sees j <= 1; row 2 is fully masked out
        Program p = KernelBuilder.kernel("masked").in("x", F, "N, M").in("v", F, "M").out("p", F, "N, M").out("o", F, "N").out("lse", F, "N")
                .stmt("s[i < N, j < M] = x[i, j] if j <= i && i != 2")
                .stmt("p[i < N, j < M] = softmax[j < M](s[i, j])")
                .stmt("o[i < N] = sum[j < M](softmax[j < M](s[i, j]) * v[j])")
                .stmt("lse[i < N] = logsumexp[j < M](s[i, j])").build();
        var out = ok(p, inputs("x", tensor(F, shape(3, 3), 5, 1, 1, 0, Math.log(3), 9, 9, 9, 9), "v", f32(10, 20, 30)));
        assertThat(out.get("p").toDoubleArray()).containsExactly(1, 0, 0, 0.25, 0.75, 0, 0, 0, 0);
        assertThat(out.get("o").toDoubleArray()).containsExactly(10, 17.5, 0);
        assertThat(out.get("lse").toDoubleArray()).containsExactly(5, (float) Math.log(4), Double.NEGATIVE_INFINITY);
    }

    @Test void softmaxOfMinusInfinityRowsIsZero() {
        assertThat(eval("sum[j < 3](softmax[j < 3](-inf))")).isEqualTo(0.0);
        assertThat(eval("sum[j < 3](softmax[j < 3](j == 0 ? -inf : 1.0))")).isCloseTo(1.0, within(1e-15));
    }

    @Test void softmaxRowsAreKeyedByTheOtherVariablesInAnyLoopOrder() {
        // p is transposed: its loop runs j outer, i inner, so consecutive entries belong to different rows.
        Program p = KernelBuilder.kernel("t").in("s", F, "N, M").out("p", F, "M, N").out("q", F, "N, M")
                .stmt("p[j < M, i < N] = softmax[j < M](s[i, j])")
                .stmt("q[i < N, j < M] = softmax[j < M](s[i, j] * float(i + 1))").build();
        double[] s = {0, 1, 2, 3, 4, 5};
        var out = ok(p, inputs("s", tensor(F, shape(2, 3), s)));
        double z = 1 + Math.exp(1) + Math.exp(2);
        double z2 = 1 + Math.exp(2) + Math.exp(4);
        double[] want = {1 / z, 1 / z, Math.exp(1) / z, Math.exp(1) / z, Math.exp(2) / z, Math.exp(2) / z};
        double[] got = out.get("p").toDoubleArray();
        for (int k = 0; k < 6; k++) assertThat(got[k]).isCloseTo(want[k], within(1e-7));
        double[] q = out.get("q").toDoubleArray();
        assertThat(q[3]).isCloseTo(1 / z2, within(1e-7));
        assertThat(q[5]).isCloseTo(Math.exp(4) / z2, within(1e-7));
    }

    @Test void softmaxInsideAContractionMatchesADirectComputation() {
        Program p = KernelBuilder.kernel("att").in("s", F, "N, M").in("v", F, "M, E").out("o", F, "N, E")
                .stmt("o[i < N, e < E] = sum[j < M](softmax[j < M](s[i, j]) * v[j, e])").build();
        int n = 3, m = 4, e = 2;
        double[] s = new double[n * m];
        double[] v = new double[m * e];
        for (int k = 0; k < s.length; k++) s[k] = Math.sin(k);
        for (int k = 0; k < v.length; k++) v[k] = Math.cos(k);
        Tensor o = ok(p, Map.of("s", tensor(F, shape(n, m), s), "v", tensor(F, shape(m, e), v))).get("o");
        for (int i = 0; i < n; i++) {
            double mx = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < m; j++) mx = Math.max(mx, (float) s[i * m + j]);
            double l = 0;
            for (int j = 0; j < m; j++) l += Math.exp((float) s[i * m + j] - mx);
            for (int c = 0; c < e; c++) {
                double acc = 0;
                for (int j = 0; j < m; j++) acc += Math.exp((float) s[i * m + j] - mx) / l * (float) v[j * e + c];
                assertThat(o.getDouble(i * e + c)).isCloseTo(acc, within(1e-6));
            }
        }
    }
}
