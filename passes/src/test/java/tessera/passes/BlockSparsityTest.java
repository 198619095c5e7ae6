package tessera.passes;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import tessera.ir.tensor.Expr;
import tessera.ir.tensor.Printer;
import tessera.runtime.DType;

/**
 * {@link BlockSparsity} on the masks of the attention library: the classes of chosen blocks, no
 * block ever misclassified (the harness checks every point on the reference interpreter), and the
 * classifier type-checking as Tensor IR (the interpreter verifies it).
 */
class BlockSparsityTest {
    static final MaskParser P = new MaskParser().dim("N", "M", "R", "H", "NB", "B").param("causal", DType.BOOL).param("window", DType.I32)
            .param("window_left", DType.I32).param("window_right", DType.I32).param("sinks", DType.I32)
            .param("blk", DType.I32).param("nb", DType.I32).param("big", DType.I32).param("d", DType.I32)
            .tensor("global_tokens", DType.BOOL).tensor("rnd", DType.I32).tensor("layout", DType.BOOL)
            .tensor("kv_len", DType.I32).tensor("t", DType.I32);

    static BlockSparsity.BlockClassifier passThrough(String pred) {
        return BlockSparsity.classify(P.parse(pred), "i", "j", new Expr.Index("i__lo"), new Expr.Index("i__hi"),
                new Expr.Index("j__lo"), new Expr.Index("j__hi"));
    }

    static BlockHarness.Result sound(BlockHarness h, String pred, int bi, int bj) {
        BlockHarness.Result r = h.run(P.parse(pred), bi, bj);
        assertThat(r.violations()).as(pred).isEmpty();
        return r;
    }

    static double[] bools(Random r, int n, double p) {
        double[] v = new double[n];
        for (int k = 0; k < n; k++) v[k] = r.nextDouble() < p ? 1 : 0;
        return v;
    }

    @Test
    void causalIsAComparisonOfTheBlockCorners() {
        BlockSparsity.BlockClassifier c = passThrough("j <= i + M - N");
        // The i32 sum i + M must not wrap for the bounds to hold; the rest fits in i64.
        assertThat(Printer.expr(c.empty())).isEqualTo("i__hi + 0 + M <= 2147483647 && j__lo > i__hi + 0 + M - N");
        assertThat(Printer.expr(c.full())).isEqualTo("i__hi + 0 + M <= 2147483647 && j__hi <= i__lo + 0 + M - N");
    }

    @Test
    void causal() {
        BlockHarness h = new BlockHarness().dim("N", 256).dim("M", 256).param("causal", DType.BOOL, 1);
        BlockHarness.Result r = sound(h, "j <= i + M - N", 64, 64);
        assertThat(r.rows(0)).containsExactly("PEEE", "FPEE", "FFPE", "FFFP");
        assertThat(r.exact()).isTrue();
        assertThat(sound(h, "!causal || j <= i + M - N", 64, 64).rows(0)).containsExactly("PEEE", "FPEE", "FFPE", "FFFP");

        BlockHarness off = new BlockHarness().dim("N", 200).dim("M", 256).param("causal", DType.BOOL, 0);
        assertThat(sound(off, "!causal || j <= i + M - N", 64, 64).rows(0)).allMatch(row -> row.equals("FFFF"));
        // Keys shifted by M - N = 56, blocks that do not divide N: still exact.
        BlockHarness.Result shifted = sound(off, "j <= i + M - N", 48, 40);
        assertThat(shifted.exact()).isTrue();
        assertThat(shifted.at(0, 0)).isEqualTo('F');
        assertThat(shifted.at(0, 6)).isEqualTo('E');
    }

