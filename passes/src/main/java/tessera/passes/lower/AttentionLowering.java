package tessera.passes.lower;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tessera.ir.loop.Kernel;
import tessera.ir.loop.LExpr;
import tessera.ir.loop.LStmt;
import tessera.ir.loop.LaunchPlan;
import tessera.ir.tensor.Expr;
import tessera.ir.tensor.IndexVar;
import tessera.ir.tensor.Stmt;
import tessera.ir.tensor.Substitution;
import tessera.passes.Target;
import tessera.runtime.DType;

/**
 * Lowers a fused {@link Stmt.Attention} to tiled kernels with an online softmax: the score matrix
 * never reaches memory. Per tile of rows (fixed outer variables, {@code Br} consecutive values of
 * the row variable) the kernel walks the key blocks of {@code Bc} keys that the block mask lists
 * (all of them when there is no mask), computes the block's scores, and folds them into a running
 * maximum {@code m}, denominator {@code l} and weighted sum {@code acc} per row (ALGORITHMS.md
 * §1.2); full blocks skip the mask, empty blocks are never visited.
 *
 * <p>Two shapes, chosen by what the {@link Target} says:
 * <ul>
 *   <li>one lane per group (the JVM): a grid point per (outer, row tile) keeps its tiles in private
 *       arrays; Q·Kᵀ and P·V are {@link LStmt.MatMul}s (register-blocked micro-kernels on the
 *       backend) and the per-row work is unit-stride loops that map onto vector lanes;
 *   <li>groups of lanes (GPUs): a group per (outer, row tile), one row per lane, the K and V blocks
 *       staged in shared memory by all lanes together between barriers; each lane keeps its row's
 *       q, scores and accumulator in private arrays, so no reduction crosses lanes.
 * </ul>
 *
 * <p>Numerics follow the statements the node replaced exactly (docs/language.md): the running
 * maximum ignores NaN (a NaN score makes {@code l}, hence o and lse, NaN), a present score of
 * -inf weighs 0, a masked one is skipped (its value is never multiplied), o is
 * {@code acc / l} (acc itself where l = 0: 0, or NaN from 0 * inf as the reference gives), lse is
 * m when m is infinite and {@code m + log l} otherwise, and the max output is NaN when a score is.
 */
final class AttentionLowering {
    /** Head dims a GPU lane holds in private arrays; larger ones fail the plan's check with this limit in the message. */
    static final int GPU_MAX_HEAD_DIM = 128;

    private final Lowering lowering;
    private final Stmt.Attention a;
    private final Target target;
    private final DType t;
    private final String base;
    private final List<IndexVar> outer;
    private final IndexVar row;
    private final IndexVar key;
    private final IndexVar dotVar;
    private final Expr score;
    private final LExpr rowCount;
    private final LExpr keyCount;
    private final LExpr depth;
    private final LExpr width;
    private final int br;
    private final int bc;
    /** The BSR block lists when there is a mask: names of the count, index and full-flag buffers. */
    private String bsrCount;
    private String bsrIndex;
    private String bsrFull;
    private List<IndexVar> maskOuter = List.of();
    /** The buffer holding kᵀ per outer point, [outer..., D, keys] (one-lane targets). */
    private String keysTransposed;

    AttentionLowering(Lowering lowering, Stmt.Attention a, Target target) {
        this.lowering = lowering;
        this.a = a;
        this.target = target;
        this.t = a.score().type() == DType.F64 ? DType.F64 : DType.F32;
        this.base = a.out().map(Stmt.Output::tensor).or(a::lse).or(a::max).orElse(a.scores());
        this.outer = a.outer();
        this.row = a.row();
        this.key = a.key();
        this.dotVar = a.dot().vars().getFirst();
        this.score = Substitution.replace(a.score(), a.dot(), new Expr.Scalar("dot__", Expr.ScalarKind.LET, a.dot().type()));
        this.rowCount = i32(lowering.hostExpr(row.extent()));
        this.keyCount = i32(lowering.hostExpr(key.extent()));
        this.depth = i32(lowering.hostExpr(dotVar.extent()));
        this.width = a.out().map(o -> i32(lowering.hostExpr(o.var().extent()))).orElse(L.i32(0));
        int[] tile = tile(target);
        this.br = tile[0];
        this.bc = tile[1];
    }

    /** Rows and keys per block on {@code target}. */
    static int[] tile(Target target) {
        boolean groups = target.lanesPerGroup() > 1;
        return new int[] {groups ? target.lanesPerGroup() : Math.max(1, target.flashRows()),
                groups ? gpuKeyBlock(target) : Math.max(1, target.flashCols())};
    }

    /** Keys per block on a GPU: K and V blocks of that many rows of {@link #GPU_MAX_HEAD_DIM} must fit in fast memory. */
    static int gpuKeyBlock(Target target) {
        long perKey = 2L * GPU_MAX_HEAD_DIM * 4;
        int bc = Math.max(1, target.tileCols());
        while (bc > 1 && bc * perKey > target.fastMemoryBytes()) bc /= 2;
        return bc;
    }

    void run() {
        if (a.mask().isPresent()) blockMask();
        if (target.lanesPerGroup() > 1) {
            gpu();
        } else {
            transposeKeys();
            cpu();
        }
    }

    /**
     * kᵀ once per outer point, [outer..., D, keys], so the flash kernel's Q·Kᵀ reads key blocks in
     * place with unit stride along the keys (transposing per row tile would redo it N / Br times).
     */
    private void transposeKeys() {
        keysTransposed = lowering.tempName(base + "__kt");
        List<LExpr> shape = new ArrayList<>();
        List<LExpr> at = new ArrayList<>();
        ExprLowering ex = new ExprLowering(lowering);
        List<Kernel.GridDim> grid = new ArrayList<>();
        for (IndexVar v : outer) {
            LExpr extent = i32(lowering.hostExpr(v.extent()));
            shape.add(extent);
            at.add(ref(v.name()));
            grid.add(new Kernel.GridDim(v.name(), extent));
            ex.bind(v.name(), ref(v.name()), v.extent());
        }
        shape.add(depth);
        shape.add(roundUp(keyCount, bc));
        lowering.addTemp(keysTransposed, t, shape);
        // A block of keys per grid point: its k rows stay in cache while kᵀ's rows are written in order.
        grid.add(new Kernel.GridDim("kb__", keyBlocks()));
        ex.bind(key.name(), ref(key.name()), key.extent());
        ex.bind(dotVar.name(), ref(dotVar.name()), dotVar.extent());
        at.add(ref(dotVar.name()));
        at.add(ref(key.name()));
        Block b = new Block();
        b.add(new LStmt.Comment(lowering.describe(a) + " — lower: kᵀ of " + a.k().tensor() + " per outer point, for the flash kernel's q kᵀ"));
        b.add(new LStmt.Let("j0__", mul(ref("kb__"), L.i32(bc))));
        // The block of k rows is read row by row into a private tile, then written out transposed.
        b.add(new LStmt.Alloc("k__block", t, mul(L.i32(bc), depth), LStmt.Space.PRIVATE));
        List<LStmt> row = new ArrayList<>();
        row.add(new LStmt.Let(key.name(), add(ref("j0__"), ref("c__"))));
        row.add(new LStmt.If(L.cmp(Expr.BinOp.LT, ref(key.name()), keyCount), List.of(
                new LStmt.For(dotVar.name(), L.i32(0), depth, LStmt.LoopKind.SERIAL,
                        loadInto("k__block", add(mul(ref("c__"), depth), ref(dotVar.name())), a.k(), ex))), List.of()));
        b.add(new LStmt.For("c__", L.i32(0), L.i32(bc), LStmt.LoopKind.SERIAL, row));
        List<LExpr> outAt = new ArrayList<>(at.subList(0, at.size() - 1));
        outAt.add(add(ref("j0__"), ref("c__")));
        b.add(new LStmt.For(dotVar.name(), L.i32(0), depth, LStmt.LoopKind.SERIAL, List.of(
                new LStmt.For("c__", L.i32(0), L.i32(bc), LStmt.LoopKind.SERIAL, List.of(
                        new LStmt.Store(keysTransposed, L.flat(outAt, shape), new LExpr.Load("k__block", add(mul(ref("c__"), depth), ref(dotVar.name())), t)))))));
        lowering.emitKernel(lowering.kernelName(base + "__kt"), grid, Optional.empty(), b.done());
    }

