package tessera.stdlib;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tessera.runtime.Tensor;

/** flash_attention_dropout.tsr on the reference interpreter against {@link Reference#dropout}. */
class DropoutAttentionTest {
    static final String FILE = "flash_attention_dropout.tsr";

    static Map<String, Tensor> run(Nd q, Nd k, Nd v, boolean causal, double pDrop, long seed) {
        return KernelRunner.run(FILE, "flash_attention_dropout", Map.of("q", q.f32(), "k", k.f32(), "v", v.f32()),
                Map.of("causal", causal ? 1.0 : 0.0, "p_drop", pDrop, "seed", (double) seed));
    }

    @ParameterizedTest(name = "B={0} H={1} KH={2} N={3} M={4} causal={5} p={6} seed={7}")
    @CsvSource({
        "1, 1, 1, 1, 1, false, 0.0, 0",
        "1, 2, 1, 8, 8, true, 0.5, 7",
        "2, 4, 2, 5, 9, false, 0.1, 3",
        "1, 2, 2, 9, 4, true, 0.9, 11",   // N > M: early rows see nothing
    })
    void matchesReference(int bs, int hs, int kh, int n, int m, boolean causal, double p, long seed) {
        Random rnd = new Random(31L * n + m + seed);
        Nd q = Nd.gaussian(rnd, 1, bs, hs, n, 3);
        Nd k = Nd.gaussian(rnd, 1, bs, kh, m, 3);
        Nd v = Nd.gaussian(rnd, 1, bs, kh, m, 2);
        Map<String, Tensor> out = run(q, k, v, causal, p, seed);
        Reference.Attention ref = Reference.dropout(q, k, v, causal, p, seed);
        Close.check("o", ref.o(), out.get("o"));
        Close.check("lse", ref.lse(), out.get("lse"));
    }

    /** p_drop = 0 is plain flash attention; another seed gives another mask. */
    @Test
    void noDropIsFlashAndSeedsDiffer() {
        Random rnd = new Random(5);
        Nd q = Nd.gaussian(rnd, 1, 1, 2, 6, 3);
        Nd k = Nd.gaussian(rnd, 1, 1, 2, 6, 3);
        Nd v = Nd.gaussian(rnd, 1, 1, 2, 6, 2);
        Close.check("o", Reference.flash(q, k, v, false).o(), run(q, k, v, false, 0.0, 1).get("o"));
        double[] a = run(q, k, v, false, 0.5, 1).get("o").toDoubleArray();
        double[] b = run(q, k, v, false, 0.5, 2).get("o").toDoubleArray();
        assertThat(a).isNotEqualTo(b);
    }
}