    @Test
    void slidingWindow() {
        BlockHarness h = new BlockHarness().dim("N", 256).dim("M", 256)
                .param("window_left", DType.I32, 64).param("window_right", DType.I32, 0);
        BlockHarness.Result r = sound(h, "j >= i + M - N - window_left && j <= i + M - N + window_right", 32, 32);
        assertThat(r.at(4, 4)).isEqualTo('P');
        assertThat(r.at(4, 3)).isEqualTo('F');
        assertThat(r.at(4, 2)).isEqualTo('P');
        assertThat(r.at(4, 1)).isEqualTo('E');
        assertThat(r.at(4, 5)).isEqualTo('E');
        assertThat(r.exact()).isTrue();
    }

    @Test
    void streaming() {
        BlockHarness h = new BlockHarness().dim("N", 128).dim("M", 128).param("sinks", DType.I32, 16).param("window", DType.I32, 32);
        BlockHarness.Result r = sound(h, "j <= i + M - N && (j < sinks || i + M - N - j < window)", 16, 16);
        assertThat(r.rows(0).get(6)).isEqualTo("FEEEPFPE");
        assertThat(r.exact()).isTrue();
    }

    @Test
    void longformerBandIsFullAndPointBlocksReadTheGlobalTokens() {
        Random rnd = new Random(7);
        BlockHarness h = new BlockHarness().dim("N", 64).dim("M", 64).param("window", DType.I32, 32)
                .tensor("global_tokens", DType.BOOL, List.of("N"), bools(rnd, 64, 0.1));
        String mask = "(i - j <= window / 2 && j - i <= window / 2) || global_tokens[i] || global_tokens[j]";
        BlockHarness.Result r = sound(h, mask, 16, 16);
        assertThat(r.at(2, 2)).isEqualTo('F');
        // Off the band the global tokens of a 16-row block are not one entry: nothing is known.
        assertThat(r.at(3, 0)).isEqualTo('P');
        BlockHarness.Result single = sound(h, mask, 1, 1);
        assertThat(single.exact()).isTrue();
        assertThat(single.count('P')).isZero();
    }

    @Test
    void bigBirdBlocksAlignedWithItsBlockSizeAreClassifiedExactly() {
        Random rnd = new Random(11);
        int nb = 8;
        double[] rnds = new double[2 * nb * 2];
        for (int k = 0; k < rnds.length; k++) rnds[k] = rnd.nextInt(nb);
        BlockHarness h = new BlockHarness().dim("N", 128).dim("M", 128).dim("H", 2).dim("NB", nb).dim("R", 2)
                .param("blk", DType.I32, 16).param("nb", DType.I32, nb).outer("h", "H")
                .tensor("rnd", DType.I32, List.of("H", "NB", "R"), rnds);
        String mask = "i / blk == 0 || i / blk == nb - 1 || j / blk == 0 || j / blk == nb - 1"
                + " || (j / blk >= i / blk - 1 && j / blk <= i / blk + 1) || max[r < R](rnd[h, i / blk, r] == j / blk ? 1 : 0) > 0";
        for (int size : new int[] {16, 8, 4}) {
            BlockHarness.Result r = sound(h, mask, size, size);
            assertThat(r.exact()).as("block " + size).isTrue();
            assertThat(r.count('P')).isZero();
        }
        BlockHarness.Result r = sound(h, mask, 16, 16);
        assertThat(r.at(1, 0, 5)).isEqualTo('F');
        assertThat(r.at(1, 3, 4)).isEqualTo('F');
        assertThat(r.count('E')).isPositive();
        // Blocks of two BigBird blocks see two random rows: partial where they differ, still sound.
        sound(h, mask, 32, 32);
        sound(h, mask, 24, 40);
    }