    // ------------------------------------------------------------------ the block mask (BSR)

    /**
     * A kernel per (outer variables the mask reads, row block) that lists the key blocks to visit:
     * {@code count} of them, their {@code index}es ascending and whether each is {@code full}. A
     * block's class comes from BlockSparsity's formulas when they decide it, else from evaluating
     * the mask on every element of the block (exact, and only for undecided blocks).
     */
    private void blockMask() {
        Expr mask = a.mask().orElseThrow();
        List<IndexVar> dep = new ArrayList<>();
        for (IndexVar v : outer) {
            boolean used = Substitution.mentions(mask, v.name())
                    || a.blocks().map(b -> Substitution.mentions(b.empty(), v.name()) || Substitution.mentions(b.full(), v.name())).orElse(false);
            if (used) dep.add(v);
        }
        maskOuter = dep;
        bsrCount = lowering.tempName(base + "__blocks");
        bsrIndex = lowering.tempName(base + "__block_index");
        bsrFull = lowering.tempName(base + "__block_full");
        List<LExpr> shape = new ArrayList<>();
        for (IndexVar v : dep) shape.add(i32(lowering.hostExpr(v.extent())));
        shape.add(rowBlocks());
        lowering.addTemp(bsrCount, DType.I32, shape);
        List<LExpr> listShape = new ArrayList<>(shape);
        listShape.add(keyBlocks());
        lowering.addTemp(bsrIndex, DType.I32, listShape);
        lowering.addTemp(bsrFull, DType.BOOL, listShape);

        ExprLowering ex = new ExprLowering(lowering);
        List<Kernel.GridDim> grid = new ArrayList<>();
        for (IndexVar v : dep) {
            grid.add(new Kernel.GridDim(v.name(), i32(lowering.hostExpr(v.extent()))));
            ex.bind(v.name(), L.ref(v.name(), DType.I32), v.extent());
        }
        grid.add(new Kernel.GridDim("qb__", rowBlocks()));
        Block b = new Block();
        b.add(new LStmt.Comment(lowering.describe(a) + " — lower: block mask (BSR lists) for blocks of " + br + " x " + bc));
        b.add(new LStmt.Let("row_lo__", mul(ref("qb__"), L.i32(br))));
        b.add(new LStmt.Let("row_hi__", sub(min(add(ref("row_lo__"), L.i32(br)), rowCount), L.i32(1))));
        b.add(new LStmt.Var("count__", DType.I32, L.i32(0)));
        List<LStmt> perBlock = new ArrayList<>();
        perBlock.add(new LStmt.Let("key_lo__", mul(ref("kb__"), L.i32(bc))));
        perBlock.add(new LStmt.Let("key_hi__", sub(min(add(ref("key_lo__"), L.i32(bc)), keyCount), L.i32(1))));
        perBlock.add(new LStmt.Var("empty__", DType.BOOL, L.FALSE));
        perBlock.add(new LStmt.Var("full__", DType.BOOL, L.FALSE));
        if (a.blocks().isPresent()) {
            Stmt.Blocks blocks = a.blocks().get();
            ExprLowering bx = ex; // one lowering per kernel, so the locals it makes have distinct names
            bx.bind(blocks.rowLo(), ref("row_lo__"), row.extent());
            bx.bind(blocks.rowHi(), ref("row_hi__"), row.extent());
            bx.bind(blocks.keyLo(), ref("key_lo__"), key.extent());
            bx.bind(blocks.keyHi(), ref("key_hi__"), key.extent());
            Block eb = new Block();
            ExprLowering.V empty = bx.lower(blocks.empty(), eb);
            ExprLowering.V full = bx.lower(blocks.full(), eb);
            eb.stmts.forEach(perBlock::add);
            perBlock.add(new LStmt.Assign("empty__", L.and(empty.present(), empty.value())));
            perBlock.add(new LStmt.Assign("full__", L.and(L.not(ref("empty__", DType.BOOL)), L.and(full.present(), full.value()))));
        }
        // Undecided: count the mask's true elements.
        List<LStmt> count = new ArrayList<>();
        count.add(new LStmt.Var("allowed__", DType.I32, L.i32(0)));
        ex.bind(row.name(), ref(row.name()), row.extent());
        ex.bind(key.name(), ref(key.name()), key.extent());
        Block mb = new Block();
        ExprLowering.V m = ex.lower(mask, mb);
        List<LStmt> element = new ArrayList<>(mb.done());
        element.add(new LStmt.If(L.and(m.present(), m.value()),
                List.of(new LStmt.Assign("allowed__", add(ref("allowed__"), L.i32(1)))), List.of()));
        count.add(new LStmt.For(row.name(), ref("row_lo__"), add(ref("row_hi__"), L.i32(1)), LStmt.LoopKind.SERIAL, List.of(
                new LStmt.For(key.name(), ref("key_lo__"), add(ref("key_hi__"), L.i32(1)), LStmt.LoopKind.SERIAL, element))));
        LExpr size = mul(add(sub(ref("row_hi__"), ref("row_lo__")), L.i32(1)), add(sub(ref("key_hi__"), ref("key_lo__")), L.i32(1)));
        count.add(new LStmt.Assign("empty__", L.cmp(Expr.BinOp.EQ, ref("allowed__"), L.i32(0))));
        count.add(new LStmt.Assign("full__", L.cmp(Expr.BinOp.EQ, ref("allowed__"), size)));
        perBlock.add(new LStmt.If(L.and(L.not(ref("empty__", DType.BOOL)), L.not(ref("full__", DType.BOOL))), count, List.of()));
        List<LExpr> at = new ArrayList<>();
        for (IndexVar v : dep) at.add(ref(v.name()));
        at.add(ref("qb__"));
        List<LExpr> shapeRef = lowering.shape(bsrIndex);
        List<LExpr> listAt = new ArrayList<>(at);
        listAt.add(ref("count__"));
        perBlock.add(new LStmt.If(L.not(ref("empty__", DType.BOOL)), List.of(
                new LStmt.Store(bsrIndex, L.flat(listAt, shapeRef), ref("kb__")),
                new LStmt.Store(bsrFull, L.flat(listAt, shapeRef), ref("full__", DType.BOOL)),
                new LStmt.Assign("count__", add(ref("count__"), L.i32(1)))), List.of()));
        b.add(new LStmt.For("kb__", L.i32(0), keyBlocks(), LStmt.LoopKind.SERIAL, perBlock));
        b.add(new LStmt.Store(bsrCount, L.flat(at, lowering.shape(bsrCount)), ref("count__")));
        lowering.emitKernel(lowering.kernelName(base + "__blocks"), grid, Optional.empty(), b.done());
    }

