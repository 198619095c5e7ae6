package tessera.stdlib;

import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tessera.runtime.Tensor;

/** sliding_window_attention.tsr on the reference interpreter against {@link Reference#slidingWindow}. */
class SlidingWindowAttentionTest {
    static final String FILE = "sliding_window_attention.tsr";

    static Map<String, Tensor> run(Nd q, Nd k, Nd v, int left, int right) {
        return KernelRunner.run(FILE, "sliding_window_attention", Map.of("q", q.f32(), "k", k.f32(), "v", v.f32()),
                Map.of("window_left", (double) left, "window_right", (double) right));
    }

    @ParameterizedTest(name = "B={0} H={1} N={2} M={3} D={4} E={5} left={6} right={7}")
    @CsvSource({
        "1, 1, 1, 1, 1, 1, 0, 0",
        "1, 2, 6, 6, 3, 2, 2, 0",    // causal local
        "2, 1, 4, 9, 2, 3, 3, 1",    // N < M, bottom-right aligned
        "1, 2, 7, 3, 4, 2, 1, 0",    // N > M: the first rows see nothing
        "1, 1, 5, 5, 2, 2, 0, 0",    // the diagonal only
        "2, 2, 8, 8, 3, 3, 1, 2",    // look-ahead
        "1, 1, 10, 10, 2, 1, 20, 20",
    })
    void matchesReference(int bs, int hs, int n, int m, int dd, int ee, int left, int right) {
        Random rnd = new Random(41L * n + 7L * m + 3L * left + right);
        Nd q = Nd.gaussian(rnd, 1, bs, hs, n, dd);
        Nd k = Nd.gaussian(rnd, 1, bs, hs, m, dd);
        Nd v = Nd.gaussian(rnd, 1, bs, hs, m, ee);
        Map<String, Tensor> out = run(q, k, v, left, right);
        Reference.Attention ref = Reference.slidingWindow(q, k, v, left, right);
        Close.check("o", ref.o(), out.get("o"));
        Close.check("lse", ref.lse(), out.get("lse"));
    }

    /** A window as wide as the keys is full attention; window_right = 0 with window_left >= M is causal attention. */
    @Test
    void wideWindowsAreFlashAttention() {
        Random rnd = new Random(42);
        int n = 5, m = 8;
        Nd q = Nd.gaussian(rnd, 1, 1, 2, n, 3);
        Nd k = Nd.gaussian(rnd, 1, 1, 2, m, 3);
        Nd v = Nd.gaussian(rnd, 1, 1, 2, m, 2);
        Close.check("o (full)", Nd.of(FlashAttentionTest.run(q, k, v, false).get("o")), run(q, k, v, m, m).get("o"));
        Close.check("o (causal)", Nd.of(FlashAttentionTest.run(q, k, v, true).get("o")), run(q, k, v, m, 0).get("o"));
    }
}
