package tessera.backend.opencl;

import static tessera.backend.opencl.L.add;
import static tessera.backend.opencl.L.bin;
import static tessera.backend.opencl.L.c;
import static tessera.backend.opencl.L.call;
import static tessera.backend.opencl.L.dim;
import static tessera.backend.opencl.L.f;
import static tessera.backend.opencl.L.i32;
import static tessera.backend.opencl.L.in;
import static tessera.backend.opencl.L.load;
import static tessera.backend.opencl.L.mul;
import static tessera.backend.opencl.L.out;
import static tessera.backend.opencl.L.ref;
import static tessera.backend.opencl.L.scalar;
import static tessera.backend.opencl.L.select;
import static tessera.backend.opencl.L.store;
import static tessera.backend.opencl.L.sub;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import tessera.ir.loop.Device;
import tessera.ir.loop.Device.DeviceException;
import tessera.ir.loop.Kernel;
import tessera.ir.loop.LExpr;
import tessera.ir.loop.LStmt;
import tessera.ir.loop.LStmt.LoopKind;
import tessera.ir.loop.LStmt.Space;
import tessera.ir.tensor.Expr.BinOp;
import tessera.ir.tensor.Expr.Builtin;
import tessera.runtime.DType;
import tessera.runtime.Tensor;

/**
 * Hand-built group kernels (work-groups, shared and private arrays, barriers, matmul) shared by
 * the emitter and device tests.
 */
final class GroupSamples {
    private GroupSamples() {}

    /** Work items per group of {@link #tileSum()}. */
    static final int SUM_GROUP = 32;
    /** Query rows per group, and keys per tile, of {@link #attention}. */
    static final int ROWS = 16;

    private static final LExpr N = i32("N");
    private static final LExpr M = i32("M");

    private static LStmt.For loop(String var, LExpr lo, LExpr hi, LStmt... body) {
        return new LStmt.For(var, lo, hi, LoopKind.SERIAL, List.of(body));
    }

    private static LStmt.If when(LExpr cond, LStmt... then) {
        return new LStmt.If(cond, List.of(then), List.of());
    }

    private static LExpr f32(String name) {
        return ref(name, DType.F32);
    }

    private static LExpr lt(LExpr a, LExpr b) {
        return bin(BinOp.LT, a, b);
    }

    /**
     * A tiled reduction over groups of 32: group {@code g} loads {@code x[g*32 .. g*32+31]} (0
     * past N) into a shared tile; after a barrier work item 0 sums the tile in order into
     * {@code serial[g]}; after another, the group halves the tile five times (a barrier after
     * each round, reached by every work item) and work item 0 writes {@code tree[g] = tile[0]}.
     */
    static Kernel tileSum() {
        LExpr g = i32("g"), t = i32("t"), stride = i32("stride");
        LExpr groups = bin(BinOp.DIV, add(N, c(SUM_GROUP - 1)), c(SUM_GROUP));
        return new Kernel("tile_sum",
                List.of(in("x", DType.F32), out("serial", DType.F32), out("tree", DType.F32), scalar("N", DType.I32)),
                List.of(dim("g", groups)),
                Optional.of(new Kernel.Group("t", SUM_GROUP)),
                List.of(new LStmt.Alloc("tile", DType.F32, c(SUM_GROUP), Space.SHARED),
                        new LStmt.Comment("tile[t] = x[g * 32 + t], 0 past the end"),
                        new LStmt.Let("idx", add(mul(g, c(SUM_GROUP)), t)),
                        store("tile", t, select(lt(i32("idx"), N), load("x", i32("idx"), DType.F32), f(0))),
                        new LStmt.Barrier(),
                        when(bin(BinOp.EQ, t, c(0)),
                                new LStmt.Var("s", DType.F32, f(0)),
                                loop("j", c(0), c(SUM_GROUP), new LStmt.Assign("s", add(f32("s"), load("tile", i32("j"), DType.F32)))),
                                store("serial", g, f32("s"))),
                        new LStmt.Barrier(),
                        new LStmt.Var("stride", DType.I32, c(SUM_GROUP / 2)),
                        loop("round", c(0), c(5),
                                when(lt(t, stride), store("tile", t, add(load("tile", t, DType.F32),
                                        load("tile", add(t, stride), DType.F32)))),
                                new LStmt.Barrier(),
                                new LStmt.Assign("stride", bin(BinOp.DIV, stride, c(2)))),
                        when(bin(BinOp.EQ, t, c(0)), store("tree", g, load("tile", c(0), DType.F32)))),
                "serial[g], tree[g] = sum of x[g * 32 .. g * 32 + 31]");
    }