    /** The loop over the key blocks of row block {@code qb__}: the BSR list, or every block. */
    private List<LStmt> overKeyBlocks(List<LStmt> body) {
        if (bsrCount == null) {
            List<LStmt> inner = new ArrayList<>();
            inner.add(new LStmt.Let("full_block__", L.TRUE));
            inner.addAll(body);
            return List.of(new LStmt.For("kb__", L.i32(0), keyBlocks(), LStmt.LoopKind.SERIAL, inner));
        }
        List<LExpr> at = new ArrayList<>();
        for (IndexVar v : maskOuter) at.add(ref(v.name()));
        at.add(ref("qb__"));
        List<LExpr> listAt = new ArrayList<>(at);
        listAt.add(ref("n__"));
        List<LExpr> shape = lowering.shape(bsrIndex);
        List<LStmt> inner = new ArrayList<>();
        inner.add(new LStmt.Let("kb__", new LExpr.Load(bsrIndex, L.flat(listAt, shape), DType.I32)));
        inner.add(new LStmt.Let("full_block__", new LExpr.Load(bsrFull, L.flat(listAt, shape), DType.BOOL)));
        inner.addAll(body);
        return List.of(new LStmt.For("n__", L.i32(0), new LExpr.Load(bsrCount, L.flat(at, lowering.shape(bsrCount)), DType.I32),
                LStmt.LoopKind.SERIAL, inner));
    }

    /**
     * The flash kernel's grid, (outer variables..., row block {@code qb__}), with every index the
     * node's expressions use bound in {@code ex} to the local of the same name.
     */
    private List<Kernel.GridDim> flashGrid(ExprLowering ex) {
        List<Kernel.GridDim> grid = new ArrayList<>();
        for (IndexVar v : outer) {
            grid.add(new Kernel.GridDim(v.name(), i32(lowering.hostExpr(v.extent()))));
            ex.bind(v.name(), L.ref(v.name(), DType.I32), v.extent());
        }
        grid.add(new Kernel.GridDim("qb__", rowBlocks()));
        ex.bind(row.name(), ref(row.name()), row.extent());
        ex.bind(key.name(), ref(key.name()), key.extent());
        ex.bind(dotVar.name(), ref(dotVar.name()), dotVar.extent());
        a.out().ifPresent(o -> ex.bind(o.var().name(), ref(o.var().name()), o.var().extent()));
        return grid;
    }

    // ------------------------------------------------------------------ one lane per group (CPU)