    @Test
    void layoutBlocksReadOneEntry() {
        Random rnd = new Random(3);
        double[] layout = bools(rnd, 2 * 4 * 4, 0.4);
        BlockHarness h = new BlockHarness().dim("N", 64).dim("M", 64).dim("H", 2).dim("NB", 4)
                .param("blk", DType.I32, 16).outer("h", "H").tensor("layout", DType.BOOL, List.of("H", "NB", "NB"), layout);
        BlockHarness.Result r = sound(h, "layout[h, i / blk, j / blk]", 16, 16);
        for (int hh = 0; hh < 2; hh++) {
            for (int bi = 0; bi < 4; bi++) {
                for (int bj = 0; bj < 4; bj++) assertThat(r.at(hh, bi, bj)).isEqualTo(layout[(hh * 4 + bi) * 4 + bj] != 0 ? 'F' : 'E');
            }
        }
        assertThat(sound(h, "layout[h, i / blk, j / blk]", 8, 16).exact()).isTrue();
        // A block across two layout blocks reads nothing.
        assertThat(sound(h, "layout[h, i / blk, j / blk]", 32, 32).count('P')).isEqualTo(8);
    }

    @Test
    void raggedKeyLengths() {
        BlockHarness h = new BlockHarness().dim("N", 64).dim("M", 64).dim("B", 3).param("causal", DType.BOOL, 1).outer("b", "B")
                .tensor("kv_len", DType.I32, List.of("B"), new double[] {64, 40, 7});
        BlockHarness.Result r = sound(h, "j < kv_len[b] && (!causal || j <= i + kv_len[b] - N)", 16, 16);
        assertThat(r.rows(0)).containsExactly("PEEE", "FPEE", "FFPE", "FFFP");
        assertThat(r.rows(1).get(3)).isEqualTo("FPPE");
        assertThat(r.rows(2)).allMatch(row -> row.endsWith("EEE"));
        assertThat(r.exact()).isTrue();
    }

    @Test
    void readsOnlyWhatThePredicateReadsAtEveryPoint() {
        // g[i + 6] is in range only where i < 2, where the predicate reads it; the classifier of a
        // block with i >= 2 must not read it (the interpreter would stop at the out-of-range read).
        BlockHarness h = new BlockHarness().dim("N", 8).dim("M", 4)
                .tensor("global_tokens", DType.BOOL, List.of("N"), new double[] {0, 0, 0, 0, 0, 0, 1, 0});
        for (String mask : List.of("i >= 2 || global_tokens[i + 6]", "i < 2 && global_tokens[i + 6]",
                "i < 2 ? global_tokens[i + 6] : j < 2", "max[r < 4 | r + i < 2](global_tokens[r + i + 6] ? 1 : 0) > 0")) {
            assertThat(sound(h, mask, 1, 4).exact()).as(mask).isTrue();
            sound(h, mask, 2, 1);
        }
    }

    @Test
    void givenExtentsReadsNeedNotBeReachedEverywhere() {
        BlockHarness h = new BlockHarness().dim("N", 8).dim("M", 8)
                .tensor("global_tokens", DType.BOOL, List.of("N"), new double[] {0, 1, 0, 1, 1, 0, 0, 1});
        String mask = "j <= i || global_tokens[i]";
        // Where j <= i holds at some points only, global_tokens[i] is not read at every point.
        assertThat(sound(h, mask, 1, 4).exact()).isFalse();
        assertThat(sound(h.withExtents(true), mask, 1, 4).exact()).isTrue();
    }

    @Test
    void constantsFold() {
        assertThat(passThrough("true")).isEqualTo(new BlockSparsity.BlockClassifier(Expr.Const.bool(false), Expr.Const.bool(true)));
        assertThat(passThrough("false")).isEqualTo(new BlockSparsity.BlockClassifier(Expr.Const.bool(true), Expr.Const.bool(false)));
        assertThat(passThrough("3 < 4 && 2 * 2 == 4")).isEqualTo(new BlockSparsity.BlockClassifier(Expr.Const.bool(false), Expr.Const.bool(true)));
    }

