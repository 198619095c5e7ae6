package tessera.passes.lower;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tessera.ir.loop.LExpr;
import tessera.ir.loop.LStmt;
import tessera.ir.tensor.Expr;
import tessera.ir.tensor.ExprWalker;
import tessera.ir.tensor.IndexVar;
import tessera.runtime.DType;

/**
 * Lowers one Tensor IR expression, at one point of a kernel's iteration space, to Loop IR: a
 * value and a presence flag, with the statements that compute them (reduction loops) appended to
 * the current block. Absent terms are skipped by reductions and make statements skip their store.
 * A softmax reads row statistics that a separate kernel computes first (requested from
 * {@link Lowering#softmaxStats}).
 */
final class ExprLowering {
    /** A lowered value and whether it is present (BOOL; often the constant true). */
    record V(LExpr value, LExpr present) {}

    private final Lowering lowering;
    /** Index variables in scope: their Loop IR value and their extent (for softmax statistics). */
    private final Map<String, LExpr> vars = new LinkedHashMap<>();
    private final Map<String, Expr> extents = new LinkedHashMap<>();
    private int fresh;

    ExprLowering(Lowering lowering) {
        this.lowering = lowering;
    }

    void bind(String var, LExpr value, Expr extent) {
        vars.put(var, value);
        extents.put(var, extent);
    }

    private String fresh(String base) {
        return base + "__" + (fresh++);
    }

    V lower(Expr e, Block b) {
        return switch (e) {
            case Expr.Const c -> new V(new LExpr.Const(c.value(), c.type()), L.TRUE);
            case Expr.Scalar s -> new V(lowering.scalar(s), L.TRUE);
            case Expr.Index i -> new V(vars.get(i.name()), L.TRUE);
            case Expr.Read r -> read(r, b);
            case Expr.Unary u -> {
                V x = lower(u.x(), b);
                yield new V(new LExpr.Unary(u.op(), x.value(), u.type()), x.present());
            }
            case Expr.Binary bin -> binary(bin, b);
            case Expr.Select s -> select(s, b);
            case Expr.Call c -> {
                List<LExpr> args = new ArrayList<>();
                LExpr present = L.TRUE;
                for (Expr a : c.args()) {
                    V v = lower(a, b);
                    args.add(v.value());
                    present = L.and(present, v.present());
                }
                yield new V(new LExpr.Call(c.fn(), args, c.type()), present);
            }
            case Expr.Reduce r -> reduce(r, b);
            case Expr.Softmax s -> softmax(s, b);
        };
    }

    private V read(Expr.Read r, Block b) {
        List<LExpr> idx = new ArrayList<>();
        LExpr present = L.TRUE;
        for (Expr i : r.indices()) {
            V v = lower(i, b);
            idx.add(L.cast(v.value(), DType.I32));
            present = L.and(present, v.present());
        }
        LExpr flat = L.flat(idx, lowering.shape(r.tensor()));
        String mask = lowering.mask(r.tensor());
        if (mask != null) {
            present = L.and(present, new LExpr.Load(mask, flat, DType.BOOL));
        }
        return new V(new LExpr.Load(r.tensor(), flat, r.type()), present);
    }

    private V binary(Expr.Binary bin, Block b) {
        V x = lower(bin.a(), b);
        if (bin.op().isLogical()) {
            // Short-circuit: the right side's loops run only when needed.
            Block right = new Block();
            V y = lower(bin.b(), right);
            if (right.isEmpty()) {
                return new V(new LExpr.Binary(bin.op(), x.value(), y.value(), DType.BOOL), L.and(x.present(), y.present()));
            }
            String r = fresh("cond");
            String p = fresh("present");
            b.add(new LStmt.Var(r, DType.BOOL, x.value()));
            b.add(new LStmt.Var(p, DType.BOOL, x.present()));
            LExpr evaluateRight = bin.op() == Expr.BinOp.AND ? x.value() : L.not(x.value());
            List<LStmt> then = new ArrayList<>(right.done());
            then.add(new LStmt.Assign(r, y.value()));
            then.add(new LStmt.Assign(p, L.and(x.present(), y.present())));
            b.add(new LStmt.If(evaluateRight, then, List.of()));
            return new V(L.ref(r, DType.BOOL), L.ref(p, DType.BOOL));
        }
        V y = lower(bin.b(), b);
        LExpr value;
        if ((bin.op() == Expr.BinOp.DIV || bin.op() == Expr.BinOp.MOD) && L.isInt(bin.type())
                && !(y.value() instanceof LExpr.Const k && k.value() != 0)) {
            // Backends do not trap on integer division by zero (the reference reports it): give 0.
            LExpr a = L.cast(x.value(), bin.type());
            LExpr d = L.cast(y.value(), bin.type());
            value = new LExpr.Select(L.cmp(Expr.BinOp.EQ, d, new LExpr.Const(0, bin.type())), new LExpr.Const(0, bin.type()),
                    new LExpr.Binary(bin.op(), a, d, bin.type()), bin.type());
        } else {
            value = new LExpr.Binary(bin.op(), x.value(), y.value(), bin.type());
        }
        return new V(value, L.and(x.present(), y.present()));
    }