    private void cpu() {
        ExprLowering ex = new ExprLowering(lowering);
        List<Kernel.GridDim> grid = flashGrid(ex);

        Block b = new Block();
        b.add(new LStmt.Comment(lowering.describe(a) + " — lower: flash attention, " + br + " rows x " + bc
                + " keys per tile, online softmax in private tiles"));
        LExpr bcE = L.i32(bc);
        b.add(new LStmt.Let("i0__", mul(ref("qb__"), L.i32(br))));
        b.add(new LStmt.Let("rows__", min(L.i32(br), sub(rowCount, ref("i0__")))));
        b.add(new LStmt.Let("depth__", depth));
        b.add(new LStmt.Let("width__", width));
        // Tiles are padded to whole blocks of columns (Target.flashCols), so the matmuls see only
        // full column blocks (their padding columns are zero and never read back).
        b.add(new LStmt.Let("pad__", roundUp(ref("width__"), bc)));
        b.add(new LStmt.Alloc("q__tile", t, mul(L.i32(br), ref("depth__")), LStmt.Space.PRIVATE));
        b.add(new LStmt.Let("keys__", roundUp(keyCount, bc)));
        List<LExpr> outerAt = new ArrayList<>();
        List<LExpr> outerShape = new ArrayList<>();
        for (IndexVar v : outer) {
            outerAt.add(ref(v.name()));
            outerShape.add(i32(lowering.hostExpr(v.extent())));
        }
        b.add(new LStmt.Let("kt_base__", mul(mul(L.flat(outerAt, outerShape), ref("depth__")), ref("keys__"))));
        b.add(new LStmt.Alloc("s__tile", t, L.i32((long) br * bc), LStmt.Space.PRIVATE));
        b.add(new LStmt.Alloc("m__row", t, L.i32(br), LStmt.Space.PRIVATE));
        b.add(new LStmt.Alloc("l__row", t, L.i32(br), LStmt.Space.PRIVATE));
        if (a.max().isPresent()) {
            // The running maximum m is a lazy reference point; the max output needs the true maximum.
            b.add(new LStmt.Alloc("nan__row", t, L.i32(br), LStmt.Space.PRIVATE));
            b.add(new LStmt.Alloc("top__row", t, L.i32(br), LStmt.Space.PRIVATE));
        }
        if (a.out().isPresent()) {
            b.add(new LStmt.Alloc("v__tile", t, mul(bcE, ref("pad__")), LStmt.Space.PRIVATE));
            b.add(new LStmt.Alloc("acc__tile", t, mul(L.i32(br), ref("pad__")), LStmt.Space.PRIVATE));
        }
        if (a.mask().isPresent()) b.add(new LStmt.Alloc("present__tile", t, L.i32((long) br * bc), LStmt.Space.PRIVATE));

        // The tile's q rows, and each row's running statistics (starting from the sink, if any).
        b.add(new LStmt.Comment("q rows of the tile; m, l start empty (or at the sink)"));
        List<LStmt> qrow = new ArrayList<>();
        qrow.add(new LStmt.Let(row.name(), add(ref("i0__"), ref("r__"))));
        qrow.add(loop(dotVar.name(), ref("depth__"), List.of(), loadInto("q__tile", add(mul(ref("r__"), ref("depth__")), ref(dotVar.name())), a.q(), ex)));
        qrow.add(new LStmt.Store("m__row", ref("r__"), L.negInf(t)));
        qrow.add(new LStmt.Store("l__row", ref("r__"), zero()));
        if (a.max().isPresent()) qrow.add(new LStmt.Store("top__row", ref("r__"), L.negInf(t)));
        a.sink().ifPresent(x -> {
            Block sb = new Block();
            ExprLowering.V sv = ex.lower(x, sb);
            sb.stmts.forEach(qrow::add);
            qrow.add(new LStmt.Let("sink__", L.cast(sv.value(), t)));
            LExpr s = tref("sink__");
            qrow.add(new LStmt.Store("m__row", ref("r__"), L.select(L.cmp(Expr.BinOp.EQ, s, s), s, L.negInf(t))));
            qrow.add(new LStmt.Store("l__row", ref("r__"), L.select(L.cmp(Expr.BinOp.EQ, s, L.negInf(t)), zero(),
                    exp(L.bin(Expr.BinOp.SUB, s, new LExpr.Load("m__row", ref("r__"), t), t)))));
            if (a.max().isPresent()) {
                qrow.add(new LStmt.Store("nan__row", ref("r__"), L.select(L.cmp(Expr.BinOp.EQ, s, s), zero(), one())));
                qrow.add(new LStmt.Store("top__row", ref("r__"), L.select(L.cmp(Expr.BinOp.EQ, s, s), s, L.negInf(t))));
            }
        });
        b.add(new LStmt.For("r__", L.i32(0), ref("rows__"), LStmt.LoopKind.SERIAL, qrow));

        List<LStmt> block = new ArrayList<>();
        block.add(new LStmt.Let("j0__", mul(ref("kb__"), bcE)));
        block.add(new LStmt.Let("cols__", min(bcE, sub(keyCount, ref("j0__")))));
        boolean partials = a.mask().isPresent();
        if (a.out().isPresent()) {
            Stmt.Output o = a.out().get();
            block.add(new LStmt.Comment("v of the key block" + (partials ? ", and whether all of it is finite" : "")));
            if (partials) block.add(new LStmt.Var("v_max__", t, zero()));
            List<LStmt> vcol = new ArrayList<>();
            vcol.add(new LStmt.Let(key.name(), add(ref("j0__"), ref("c__"))));
            LExpr at = add(mul(ref("c__"), ref("pad__")), ref(o.var().name()));
            Block vb = new Block();
            ExprLowering.V v = ex.lower(o.value(), vb);
            List<LStmt> copy = new ArrayList<>(vb.done());
            copy.add(new LStmt.Let("v_x__", L.cast(v.value(), t)));
            copy.add(new LStmt.Store("v__tile", at, tref("v_x__")));
            if (partials) copy.add(new LStmt.Assign("v_max__", L.call(Expr.Builtin.MAX, t, tref("v_max__"), L.call(Expr.Builtin.ABS, t, tref("v_x__")))));
            vcol.add(new LStmt.For(o.var().name(), L.i32(0), ref("width__"), LStmt.LoopKind.SERIAL, copy));
            block.add(new LStmt.For("c__", L.i32(0), ref("cols__"), LStmt.LoopKind.SERIAL, vcol));
        }
        block.add(new LStmt.Comment("s = q kᵀ, kᵀ read in place from " + keysTransposed));
        block.add(new LStmt.MatMul(new LStmt.Operand("s__tile", L.i32(0), bcE, L.i32(1)),
                new LStmt.Operand("q__tile", L.i32(0), ref("depth__"), L.i32(1)),
                new LStmt.Operand(keysTransposed, add(ref("kt_base__"), ref("j0__")), ref("keys__"), L.i32(1)),
                ref("rows__"), bcE, ref("depth__"), false));

        // Per row: scores (masked in partial blocks), the new maximum, p = exp(s - m), l and acc rescaled.
        List<LStmt> perRow = new ArrayList<>();
        perRow.add(new LStmt.Let(row.name(), add(ref("i0__"), ref("r__"))));
        perRow.add(new LStmt.Var("mx__", t, L.negInf(t)));
        if (a.max().isPresent()) perRow.add(new LStmt.Var("nans__", t, zero()));
        LExpr sAt = add(mul(ref("r__"), bcE), ref("c__"));
        List<LStmt> fullScores = scoreLoop(ex, sAt, false);
        if (a.mask().isPresent()) {
            perRow.add(new LStmt.If(ref("full_block__", DType.BOOL), fullScores, scoreLoop(ex, sAt, true)));
        } else {
            perRow.addAll(fullScores);
        }
        perRow.add(new LStmt.Let("m_old__", new LExpr.Load("m__row", ref("r__"), t)));
        perRow.addAll(newMaximum("m_old__"));
        perRow.add(new LStmt.Var("sum__", t, zero()));
        List<LStmt> pLoop = new ArrayList<>();
        pLoop.add(new LStmt.Let("sp__", new LExpr.Load("s__tile", sAt, t)));
        pLoop.add(new LStmt.Let("p__", L.select(L.cmp(Expr.BinOp.EQ, tref("sp__"), L.negInf(t)), zero(),
                exp(L.bin(Expr.BinOp.SUB, tref("sp__"), tref("m_use__"), t)))));
        LExpr weighted = tref("p__");
        if (a.out().isPresent() && a.out().get().factor().isPresent()) {
            pLoop.add(new LStmt.Let(key.name(), add(ref("j0__"), ref("c__"))));
            Block fb = new Block();
            ExprLowering.V f = ex.lower(a.out().get().factor().get(), fb);
            pLoop.addAll(fb.done());
            weighted = L.bin(Expr.BinOp.MUL, weighted, L.cast(f.value(), t), t);
        }
        if (a.mask().isPresent() && a.out().isPresent() && a.out().get().factor().isPresent()) {
            // A masked key weighs exactly 0 (its factor may be anything); a present -inf score keeps p * factor.
            LExpr present = new LExpr.Binary(Expr.BinOp.OR, ref("full_block__", DType.BOOL),
                    L.cmp(Expr.BinOp.NE, new LExpr.Load("present__tile", sAt, t), zero()), DType.BOOL);
            weighted = L.select(present, weighted, zero());
        }
        pLoop.add(new LStmt.Store("s__tile", sAt, weighted));
        pLoop.add(new LStmt.Assign("sum__", L.bin(Expr.BinOp.ADD, tref("sum__"), tref("p__"), t)));
        perRow.add(new LStmt.For("c__", L.i32(0), ref("cols__"), LStmt.LoopKind.SERIAL, pLoop));
        perRow.add(new LStmt.Store("l__row", ref("r__"), L.bin(Expr.BinOp.ADD,
                L.bin(Expr.BinOp.MUL, new LExpr.Load("l__row", ref("r__"), t), tref("alpha__"), t), tref("sum__"), t)));
        perRow.add(new LStmt.Store("m__row", ref("r__"), tref("m_use__")));
        if (a.max().isPresent()) {
            perRow.add(new LStmt.Store("nan__row", ref("r__"), L.bin(Expr.BinOp.ADD, new LExpr.Load("nan__row", ref("r__"), t), tref("nans__"), t)));
            perRow.add(new LStmt.Store("top__row", ref("r__"), L.call(Expr.Builtin.MAX, t, new LExpr.Load("top__row", ref("r__"), t), tref("mx__"))));
        }
        if (a.out().isPresent()) {
            String e = a.out().get().var().name();
            LExpr accAt = add(mul(ref("r__"), ref("pad__")), ref(e));
            perRow.add(new LStmt.If(ref("rescale__", DType.BOOL), List.of(
                    new LStmt.For(e, L.i32(0), ref("width__"), LStmt.LoopKind.SERIAL, List.of(
                            new LStmt.Store("acc__tile", accAt, L.bin(Expr.BinOp.MUL, new LExpr.Load("acc__tile", accAt, t), tref("alpha__"), t))))),
                    List.of()));
        }
        block.add(new LStmt.Comment("online softmax: scores, running max, p = exp(s - m), l and acc rescaled"));
        block.add(new LStmt.For("r__", L.i32(0), ref("rows__"), LStmt.LoopKind.SERIAL, perRow));

        if (a.out().isPresent()) {
            String e = a.out().get().var().name();
            LStmt full = new LStmt.MatMul(new LStmt.Operand("acc__tile", L.i32(0), ref("pad__"), L.i32(1)),
                    new LStmt.Operand("s__tile", L.i32(0), bcE, L.i32(1)),
                    new LStmt.Operand("v__tile", L.i32(0), ref("pad__"), L.i32(1)), ref("rows__"), ref("pad__"), ref("cols__"), true);
            block.add(new LStmt.Comment("acc += p · v"));
            if (a.mask().isPresent()) {
                // A partial block multiplies only the present keys' values (a masked key's value never enters).
                LExpr accAt = add(mul(ref("r__"), ref("pad__")), ref(e));
                LExpr vAt = add(mul(ref("c__"), ref("pad__")), ref(e));
                List<LStmt> axpy = List.of(new LStmt.Let("pv__", new LExpr.Load("s__tile", sAt, t)),
                        new LStmt.For(e, L.i32(0), ref("width__"), LStmt.LoopKind.SERIAL, List.of(new LStmt.Store("acc__tile", accAt,
                                L.bin(Expr.BinOp.ADD, new LExpr.Load("acc__tile", accAt, t),
                                        L.bin(Expr.BinOp.MUL, tref("pv__"), new LExpr.Load("v__tile", vAt, t), t), t)))));
                List<LStmt> partial = List.of(new LStmt.For("r__", L.i32(0), ref("rows__"), LStmt.LoopKind.SERIAL, List.of(
                        new LStmt.For("c__", L.i32(0), ref("cols__"), LStmt.LoopKind.SERIAL, List.of(
                                new LStmt.If(L.cmp(Expr.BinOp.NE, new LExpr.Load("present__tile", sAt, t), zero()), axpy, List.of()))))));
                // With every value finite, a masked key's p = 0 adds exactly 0, so the matmul is exact for partial blocks too.
                LExpr finite = new LExpr.Binary(Expr.BinOp.OR, ref("full_block__", DType.BOOL),
                        L.cmp(Expr.BinOp.LT, tref("v_max__"), new LExpr.Const(Double.POSITIVE_INFINITY, t)), DType.BOOL);
                block.add(new LStmt.If(finite, List.of(full), partial));
            } else {
                block.add(full);
            }
        }
        b.add(new LStmt.Comment("the key blocks" + (bsrCount != null ? " the block mask lists (full ones unmasked)" : "")));
        overKeyBlocks(block).forEach(b::add);

        b.add(new LStmt.Comment("o = acc / l, lse = m + log l, max"));
        List<LStmt> fin = new ArrayList<>();
        fin.add(new LStmt.Let(row.name(), add(ref("i0__"), ref("r__"))));
        fin.add(new LStmt.Let("m__", new LExpr.Load("m__row", ref("r__"), t)));
        fin.add(new LStmt.Let("l__", new LExpr.Load("l__row", ref("r__"), t)));
        finalRow(fin, "acc__tile", add(mul(ref("r__"), ref("pad__")), a.out().map(o -> ref(o.var().name())).orElse(L.i32(0))),
                a.max().isPresent() ? new LExpr.Load("nan__row", ref("r__"), t) : null,
                a.max().isPresent() ? new LExpr.Load("top__row", ref("r__"), t) : null);
        b.add(new LStmt.For("r__", L.i32(0), ref("rows__"), LStmt.LoopKind.SERIAL, fin));
        lowering.emitKernel(lowering.kernelName(base + "__flash"), grid, Optional.empty(), b.done());
    }