    /**
     * Attention the way a GPU kernel fuses it: {@code out[b, i, :] = softmax_j(scale * q[b, i, :] .
     * k[b, j, :]) v[b, j, :]}, q [B, N, d], k and v [B, M, d]. A group of 16 work items per
     * {@code (b, qt)} owns query rows {@code qt*16 + r}; rows past N do no work but reach every
     * barrier. For each tile of 16 keys (a uniform bound) the group loads the K and V tiles into
     * shared arrays cooperatively ({@code idx = u*16 + r} over {@code ceil(16d/16)} rounds,
     * guarded by {@code idx < 16d}; keys past M load as 0), meets at a barrier, and each row
     * accumulates its scores into the zero-filled private {@code s} (declared in the loop, so
     * zero again for each tile), updates an online softmax, writes the tile's probabilities into
     * the private {@code p} (only keys below M: the rest must be zero from the declaration), adds
     * {@code p x V-tile} to its private accumulator with a {@link LStmt.MatMul}, and meets the
     * group at a second barrier before the tiles are overwritten.
     */
    static Kernel attention(int d) {
        LExpr b = i32("b"), qt = i32("qt"), r = i32("r"), kt = i32("kt"), i = i32("i"), jj = i32("jj"), dd = i32("dd");
        LExpr valid = ref("valid", DType.BOOL);
        LExpr scale = f32("scale");
        LExpr key = add(mul(kt, c(ROWS)), jj);
        LExpr qRow = mul(add(mul(b, N), i), c(d));
        int rounds = Math.ceilDiv(ROWS * d, ROWS);
        LExpr idx = i32("idx"), j = i32("j");
        LExpr src = add(mul(add(mul(b, M), j), c(d)), i32("kc"));
        List<LStmt> tile = List.of(
                new LStmt.Comment("the group loads the K and V tiles of keys kt*16 .. kt*16+15 (0 past M)"),
                loop("u", c(0), c(rounds),
                        new LStmt.Let("idx", add(mul(i32("u"), c(ROWS)), r)),
                        when(lt(idx, c(ROWS * d)),
                                new LStmt.Let("kr", bin(BinOp.DIV, idx, c(d))),
                                new LStmt.Let("kc", bin(BinOp.MOD, idx, c(d))),
                                new LStmt.Let("j", add(mul(kt, c(ROWS)), i32("kr"))),
                                store("ktile", idx, select(lt(j, M), load("k", src, DType.F32), f(0))),
                                store("vtile", idx, select(lt(j, M), load("v", src, DType.F32), f(0))))),
                new LStmt.Barrier(),
                new LStmt.Alloc("s", DType.F32, c(ROWS), Space.PRIVATE),
                new LStmt.Alloc("p", DType.F32, c(ROWS), Space.PRIVATE),
                when(valid,
                        loop("jj", c(0), c(ROWS), loop("dd", c(0), c(d),
                                store("s", jj, add(load("s", jj, DType.F32), mul(load("qrow", dd, DType.F32),
                                        load("ktile", add(mul(jj, c(d)), dd), DType.F32)))))),
                        new LStmt.Var("mnew", DType.F32, f32("mrun")),
                        loop("jj", c(0), c(ROWS), when(lt(key, M), new LStmt.Assign("mnew",
                                call(Builtin.MAX, DType.F32, f32("mnew"), mul(load("s", jj, DType.F32), scale))))),
                        new LStmt.Let("alpha", call(Builtin.EXP, DType.F32, sub(f32("mrun"), f32("mnew")))),
                        new LStmt.Assign("l", mul(f32("l"), f32("alpha"))),
                        loop("dd", c(0), c(d), store("acc", dd, mul(load("acc", dd, DType.F32), f32("alpha")))),
                        loop("jj", c(0), c(ROWS), when(lt(key, M),
                                store("p", jj, call(Builtin.EXP, DType.F32,
                                        sub(mul(load("s", jj, DType.F32), scale), f32("mnew")))),
                                new LStmt.Assign("l", add(f32("l"), load("p", jj, DType.F32))))),
                        new LStmt.Comment("acc (1 x d) += p (1 x 16) x vtile (16 x d)"),
                        new LStmt.MatMul(new LStmt.Operand("acc", c(0), c(d), c(1)),
                                new LStmt.Operand("p", c(0), c(ROWS), c(1)),
                                new LStmt.Operand("vtile", c(0), c(d), c(1)),
                                c(1), c(d), c(ROWS), true),
                        new LStmt.Assign("mrun", f32("mnew"))),
                new LStmt.Barrier());
        return new Kernel("attention_d" + d,
                List.of(in("q", DType.F32), in("k", DType.F32), in("v", DType.F32), out("out", DType.F32),
                        scalar("B", DType.I32), scalar("N", DType.I32), scalar("M", DType.I32), scalar("scale", DType.F32)),
                List.of(dim("b", i32("B")), dim("qt", bin(BinOp.DIV, add(N, c(ROWS - 1)), c(ROWS)))),
                Optional.of(new Kernel.Group("r", ROWS)),
                List.of(new LStmt.Alloc("ktile", DType.F32, c(ROWS * d), Space.SHARED),
                        new LStmt.Alloc("vtile", DType.F32, c(ROWS * d), Space.SHARED),
                        new LStmt.Let("i", add(mul(qt, c(ROWS)), r)),
                        new LStmt.Let("valid", lt(i, N)),
                        new LStmt.Alloc("qrow", DType.F32, c(d), Space.PRIVATE),
                        new LStmt.Alloc("acc", DType.F32, c(d), Space.PRIVATE),
                        new LStmt.Var("mrun", DType.F32, f(Double.NEGATIVE_INFINITY)),
                        new LStmt.Var("l", DType.F32, f(0)),
                        when(valid, loop("dd", c(0), c(d), store("qrow", dd, load("q", add(qRow, dd), DType.F32)))),
                        new LStmt.For("kt", c(0), bin(BinOp.DIV, add(M, c(ROWS - 1)), c(ROWS)), LoopKind.SERIAL, tile),
                        when(valid, loop("dd", c(0), c(d), store("out", add(qRow, dd),
                                bin(BinOp.DIV, load("acc", dd, DType.F32), f32("l")))))),
                "out[b, i, :] = softmax[j](scale * q[b, i, :] . k[b, j, :]) v[b, j, :]");
    }