    private V select(Expr.Select s, Block b) {
        V c = lower(s.cond(), b);
        Block left = new Block();
        Block right = new Block();
        V x = lower(s.a(), left);
        V y = lower(s.b(), right);
        if (left.isEmpty() && right.isEmpty()) {
            LExpr present = L.and(c.present(), L.isTrue(x.present()) && L.isTrue(y.present()) ? L.TRUE
                    : new LExpr.Select(c.value(), x.present(), y.present(), DType.BOOL));
            return new V(new LExpr.Select(c.value(), L.cast(x.value(), s.type()), L.cast(y.value(), s.type()), s.type()), present);
        }
        String r = fresh("choice");
        String p = fresh("present");
        b.add(new LStmt.Var(r, s.type(), new LExpr.Const(0, s.type())));
        b.add(new LStmt.Var(p, DType.BOOL, L.FALSE));
        List<LStmt> then = new ArrayList<>(left.done());
        then.add(new LStmt.Assign(r, L.cast(x.value(), s.type())));
        then.add(new LStmt.Assign(p, x.present()));
        List<LStmt> otherwise = new ArrayList<>(right.done());
        otherwise.add(new LStmt.Assign(r, L.cast(y.value(), s.type())));
        otherwise.add(new LStmt.Assign(p, y.present()));
        b.add(new LStmt.If(c.value(), then, otherwise));
        return new V(L.ref(r, s.type()), L.and(c.present(), L.ref(p, DType.BOOL)));
    }

    private V reduce(Expr.Reduce r, Block b) {
        DType t = r.type();
        String acc = fresh(r.op().sourceName());
        String count = null;
        String max = null;
        switch (r.op()) {
            case SUM -> b.add(new LStmt.Var(acc, t, new LExpr.Const(0, t)));
            case MEAN -> {
                b.add(new LStmt.Var(acc, t, new LExpr.Const(0, t)));
                count = fresh("count");
                b.add(new LStmt.Var(count, DType.I32, L.i32(0)));
            }
            case MAX -> b.add(new LStmt.Var(acc, t, L.isInt(t) ? new LExpr.Const(t == DType.I32 ? Integer.MIN_VALUE : Long.MIN_VALUE, t) : L.negInf(t)));
            case MIN -> b.add(new LStmt.Var(acc, t, L.isInt(t) ? new LExpr.Const(t == DType.I32 ? Integer.MAX_VALUE : Long.MAX_VALUE, t)
                    : new LExpr.Const(Double.POSITIVE_INFINITY, t)));
            case LOGSUMEXP -> {
                max = fresh("max");
                b.add(new LStmt.Var(max, t, L.negInf(t)));
                b.add(new LStmt.Var(acc, t, new LExpr.Const(0, t)));
            }
        }
        Block inner = new Block();
        for (IndexVar v : r.vars()) bind(v.name(), L.ref(v.name(), DType.I32), v.extent());
        Block body = new Block();
        V x = lower(r.body(), body);
        LExpr value = L.cast(x.value(), t);
        List<LStmt> combine = new ArrayList<>(body.done());
        List<LStmt> update = new ArrayList<>();
        switch (r.op()) {
            case SUM -> update.add(new LStmt.Assign(acc, L.bin(Expr.BinOp.ADD, L.ref(acc, t), value, t)));
            case MEAN -> {
                update.add(new LStmt.Assign(acc, L.bin(Expr.BinOp.ADD, L.ref(acc, t), value, t)));
                update.add(new LStmt.Assign(count, L.bin(Expr.BinOp.ADD, L.ref(count, DType.I32), L.i32(1), DType.I32)));
            }
            case MAX -> update.add(new LStmt.Assign(acc, L.call(Expr.Builtin.MAX, t, L.ref(acc, t), value)));
            case MIN -> update.add(new LStmt.Assign(acc, L.call(Expr.Builtin.MIN, t, L.ref(acc, t), value)));
            case LOGSUMEXP -> update.addAll(onlineLogSumExp(max, acc, value, t));
        }
        combine.add(guard(x.present(), update));
        List<LStmt> loopBody;
        if (r.filter().isPresent()) {
            Block fb = new Block();
            V f = lower(r.filter().get(), fb);
            loopBody = new ArrayList<>(fb.done());
            loopBody.add(guard(L.and(f.present(), f.value()), combine));
        } else {
            loopBody = combine;
        }
        List<IndexVar> vs = r.vars();
        for (int k = vs.size() - 1; k >= 0; k--) {
            IndexVar v = vs.get(k);
            loopBody = List.of(new LStmt.For(v.name(), L.i32(0), L.cast(lowering.hostExpr(v.extent()), DType.I32),
                    LStmt.LoopKind.SERIAL, loopBody));
        }
        loopBody.forEach(inner::add);
        inner.stmts.forEach(b::add);
        for (IndexVar v : r.vars()) {
            vars.remove(v.name());
            extents.remove(v.name());
        }
        LExpr result = switch (r.op()) {
            case SUM, MAX, MIN -> L.ref(acc, t);
            case MEAN -> L.select(L.cmp(Expr.BinOp.GT, L.ref(count, DType.I32), L.i32(0)),
                    L.bin(Expr.BinOp.DIV, L.ref(acc, t), L.cast(L.ref(count, DType.I32), t), t), new LExpr.Const(0, t));
            case LOGSUMEXP -> logSumExpResult(max, acc, t);
        };
        return new V(result, L.TRUE);
    }