    /**
     * The loop computing one row's scores of a key block into {@code s__tile} and their NaN-free
     * maximum; with {@code masked}, keys outside the mask get -inf and a false presence flag.
     */
    private List<LStmt> scoreLoop(ExprLowering ex, LExpr sAt, boolean masked) {
        List<LStmt> body = new ArrayList<>();
        body.add(new LStmt.Let(key.name(), add(ref("j0__"), ref("c__"))));
        body.add(new LStmt.Let("dot__", L.cast(new LExpr.Load("s__tile", sAt, t), a.dot().type())));
        Block sb = new Block();
        ExprLowering.V sv = ex.lower(score, sb);
        List<LStmt> compute = new ArrayList<>(sb.done());
        compute.add(new LStmt.Let("sv__", L.cast(sv.value(), t)));
        LExpr s = tref("sv__");
        if (!masked) {
            body.addAll(compute);
            body.add(new LStmt.Store("s__tile", sAt, s));
            body.add(new LStmt.Assign("mx__", L.call(Expr.Builtin.MAX, t, tref("mx__"), L.select(L.cmp(Expr.BinOp.EQ, s, s), s, L.negInf(t)))));
            if (a.max().isPresent()) body.add(new LStmt.Assign("nans__", L.bin(Expr.BinOp.ADD, tref("nans__"),
                    L.select(L.cmp(Expr.BinOp.EQ, s, s), zero(), one()), t)));
            return List.of(new LStmt.For("c__", L.i32(0), ref("cols__"), LStmt.LoopKind.SERIAL, body));
        }
        // Straight-line, so it runs on vector lanes: the score is total, so computing it where the
        // mask is false is harmless; the mask then picks -inf there.
        Block mb = new Block();
        ExprLowering.V m = ex.lower(a.mask().orElseThrow(), mb);
        body.addAll(mb.done());
        body.add(new LStmt.Let("allowed__", L.and(m.present(), m.value())));
        body.addAll(compute);
        LExpr allowed = ref("allowed__", DType.BOOL);
        body.add(new LStmt.Let("sm__", L.select(allowed, s, L.negInf(t))));
        LExpr sm = tref("sm__");
        body.add(new LStmt.Store("present__tile", sAt, L.select(allowed, one(), zero())));
        body.add(new LStmt.Store("s__tile", sAt, sm));
        body.add(new LStmt.Assign("mx__", L.call(Expr.Builtin.MAX, t, tref("mx__"), L.select(L.cmp(Expr.BinOp.EQ, sm, sm), sm, L.negInf(t)))));
        if (a.max().isPresent()) body.add(new LStmt.Assign("nans__", L.bin(Expr.BinOp.ADD, tref("nans__"),
                L.select(L.cmp(Expr.BinOp.EQ, sm, sm), zero(), one()), t)));
        return List.of(new LStmt.For("c__", L.i32(0), ref("cols__"), LStmt.LoopKind.SERIAL, body));
    }

