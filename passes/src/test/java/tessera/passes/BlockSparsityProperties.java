package tessera.passes;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import tessera.ir.tensor.Expr;
import tessera.ir.tensor.Expr.BinOp;
import tessera.ir.tensor.IndexVar;
import tessera.ir.tensor.Printer;
import tessera.runtime.DType;

/**
 * Random mask predicates over random dims, block sizes (dividing N and M or not) and tensor
 * contents: every block's classifier, run on the reference interpreter, is sound against the
 * predicate at every point of the block; and the patterns the analysis is exact on (causal, reads
 * at block-aligned indices) are classified exactly, so an answer of "partial" everywhere fails.
 *
 * <p>The grammar: affine sums of {@code i}, {@code j}, {@code i / c}, {@code j / c} (c a positive
 * constant or parameter), {@code i / dn} (dn a negative parameter), {@code (i ± j) % c}, scalars and
 * constants, with selects, min, max and abs; comparisons of them; {@code && || !} and selects on
 * bools; bool reads {@code g[x]} and {@code lay[x, y]} at {@code i, j, i / c, j / c}; and
 * reductions over {@code r < R} of an i32 tensor {@code t}: {@code max[r](t[r] == x ? 1 : 0) > 0},
 * {@code sum[r | t[r] <= x](1) >= k}, {@code min[r | r < x](t[r]) < y}.
 */
class BlockSparsityProperties {
    /** The length of the tensors read at i, j, i / c, j / c (N, M ≤ 40). */
    static final int L = 40;
    static final int R = 4;

    @Property(tries = 300)
    void classifiersAreSoundAndExactWhereTheyCanBe(@ForAll long seed) {
        Random r = new Random(seed);
        int n = 1 + r.nextInt(L);
        int m = 1 + r.nextInt(L);
        int bi = 1 + r.nextInt(12);
        int bj = 1 + r.nextInt(12);
        BlockHarness h = harness(r, n, m).withExtents(r.nextBoolean());

        Expr pred = bool(r, 3);
        BlockHarness.Result res = h.run(pred, bi, bj);
        assertThat(res.violations()).as("%s with blocks %d x %d", Printer.expr(pred), bi, bj).isEmpty();

        Expr causal = cmp(BinOp.LE, j(), add(i(), sub(dim("M"), dim("N"))));
        assertThat(h.run(causal, bi, bj).exact()).as("causal").isTrue();

        int ci = bi * (1 + r.nextInt(2));
        int cj = bj * (1 + r.nextInt(2));
        Expr layout = new Expr.Read("lay", List.of(div(i(), lit(ci)), div(j(), lit(cj))), DType.BOOL);
        assertThat(h.run(layout, bi, bj).exact()).as("layout at i / %d, j / %d", ci, cj).isTrue();
    }

    static BlockHarness harness(Random r, int n, int m) {
        double[] t = new double[R];
        for (int k = 0; k < R; k++) t[k] = r.nextInt(8);
        return new BlockHarness().dim("N", n).dim("M", m).dim("L", L).dim("R", R)
                .param("s1", DType.I32, r.nextInt(70) - 20).param("s2", DType.I32, r.nextInt(70) - 20)
                .param("dp", DType.I32, 1 + r.nextInt(8)).param("dn", DType.I32, -1 - r.nextInt(4))
                .param("c1", DType.BOOL, r.nextInt(2))
                .tensor("g", DType.BOOL, List.of("L"), BlockSparsityTest.bools(r, L, r.nextDouble()))
                .tensor("lay", DType.BOOL, List.of("L", "L"), BlockSparsityTest.bools(r, L * L, r.nextDouble()))
                .tensor("t", DType.I32, List.of("R"), t);
    }

    // ---------------------------------------------------------------------------------------------
    // The grammar

    static Expr bool(Random r, int depth) {
        if (depth == 0 || r.nextInt(3) == 0) {
            return switch (r.nextInt(9)) {
                case 0, 1, 2 -> cmp(COMPARISONS[r.nextInt(COMPARISONS.length)], affine(r, depth), affine(r, depth));
                case 3 -> new Expr.Read("g", List.of(index(r)), DType.BOOL);
                case 4 -> new Expr.Read("lay", List.of(index(r), index(r)), DType.BOOL);
                case 5 -> new Expr.Scalar("c1", Expr.ScalarKind.PARAM, DType.BOOL);
                case 6 -> cmp(BinOp.GT, reduce(Expr.ReduceOp.MAX, Optional.empty(),
                        new Expr.Select(cmp(BinOp.EQ, tAt(), index(r)), lit(1), lit(0), DType.I32)), lit(0));
                case 7 -> cmp(BinOp.GE, reduce(Expr.ReduceOp.SUM, Optional.of(cmp(BinOp.LE, tAt(), index(r))), lit(1)), lit(r.nextInt(R + 1)));
                default -> cmp(BinOp.LT, reduce(Expr.ReduceOp.MIN, Optional.of(cmp(BinOp.LT, new Expr.Index("r"), index(r))), tAt()),
                        affine(r, 0));
            };
        }
        return switch (r.nextInt(5)) {
            case 0 -> new Expr.Binary(BinOp.AND, bool(r, depth - 1), bool(r, depth - 1), DType.BOOL);
            case 1 -> new Expr.Binary(BinOp.OR, bool(r, depth - 1), bool(r, depth - 1), DType.BOOL);
            case 2 -> new Expr.Unary(Expr.UnOp.NOT, bool(r, depth - 1), DType.BOOL);
            case 3 -> new Expr.Select(bool(r, depth - 1), bool(r, depth - 1), bool(r, depth - 1), DType.BOOL);
            default -> cmp(COMPARISONS[r.nextInt(COMPARISONS.length)], affine(r, depth - 1), affine(r, depth - 1));
        };
    }

