package tessera.stdlib;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tessera.ir.tensor.Program;
import tessera.ir.tensor.Schedule;
import tessera.runtime.Tensor;

/** lean_attention.tsr on the reference interpreter against {@link Reference#lean}. */
class LeanAttentionTest {
    static final String FILE = "lean_attention.tsr";

    static Map<String, Tensor> run(Nd q, Nd k, Nd v, int[] kvLen, boolean causal) {
        Nd len = new Nd(kvLen.length);
        for (int b = 0; b < kvLen.length; b++) len.data[b] = kvLen[b];
        return KernelRunner.run(FILE, "lean_attention",
                Map.of("q", q.f32(), "k", k.f32(), "v", v.f32(), "kv_len", len.i32()),
                Map.of("causal", causal ? 1.0 : 0.0));
    }

    static int[] parse(String lens) {
        String[] parts = lens.trim().split(" +");
        int[] out = new int[parts.length];
        for (int n = 0; n < parts.length; n++) out[n] = Integer.parseInt(parts[n]);
        return out;
    }

    @ParameterizedTest(name = "H={0} KH={1} N={2} M={3} D={4} E={5} kv_len=[{6}] causal={7}")
    @CsvSource({
        "1, 1, 1, 1, 1, 1, 1, false",
        "1, 1, 1, 1, 1, 1, 0, false",              // an empty context: o = 0, lse = -inf
        "4, 2, 1, 13, 4, 3, 13 5 1 9, false",      // ragged decode, GQA
        "4, 1, 1, 13, 4, 3, 0 13 7, false",        // MQA, one empty sequence
        "2, 2, 3, 10, 3, 2, 10 4 2 0, true",       // speculative rows, causal to each sequence's end
        "6, 3, 2, 17, 5, 4, 17 16 1, true",        // kv_len 1 < N: row 0 sees nothing
        "2, 1, 4, 7, 2, 6, 3 7, false",
    })
    void matchesReference(int hs, int kh, int n, int m, int dd, int ee, String lens, boolean causal) {
        int[] kvLen = parse(lens);
        int bs = kvLen.length;
        Random rnd = new Random(31L * m + 7L * n + bs + (causal ? 1 : 0));
        Nd q = Nd.gaussian(rnd, 1, bs, hs, n, dd);
        Nd k = Nd.gaussian(rnd, 1, bs, kh, m, dd);
        Nd v = Nd.gaussian(rnd, 1, bs, kh, m, ee);
        Map<String, Tensor> out = run(q, k, v, kvLen, causal);
        Reference.Attention ref = Reference.lean(q, k, v, kvLen, causal);
        Close.check("o", ref.o(), out.get("o"));
        Close.check("lse", ref.lse(), out.get("lse"));
    }

    /** Keys past kv_len[b] must not matter at all: garbage there gives the same result. */
    @Test
    void keysPastTheContextAreIgnored() {
        Random rnd = new Random(11);
        int[] kvLen = {3, 6};
        Nd q = Nd.gaussian(rnd, 1, 2, 2, 2, 3);
        Nd k = Nd.gaussian(rnd, 1, 2, 2, 6, 3);
        Nd v = Nd.gaussian(rnd, 1, 2, 2, 6, 2);
        Map<String, Tensor> before = run(q, k, v, kvLen, true);
        for (int h = 0; h < 2; h++) for (int j = 3; j < 6; j++) {
            for (int d = 0; d < 3; d++) k.set(1e4, 0, h, j, d);
            for (int e = 0; e < 2; e++) v.set(-1e4, 0, h, j, e);
        }
        Map<String, Tensor> after = run(q, k, v, kvLen, true);
        assertThat(after.get("o").toDoubleArray()).containsExactly(before.get("o").toDoubleArray());
        assertThat(after.get("lse").toDoubleArray()).containsExactly(before.get("lse").toDoubleArray());
    }

    /** With every kv_len = M it is flash_attention (same inputs, causal either way). */
    @Test
    void fullContextsEqualFlashAttention() {
        Random rnd = new Random(12);
        int m = 9;
        Nd q = Nd.gaussian(rnd, 1, 2, 4, 3, 4);
        Nd k = Nd.gaussian(rnd, 1, 2, 2, m, 4);
        Nd v = Nd.gaussian(rnd, 1, 2, 2, m, 3);
        for (boolean causal : new boolean[] {false, true}) {
            Map<String, Tensor> lean = run(q, k, v, new int[] {m, m}, causal);
            Map<String, Tensor> flash = FlashAttentionTest.run(q, k, v, causal);
            Close.check("o, causal=" + causal, Nd.of(flash.get("o")), lean.get("o"));
            Close.check("lse, causal=" + causal, Nd.of(flash.get("lse")), lean.get("lse"));
        }
    }

    /** The stream-K split is kept for the later passes. */
    @Test
    void keepsTheStreamKSchedule() {
        Program p = KernelRunner.kernel(FILE, "lean_attention");
        assertThat(p.schedules()).anySatisfy(s -> assertThat(s.directives()).anySatisfy(d -> {
            assertThat(d).isInstanceOf(Schedule.Split.class);
            Schedule.Split split = (Schedule.Split) d;
            assertThat(split.var()).isEqualTo("j");
            assertThat(split.streamK()).isTrue();
        }));
    }
}