    /**
     * A serial group kernel (no grid: one group of 8): {@code y[t] = x[7 - t]} through a shared
     * array, and {@code count[t]} = the number of {@code x[u] > x[t]}, read back from a private i32
     * array of flags.
     */
    static Kernel reverse() {
        LExpr t = i32("t"), u = i32("u");
        return new Kernel("reverse",
                List.of(in("x", DType.F32), out("y", DType.F32), out("count", DType.I32)),
                List.of(),
                Optional.of(new Kernel.Group("t", 8)),
                List.of(new LStmt.Alloc("sh", DType.F32, c(8), Space.SHARED),
                        store("sh", t, load("x", t, DType.F32)),
                        new LStmt.Barrier(),
                        store("y", t, load("sh", sub(c(7), t), DType.F32)),
                        new LStmt.Alloc("above", DType.I32, c(8), Space.PRIVATE),
                        loop("u", c(0), c(8), when(bin(BinOp.GT, load("sh", u, DType.F32), load("sh", t, DType.F32)),
                                store("above", u, c(1)))),
                        new LStmt.Var("n", DType.I32, c(0)),
                        loop("u", c(0), c(8), new LStmt.Assign("n", add(i32("n"), load("above", u, DType.I32)))),
                        store("count", t, i32("n"))),
                "y[t] = x[7 - t]");
    }

    /**
     * A matmul between buffers in an ordinary kernel: for each batch {@code i},
     * {@code c[i] (R x C) = a[i] (R x K) x b[i]^T} where b is an i32 [K x C] matrix stored
     * transposed, [C x K] (so its row stride is 1); sizes are scalars, not constants.
     */
    static Kernel batchedMatmul() {
        LExpr i = i32("i"), r = i32("R"), cc = i32("C"), k = i32("K");
        return new Kernel("batched_matmul",
                List.of(in("a", DType.F32), in("b", DType.I32), out("c", DType.F32), scalar("NB", DType.I32),
                        scalar("R", DType.I32), scalar("C", DType.I32), scalar("K", DType.I32)),
                List.of(dim("i", i32("NB"))),
                List.of(new LStmt.MatMul(new LStmt.Operand("c", mul(mul(i, r), cc), cc, c(1)),
                        new LStmt.Operand("a", mul(mul(i, r), k), k, c(1)),
                        new LStmt.Operand("b", mul(mul(i, cc), k), c(1), k),
                        r, cc, k, false)),
                "c[i] = a[i] x b[i]^T");
    }

    // ---- running them, and what they compute in plain Java ----

    /** Runs {@link #tileSum()} over {@code x} on {@code device} (prepared with it); outputs "serial" and "tree". */
    static Map<String, Tensor> runTileSum(Device device, double[] x) throws DeviceException {
        int n = x.length;
        int groups = Math.ceilDiv(n, SUM_GROUP);
        return OpenClTestSupport.run(device, tileSum(), new long[] {groups},
                Map.of("x", Tensor.fromDoubles(DType.F32, new long[] {n}, x)),
                Map.of("serial", new long[] {groups}, "tree", new long[] {groups}), Map.of("N", (double) n));
    }