    private static LStmt guard(LExpr cond, List<LStmt> then) {
        if (L.isTrue(cond)) {
            return then.size() == 1 ? then.getFirst() : new LStmt.If(L.TRUE, then, List.of());
        }
        return new LStmt.If(cond, then, List.of());
    }

    /**
     * One step of the streaming log-sum-exp over (m, s): a -inf term adds nothing; a larger term
     * rescales the running sum.
     */
    static List<LStmt> onlineLogSumExp(String m, String s, LExpr x, DType t) {
        return onlineLogSumExp(m, s, x, t, false);
    }

    /**
     * @param softmax whether the sum is a softmax denominator: then a new maximum adds
     *     {@code exp(x - x)} rather than 1, so a +inf score gives NaN as {@code exp(inf - inf)} does
     *     in the reference; for logsumexp a +inf term makes the result +inf.
     */
    static List<LStmt> onlineLogSumExp(String m, String s, LExpr x, DType t, boolean softmax) {
        String xv = m + "_x";
        LExpr mr = L.ref(m, t);
        LExpr sr = L.ref(s, t);
        LExpr xr = L.ref(xv, t);
        LExpr self = softmax ? L.call(Expr.Builtin.EXP, t, L.bin(Expr.BinOp.SUB, xr, xr, t)) : new LExpr.Const(1, t);
        List<LStmt> larger = List.of(
                new LStmt.Assign(s, L.bin(Expr.BinOp.ADD, L.bin(Expr.BinOp.MUL, sr,
                        L.call(Expr.Builtin.EXP, t, L.bin(Expr.BinOp.SUB, mr, xr, t)), t), self, t)),
                new LStmt.Assign(m, xr));
        List<LStmt> smaller = List.of(new LStmt.Assign(s, L.bin(Expr.BinOp.ADD, sr,
                L.call(Expr.Builtin.EXP, t, L.bin(Expr.BinOp.SUB, xr, mr, t)), t)));
        return List.of(new LStmt.Let(xv, x),
                new LStmt.If(L.cmp(Expr.BinOp.NE, xr, L.negInf(t)),
                        List.of(new LStmt.If(L.cmp(Expr.BinOp.GT, xr, mr), larger, smaller)), List.of()));
    }

    static LExpr logSumExpResult(String m, String s, DType t) {
        LExpr mr = L.ref(m, t);
        // As the reference: an infinite maximum is the result (+inf wins over NaN terms; -inf means no
        // term); otherwise a NaN term has made the sum NaN, and m + log(s) is NaN too.
        LExpr infinite = new LExpr.Binary(Expr.BinOp.OR, L.cmp(Expr.BinOp.EQ, mr, new LExpr.Const(Double.POSITIVE_INFINITY, t)),
                L.cmp(Expr.BinOp.EQ, mr, L.negInf(t)), DType.BOOL);
        return L.select(infinite, mr, L.bin(Expr.BinOp.ADD, mr, L.call(Expr.Builtin.LOG, t, L.ref(s, t)), t));
    }

