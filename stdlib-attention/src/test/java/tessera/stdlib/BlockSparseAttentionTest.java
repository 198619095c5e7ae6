package tessera.stdlib;

import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tessera.runtime.Tensor;

/** block_sparse_attention.tsr on the reference interpreter against {@link Reference#blockSparse}. */
class BlockSparseAttentionTest {
    static final String FILE = "block_sparse_attention.tsr";

    static Map<String, Tensor> run(Nd q, Nd k, Nd v, Nd layout, int blk) {
        return KernelRunner.run(FILE, "block_sparse_attention",
                Map.of("q", q.f32(), "k", k.f32(), "v", v.f32(), "layout", layout.bool()),
                Map.of("blk", (double) blk));
    }

    static boolean[][][] asBooleans(Nd layout) {
        int hs = layout.shape[0], a = layout.shape[1], c = layout.shape[2];
        boolean[][][] out = new boolean[hs][a][c];
        for (int h = 0; h < hs; h++) for (int x = 0; x < a; x++) for (int y = 0; y < c; y++) {
            out[h][x][y] = layout.get(h, x, y) != 0;
        }
        return out;
    }

    @ParameterizedTest(name = "B={0} H={1} N={2} M={3} D={4} E={5} blk={6} density={7}")
    @CsvSource({
        "1, 1, 1, 1, 1, 1, 1, 1",
        "1, 1, 1, 1, 1, 1, 1, 0",     // nothing allowed: o = 0, lse = -inf
        "1, 2, 8, 8, 3, 2, 2, 0.5",
        "2, 1, 7, 10, 2, 3, 3, 0.4",  // ragged blocks, N != M
        "1, 2, 5, 5, 2, 2, 1, 0.3",   // token-level layout
        "1, 1, 12, 6, 4, 4, 4, 0.6",
    })
    void matchesReference(int bs, int hs, int n, int m, int dd, int ee, int blk, double density) {
        Random rnd = new Random(59L * n + 13L * m + blk + (long) (10 * density));
        Nd q = Nd.gaussian(rnd, 1, bs, hs, n, dd);
        Nd k = Nd.gaussian(rnd, 1, bs, hs, m, dd);
        Nd v = Nd.gaussian(rnd, 1, bs, hs, m, ee);
        int nbq = (n + blk - 1) / blk, nbk = (m + blk - 1) / blk;
        Nd layout = Nd.bools(rnd, density, hs, nbq, nbk);
        if (nbq > 1) for (int c = 0; c < nbk; c++) layout.set(0, 0, 1, c); // query block 1 of head 0: fully masked
        Map<String, Tensor> out = run(q, k, v, layout, blk);
        Reference.Attention ref = Reference.blockSparse(q, k, v, asBooleans(layout), blk);
        Close.check("o", ref.o(), out.get("o"));
        Close.check("lse", ref.lse(), out.get("lse"));
    }

    /** §6.2 metamorphic checks: an all-true layout is dense attention; a lower-triangular token layout is causal. */
    @Test
    void fullAndCausalLayoutsEqualFlashAttention() {
        Random rnd = new Random(60);
        int n = 6;
        Nd q = Nd.gaussian(rnd, 1, 2, 2, n, 3);
        Nd k = Nd.gaussian(rnd, 1, 2, 2, n, 3);
        Nd v = Nd.gaussian(rnd, 1, 2, 2, n, 2);
        Nd full = Nd.filled(1, 2, 2, 2);
        Map<String, Tensor> dense = FlashAttentionTest.run(q, k, v, false);
        Map<String, Tensor> sparse = run(q, k, v, full, 3);
        Close.check("o (full)", Nd.of(dense.get("o")), sparse.get("o"));
        Close.check("lse (full)", Nd.of(dense.get("lse")), sparse.get("lse"));
        Nd tril = new Nd(2, n, n);
        for (int h = 0; h < 2; h++) for (int i = 0; i < n; i++) for (int j = 0; j <= i; j++) tril.set(1, h, i, j);
        Map<String, Tensor> causal = FlashAttentionTest.run(q, k, v, true);
        Map<String, Tensor> sparseCausal = run(q, k, v, tril, 1);
        Close.check("o (causal)", Nd.of(causal.get("o")), sparseCausal.get("o"));
        Close.check("lse (causal)", Nd.of(causal.get("lse")), sparseCausal.get("lse"));
    }
}
