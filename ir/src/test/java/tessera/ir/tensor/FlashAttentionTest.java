package tessera.ir.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import tessera.runtime.DType;
import tessera.runtime.Tensor;

/** The flash-attention kernel of docs/language.md against attention computed directly in this test. */
class FlashAttentionTest {
    private static final DType F = DType.F32;

    static Program flashAttention() {
        return KernelBuilder.kernel("flash_attention")
                .in("q", F, "B, H, N, D").in("k", F, "B, KH, M, D").in("v", F, "B, KH, M, E")
                .param("causal", DType.BOOL, "false")
                .out("o", F, "B, H, N, E").out("lse", F, "B, H, N")
                .where("H % KH == 0")
                .stmt("let scale = rsqrt(D)")
                .stmt("let g = H / KH")
                .stmt("s[b < B, h < H, i < N, j < M] = scale * sum[d < D](q[b, h, i, d] * k[b, h / g, j, d]) if !causal || j <= i + M - N")
                .stmt("lse[b < B, h < H, i < N] = logsumexp[j < M](s[b, h, i, j])")
                .stmt("o[b < B, h < H, i < N, e < E] = sum[j < M](softmax[j < M](s[b, h, i, j]) * v[b, h / g, j, e])")
                .build();
    }

    private static Tensor random(Random rnd, long... shape) {
        long n = 1;
        for (long d : shape) n *= d;
        double[] v = new double[(int) n];
        for (int i = 0; i < v.length; i++) v[i] = rnd.nextGaussian();
        return Tensor.fromDoubles(F, shape, v);
    }

    /** o and lse computed with plain loops, in double, from the same f32 inputs. */
    private static double[][] direct(Tensor q, Tensor k, Tensor v, boolean causal) {
        long[] qs = q.shape();
        long[] ks = k.shape();
        long[] vs = v.shape();
        int b = (int) qs[0], h = (int) qs[1], n = (int) qs[2], d = (int) qs[3], kh = (int) ks[1], m = (int) ks[2], e = (int) vs[3];
        int g = h / kh;
        double[] o = new double[b * h * n * e];
        double[] lse = new double[b * h * n];
        double scale = 1 / Math.sqrt(d);
        for (int bb = 0; bb < b; bb++) {
            for (int hh = 0; hh < h; hh++) {
                for (int i = 0; i < n; i++) {
                    double[] s = new double[m];
                    double mx = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < m; j++) {
                        if (causal && j > i + m - n) {
                            s[j] = Double.NEGATIVE_INFINITY;
                            continue;
                        }
                        double acc = 0;
                        for (int c = 0; c < d; c++) {
                            acc += q.getDouble(((long) (bb * h + hh) * n + i) * d + c) * k.getDouble(((long) (bb * kh + hh / g) * m + j) * d + c);
                        }
                        s[j] = scale * acc;
                        mx = Math.max(mx, s[j]);
                    }
                    int row = (bb * h + hh) * n + i;
                    if (mx == Double.NEGATIVE_INFINITY) {
                        lse[row] = Double.NEGATIVE_INFINITY;
                        continue; // o stays 0
                    }
                    double l = 0;
                    for (int j = 0; j < m; j++) l += Math.exp(s[j] - mx);
                    lse[row] = mx + Math.log(l);
                    for (int c = 0; c < e; c++) {
                        double acc = 0;
                        for (int j = 0; j < m; j++) acc += Math.exp(s[j] - mx) / l * v.getDouble(((long) (bb * kh + hh / g) * m + j) * e + c);
                        o[row * e + c] = acc;
                    }
                }
            }
        }
        return new double[][] {o, lse};
    }

    private static void check(int b, int h, int kh, int n, int m, int d, int e, boolean causal, long seed) {
        Random rnd = new Random(seed);
        Tensor q = random(rnd, b, h, n, d);
        Tensor k = random(rnd, b, kh, m, d);
        Tensor v = random(rnd, b, kh, m, e);
        Map<String, Tensor> out = Runs.ok(flashAttention(), Map.of("q", q, "k", k, "v", v), Map.of("causal", causal ? 1.0 : 0.0));
        double[][] want = direct(q, k, v, causal);
        double[] o = out.get("o").toDoubleArray();
        double[] lse = out.get("lse").toDoubleArray();
        for (int i = 0; i < o.length; i++) assertThat(o[i]).as("o[%d]", i).isCloseTo(want[0][i], within(1e-6 + 1e-6 * Math.abs(want[0][i])));
        for (int i = 0; i < lse.length; i++) {
            if (want[1][i] == Double.NEGATIVE_INFINITY) assertThat(lse[i]).isEqualTo(Double.NEGATIVE_INFINITY);
            else assertThat(lse[i]).as("lse[%d]", i).isCloseTo(want[1][i], within(1e-5 + 1e-6 * Math.abs(want[1][i])));
        }
        for (double x : o) assertThat(x).isNotNaN();
    }

    @Test void dense() {
        check(2, 2, 2, 3, 4, 5, 3, false, 1);
    }

    @Test void causalWithGroupedQueryHeads() {
        check(1, 4, 2, 5, 5, 4, 2, true, 2);
    }

    @Test void causalAlignsToTheBottomRightWhenRowsAreFewer() {
        check(1, 2, 1, 2, 6, 3, 3, true, 3); // decode-like: both rows see most of the context
    }

    @Test void causalRowsWithNoKeyGiveZeroAndMinusInfinity() {
        check(1, 1, 1, 5, 3, 2, 2, true, 4); // rows 0 and 1 have j <= i - 2: nothing
    }

    @Test void groupMismatchViolatesTheConstraint() {
        Random rnd = new Random(5);
        String msg = Runs.error(flashAttention(), Map.of("q", random(rnd, 1, 3, 2, 2), "k", random(rnd, 1, 2, 2, 2), "v", random(rnd, 1, 2, 2, 2)));
        assertThat(msg).isEqualTo("error: constraint 'H % KH == 0' does not hold (H = 3, KH = 2)");
    }
}