    /**
     * What {@link #tileSum()} computes, as the interpreter computes it: "serial" sums each tile in
     * double precision (the interpreter keeps an f32 var in double) and rounds once at the store;
     * "tree" adds in f32, round by round.
     */
    static Map<String, double[]> tileSumInJava(double[] x) {
        int n = x.length;
        int groups = Math.ceilDiv(n, SUM_GROUP);
        double[] serial = new double[groups], tree = new double[groups];
        for (int g = 0; g < groups; g++) {
            double sum = 0;
            float[] tile = new float[SUM_GROUP];
            for (int t = 0; t < SUM_GROUP; t++) {
                int i = g * SUM_GROUP + t;
                tile[t] = i < n ? (float) x[i] : 0;
                sum += tile[t];
            }
            for (int stride = SUM_GROUP / 2; stride > 0; stride /= 2) {
                for (int t = 0; t < stride; t++) tile[t] += tile[t + stride];
            }
            serial[g] = (float) sum;
            tree[g] = tile[0];
        }
        return Map.of("serial", serial, "tree", tree);
    }

    /** Runs {@link #attention attention(d)} on {@code device} (prepared with it); q [b, n, d], k and v [b, m, d]. */
    static Tensor runAttention(Device device, int d, int b, int n, int m, double[] q, double[] k, double[] v)
            throws DeviceException {
        return OpenClTestSupport.run(device, attention(d), new long[] {b, Math.ceilDiv(n, ROWS)},
                Map.of("q", Tensor.fromDoubles(DType.F32, new long[] {b, n, d}, q),
                        "k", Tensor.fromDoubles(DType.F32, new long[] {b, m, d}, k),
                        "v", Tensor.fromDoubles(DType.F32, new long[] {b, m, d}, v)),
                Map.of("out", new long[] {b, n, d}),
                Map.of("B", (double) b, "N", (double) n, "M", (double) m, "scale", 1 / Math.sqrt(d))).get("out");
    }

    /** Softmax attention in double precision from the f32 inputs, as a [b, n, d] f32 tensor. */
    static Tensor attentionInJava(int d, int b, int n, int m, double[] q, double[] k, double[] v) {
        double[] out = new double[b * n * d];
        double scale = (float) (1 / Math.sqrt(d));
        for (int bb = 0; bb < b; bb++) {
            for (int i = 0; i < n; i++) {
                double[] s = new double[m];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < m; j++) {
                    for (int e = 0; e < d; e++) s[j] += (double) (float) q[(bb * n + i) * d + e] * (float) k[(bb * m + j) * d + e];
                    s[j] *= scale;
                    max = Math.max(max, s[j]);
                }
                double sum = 0;
                for (int j = 0; j < m; j++) {
                    s[j] = Math.exp(s[j] - max);
                    sum += s[j];
                }
                for (int e = 0; e < d; e++) {
                    double o = 0;
                    for (int j = 0; j < m; j++) o += s[j] * (float) v[(bb * m + j) * d + e];
                    out[(bb * n + i) * d + e] = o / sum;
                }
            }
        }
        return Tensor.fromDoubles(DType.F32, new long[] {b, n, d}, out);
    }

    /** Runs {@link #reverse()} on {@code device} (prepared with it); outputs "y" and "count". */
    static Map<String, Tensor> runReverse(Device device, double[] x) throws DeviceException {
        return OpenClTestSupport.run(device, reverse(), new long[] {},
                Map.of("x", Tensor.fromDoubles(DType.F32, new long[] {8}, x)),
                Map.of("y", new long[] {8}, "count", new long[] {8}), Map.of());
    }

    /** Runs {@link #batchedMatmul()} on {@code device}: a [nb, r, k] f32, b [nb, c, k] i32, out c [nb, r, c]. */
    static Tensor runBatchedMatmul(Device device, int nb, int r, int c, int k, double[] a, double[] b)
            throws DeviceException {
        return OpenClTestSupport.run(device, batchedMatmul(), new long[] {nb},
                Map.of("a", Tensor.fromDoubles(DType.F32, new long[] {nb, r, k}, a),
                        "b", Tensor.fromDoubles(DType.I32, new long[] {nb, c, k}, b)),
                Map.of("c", new long[] {nb, r, c}),
                Map.of("NB", (double) nb, "R", (double) r, "C", (double) c, "K", (double) k)).get("c");
    }

    /** What {@link #batchedMatmul()} computes, in double precision. */
    static Tensor batchedMatmulInJava(int nb, int r, int c, int k, double[] a, double[] b) {
        double[] out = new double[nb * r * c];
        for (int i = 0; i < nb; i++) {
            for (int row = 0; row < r; row++) {
                for (int col = 0; col < c; col++) {
                    double sum = 0;
                    for (int p = 0; p < k; p++) sum += (double) (float) a[(i * r + row) * k + p] * b[(i * c + col) * k + p];
                    out[(i * r + row) * c + col] = sum;
                }
            }
        }
        return Tensor.fromDoubles(DType.F32, new long[] {nb, r, c}, out);
    }
}