    private V softmax(Expr.Softmax s, Block b) {
        // The statistics are indexed by the body's other free variables, in scope order.
        Set<String> free = new LinkedHashSet<>();
        ExprWalker.walk(s.body(), x -> {
            if (x instanceof Expr.Index i && !i.name().equals(s.var().name()) && vars.containsKey(i.name())) free.add(i.name());
        });
        List<String> order = vars.keySet().stream().filter(free::contains).toList();
        List<IndexVar> rowVars = order.stream().map(v -> new IndexVar(v, extents.get(v))).toList();
        // If the consumer iterates variables the softmax does not depend on (e in o[.., e] = sum[j](p * v[.., e])),
        // computing exp here would repeat it for each of them: read probabilities computed once instead.
        boolean repeated = vars.keySet().stream().anyMatch(v -> !free.contains(v) && !v.equals(s.var().name()));
        Lowering.Stats stats = lowering.softmaxStats(s, rowVars, repeated);
        List<LExpr> idx = order.stream().map(vars::get).toList();
        LExpr flat = L.flat(idx, stats.shape());
        DType t = s.type();
        V x = lower(s.body(), b);
        if (stats.probabilities() != null) {
            List<LExpr> withVar = new ArrayList<>(idx);
            withVar.add(vars.get(s.var().name()));
            List<LExpr> shape = new ArrayList<>(stats.shape());
            shape.add(L.cast(lowering.hostExpr(s.var().extent()), DType.I32));
            return new V(new LExpr.Load(stats.probabilities(), L.flat(withVar, shape), t), x.present());
        }
        LExpr m = new LExpr.Load(stats.max(), flat, t);
        LExpr l = new LExpr.Load(stats.sum(), flat, t);
        LExpr value = L.select(L.cmp(Expr.BinOp.EQ, l, new LExpr.Const(0, t)), new LExpr.Const(0, t),
                L.bin(Expr.BinOp.DIV, L.call(Expr.Builtin.EXP, t, L.bin(Expr.BinOp.SUB, L.cast(x.value(), t), m, t)), l, t));
        return new V(value, x.present());
    }

    /**
     * Statements computing, at the current row and value of the softmax variable, the normalised
     * probability from the row statistics in {@code max} and {@code sum} (indexed by {@code flat}).
     */
    List<LStmt> probability(Expr.Softmax s, String max, String sum, LExpr flat, String out, LExpr outIndex) {
        DType t = s.type();
        Block b = new Block();
        V x = lower(s.body(), b);
        LExpr m = new LExpr.Load(max, flat, t);
        LExpr l = new LExpr.Load(sum, flat, t);
        LExpr p = L.select(L.cmp(Expr.BinOp.EQ, l, new LExpr.Const(0, t)), new LExpr.Const(0, t),
                L.bin(Expr.BinOp.DIV, L.call(Expr.Builtin.EXP, t, L.bin(Expr.BinOp.SUB, L.cast(x.value(), t), m, t)), l, t));
        b.add(guard(x.present(), List.of(new LStmt.Store(out, outIndex, p))));
        return b.done();
    }

    /** Statements computing, for the current row, the running (max, sum of exp) of {@code body} along {@code var}. */
    List<LStmt> rowStatistics(Expr.Softmax s, String max, String sum) {
        DType t = s.type();
        Block b = new Block();
        b.add(new LStmt.Var(max, t, L.negInf(t)));
        b.add(new LStmt.Var(sum, t, new LExpr.Const(0, t)));
        IndexVar v = s.var();
        bind(v.name(), L.ref(v.name(), DType.I32), v.extent());
        Block body = new Block();
        V x = lower(s.body(), body);
        List<LStmt> loop = new ArrayList<>(body.done());
        loop.add(guard(x.present(), onlineLogSumExp(max, sum, L.cast(x.value(), t), t, true)));
        b.add(new LStmt.For(v.name(), L.i32(0), L.cast(lowering.hostExpr(v.extent()), DType.I32), LStmt.LoopKind.SERIAL, loop));
        vars.remove(v.name());
        extents.remove(v.name());
        return b.done();
    }
}
