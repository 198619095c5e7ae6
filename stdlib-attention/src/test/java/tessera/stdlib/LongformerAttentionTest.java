package tessera.stdlib;

import java.util.Map;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tessera.runtime.Tensor;

/** longformer_attention.tsr on the reference interpreter against {@link Reference#longformer}. */
class LongformerAttentionTest {
    static final String FILE = "longformer_attention.tsr";

    @ParameterizedTest(name = "B={0} H={1} N={2} D={3} E={4} window={5} global density={6}")
    @CsvSource({
        "1, 1, 1, 1, 1, 0, 0",
        "1, 1, 1, 1, 1, 4, 1",
        "2, 2, 7, 3, 2, 2, 0.2",
        "1, 2, 12, 4, 3, 5, 0.15",   // odd window: 2 keys each side
        "1, 1, 9, 2, 2, 0, 0",       // the diagonal only
        "1, 1, 9, 2, 2, 0, 0.3",     // global tokens only
        "2, 1, 16, 3, 3, 6, 0.1",
    })
    void matchesReference(int bs, int hs, int n, int dd, int ee, int window, double density) {
        Random rnd = new Random(47L * n + 3L * window + (long) (100 * density));
        Nd q = Nd.gaussian(rnd, 1, bs, hs, n, dd);
        Nd k = Nd.gaussian(rnd, 1, bs, hs, n, dd);
        Nd v = Nd.gaussian(rnd, 1, bs, hs, n, ee);
        Nd global = Nd.bools(rnd, density, n);
        boolean[] g = new boolean[n];
        for (int i = 0; i < n; i++) g[i] = global.data[i] != 0;
        Map<String, Tensor> out = KernelRunner.run(FILE, "longformer_attention",
                Map.of("q", q.f32(), "k", k.f32(), "v", v.f32(), "global_tokens", global.bool()),
                Map.of("window", (double) window));
        Reference.Attention ref = Reference.longformer(q, k, v, g, window);
        Close.check("o", ref.o(), out.get("o"));
        Close.check("lse", ref.lse(), out.get("lse"));
    }
}