    /**
     * The running maximum's update for a block with NaN-free maximum {@code mx__}, lazily
     * (ALGORITHMS.md's conditional rescaling): the reference point {@code m_use__} moves to the
     * new maximum only when that exceeds the old one by more than {@link #RESCALE_MARGIN} (or
     * there was none), so most blocks leave l and acc alone ({@code rescale__} false,
     * {@code alpha__} = 1); meanwhile p = exp(s - m_use) stays below e^margin. o = acc / l and
     * lse = m + log l hold for any reference point.
     */
    private List<LStmt> newMaximum(String old) {
        LExpr mOld = tref(old);
        LExpr mNew = tref("m_new__");
        LExpr none = L.cmp(Expr.BinOp.EQ, mOld, L.negInf(t));
        return List.of(
                new LStmt.Let("m_new__", L.call(Expr.Builtin.MAX, t, mOld, tref("mx__"))),
                new LStmt.Let("rescale__", L.and(L.not(none),
                        L.cmp(Expr.BinOp.GT, L.bin(Expr.BinOp.SUB, mNew, mOld, t), new LExpr.Const(RESCALE_MARGIN, t)))),
                new LStmt.Let("m_use__", L.select(new LExpr.Binary(Expr.BinOp.OR, none, ref("rescale__", DType.BOOL), DType.BOOL), mNew, mOld)),
                new LStmt.Let("alpha__", L.select(ref("rescale__", DType.BOOL), exp(L.bin(Expr.BinOp.SUB, mOld, mNew, t)), one())));
    }

    /** How far (natural log units) the maximum may rise before l and acc are rescaled: p stays below e^8 ≈ 3000. */
    static final double RESCALE_MARGIN = 8;

    /** Writes one row's outputs from m__, l__ and the accumulator (at {@code accAt} for value index e). */
    private void finalRow(List<LStmt> fin, String acc, LExpr accAt, LExpr nans, LExpr top) {
        List<LExpr> rowIdx = new ArrayList<>();
        for (IndexVar v : a.rows()) rowIdx.add(ref(v.name()));
        LExpr m = tref("m__");
        LExpr l = tref("l__");
        a.out().ifPresent(o -> {
            fin.add(new LStmt.Let("inv_l__", L.select(L.cmp(Expr.BinOp.EQ, l, zero()), one(), L.bin(Expr.BinOp.DIV, one(), l, t))));
            List<LExpr> idx = new ArrayList<>(rowIdx);
            idx.add(ref(o.var().name()));
            DType store = L.compute(lowering.dtype(o.tensor()));
            fin.add(new LStmt.For(o.var().name(), L.i32(0), ref("width__"), LStmt.LoopKind.SERIAL, List.of(
                    new LStmt.Store(o.tensor(), L.flat(idx, lowering.shape(o.tensor())),
                            L.cast(L.bin(Expr.BinOp.MUL, new LExpr.Load(acc, accAt, t), tref("inv_l__"), t), store)))));
        });
        a.lse().ifPresent(name -> {
            LExpr infinite = new LExpr.Binary(Expr.BinOp.OR, L.cmp(Expr.BinOp.EQ, m, new LExpr.Const(Double.POSITIVE_INFINITY, t)),
                    L.cmp(Expr.BinOp.EQ, m, L.negInf(t)), DType.BOOL);
            fin.add(new LStmt.Store(name, L.flat(rowIdx, lowering.shape(name)),
                    L.cast(L.select(infinite, m, L.bin(Expr.BinOp.ADD, m, L.call(Expr.Builtin.LOG, t, l), t)), L.compute(lowering.dtype(name)))));
        });
        a.max().ifPresent(name -> fin.add(new LStmt.Store(name, L.flat(rowIdx, lowering.shape(name)),
                L.cast(L.select(L.cmp(Expr.BinOp.GT, nans, zero()), new LExpr.Const(Double.NaN, t), top), L.compute(lowering.dtype(name))))));
    }

    // ------------------------------------------------------------------ groups of lanes (GPU)

