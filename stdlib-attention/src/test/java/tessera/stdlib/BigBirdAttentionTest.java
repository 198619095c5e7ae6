package tessera.stdlib;

import java.util.Map;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tessera.runtime.Tensor;

/** bigbird_attention.tsr on the reference interpreter against {@link Reference#bigBird}. */
class BigBirdAttentionTest {
    static final String FILE = "bigbird_attention.tsr";

    @ParameterizedTest(name = "B={0} H={1} N={2} D={3} E={4} blk={5} R={6}")
    @CsvSource({
        "1, 1, 1, 1, 1, 1, 1",
        "1, 1, 4, 2, 2, 4, 1",     // one block: everything is global
        "1, 2, 16, 3, 2, 2, 2",    // 8 blocks
        "2, 1, 13, 2, 3, 3, 1",    // ragged last block
        "1, 2, 20, 2, 2, 2, 3",
        "1, 1, 18, 3, 1, 3, 2",    // 6 blocks: the middle ones are not all reached
        "1, 1, 10, 2, 2, 1, 1",    // token-sized blocks
    })
    void matchesReference(int bs, int hs, int n, int dd, int ee, int blk, int r) {
        Random rnd = new Random(53L * n + 7L * blk + r + hs);
        int nb = (n + blk - 1) / blk;
        Nd q = Nd.gaussian(rnd, 1, bs, hs, n, dd);
        Nd k = Nd.gaussian(rnd, 1, bs, hs, n, dd);
        Nd v = Nd.gaussian(rnd, 1, bs, hs, n, ee);
        Nd rnd3 = Nd.ints(rnd, nb, hs, nb, r);
        int[][][] blocks = new int[hs][nb][r];
        for (int h = 0; h < hs; h++) for (int b = 0; b < nb; b++) for (int t = 0; t < r; t++) {
            blocks[h][b][t] = (int) rnd3.get(h, b, t);
        }
        Map<String, Tensor> out = KernelRunner.run(FILE, "bigbird_attention",
                Map.of("q", q.f32(), "k", k.f32(), "v", v.f32(), "rnd", rnd3.i32()),
                Map.of("blk", (double) blk));
        Reference.Attention ref = Reference.bigBird(q, k, v, blocks, blk);
        Close.check("o", ref.o(), out.get("o"));
        Close.check("lse", ref.lse(), out.get("lse"));
    }
}
