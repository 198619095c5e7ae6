package tessera.stdlib;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tessera.runtime.Tensor;

/** flash_attention.tsr on the reference interpreter against {@link Reference#flash}. */
class FlashAttentionTest {
    static final String FILE = "flash_attention.tsr";

    static Map<String, Tensor> run(Nd q, Nd k, Nd v, boolean causal) {
        return KernelRunner.run(FILE, "flash_attention", Map.of("q", q.f32(), "k", k.f32(), "v", v.f32()),
                Map.of("causal", causal ? 1.0 : 0.0));
    }

    @ParameterizedTest(name = "B={0} H={1} KH={2} N={3} M={4} D={5} E={6} causal={7}")
    @CsvSource({
        "1, 1, 1, 1, 1, 1, 1, false",
        "1, 1, 1, 1, 1, 1, 1, true",
        "2, 2, 2, 8, 8, 4, 4, false",
        "2, 2, 2, 8, 8, 4, 4, true",
        "2, 4, 2, 5, 7, 3, 2, true",    // GQA, N < M: decode-style rows see the whole context
        "1, 3, 1, 6, 4, 3, 5, true",    // MQA, N > M: the first two rows see no key
        "1, 2, 2, 3, 1, 2, 3, true",    // a single key, visible only to the last row
        "2, 6, 3, 4, 9, 16, 1, false",
    })
    void matchesReference(int bs, int hs, int kh, int n, int m, int dd, int ee, boolean causal) {
        Random rnd = new Random(1000L * n + 37L * m + hs + (causal ? 7 : 0));
        Nd q = Nd.gaussian(rnd, 1, bs, hs, n, dd);
        Nd k = Nd.gaussian(rnd, 1, bs, kh, m, dd);
        Nd v = Nd.gaussian(rnd, 1, bs, kh, m, ee);
        Map<String, Tensor> out = run(q, k, v, causal);
        Reference.Attention ref = Reference.flash(q, k, v, causal);
        Close.check("o", ref.o(), out.get("o"));
        Close.check("lse", ref.lse(), out.get("lse"));
    }

    /** Rows with no visible key (causal, N > M): o exactly 0 and lse -inf, never NaN. */
    @Test
    void fullyMaskedRowsAreZeroWithMinusInfinityLse() {
        Random rnd = new Random(5);
        int n = 5, m = 2;
        Nd q = Nd.gaussian(rnd, 1, 1, 1, n, 3);
        Nd k = Nd.gaussian(rnd, 1, 1, 1, m, 3);
        Nd v = Nd.gaussian(rnd, 1, 1, 1, m, 2);
        Map<String, Tensor> out = run(q, k, v, true);
        double[] o = out.get("o").toDoubleArray();
        double[] lse = out.get("lse").toDoubleArray();
        for (int i = 0; i < n - m; i++) {
            assertThat(lse[i]).as("lse row %d", i).isEqualTo(Double.NEGATIVE_INFINITY);
            assertThat(o[2 * i]).as("o row %d", i).isZero();
            assertThat(o[2 * i + 1]).as("o row %d", i).isZero();
        }
        for (int i = n - m; i < n; i++) assertThat(lse[i]).as("lse row %d", i).isFinite();
    }

    /** Scores from huge logits must not overflow: softmax is shift-invariant. */
    @Test
    void largeScoresStayFinite() {
        Random rnd = new Random(6);
        Nd q = Nd.gaussian(rnd, 30, 1, 2, 4, 8);
        Nd k = Nd.gaussian(rnd, 30, 1, 2, 6, 8);
        Nd v = Nd.gaussian(rnd, 1, 1, 2, 6, 3);
        Map<String, Tensor> out = run(q, k, v, false);
        Reference.Attention ref = Reference.flash(q, k, v, false);
        Close.check("o", ref.o(), out.get("o"));
        Close.check("lse", ref.lse(), out.get("lse"));
    }

    /** causal defaults to false. */
    @Test
    void causalDefaultsToFalse() {
        Random rnd = new Random(7);
        Nd q = Nd.gaussian(rnd, 1, 1, 1, 3, 2);
        Nd k = Nd.gaussian(rnd, 1, 1, 1, 3, 2);
        Nd v = Nd.gaussian(rnd, 1, 1, 1, 3, 2);
        Map<String, Tensor> out = KernelRunner.run(FILE, "flash_attention",
                Map.of("q", q.f32(), "k", k.f32(), "v", v.f32()), Map.of());
        Close.check("o", Reference.flash(q, k, v, false).o(), out.get("o"));
    }

    /** where H % KH == 0 is checked when the kernel is called. */
    @Test
    void headsNotAMultipleOfKvHeadsIsAnError() {
        Random rnd = new Random(8);
        Nd q = Nd.gaussian(rnd, 1, 1, 3, 2, 2);
        Nd k = Nd.gaussian(rnd, 1, 1, 2, 2, 2);
        Nd v = Nd.gaussian(rnd, 1, 1, 2, 2, 2);
        String message = KernelRunner.runExpectingError(FILE, "flash_attention",
                Map.of("q", q.f32(), "k", k.f32(), "v", v.f32()), Map.of());
        assertThat(message).contains("H % KH");
    }
}