    static final BinOp[] COMPARISONS = {BinOp.LT, BinOp.LE, BinOp.GT, BinOp.GE, BinOp.EQ, BinOp.NE};

    /** A sum of one to three terms {@code k * atom}. */
    static Expr affine(Random r, int depth) {
        Expr sum = null;
        for (int n = 1 + r.nextInt(3); n > 0; n--) {
            Expr a = atom(r, depth);
            int k = r.nextInt(7) - 3;
            Expr term = k == 1 ? a : k == 0 ? lit(r.nextInt(60) - 20) : new Expr.Binary(BinOp.MUL, lit(k), a, DType.I32);
            sum = sum == null ? term : new Expr.Binary(r.nextBoolean() ? BinOp.ADD : BinOp.SUB, sum, term, DType.I32);
        }
        return sum;
    }

    static Expr atom(Random r, int depth) {
        if (depth > 0 && r.nextInt(4) == 0) {
            return switch (r.nextInt(4)) {
                case 0 -> new Expr.Select(bool(r, depth - 1), affine(r, depth - 1), affine(r, depth - 1), DType.I32);
                case 1 -> call(Expr.Builtin.MIN, affine(r, depth - 1), affine(r, depth - 1));
                case 2 -> call(Expr.Builtin.MAX, affine(r, depth - 1), affine(r, depth - 1));
                default -> new Expr.Call(Expr.Builtin.ABS, List.of(affine(r, depth - 1)), DType.I32);
            };
        }
        return switch (r.nextInt(10)) {
            case 0, 1 -> i();
            case 2, 3 -> j();
            case 4 -> index(r);
            case 5 -> div(r.nextBoolean() ? i() : j(), param("dn"));
            case 6 -> new Expr.Binary(BinOp.MOD, new Expr.Binary(r.nextBoolean() ? BinOp.ADD : BinOp.SUB, i(), j(), DType.I32),
                    lit(1 + r.nextInt(8)), DType.I32);
            case 7 -> param(r.nextBoolean() ? "s1" : "s2");
            case 8 -> dim(r.nextBoolean() ? "N" : "M");
            default -> lit(r.nextInt(60) - 20);
        };
    }

    /** An index within [0, L): i, j, i / c, j / c with c a positive constant or parameter. */
    static Expr index(Random r) {
        Expr v = r.nextBoolean() ? i() : j();
        return switch (r.nextInt(3)) {
            case 0 -> v;
            case 1 -> div(v, lit(1 + r.nextInt(8)));
            default -> div(v, param("dp"));
        };
    }

    static Expr reduce(Expr.ReduceOp op, Optional<Expr> filter, Expr body) {
        return new Expr.Reduce(op, List.of(new IndexVar("r", dim("R"))), filter, body, body.type());
    }

    static Expr tAt() {
        return new Expr.Read("t", List.of(new Expr.Index("r")), DType.I32);
    }

    static Expr i() {
        return new Expr.Index("i");
    }

    static Expr j() {
        return new Expr.Index("j");
    }

    static Expr lit(long v) {
        return Expr.Const.i32(v);
    }

    static Expr dim(String d) {
        return new Expr.Scalar(d, Expr.ScalarKind.DIM, DType.I32);
    }

    static Expr param(String p) {
        return new Expr.Scalar(p, Expr.ScalarKind.PARAM, DType.I32);
    }

    static Expr add(Expr a, Expr b) {
        return new Expr.Binary(BinOp.ADD, a, b, DType.I32);
    }

    static Expr sub(Expr a, Expr b) {
        return new Expr.Binary(BinOp.SUB, a, b, DType.I32);
    }

    static Expr div(Expr a, Expr b) {
        return new Expr.Binary(BinOp.DIV, a, b, DType.I32);
    }

    static Expr cmp(BinOp op, Expr a, Expr b) {
        return new Expr.Binary(op, a, b, DType.BOOL);
    }

    static Expr call(Expr.Builtin fn, Expr a, Expr b) {
        return new Expr.Call(fn, List.of(a, b), DType.I32);
    }
}