    private void gpu() {
        String value = a.out().map(o -> o.var().name()).orElse("the value dim");
        lowering.addCheck(L.and(L.cmp(Expr.BinOp.LE, depth, L.i32(GPU_MAX_HEAD_DIM)), L.cmp(Expr.BinOp.LE, width, L.i32(GPU_MAX_HEAD_DIM))),
                "head dims " + dotVar.name() + " and " + value + " at most " + GPU_MAX_HEAD_DIM + ": the fused attention of '" + base
                        + "' on " + target.name() + " keeps a row's q and accumulator in one lane (compile with --no-fusion for larger ones)");
        ExprLowering ex = new ExprLowering(lowering);
        List<Kernel.GridDim> grid = flashGrid(ex);
        int hd = GPU_MAX_HEAD_DIM;
        LExpr bcE = L.i32(bc);

        Block b = new Block();
        b.add(new LStmt.Comment(lowering.describe(a) + " — lower: flash attention, a group of " + br + " lanes per " + br
                + " rows (a row per lane), key blocks of " + bc + " staged in shared memory"));
        b.add(new LStmt.Alloc("k__shared", t, L.i32((long) bc * hd), LStmt.Space.SHARED));
        if (a.out().isPresent()) b.add(new LStmt.Alloc("v__shared", t, L.i32((long) bc * hd), LStmt.Space.SHARED));
        b.add(new LStmt.Let(row.name(), add(mul(ref("qb__"), L.i32(br)), ref("lane__"))));
        b.add(new LStmt.Let("active__", L.cmp(Expr.BinOp.LT, ref(row.name()), rowCount)));
        b.add(new LStmt.Let("depth__", depth));
        b.add(new LStmt.Let("width__", width));
        b.add(new LStmt.Alloc("q__row", t, L.i32(hd), LStmt.Space.PRIVATE));
        b.add(new LStmt.Alloc("s__row", t, bcE, LStmt.Space.PRIVATE));
        if (a.out().isPresent()) b.add(new LStmt.Alloc("acc__row", t, L.i32(hd), LStmt.Space.PRIVATE));
        if (a.mask().isPresent()) b.add(new LStmt.Alloc("present__row", DType.BOOL, bcE, LStmt.Space.PRIVATE));
        b.add(new LStmt.Var("m__", t, L.negInf(t)));
        b.add(new LStmt.Var("l__", t, zero()));
        if (a.max().isPresent()) {
            b.add(new LStmt.Var("nan__", t, zero()));
            b.add(new LStmt.Var("top__", t, L.negInf(t)));
        }
        List<LStmt> init = new ArrayList<>();
        init.add(loop(dotVar.name(), ref("depth__"), List.of(), loadInto("q__row", ref(dotVar.name()), a.q(), ex)));
        a.sink().ifPresent(x -> {
            Block sb = new Block();
            ExprLowering.V sv = ex.lower(x, sb);
            init.addAll(sb.done());
            init.add(new LStmt.Let("sink__", L.cast(sv.value(), t)));
            LExpr s = tref("sink__");
            init.add(new LStmt.Assign("m__", L.select(L.cmp(Expr.BinOp.EQ, s, s), s, L.negInf(t))));
            init.add(new LStmt.Assign("l__", L.select(L.cmp(Expr.BinOp.EQ, s, L.negInf(t)), zero(), exp(L.bin(Expr.BinOp.SUB, s, tref("m__"), t)))));
            if (a.max().isPresent()) {
                init.add(new LStmt.Assign("nan__", L.select(L.cmp(Expr.BinOp.EQ, s, s), zero(), one())));
                init.add(new LStmt.Assign("top__", L.select(L.cmp(Expr.BinOp.EQ, s, s), s, L.negInf(t))));
            }
        });
        b.add(new LStmt.If(ref("active__", DType.BOOL), init, List.of()));

        List<LStmt> block = new ArrayList<>();
        block.add(new LStmt.Let("j0__", mul(ref("kb__"), bcE)));
        block.add(new LStmt.Let("cols__", min(bcE, sub(keyCount, ref("j0__")))));
        block.add(new LStmt.Comment("all lanes stage the key block's k (and v) rows in shared memory"));
        block.addAll(stage("k__shared", ref("depth__"), dotVar.name(), a.k(), ex));
        a.out().ifPresent(o -> block.addAll(stage("v__shared", ref("width__"), o.var().name(), o.value(), ex)));
        block.add(new LStmt.Barrier());

        List<LStmt> lane = new ArrayList<>();
        lane.add(new LStmt.Var("mx__", t, L.negInf(t)));
        List<LStmt> perKey = new ArrayList<>();
        perKey.add(new LStmt.Let(key.name(), add(ref("j0__"), ref("c__"))));
        perKey.add(new LStmt.Var("dot_acc__", t, zero()));
        LExpr kAt = add(mul(ref("c__"), ref("depth__")), ref(dotVar.name()));
        perKey.add(new LStmt.For(dotVar.name(), L.i32(0), ref("depth__"), LStmt.LoopKind.SERIAL, List.of(
                new LStmt.Assign("dot_acc__", L.bin(Expr.BinOp.ADD, tref("dot_acc__"),
                        L.bin(Expr.BinOp.MUL, new LExpr.Load("q__row", ref(dotVar.name()), t), new LExpr.Load("k__shared", kAt, t), t), t)))));
        perKey.add(new LStmt.Let("dot__", L.cast(tref("dot_acc__"), a.dot().type())));
        Block sb = new Block();
        ExprLowering.V sv = ex.lower(score, sb);
        List<LStmt> compute = new ArrayList<>(sb.done());
        compute.add(new LStmt.Let("sv__", L.cast(sv.value(), t)));
        LExpr s = tref("sv__");
        compute.add(new LStmt.Store("s__row", ref("c__"), s));
        compute.add(new LStmt.Assign("mx__", L.call(Expr.Builtin.MAX, t, tref("mx__"), L.select(L.cmp(Expr.BinOp.EQ, s, s), s, L.negInf(t)))));
        if (a.max().isPresent()) compute.add(new LStmt.Assign("nan__", L.bin(Expr.BinOp.ADD, tref("nan__"),
                L.select(L.cmp(Expr.BinOp.EQ, s, s), zero(), one()), t)));
        if (a.mask().isPresent()) {
            Block mb = new Block();
            ExprLowering.V m = ex.lower(a.mask().get(), mb);
            List<LStmt> decide = new ArrayList<>(mb.done());
            decide.add(new LStmt.Let("allowed__", L.and(m.present(), m.value())));
            perKey.add(new LStmt.Var("keep__", DType.BOOL, L.TRUE));
            perKey.add(new LStmt.If(L.not(ref("full_block__", DType.BOOL)),
                    concat(decide, List.of(new LStmt.Assign("keep__", ref("allowed__", DType.BOOL)))), List.of()));
            perKey.add(new LStmt.Store("present__row", ref("c__"), ref("keep__", DType.BOOL)));
            perKey.add(new LStmt.If(ref("keep__", DType.BOOL), compute, List.of(new LStmt.Store("s__row", ref("c__"), L.negInf(t)))));
        } else {
            perKey.addAll(compute);
        }
        lane.add(new LStmt.For("c__", L.i32(0), ref("cols__"), LStmt.LoopKind.SERIAL, perKey));
        lane.addAll(newMaximum("m__"));
        lane.add(new LStmt.Assign("l__", L.bin(Expr.BinOp.MUL, tref("l__"), tref("alpha__"), t)));
        if (a.out().isPresent()) {
            String e = a.out().get().var().name();
            lane.add(new LStmt.If(ref("rescale__", DType.BOOL), List.of(new LStmt.For(e, L.i32(0), ref("width__"), LStmt.LoopKind.SERIAL, List.of(
                    new LStmt.Store("acc__row", ref(e), L.bin(Expr.BinOp.MUL, new LExpr.Load("acc__row", ref(e), t), tref("alpha__"), t))))),
                    List.of()));
        }
        List<LStmt> accumulate = new ArrayList<>();
        accumulate.add(new LStmt.Let(key.name(), add(ref("j0__"), ref("c__"))));
        accumulate.add(new LStmt.Let("sp__", new LExpr.Load("s__row", ref("c__"), t)));
        accumulate.add(new LStmt.Let("p__", L.select(L.cmp(Expr.BinOp.EQ, tref("sp__"), L.negInf(t)), zero(),
                exp(L.bin(Expr.BinOp.SUB, tref("sp__"), tref("m_use__"), t)))));
        accumulate.add(new LStmt.Assign("l__", L.bin(Expr.BinOp.ADD, tref("l__"), tref("p__"), t)));
        a.out().ifPresent(o -> {
            LExpr w = tref("p__");
            if (o.factor().isPresent()) {
                Block fb = new Block();
                ExprLowering.V f = ex.lower(o.factor().get(), fb);
                accumulate.addAll(fb.done());
                w = L.bin(Expr.BinOp.MUL, w, L.cast(f.value(), t), t);
            }
            accumulate.add(new LStmt.Let("pw__", w));
            String e = o.var().name();
            accumulate.add(new LStmt.For(e, L.i32(0), ref("width__"), LStmt.LoopKind.SERIAL, List.of(
                    new LStmt.Store("acc__row", ref(e), L.bin(Expr.BinOp.ADD, new LExpr.Load("acc__row", ref(e), t),
                            L.bin(Expr.BinOp.MUL, tref("pw__"), new LExpr.Load("v__shared", add(mul(ref("c__"), ref("width__")), ref(e)), t), t), t)))));
        });
        List<LStmt> guarded = a.mask().isPresent()
                ? List.of(new LStmt.If(new LExpr.Load("present__row", ref("c__"), DType.BOOL), accumulate, List.of()))
                : accumulate;
        lane.add(new LStmt.For("c__", L.i32(0), ref("cols__"), LStmt.LoopKind.SERIAL, guarded));
        lane.add(new LStmt.Assign("m__", tref("m_use__")));
        if (a.max().isPresent()) lane.add(new LStmt.Assign("top__", L.call(Expr.Builtin.MAX, t, tref("top__"), tref("mx__"))));
        block.add(new LStmt.Comment("each lane: its row's scores, running max, p = exp(s - m), l and acc"));
        block.add(new LStmt.If(ref("active__", DType.BOOL), lane, List.of()));
        block.add(new LStmt.Barrier());
        b.add(new LStmt.Comment("the key blocks" + (bsrCount != null ? " the block mask lists (full ones unmasked)" : "")));
        overKeyBlocks(block).forEach(b::add);

        List<LStmt> fin = new ArrayList<>();
        finalRow(fin, "acc__row", a.out().map(o -> ref(o.var().name())).orElse(L.i32(0)), a.max().isPresent() ? tref("nan__") : null,
                a.max().isPresent() ? tref("top__") : null);
        b.add(new LStmt.Comment("o = acc / l, lse = m + log l, max"));
        b.add(new LStmt.If(ref("active__", DType.BOOL), fin, List.of()));
        lowering.emitKernel(lowering.kernelName(base + "__flash"), grid, Optional.of(new Kernel.Group("lane__", br)), b.done());
    }

