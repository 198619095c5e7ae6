package tessera.stdlib;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tessera.runtime.Tensor;

/** sink_attention.tsr on the reference interpreter against {@link Reference#sink}. */
class SinkAttentionTest {
    static final String FILE = "sink_attention.tsr";

    static Map<String, Tensor> run(Nd q, Nd k, Nd v, Nd sink, boolean causal) {
        return KernelRunner.run(FILE, "sink_attention", Map.of("q", q.f32(), "k", k.f32(), "v", v.f32(), "sink", sink.f32()),
                Map.of("causal", causal ? 1.0 : 0.0));
    }

    @ParameterizedTest(name = "B={0} H={1} N={2} M={3} causal={4}")
    @CsvSource({
        "1, 1, 1, 1, false",
        "1, 2, 8, 8, true",
        "2, 3, 5, 9, false",
        "1, 2, 9, 4, true",   // N > M: early rows see only the sink
    })
    void matchesReference(int bs, int hs, int n, int m, boolean causal) {
        Random rnd = new Random(17L * n + m);
        Nd q = Nd.gaussian(rnd, 1, bs, hs, n, 3);
        Nd k = Nd.gaussian(rnd, 1, bs, hs, m, 3);
        Nd v = Nd.gaussian(rnd, 1, bs, hs, m, 2);
        Nd sink = Nd.gaussian(rnd, 2, hs);
        Map<String, Tensor> out = run(q, k, v, sink, causal);
        double[] sinks = new double[hs];
        for (int h = 0; h < hs; h++) sinks[h] = sink.get(h);
        Reference.Attention ref = Reference.sink(q, k, v, sinks, causal);
        Close.check("o", ref.o(), out.get("o"));
        Close.check("lse", ref.lse(), out.get("lse"));
    }

    /** A very large sink takes all the probability: o goes to 0 and lse to the sink. */
    @Test
    void aDominantSinkSilencesTheRow() {
        Random rnd = new Random(9);
        Nd q = Nd.gaussian(rnd, 1, 1, 1, 3, 2);
        Nd k = Nd.gaussian(rnd, 1, 1, 1, 4, 2);
        Nd v = Nd.gaussian(rnd, 1, 1, 1, 4, 2);
        Map<String, Tensor> out = run(q, k, v, Nd.filled(60, 1), false);
        for (double x : out.get("o").toDoubleArray()) assertThat(Math.abs(x)).isLessThan(1e-20);
        for (double x : out.get("lse").toDoubleArray()) assertThat(x).isCloseTo(60, org.assertj.core.data.Offset.offset(1e-5));
    }
}