    @Test
    void floatsAreNotAnalysed() {
        Expr j = new Expr.Call(Expr.Builtin.FLOAT, List.of(new Expr.Index("j")), DType.F32);
        Expr pred = new Expr.Binary(Expr.BinOp.LT, j, Expr.Const.f32(3.5), DType.BOOL);
        BlockSparsity.BlockClassifier c = BlockSparsity.classify(pred, "i", "j", Expr.Const.i32(0), Expr.Const.i32(3), Expr.Const.i32(0), Expr.Const.i32(3));
        assertThat(c).isEqualTo(new BlockSparsity.BlockClassifier(Expr.Const.bool(false), Expr.Const.bool(false)));
    }

    @Test
    void i32ArithmeticThatWrapsIsNotTrusted() {
        // i + big wraps to negative from i = 48 on: those blocks must not be called full.
        BlockHarness h = new BlockHarness().dim("N", 64).dim("M", 4).param("big", DType.I32, Integer.MAX_VALUE - 47);
        BlockHarness.Result r = sound(h, "i + big > 0", 16, 4);
        assertThat(r.rows(0)).containsExactly("F", "F", "F", "P");
        assertThat(sound(h, "i * big > 0", 16, 4).rows(0).get(0)).isEqualTo("P");
    }

    @Test
    void remainderWithinOnePeriodIsExact() {
        BlockHarness h = new BlockHarness().dim("N", 8).dim("M", 64).param("d", DType.I32, -8);
        assertThat(sound(h, "j % 8 < 4", 8, 4).exact()).isTrue();
        assertThat(sound(h, "j % d < 4", 8, 4).exact()).isTrue();
        assertThat(sound(h, "j % 8 < 4", 8, 8).rows(0)).allMatch(row -> row.chars().allMatch(c -> c == 'P'));
        assertThat(sound(h, "(i - j) % 5 <= 0", 2, 3).violations()).isEmpty();
        assertThat(sound(h, "(j - 70) % 8 > -4 && j % 8 >= 0", 8, 8).rows(0).get(0)).isEqualTo("PPPPPPPP");
    }

    @Test
    void divisionByAVaryingOrNegativeDivisor() {
        BlockHarness h = new BlockHarness().dim("N", 32).dim("M", 32).param("d", DType.I32, -3);
        sound(h, "j / d >= -2", 4, 4);
        sound(h, "i / (j + 1) >= 2", 4, 4);
        assertThat(sound(h, "(i + 8) / (j + 1) >= 1", 4, 4).at(0, 0)).isEqualTo('F');
        // (i - 40) / (j + 1) is -1 throughout: [-40, -37] / [29, 32] truncates to -1 at every corner.
        assertThat(sound(h, "(i - 40) / (j + 1) >= 0", 4, 4).at(0, 7)).isEqualTo('E');
    }

    @Test
    void reductionsWithFiltersAndShadowing() {
        Random rnd = new Random(5);
        double[] t = new double[6];
        for (int k = 0; k < t.length; k++) t[k] = rnd.nextInt(8);
        BlockHarness h = new BlockHarness().dim("N", 16).dim("M", 16).dim("R", 6).tensor("t", DType.I32, List.of("R"), t)
                .dim("B", 6).outer("b", "B").tensor("kv_len", DType.I32, List.of("B"), new double[] {0, 3, 9, 12, 15, 200});
        sound(h, "sum[r < R | r <= i](t[r]) > j", 4, 4);
        sound(h, "min[r < R | t[r] >= j](t[r]) <= i / 2", 3, 5);
        sound(h, "max[r < R | r < i % 4](t[r] - j) >= 0", 2, 2);
        // The reduction's b shadows the outer b, which the context of its reads mentions.
        String shadow = "kv_len[b] > 100 || max[b < R](t[b] == j / 2 ? 1 : 0) > 0";
        BlockHarness.Result r = sound(h, shadow, 4, 2);
        assertThat(r.exact()).isTrue();
        assertThat(Printer.expr(r.classifier().full())).contains("max[b_1](");
    }
}
