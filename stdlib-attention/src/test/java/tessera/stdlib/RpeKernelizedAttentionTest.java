package tessera.stdlib;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tessera.runtime.Tensor;

/** rpe_kernelized_attention.tsr on the reference interpreter against {@link Reference#rpeKernelized}. */
class RpeKernelizedAttentionTest {
    static final String FILE = "rpe_kernelized_attention.tsr";

    static Map<String, Tensor> run(Nd q, Nd k, Nd v, Nd w, Nd rpe, boolean causal) {
        return KernelRunner.run(FILE, "rpe_kernelized_attention",
                Map.of("q", q.f32(), "k", k.f32(), "v", v.f32(), "w", w.f32(), "rpe", rpe.f32()),
                Map.of("causal", causal ? 1.0 : 0.0));
    }

    @ParameterizedTest(name = "B={0} H={1} N={2} D={3} E={4} F={5} causal={6} bias scale={7}")
    @CsvSource({
        "1, 1, 1, 1, 1, 1, false, 1",
        "1, 1, 1, 1, 1, 1, true, 1",
        "2, 2, 5, 4, 3, 6, true, 1",
        "2, 2, 5, 4, 3, 6, false, 1",
        "1, 3, 7, 3, 2, 4, false, 8",     // wide dynamic range of c = exp(b)
        "1, 1, 9, 2, 4, 5, true, 8",
        "2, 1, 12, 8, 2, 16, false, 0.5", // N not a power of two, F = 2D
    })
    void matchesReference(int bs, int hs, int n, int dd, int ee, int ff, boolean causal, double biasScale) {
        Random rnd = new Random(97L * n + 13L * ff + hs + (causal ? 1 : 0));
        Nd q = Nd.gaussian(rnd, 1, bs, hs, n, dd);
        Nd k = Nd.gaussian(rnd, 1, bs, hs, n, dd);
        Nd v = Nd.gaussian(rnd, 1, bs, hs, n, ee);
        Nd w = Nd.gaussian(rnd, 1, ff, dd);
        Nd rpe = Nd.gaussian(rnd, biasScale, hs, 2 * n - 1);
        Close.check("z", Reference.rpeKernelized(q, k, v, w, rpe, causal), run(q, k, v, w, rpe, causal).get("z"));
    }

    /** Row 0 of the causal variant sees only key 0, so z[0] = v[0] whatever the features. */
    @Test
    void causalFirstRowIsTheFirstValue() {
        Random rnd = new Random(3);
        Nd q = Nd.gaussian(rnd, 1, 1, 2, 6, 3);
        Nd k = Nd.gaussian(rnd, 1, 1, 2, 6, 3);
        Nd v = Nd.gaussian(rnd, 1, 1, 2, 6, 4);
        Nd w = Nd.gaussian(rnd, 1, 5, 3);
        Nd rpe = Nd.gaussian(rnd, 2, 2, 11);
        Nd z = Nd.of(run(q, k, v, w, rpe, true).get("z"));
        for (int h = 0; h < 2; h++) for (int e = 0; e < 4; e++) {
            assertThat(z.get(0, h, 0, e)).isCloseTo(v.get(0, h, 0, e), offset(1e-6));
        }
    }

    /** where R == 2 * N - 1 is checked when the kernel is called. */
    @Test
    void biasOfTheWrongLengthIsAnError() {
        Random rnd = new Random(4);
        Nd q = Nd.gaussian(rnd, 1, 1, 1, 4, 2);
        Nd w = Nd.gaussian(rnd, 1, 3, 2);
        Nd rpe = Nd.gaussian(rnd, 1, 1, 8);
        String message = KernelRunner.runExpectingError(FILE, "rpe_kernelized_attention",
                Map.of("q", q.f32(), "k", q.f32(), "v", q.f32(), "w", w.f32(), "rpe", rpe.f32()), Map.of());
        assertThat(message).contains("R == 2 * N - 1");
    }
}
