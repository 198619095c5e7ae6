package tessera.stdlib;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tessera.runtime.Tensor;

/**
 * probsparse_attention.tsr (both kernels) on the reference interpreter against
 * {@link Reference#probSparse}. Inputs are redrawn until the top-u choice is clear of
 * near-ties, so that rounding cannot pick a different row on either side.
 */
class ProbSparseAttentionTest {
    static final String FILE = "probsparse_attention.tsr";

    record Inputs(Nd q, Nd k, Nd v) {}

    static Inputs draw(Random rnd, int bs, int hs, int lq, int lk, int dd, int ee) {
        return new Inputs(Nd.gaussian(rnd, 1, bs, hs, lq, dd), Nd.gaussian(rnd, 1, bs, hs, lk, dd),
                Nd.gaussian(rnd, 1, bs, hs, lk, ee));
    }

    static Nd idxTensor(int[][] idx, int up) {
        Nd t = new Nd(idx.length, up);
        for (int i = 0; i < idx.length; i++) for (int s = 0; s < up; s++) t.set(idx[i][s], i, s);
        return t;
    }

    static Map<String, Tensor> runWithIdx(Inputs in, int[][] idx, int up, int factor, boolean masked) {
        return KernelRunner.run(FILE, "probsparse_attention",
                Map.of("q", in.q().f32(), "k", in.k().f32(), "v", in.v().f32(), "idx", idxTensor(idx, up).i32()),
                Map.of("factor", (double) factor, "masked", masked ? 1.0 : 0.0));
    }

    static Map<String, Tensor> runPhilox(Inputs in, long seed, int factor, boolean masked) {
        return KernelRunner.run(FILE, "probsparse_attention_philox",
                Map.of("q", in.q().f32(), "k", in.k().f32(), "v", in.v().f32()),
                Map.of("seed", (double) seed, "factor", (double) factor, "masked", masked ? 1.0 : 0.0));
    }

    static int[][] randomIdx(Random rnd, int lq, int up, int lk) {
        int[][] idx = new int[lq][up];
        for (int i = 0; i < lq; i++) for (int t = 0; t < up; t++) idx[i][t] = rnd.nextInt(lk);
        return idx;
    }

    @ParameterizedTest(name = "B={0} H={1} L={2} S={3} D={4} E={5} UP={6} factor={7} masked={8}")
    @CsvSource({
        "1, 1, 20, 20, 4, 3, 15, 5, false",   // u = 15 of 20 rows active
        "1, 1, 20, 20, 4, 3, 15, 5, true",
        "2, 2, 12, 12, 3, 2, 3, 1, true",     // u = 3: mostly cumulative-sum rows
        "2, 1, 10, 14, 4, 3, 6, 2, false",    // L != S
        "1, 2, 16, 9, 2, 5, 4, 2, false",     // L > S
        "1, 1, 9, 9, 3, 3, 1, 1, true",       // one sampled key per row
        "2, 2, 7, 1, 2, 2, 1, 3, false",      // one key: every measure is 0, ties go to the first rows
        "1, 1, 1, 3, 2, 2, 2, 5, false",      // L = 1: u = 0, the only row is lazy
        "1, 1, 1, 3, 2, 2, 2, 5, true",
    })
    void matchesReference(int bs, int hs, int lq, int lk, int dd, int ee, int up, int factor, boolean masked) {
        Random rnd = new Random(100L * lq + 10L * lk + up + (masked ? 1 : 0));
        for (int attempt = 0; attempt < 50; attempt++) {
            Inputs in = draw(rnd, bs, hs, lq, lk, dd, ee);
            int[][] idx = randomIdx(rnd, lq, up, lk);
            Reference.ProbSparse ref = Reference.probSparse(in.q(), in.k(), in.v(), idx, factor, masked);
            if (!Reference.topChoiceIsClear(ref.measure(), ref.u())) continue;
            Close.check("o", ref.out(), runWithIdx(in, idx, up, factor, masked).get("o"));
            return;
        }
        throw new AssertionError("no draw without a near-tie in the top-u choice");
    }

    /**
     * §3.3 item 2, the sampling-free oracle: when u = L every row is active and the result is
     * plain softmax attention (causal j <= i when masked), whatever the samples.
     */
    @Test
    void allRowsActiveIsFullAttention() {
        Random rnd = new Random(21);
        int lq = 8; // u = min(5 * ceil(ln 8), 8) = 8
        for (boolean masked : new boolean[] {false, true}) {
            Inputs in = draw(rnd, 2, 2, lq, lq, 4, 3);
            int[][] idx = randomIdx(rnd, lq, 6, lq);
            Reference.Attention full = Reference.attention(in.q(), in.k(), in.v(), Reference.defaultScale(in.q()),
                    (b, h, i, j) -> !masked || j <= i);
            Close.check("o, masked=" + masked, full.o(), runWithIdx(in, idx, 6, 5, masked).get("o"));
        }
    }

    @ParameterizedTest(name = "B={0} H={1} L={2} S={3} D={4} E={5} factor={6} masked={7} seed={8}")
    @CsvSource({
        "1, 1, 20, 20, 4, 3, 5, false, 0",          // UP = 15
        "2, 2, 12, 12, 3, 2, 1, true, 42",          // UP = 3
        "1, 2, 10, 25, 2, 3, 2, false, 123456789",  // UP = 8, L != S
        "1, 1, 6, 1, 2, 2, 5, false, 7",            // S = 1: UP = 0, no samples at all
        "1, 1, 14, 14, 3, 2, 1, true, -5",
    })
    void philoxMatchesReference(int bs, int hs, int lq, int lk, int dd, int ee, int factor, boolean masked, long seed) {
        Random rnd = new Random(lq * 1000L + lk + seed);
        int[][] idx = Reference.philoxSamples(seed, lq, lk, factor);
        for (int attempt = 0; attempt < 50; attempt++) {
            Inputs in = draw(rnd, bs, hs, lq, lk, dd, ee);
            Reference.ProbSparse ref = Reference.probSparse(in.q(), in.k(), in.v(), idx, factor, masked);
            if (!Reference.topChoiceIsClear(ref.measure(), ref.u())) continue;
            Close.check("o", ref.out(), runPhilox(in, seed, factor, masked).get("o"));
            return;
        }
        throw new AssertionError("no draw without a near-tie in the top-u choice");
    }

    /** The philox kernel is the explicit-index kernel fed with the same Philox draws, to the bit. */
    @Test
    void philoxKernelEqualsExplicitIndicesFromPhilox() {
        Random rnd = new Random(22);
        int lq = 15, lk = 15, factor = 2;
        long seed = 2024;
        int[][] idx = Reference.philoxSamples(seed, lq, lk, factor);
        int up = idx[0].length;
        assertThat(up).isEqualTo(6);
        for (boolean masked : new boolean[] {false, true}) {
            Inputs in = draw(rnd, 1, 2, lq, lk, 3, 2);
            double[] viaPhilox = runPhilox(in, seed, factor, masked).get("o").toDoubleArray();
            double[] viaIdx = runWithIdx(in, idx, up, factor, masked).get("o").toDoubleArray();
            assertThat(viaPhilox).as("masked=" + masked).containsExactly(viaIdx);
        }
    }
}