    /** Every lane loads its share of a {@code bc x cols} block (zero past the last key) into a shared array. */
    private List<LStmt> stage(String shared, LExpr cols, String colVar, Expr value, ExprLowering ex) {
        int lanes = br;
        List<LStmt> out = new ArrayList<>();
        String step = shared + "_step";
        String at = shared + "_at";
        LExpr total = mul(L.i32(bc), cols);
        List<LStmt> load = new ArrayList<>();
        load.add(new LStmt.Let(shared + "_c", L.bin(Expr.BinOp.DIV, ref(at), cols, DType.I32)));
        load.add(new LStmt.Let(colVar, L.bin(Expr.BinOp.MOD, ref(at), cols, DType.I32)));
        load.add(new LStmt.Let(key.name(), add(ref("j0__"), ref(shared + "_c"))));
        Block vb = new Block();
        ExprLowering.V v = ex.lower(value, vb);
        List<LStmt> read = new ArrayList<>(vb.done());
        read.add(new LStmt.Store(shared, ref(at), L.cast(v.value(), t)));
        load.add(new LStmt.If(L.cmp(Expr.BinOp.LT, ref(shared + "_c"), ref("cols__")), read,
                List.of(new LStmt.Store(shared, ref(at), zero()))));
        List<LStmt> stepBody = new ArrayList<>();
        stepBody.add(new LStmt.Let(at, add(mul(ref(step), L.i32(lanes)), ref("lane__"))));
        stepBody.add(new LStmt.If(L.cmp(Expr.BinOp.LT, ref(at), total), load, List.of()));
        out.add(new LStmt.For(step, L.i32(0), L.bin(Expr.BinOp.DIV, add(total, L.i32(lanes - 1)), L.i32(lanes), DType.I32),
                LStmt.LoopKind.SERIAL, stepBody));
        return out;
    }

    // ------------------------------------------------------------------ helpers

    /** {@code array[at] = value} at the current point, as a loop body. */
    private List<LStmt> loadInto(String array, LExpr at, Expr value, ExprLowering ex) {
        Block vb = new Block();
        ExprLowering.V v = ex.lower(value, vb);
        List<LStmt> out = new ArrayList<>(vb.done());
        out.add(new LStmt.Store(array, at, L.cast(v.value(), t)));
        return out;
    }

    private static LStmt loop(String var, LExpr hi, List<LStmt> head, List<LStmt> body) {
        return new LStmt.For(var, L.i32(0), hi, LStmt.LoopKind.SERIAL, concat(head, body));
    }

    private static List<LStmt> concat(List<LStmt> a, List<LStmt> b) {
        List<LStmt> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    /** {@code x} rounded up to a multiple of {@code m}. */
    private static LExpr roundUp(LExpr x, int m) {
        return mul(L.bin(Expr.BinOp.DIV, add(x, L.i32(m - 1)), L.i32(m), DType.I32), L.i32(m));
    }

    private LExpr rowBlocks() {
        return L.bin(Expr.BinOp.DIV, add(rowCount, L.i32(br - 1)), L.i32(br), DType.I32);
    }

    private LExpr keyBlocks() {
        return L.bin(Expr.BinOp.DIV, add(keyCount, L.i32(bc - 1)), L.i32(bc), DType.I32);
    }

    private static LExpr i32(LExpr e) {
        return L.cast(e, DType.I32);
    }

    private static LExpr ref(String name) {
        return L.ref(name, DType.I32);
    }

    private static LExpr ref(String name, DType type) {
        return L.ref(name, type);
    }

    private LExpr tref(String name) {
        return L.ref(name, t);
    }

    private LExpr zero() {
        return new LExpr.Const(0, t);
    }

    private LExpr one() {
        return new LExpr.Const(1, t);
    }

    private LExpr exp(LExpr x) {
        return L.call(Expr.Builtin.EXP, t, x);
    }

    private static LExpr add(LExpr x, LExpr y) {
        return L.bin(Expr.BinOp.ADD, x, y, DType.I32);
    }

    private static LExpr sub(LExpr x, LExpr y) {
        return L.bin(Expr.BinOp.SUB, x, y, DType.I32);
    }

    private static LExpr mul(LExpr x, LExpr y) {
        return L.bin(Expr.BinOp.MUL, x, y, DType.I32);
    }

    private static LExpr min(LExpr x, LExpr y) {
        return L.call(Expr.Builtin.MIN, DType.I32, x, y);
    }

}
