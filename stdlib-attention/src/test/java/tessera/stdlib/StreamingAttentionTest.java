package tessera.stdlib;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tessera.runtime.Tensor;

/** streaming_attention.tsr on the reference interpreter against {@link Reference#streaming}. */
class StreamingAttentionTest {
    static final String FILE = "streaming_attention.tsr";

    static Map<String, Tensor> run(Nd q, Nd k, Nd v, int sinks, int window) {
        return KernelRunner.run(FILE, "streaming_attention", Map.of("q", q.f32(), "k", k.f32(), "v", v.f32()),
                Map.of("sinks", (double) sinks, "window", (double) window));
    }

    @ParameterizedTest(name = "B={0} H={1} N={2} M={3} D={4} E={5} sinks={6} window={7}")
    @CsvSource({
        "1, 1, 1, 1, 1, 1, 1, 1",
        "1, 2, 8, 8, 3, 2, 2, 3",
        "2, 1, 3, 10, 2, 3, 1, 2",   // decode-like rows over a longer context
        "1, 1, 6, 4, 2, 2, 1, 1",    // N > M: the first rows see nothing
        "1, 2, 5, 5, 2, 2, 0, 1",    // no sinks: the diagonal only
        "1, 1, 12, 12, 4, 4, 3, 4",
        "2, 2, 4, 4, 2, 2, 0, 0",    // nothing at all
    })
    void matchesReference(int bs, int hs, int n, int m, int dd, int ee, int sinks, int window) {
        Random rnd = new Random(43L * n + 11L * m + 5L * sinks + window);
        Nd q = Nd.gaussian(rnd, 1, bs, hs, n, dd);
        Nd k = Nd.gaussian(rnd, 1, bs, hs, m, dd);
        Nd v = Nd.gaussian(rnd, 1, bs, hs, m, ee);
        Map<String, Tensor> out = run(q, k, v, sinks, window);
        Reference.Attention ref = Reference.streaming(q, k, v, sinks, window);
        Close.check("o", ref.o(), out.get("o"));
        Close.check("lse", ref.lse(), out.get("lse"));
    }

    /** A sink never lets an early row see a later key. */
    @Test
    void sinksStayCausal() {
        Random rnd = new Random(44);
        Nd q = Nd.gaussian(rnd, 1, 1, 1, 6, 2);
        Nd k = Nd.gaussian(rnd, 1, 1, 1, 6, 2);
        Nd v = Nd.gaussian(rnd, 1, 1, 1, 6, 2);
        double[] before = run(q, k, v, 4, 1).get("o").toDoubleArray();
        for (int d = 0; d < 2; d++) {
            k.set(50, 0, 0, 3, d);
            v.set(1e3, 0, 0, 3, d);
        }
        double[] after = run(q, k, v, 4, 1).get("o").toDoubleArray();
        for (int n = 0; n < 3 * 2; n++) assertThat(after[n]).as("rows 0..2 cannot see key 3").isEqualTo(before[n]);
    }
}
