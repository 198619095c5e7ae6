package tessera.passes;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import tessera.ir.Semantics;
import tessera.ir.tensor.Expr;
import tessera.ir.tensor.Program;
import tessera.ir.tensor.Stmt;
import tessera.ir.tensor.Expr.BinOp;
import tessera.ir.tensor.Expr.Builtin;
import tessera.ir.tensor.IndexVar;
import tessera.runtime.DType;

/**
 * Block sparsity analysis: classifies a mask predicate over a block of query rows
 * {@code i ∈ [iLo, iHi]} and keys {@code j ∈ [jLo, jHi]} as empty (false everywhere), full (true
 * everywhere) or neither, so that the fused attention loop can skip masked-out blocks and drop the
 * mask test on full ones. The bounds are known only at run time, so the answer is itself a pair of
 * Tensor IR expressions, which the compiler lowers into a small block-mask kernel.
 *
 * <p>Method: symbolic interval arithmetic that builds expressions. Every integer subexpression gets
 * an interval {@code [lo, hi]} of expressions, each bound with an "ok" condition under which it
 * holds (false where nothing could be said: floats, {@code %} by a varying divisor, a read at a
 * varying index...), and a static range of the values the bounds take when ok, used to keep the
 * bound arithmetic exact in i64 and to decide where an i32 node needs a run-time check that it does
 * not wrap. Every bool subexpression gets {@code [lo, hi]}: lo means "true at every point of the
 * block", hi "true at some point" (its negation: false everywhere). The block variables take
 * {@code [iLo, iHi]} and {@code [jLo, jHi]}; other index variables, scalars and constants are
 * points. Then {@code empty = !hi} and {@code full = lo} of the predicate.
 *
 * <p>What the classifier assumes, and why it is sound:
 * <ul>
 *   <li>The block is non-empty, its points are values of i and j (so the bounds lie in
 *       {@code [0, 2³¹)}), and the predicate evaluates without error at every point of the block,
 *       as the kernel that uses the mask would evaluate it there. Dims fit i32 (the language
 *       types them so). Entries the predicate reads are present (inputs always are; a predicate
 *       reading a temporary with absent entries must not be classified).
 *   <li>Tensor reads: a read gives a bound only where every index is the same at every point of
 *       the block (its interval is one value at run time) and the read is <em>reached
 *       everywhere</em>: no enclosing {@code &&}, {@code ||}, select or reduction filter skips it at
 *       any point of the block (tracked as a run-time condition: in {@code a && b}, b is reached
 *       everywhere when the context is and a is true everywhere; in {@code a || b}, when a is false
 *       everywhere; in a select's branches when the condition is true, resp. false, everywhere; in
 *       a reduction's body at r when the filter holds at r everywhere). Then the element predicate
 *       reads that very entry at every point, so it is in range and the classifier may read it;
 *       a later read of the same entry may then read it too, reached everywhere or not.
 *       Reads of tensors whose extents are given ({@link #classify(Expr, String, String, Expr,
 *       Expr, Expr, Expr, Map)}) may instead be guarded by those extents. Everything else reads
 *       nothing and bounds nothing: the classifier never reads out of range.
 *   <li>Reductions {@code op[r | f](body)} (sum, max, min over integers, extents free of index
 *       variables and reads) become reductions over the same variables: a term is definitely in
 *       where the filter's lo holds and possibly in where its hi does. Max: lo = the max of body.lo
 *       over the definitely-in terms (ok if there is one), hi = the max of body.hi over the
 *       possibly-in terms (ok if all are; with none, the max is -inf and any number bounds it).
 *       Min is symmetric. Sum: the sum of body bounds over definitely-in terms plus
 *       {@code min(0, lo)} / {@code max(0, hi)} over the terms only possibly in (within ±2⁵³,
 *       where the reference's double sums are exact).
 *   <li>Integer arithmetic follows the predicate's types: an i32 node's bounds are the exact
 *       bounds in i64, ok only when they lie in the i32 range (so the node does not wrap); an i64
 *       node is analysed only while every bound stays within 2⁶² (so neither the node nor the
 *       bound arithmetic overflows). Division by a divisor whose sign is the same over the block
 *       uses the corners (truncation is monotone in each argument on each sign); {@code %} by a
 *       divisor that is one non-zero value over the block is exact when the dividend stays within
 *       one quotient and else bounded by the divisor and the dividend's sign.
 *   <li>The classifier itself never fails. A bound's expression is evaluated only where its ok
 *       condition holds: every use tests the condition first (with {@code &&}, a select, or a
 *       reduction filter, which the language evaluates before what they guard), and a bound's ok
 *       implies its operands' ok and a divisor's sign. So divisions see no zero and reads stay in
 *       range. A reduction's extent is clamped at 0 (where the predicate's own extent is
 *       negative the predicate fails, so any answer is right).
 * </ul>
 * Floats, softmax and the float builtins are not analysed: comparisons on them are unknown.
 * Constants are folded, so a predicate that is constant or affine with constant offsets gives a
 * small answer ({@code true} gives {@code full = true}).
 */
public final class BlockSparsity implements Pass {
    @Override
    public String name() {
        return "block-sparsity";
    }

    /**
     * As a pass: attaches to every fused {@link Stmt.Attention} with a mask the classification of
     * its blocks of (row, key), over bounds named {@code <row>__lo}, {@code <row>__hi},
     * {@code <key>__lo}, {@code <key>__hi}; the inputs' shapes let it read inputs anywhere.
     */
    @Override
    public Program apply(Program p) {
        Map<String, List<Expr>> extents = new HashMap<>();
        for (Program.TensorDecl t : p.inputs()) extents.put(t.name(), t.shape());
        List<Stmt> body = new java.util.ArrayList<>();
        boolean changed = false;
        for (Stmt s : p.body()) {
            if (s instanceof Stmt.Attention a && a.mask().isPresent() && a.blocks().isEmpty()) {
                String rl = a.row().name() + "__lo", rh = a.row().name() + "__hi";
                String kl = a.key().name() + "__lo", kh = a.key().name() + "__hi";
                BlockClassifier c = classify(a.mask().get(), a.row().name(), a.key().name(),
                        new Expr.Index(rl), new Expr.Index(rh), new Expr.Index(kl), new Expr.Index(kh), extents);
                body.add(a.withBlocks(new Stmt.Blocks(rl, rh, kl, kh, c.empty(), c.full())));
                changed = true;
            } else {
                body.add(s);
            }
        }
        if (!changed) return p;
        return new Program(p.name(), p.dims(), p.tensors(), p.scalars(), p.constraints(), body, p.schedules(), p.span());
    }

    /**
     * A sound classification of a predicate over a block. {@code empty} (bool) implies the
     * predicate is false at every point of the block; {@code full} (bool) implies it is true at
     * every point. Both may be false: partial, or not known.
     */
    public record BlockClassifier(Expr empty, Expr full) {
        public BlockClassifier {
            if (empty == null || full == null || empty.type() != DType.BOOL || full.type() != DType.BOOL) {
                throw new IllegalArgumentException("a classifier is two bool expressions");
            }
        }
    }

    /**
     * Classifies {@code predicate} over the block {@code i ∈ [iLo, iHi]}, {@code j ∈ [jLo, jHi]}
     * (inclusive bounds, non-empty, within the ranges of i and j). The result mentions the four
     * bounds, the predicate's other free index variables, scalars and reads of tensors the
     * predicate reads (at indices it reads at every point of the block).
     */
    public static BlockClassifier classify(Expr predicate, String i, String j, Expr iLo, Expr iHi, Expr jLo, Expr jHi) {
        return classify(predicate, i, j, iLo, iHi, jLo, jHi, Map.of());
    }

    /**
     * As {@link #classify(Expr, String, String, Expr, Expr, Expr, Expr)}, where {@code extents}
     * gives the shape (integer scalar expressions) of tensors that the classifier may read at any
     * index within that shape, not only where the predicate reads at every point: tensors whose
     * entries are all present, such as inputs.
     */
    public static BlockClassifier classify(Expr predicate, String i, String j, Expr iLo, Expr iHi, Expr jLo, Expr jHi,
                                           Map<String, List<Expr>> extents) {
        if (predicate == null || predicate.type() != DType.BOOL) throw new IllegalArgumentException("the predicate must be bool");
        for (Expr b : List.of(iLo, iHi, jLo, jHi)) {
            if (b == null || !b.type().isInteger()) throw new IllegalArgumentException("block bounds must be integers");
        }
        Analysis a = new Analysis(extents, predicate, List.of(iLo, iHi, jLo, jHi));
        Map<String, I> env = new HashMap<>();
        env.put(i, new I(iLo, TRUE, iHi, TRUE, 0, MAX32));
        env.put(j, new I(jLo, TRUE, jHi, TRUE, 0, MAX32));
        if (!(a.analyse(predicate, TRUE, env) instanceof B p)) throw new IllegalStateException("a bool predicate gave no bool interval");
        return new BlockClassifier(not(p.hi()), p.lo());
    }

    // ---------------------------------------------------------------------------------------------
    // Intervals

    private static final long MIN32 = Integer.MIN_VALUE;
    private static final long MAX32 = Integer.MAX_VALUE;
    /** Bounds of i64 nodes stay within ±2⁶²; operands are first brought within ±2⁶¹. */
    private static final long LIMIT = 1L << 62;
    private static final long OPERAND64 = 1L << 61;
    /** Sums are computed in double by the reference: their bounds stay within ±2⁵³, exact there. */
    private static final long EXACT_DOUBLE = 1L << 53;
    /** A bound expression larger than this many nodes is given up (products and hulls copy operands). */
    private static final int MAX_NODES = 4000;

    private static final Expr TRUE = Expr.Const.bool(true);
    private static final Expr FALSE = Expr.Const.bool(false);
    private static final Expr ZERO = Expr.Const.i32(0);
    private static final Expr ONE = Expr.Const.i32(1);

    private sealed interface Iv permits B, I, Opaque {}

    /** A bool: {@code lo} ⇒ true at every point; {@code !hi} ⇒ false at every point. */
    private record B(Expr lo, Expr hi) implements Iv {}

    private static final B UNKNOWN_BOOL = new B(FALSE, TRUE);

    /**
     * An integer: where {@code loOk} holds, {@code lo} ≤ the value at every point (where it is
     * evaluated); where {@code hiOk} holds, the value ≤ {@code hi}. {@code [min, max]} holds the
     * values of the bounds wherever they are ok.
     */
    private record I(Expr lo, Expr loOk, Expr hi, Expr hiOk, long min, long max) implements Iv {
        static I point(Expr e, long min, long max) {
            return new I(e, TRUE, e, TRUE, min, max);
        }

        Expr ok() {
            return and(loOk, hiOk);
        }
    }

    private static final I UNKNOWN_INT = new I(ZERO, FALSE, ZERO, FALSE, Long.MIN_VALUE, Long.MAX_VALUE);

    /** Floats and whatever else is not analysed. */
    private record Opaque() implements Iv {}

    private static final Opaque OPAQUE = new Opaque();

    private static Iv unknown(DType t) {
        if (t == DType.BOOL) return UNKNOWN_BOOL;
        return t.isInteger() ? UNKNOWN_INT : OPAQUE;
    }

    // ---------------------------------------------------------------------------------------------
    // The analysis

    private static final class Analysis {
        private final Map<String, List<Expr>> extents;
        /** Every index name in sight, which a renamed reduction variable avoids. */
        private final Set<String> taken = new HashSet<>();
        /** Names free in what a classifier reduction may enclose: block bounds, outer index variables. */
        private final Set<String> outer = new HashSet<>();
        /** The classifier names of the reductions being analysed. */
        private final Set<String> enclosing = new HashSet<>();
        /**
         * Entries already known to be read at every point of the block, with the run-time
         * condition under which they are: a later read of the same entry may use it even where it
         * is not reached everywhere itself (in {@code j < kv[b] && j <= i + kv[b] - N}).
         */
        private Map<Entry, Expr> readEverywhere = new HashMap<>();

        private record Entry(String tensor, List<Expr> at) {}

        Analysis(Map<String, List<Expr>> extents, Expr predicate, List<Expr> bounds) {
            this.extents = extents;
            for (Expr b : bounds) allIndices(b, outer);
            allIndices(predicate, taken);
            for (Map.Entry<String, List<Expr>> e : extents.entrySet()) e.getValue().forEach(x -> allIndices(x, outer));
            outer.addAll(freeIndices(predicate));
            taken.addAll(outer);
        }

        Iv analyse(Expr e, Expr ctx, Map<String, I> env) {
            Iv r = switch (e) {
                case Expr.Const c -> constant(c);
                case Expr.Scalar s -> scalar(s);
                case Expr.Index x -> {
                    I v = env.get(x.name());
                    yield v != null ? v : I.point(x, 0, MAX32);
                }
                case Expr.Read r0 -> read(r0, ctx, env);
                case Expr.Unary u -> unary(u, ctx, env);
                case Expr.Binary b -> binary(b, ctx, env);
                case Expr.Select s -> selection(s, ctx, env);
                case Expr.Call c -> builtin(c, ctx, env);
                case Expr.Reduce rd -> reduce(rd, ctx, env);
                case Expr.Softmax s -> OPAQUE;
            };
            return capped(r, e.type());
        }

        private static Iv constant(Expr.Const c) {
            if (c.type() == DType.BOOL) return new B(c, c);
            if (c.type().isInteger()) {
                long v = (long) c.value();
                return I.point(c, v, v);
            }
            return OPAQUE;
        }

        private static Iv scalar(Expr.Scalar s) {
            if (s.type() == DType.BOOL) return new B(s, s);
            // Dims are sizes (i32 by the language), parameters are checked to fit their type when
            // bound; a let may hold what an i32 reduction gave (summed in double, or ±inf).
            if (s.type() == DType.I32 && s.kind() == Expr.ScalarKind.DIM) return I.point(s, 0, MAX32);
            if (s.type() == DType.I32 && s.kind() == Expr.ScalarKind.PARAM) return I.point(s, MIN32, MAX32);
            if (s.type().isInteger()) return I.point(s, Long.MIN_VALUE, Long.MAX_VALUE);
            return OPAQUE;
        }

        /**
         * A read bounds anything only where every index is one value over the block and the read
         * is reached at every point (or lies within the tensor's given extents).
         */
        private Iv read(Expr.Read r, Expr ctx, Map<String, I> env) {
            DType t = r.type();
            if (t != DType.BOOL && !t.isInteger()) return OPAQUE;
            List<Expr> at = new ArrayList<>();
            Expr point = TRUE;
            for (Expr x : r.indices()) {
                if (!(analyse(x, ctx, env) instanceof I v)) return unknown(t);
                point = and(point, and(v.ok(), cmp(BinOp.EQ, v.lo(), v.hi())));
                at.add(v.lo());
            }
            Entry entry = new Entry(r.tensor(), at);
            Expr safe = or(ctx, readEverywhere.getOrDefault(entry, FALSE));
            if (!isFalse(point) && !isFalse(ctx)) readEverywhere.merge(entry, and(point, ctx), BlockSparsity::or);
            List<Expr> shape = extents.get(r.tensor());
            if (shape != null && shape.size() == at.size()) {
                Expr inside = TRUE;
                for (int k = 0; k < at.size(); k++) {
                    inside = and(inside, and(cmp(BinOp.GE, at.get(k), ZERO), cmp(BinOp.LT, at.get(k), shape.get(k))));
                }
                safe = or(safe, inside);
            }
            Expr guard = and(point, safe);
            if (isFalse(guard)) return unknown(t);
            Expr value = new Expr.Read(r.tensor(), at, t);
            if (t == DType.BOOL) return new B(and(guard, value), or(not(guard), value));
            return new I(value, guard, value, guard, Long.MIN_VALUE, Long.MAX_VALUE);
        }

        private Iv unary(Expr.Unary u, Expr ctx, Map<String, I> env) {
            Iv x = analyse(u.x(), ctx, env);
            return switch (u.op()) {
                case NOT -> x instanceof B b ? new B(not(b.hi()), not(b.lo())) : UNKNOWN_BOOL;
                case NEG -> {
                    if (!(x instanceof I a) || !u.type().isInteger()) yield unknown(u.type());
                    I n = operand(a, u.type());
                    long min = sneg(n.max());
                    long max = sneg(n.min());
                    DType bt = boundType(min, max, n.lo(), n.hi());
                    yield result(new I(neg(n.hi(), bt), n.ok(), neg(n.lo(), bt), n.ok(), min, max), u.type());
                }
            };
        }

        private Iv binary(Expr.Binary b, Expr ctx, Map<String, I> env) {
            BinOp op = b.op();
            if (op.isLogical()) {
                B a = bool(analyse(b.a(), ctx, env));
                B c = bool(analyse(b.b(), and(ctx, op == BinOp.AND ? a.lo() : not(a.hi())), env));
                return op == BinOp.AND ? new B(and(a.lo(), c.lo()), and(a.hi(), c.hi())) : new B(or(a.lo(), c.lo()), or(a.hi(), c.hi()));
            }
            Iv x = analyse(b.a(), ctx, env);
            Iv y = analyse(b.b(), ctx, env);
            if (op.isComparison()) {
                if (x instanceof I p && y instanceof I q) return compare(op, p, q);
                if (x instanceof B p && y instanceof B q && (op == BinOp.EQ || op == BinOp.NE)) {
                    B eq = new B(or(and(p.lo(), q.lo()), and(not(p.hi()), not(q.hi()))),
                            not(or(and(p.lo(), not(q.hi())), and(not(p.hi()), q.lo()))));
                    return op == BinOp.EQ ? eq : new B(not(eq.hi()), not(eq.lo()));
                }
                return UNKNOWN_BOOL;
            }
            if (!b.type().isInteger() || !(x instanceof I p) || !(y instanceof I q)) return unknown(b.type());
            return arithmetic(op, operand(p, b.a().type()), operand(q, b.b().type()), b.type());
        }

        private static B bool(Iv v) {
            return v instanceof B b ? b : UNKNOWN_BOOL;
        }

        private Iv selection(Expr.Select s, Expr ctx, Map<String, I> env) {
            B c = bool(analyse(s.cond(), ctx, env));
            Iv a = analyse(s.a(), and(ctx, c.lo()), env);
            Iv b = analyse(s.b(), and(ctx, not(c.hi())), env);
            Expr onlyA = c.lo();
            Expr onlyB = not(c.hi());
            if (a instanceof B x && b instanceof B y) {
                return new B(select(onlyA, x.lo(), select(onlyB, y.lo(), and(x.lo(), y.lo()))),
                        select(onlyA, x.hi(), select(onlyB, y.hi(), or(x.hi(), y.hi()))));
            }
            if (a instanceof I x && b instanceof I y && s.type().isInteger()) {
                return new I(
                        select(onlyA, x.lo(), select(onlyB, y.lo(), min(x.lo(), y.lo()))),
                        select(onlyA, x.loOk(), select(onlyB, y.loOk(), and(x.loOk(), y.loOk()))),
                        select(onlyA, x.hi(), select(onlyB, y.hi(), max(x.hi(), y.hi()))),
                        select(onlyA, x.hiOk(), select(onlyB, y.hiOk(), and(x.hiOk(), y.hiOk()))),
                        Math.min(x.min(), y.min()), Math.max(x.max(), y.max()));
            }
            return unknown(s.type());
        }

        private Iv builtin(Expr.Call c, Expr ctx, Map<String, I> env) {
            List<Iv> args = new ArrayList<>();
            for (Expr a : c.args()) args.add(analyse(a, ctx, env));
            DType t = c.type();
            switch (c.fn()) {
                case MIN, MAX -> {
                    if (!t.isInteger() || !(args.get(0) instanceof I a) || !(args.get(1) instanceof I b)) return unknown(t);
                    boolean isMin = c.fn() == Builtin.MIN;
                    // The bound on the side the function moves toward holds if either operand's does.
                    Expr far = isMin ? min(a.lo(), b.lo()) : max(a.hi(), b.hi());
                    Expr farOk = isMin ? and(a.loOk(), b.loOk()) : and(a.hiOk(), b.hiOk());
                    Expr nearA = isMin ? a.hi() : a.lo();
                    Expr nearB = isMin ? b.hi() : b.lo();
                    Expr okA = isMin ? a.hiOk() : a.loOk();
                    Expr okB = isMin ? b.hiOk() : b.loOk();
                    Expr near = select(and(okA, okB), isMin ? min(nearA, nearB) : max(nearA, nearB),
                            select(okA, nearA, nearB));
                    Expr nearOk = or(okA, okB);
                    long lo = Math.min(a.min(), b.min());
                    long hi = Math.max(a.max(), b.max());
                    return isMin ? new I(far, farOk, near, nearOk, lo, hi) : new I(near, nearOk, far, farOk, lo, hi);
                }
                case ABS -> {
                    if (!t.isInteger() || !(args.get(0) instanceof I a0)) return unknown(t);
                    I a = operand(a0, c.args().get(0).type());
                    long m = Math.max(sabs(a.min()), sabs(a.max()));
                    long min = a.min() >= 0 ? a.min() : a.max() <= 0 ? sneg(a.max()) : 0;
                    DType bt = boundType(min, m, a.lo(), a.hi());
                    Expr lo = select(cmp(BinOp.GE, a.lo(), ZERO), a.lo(),
                            select(cmp(BinOp.LE, a.hi(), ZERO), neg(a.hi(), bt), ZERO));
                    Expr hi = max(neg(a.lo(), bt), a.hi());
                    return result(new I(lo, a.ok(), hi, a.ok(), min, m), t);
                }
                case INT -> {
                    if (args.get(0) instanceof B b) {
                        return new I(select(b.lo(), ONE, ZERO), TRUE, select(b.hi(), ONE, ZERO), TRUE, 0, 1);
                    }
                    if (args.get(0) instanceof I a && c.args().get(0).type().isInteger()) return result(a, DType.I32);
                    return UNKNOWN_INT;
                }
                case PHILOX -> {
                    long top = (1L << 32) - 1;
                    return new I(ZERO, TRUE, lit(top), TRUE, 0, top);
                }
                default -> {
                    return unknown(t);
                }
            }
        }

        /** Integer {@code + - * / %} on operands already brought within their working ranges. */
        private Iv arithmetic(BinOp op, I a, I b, DType t) {
            Expr ok = and(a.ok(), b.ok());
            switch (op) {
                case ADD, SUB -> {
                    boolean add = op == BinOp.ADD;
                    long min = add ? sadd(a.min(), b.min()) : sadd(a.min(), sneg(b.max()));
                    long max = add ? sadd(a.max(), b.max()) : sadd(a.max(), sneg(b.min()));
                    DType bt = boundType(min, max, a.lo(), b.lo(), a.hi(), b.hi());
                    Expr lo = arith(op, a.lo(), add ? b.lo() : b.hi(), bt);
                    Expr hi = arith(op, a.hi(), add ? b.hi() : b.lo(), bt);
                    return result(new I(lo, ok, hi, ok, min, max), t);
                }
                case MUL -> {
                    long[] corners = {smul(a.min(), b.min()), smul(a.min(), b.max()), smul(a.max(), b.min()), smul(a.max(), b.max())};
                    long min = Math.min(Math.min(corners[0], corners[1]), Math.min(corners[2], corners[3]));
                    long max = Math.max(Math.max(corners[0], corners[1]), Math.max(corners[2], corners[3]));
                    DType bt = boundType(min, max, a.lo(), b.lo(), a.hi(), b.hi());
                    Optional<Long> kb = pointConstant(b);
                    Optional<Long> ka = pointConstant(a);
                    Expr lo;
                    Expr hi;
                    if (kb.isPresent() || ka.isPresent()) {
                        I x = kb.isPresent() ? a : b;
                        long k = kb.isPresent() ? kb.get() : ka.get();
                        Expr lk = lit(k);
                        lo = arith(BinOp.MUL, k >= 0 ? x.lo() : x.hi(), lk, bt);
                        hi = arith(BinOp.MUL, k >= 0 ? x.hi() : x.lo(), lk, bt);
                    } else {
                        Expr ll = arith(BinOp.MUL, a.lo(), b.lo(), bt);
                        Expr lh = arith(BinOp.MUL, a.lo(), b.hi(), bt);
                        Expr hl = arith(BinOp.MUL, a.hi(), b.lo(), bt);
                        Expr hh = arith(BinOp.MUL, a.hi(), b.hi(), bt);
                        lo = min(min(ll, lh), min(hl, hh));
                        hi = max(max(ll, lh), max(hl, hh));
                    }
                    return result(new I(lo, ok, hi, ok, min, max), t);
                }
                case DIV -> {
                    return divide(a, b, t);
                }
                case MOD -> {
                    return remainder(a, b, t);
                }
                default -> throw new IllegalArgumentException("not arithmetic: " + op);
            }
        }

        /**
         * {@code a / d} where d has one sign over the block: truncation is monotone non-decreasing
         * in a for d > 0, and in d monotone non-increasing for a ≥ 0 and non-decreasing for a ≤ 0,
         * so the extremes lie at the corners with a's matching bound; d < 0 mirrors it. A divisor
         * whose sign is not known statically is taken where it is positive at run time (a negative
         * one, which no block size is, gives nothing).
         */
        private Iv divide(I a, I d, DType t) {
            long m = Math.max(sabs(a.min()), sabs(a.max()));
            Optional<Long> k = pointConstant(d);
            if (k.isPresent() && k.get() == 0) return UNKNOWN_INT;
            boolean negative = d.max() < 0;
            Expr ok = and(a.ok(), d.ok());
            if (d.min() <= 0 && !negative) ok = and(ok, cmp(BinOp.GT, d.lo(), ZERO));
            long min;
            long max;
            if (k.isPresent()) {
                long c = k.get();
                min = c > 0 ? a.min() / c : a.max() / c;
                max = c > 0 ? a.max() / c : a.min() / c;
            } else {
                min = a.min() >= 0 && !negative ? 0 : -m;
                max = a.min() >= 0 && !negative ? a.max() : m;
            }
            DType bt = boundType(-m, m, a.lo(), a.hi(), d.lo(), d.hi());
            Expr near = negative ? a.hi() : a.lo();
            Expr far = negative ? a.lo() : a.hi();
            // Bound expressions are evaluated only where their ok holds, so d is not zero there.
            Expr lo = min(arith(BinOp.DIV, near, d.lo(), bt), arith(BinOp.DIV, near, d.hi(), bt));
            Expr hi = max(arith(BinOp.DIV, far, d.lo(), bt), arith(BinOp.DIV, far, d.hi(), bt));
            return result(new I(lo, ok, hi, ok, min, max), t);
        }

        /**
         * {@code a % d} where d is one non-zero value over the block (the sign of d does not
         * matter: {@code a % d == a % -d}). Within one quotient the remainder is {@code a - d·q},
         * monotone in a; otherwise it lies in {@code [min(0, a.lo), max(0, a.hi)]} and within
         * {@code |d| - 1} of zero.
         */
        private Iv remainder(I a, I d, DType t) {
            long dm = Math.max(sabs(d.min()), sabs(d.max()));
            if (dm >= LIMIT) return UNKNOWN_INT;
            long min = Math.max(Math.min(0, a.min()), 1 - dm);
            long max = Math.min(Math.max(0, a.max()), dm - 1);
            DType bt = boundType(Math.min(min, Math.min(a.min(), -dm)), Math.max(max, Math.max(a.max(), dm)), a.lo(), a.hi(), d.lo(), d.hi());
            Optional<Long> k = pointConstant(d);
            Expr point;
            Expr m;
            if (k.isPresent()) {
                if (k.get() == 0) return UNKNOWN_INT;
                point = TRUE;
                m = lit(Math.abs(k.get()));
            } else {
                point = and(d.ok(), and(cmp(BinOp.EQ, d.lo(), d.hi()), cmp(BinOp.NE, d.lo(), ZERO)));
                m = call(Builtin.ABS, as(d.lo(), fitsI32(dm) ? d.lo().type() : DType.I64));
            }
            Expr dv = d.lo();
            Expr same = and(point, and(a.ok(), cmp(BinOp.EQ, arith(BinOp.DIV, a.lo(), dv, bt), arith(BinOp.DIV, a.hi(), dv, bt))));
            Expr loGeneral = select(a.loOk(), max(min(ZERO, a.lo()), arith(BinOp.SUB, ONE, m, bt)), arith(BinOp.SUB, ONE, m, bt));
            Expr hiGeneral = select(a.hiOk(), min(max(ZERO, a.hi()), arith(BinOp.SUB, m, ONE, bt)), arith(BinOp.SUB, m, ONE, bt));
            Expr lo = select(same, arith(BinOp.MOD, a.lo(), dv, bt), select(point, loGeneral, ZERO));
            Expr hi = select(same, arith(BinOp.MOD, a.hi(), dv, bt), select(point, hiGeneral, ZERO));
            return result(new I(lo, point, hi, point, min, max), t);
        }

        /**
         * {@code op[vars | filter](body)} over integers: the same reduction of the body's bounds,
         * a term counted as in where the filter is true everywhere, as possibly in where it may be.
         */
        private Iv reduce(Expr.Reduce r, Expr ctx, Map<String, I> env) {
            DType t = r.type();
            if (!t.isInteger() || r.op() == Expr.ReduceOp.MEAN || r.op() == Expr.ReduceOp.LOGSUMEXP) return unknown(t);
            Map<String, I> inner = new HashMap<>(env);
            List<IndexVar> vars = new ArrayList<>();
            long count = 1;
            for (IndexVar v : r.vars()) {
                if (mentionsIndexOrRead(v.extent()) || !(analyse(v.extent(), ctx, env) instanceof I ext)) return UNKNOWN_INT;
                count = smul(count, Math.max(0, ext.max()));
                String name = fresh(v.name());
                Expr extent = v.extent() instanceof Expr.Const c && c.value() >= 0
                        || v.extent() instanceof Expr.Scalar s && s.kind() == Expr.ScalarKind.DIM
                        ? v.extent() : call(Builtin.MAX, v.extent(), new Expr.Const(0, v.extent().type()));
                vars.add(new IndexVar(name, extent));
                inner.put(v.name(), I.point(new Expr.Index(name), 0, MAX32));
            }
            List<String> names = vars.stream().map(IndexVar::name).toList();
            enclosing.addAll(names);
            Map<Entry, Expr> before = readEverywhere;
            readEverywhere = new HashMap<>(before);
            B f;
            Iv body;
            try {
                f = r.filter().isPresent() ? bool(analyse(r.filter().get(), ctx, inner)) : new B(TRUE, TRUE);
                body = analyse(r.body(), and(ctx, f.lo()), inner);
            } finally {
                names.forEach(enclosing::remove);
                // What was learnt inside mentions the reduction's variables: it stays inside.
                readEverywhere = before;
            }
            if (!(body instanceof I v)) return UNKNOWN_INT;
            Expr in = f.lo();
            Expr maybe = f.hi();
            switch (r.op()) {
                case SUM -> {
                    long min = smul(count, Math.min(0, v.min()));
                    long max = smul(count, Math.max(0, v.max()));
                    if (min < -EXACT_DOUBLE || max > EXACT_DOUBLE) return UNKNOWN_INT;
                    Expr lo = reduction(Expr.ReduceOp.SUM, vars, maybe, select(in, v.lo(), min(ZERO, v.lo())));
                    Expr hi = reduction(Expr.ReduceOp.SUM, vars, maybe, select(in, v.hi(), max(ZERO, v.hi())));
                    Expr loOk = none(vars, and(maybe, not(v.loOk())));
                    Expr hiOk = none(vars, and(maybe, not(v.hiOk())));
                    return result(new I(lo, loOk, hi, hiOk, min, max), t);
                }
                case MAX, MIN -> {
                    boolean isMax = r.op() == Expr.ReduceOp.MAX;
                    // Bounded from inside by a definitely-in term, from outside by every possibly-in one.
                    Expr innerOk = isMax ? v.loOk() : v.hiOk();
                    Expr innerFilter = and(in, innerOk);
                    Expr innerBound = reduction(r.op(), vars, innerFilter, isMax ? v.lo() : v.hi());
                    Expr innerBoundOk = some(vars, innerFilter);
                    // With no term possibly in, the result is -inf (max) or +inf (min) everywhere:
                    // any number bounds it from outside; the body's static bound keeps the range.
                    Expr outerBound = select(some(vars, maybe), reduction(r.op(), vars, maybe, isMax ? v.hi() : v.lo()),
                            lit(isMax ? v.min() : v.max()));
                    Expr outerBoundOk = none(vars, and(maybe, not(isMax ? v.hiOk() : v.loOk())));
                    I out = isMax
                            ? new I(innerBound, innerBoundOk, outerBound, outerBoundOk, v.min(), v.max())
                            : new I(outerBound, outerBoundOk, innerBound, innerBoundOk, v.min(), v.max());
                    return out;
                }
                default -> {
                    return unknown(t);
                }
            }
        }

        /**
         * A name for a classifier reduction variable: the predicate's own, unless the expressions
         * it will enclose could mention that name for something else (a block bound, an outer
         * index variable, an enclosing reduction's variable).
         */
        private String fresh(String name) {
            if (!outer.contains(name) && !enclosing.contains(name)) return name;
            for (int k = 1; ; k++) {
                String n = name + "_" + k;
                if (!taken.contains(n) && !enclosing.contains(n)) return n;
            }
        }

        /** Gives up a bound whose expression grew too large. */
        private static Iv capped(Iv v, DType t) {
            return switch (v) {
                case B b -> nodes(b.lo()) + nodes(b.hi()) > MAX_NODES ? UNKNOWN_BOOL : b;
                case I i -> nodes(i.lo()) + nodes(i.hi()) + nodes(i.loOk()) + nodes(i.hiOk()) > MAX_NODES ? unknown(t) : i;
                case Opaque o -> o;
            };
        }
    }

    /**
     * Brings an operand of type {@code t} within the range its arithmetic works in: i32 values
     * within i32 (a value beyond it, from a reduction or a temporary, would wrap), i64 within
     * ±2⁶¹, by a run-time check that makes the bounds ok only there.
     */
    private static I operand(I x, DType t) {
        return t == DType.I32 ? fit(x, MIN32, MAX32) : fit(x, -OPERAND64, OPERAND64);
    }

    /** The interval of a node of type {@code t} from the exact bounds of its value. */
    private static Iv result(I x, DType t) {
        if (t == DType.I32) return fit(x, MIN32, MAX32);
        return x.min() >= -LIMIT && x.max() <= LIMIT ? x : UNKNOWN_INT;
    }

    /** Both bounds ok and within {@code [lo, hi]}, checked at run time unless known statically. */
    private static I fit(I x, long lo, long hi) {
        if (x.min() >= lo && x.max() <= hi) return x;
        Expr ok = x.ok();
        if (x.min() < lo) ok = and(ok, cmp(BinOp.GE, x.lo(), lit(lo)));
        if (x.max() > hi) ok = and(ok, cmp(BinOp.LE, x.hi(), lit(hi)));
        return new I(x.lo(), ok, x.hi(), ok, Math.max(x.min(), lo), Math.min(x.max(), hi));
    }

    private static Iv compare(BinOp op, I a, I b) {
        return switch (op) {
            case LT -> less(a, b, true);
            case LE -> less(a, b, false);
            case GT -> less(b, a, true);
            case GE -> less(b, a, false);
            case EQ, NE -> {
                Expr points = and(and(a.ok(), b.ok()), and(cmp(BinOp.EQ, a.lo(), a.hi()), cmp(BinOp.EQ, b.lo(), b.hi())));
                Expr always = and(points, cmp(BinOp.EQ, a.lo(), b.lo()));
                Expr apart = or(and(and(a.hiOk(), b.loOk()), cmp(BinOp.LT, a.hi(), b.lo())),
                        and(and(b.hiOk(), a.loOk()), cmp(BinOp.LT, b.hi(), a.lo())));
                yield op == BinOp.EQ ? new B(always, not(apart)) : new B(apart, not(always));
            }
            default -> throw new IllegalArgumentException("not a comparison: " + op);
        };
    }

    /** {@code a < b} (strict) or {@code a <= b}. */
    private static B less(I a, I b, boolean strict) {
        Expr always = and(and(a.hiOk(), b.loOk()), cmp(strict ? BinOp.LT : BinOp.LE, a.hi(), b.lo()));
        Expr never = and(and(a.loOk(), b.hiOk()), cmp(strict ? BinOp.GE : BinOp.GT, a.lo(), b.hi()));
        return new B(always, not(never));
    }

    // ---------------------------------------------------------------------------------------------
    // Reductions of bounds

    private static Expr reduction(Expr.ReduceOp op, List<IndexVar> vars, Expr filter, Expr body) {
        if (isFalse(filter)) return op == Expr.ReduceOp.SUM ? ZERO : new Expr.Const(0, body.type());
        return new Expr.Reduce(op, vars, isTrue(filter) ? Optional.empty() : Optional.of(filter), body, body.type());
    }

    /** True where some point of the variables passes {@code filter}. */
    private static Expr some(List<IndexVar> vars, Expr filter) {
        if (isFalse(filter)) return FALSE;
        if (isTrue(filter)) {
            Expr all = TRUE;
            for (IndexVar v : vars) all = and(all, cmp(BinOp.GT, v.extent(), ZERO));
            return all;
        }
        return cmp(BinOp.GT, reduction(Expr.ReduceOp.SUM, vars, filter, ONE), ZERO);
    }

    /** True where no point of the variables passes {@code filter}. */
    private static Expr none(List<IndexVar> vars, Expr filter) {
        if (isFalse(filter)) return TRUE;
        return cmp(BinOp.EQ, reduction(Expr.ReduceOp.SUM, vars, filter, ONE), ZERO);
    }

    // ---------------------------------------------------------------------------------------------
    // Expression builders that fold constants and trivial identities

    private static boolean isTrue(Expr e) {
        return e instanceof Expr.Const c && c.type() == DType.BOOL && c.value() != 0;
    }

    private static boolean isFalse(Expr e) {
        return e instanceof Expr.Const c && c.type() == DType.BOOL && c.value() == 0;
    }

    private static Optional<Long> intConstant(Expr e) {
        return e instanceof Expr.Const c && c.type().isInteger() ? Optional.of((long) c.value()) : Optional.empty();
    }

    /** The value of an interval that is statically one integer constant. */
    private static Optional<Long> pointConstant(I x) {
        if (!isTrue(x.loOk()) || !isTrue(x.hiOk())) return Optional.empty();
        Optional<Long> lo = intConstant(x.lo());
        return lo.isPresent() && lo.equals(intConstant(x.hi())) ? lo : Optional.empty();
    }

    private static boolean fitsI32(long v) {
        return v >= MIN32 && v <= MAX32;
    }

    /** An integer literal: i32 when it fits. */
    private static Expr lit(long v) {
        return new Expr.Const(v, fitsI32(v) ? DType.I32 : DType.I64);
    }

    /** The type bound arithmetic computes in: i32 when its operands are and its values fit, else i64. */
    private static DType boundType(long min, long max, Expr... operands) {
        if (!fitsI32(min) || !fitsI32(max)) return DType.I64;
        for (Expr e : operands) {
            if (e.type() != DType.I32) return DType.I64;
        }
        return DType.I32;
    }

    /** {@code e} as an i64 expression. */
    private static Expr widen(Expr e) {
        if (e.type() == DType.I64) return e;
        if (e instanceof Expr.Const c) return new Expr.Const(c.value(), DType.I64);
        return new Expr.Binary(BinOp.ADD, e, new Expr.Const(0, DType.I64), DType.I64);
    }

    private static Expr as(Expr e, DType t) {
        if (e.type() == t) return e;
        if (t == DType.I64) return widen(e);
        throw new IllegalStateException("an i64 bound computed in i32: " + e);
    }

    /** Integer arithmetic on bounds, in type {@code t} (i64 when either operand is). */
    private static Expr arith(BinOp op, Expr a, Expr b, DType t) {
        if (a.type() == DType.I64 || b.type() == DType.I64) t = DType.I64;
        Optional<Long> x = intConstant(a);
        Optional<Long> y = intConstant(b);
        if (x.isPresent() && y.isPresent() && !((op == BinOp.DIV || op == BinOp.MOD) && y.get() == 0)) {
            return new Expr.Const(Semantics.intArithmetic(op, x.get(), y.get(), t), t);
        }
        switch (op) {
            case ADD -> {
                if (x.equals(Optional.of(0L))) return as(b, t);
                if (y.equals(Optional.of(0L))) return as(a, t);
            }
            case SUB -> {
                if (y.equals(Optional.of(0L))) return as(a, t);
                if (y.isPresent() && y.get() < 0 && y.get() != Long.MIN_VALUE) return arith(BinOp.ADD, a, lit(-y.get()), t);
            }
            case MUL -> {
                if (x.equals(Optional.of(1L))) return as(b, t);
                if (y.equals(Optional.of(1L))) return as(a, t);
                if (x.equals(Optional.of(0L)) || y.equals(Optional.of(0L))) return new Expr.Const(0, t);
            }
            case DIV -> {
                if (y.equals(Optional.of(1L))) return as(a, t);
            }
            default -> { }
        }
        if (t == DType.I64 && a.type() != DType.I64 && b.type() != DType.I64) {
            if (b instanceof Expr.Const) b = widen(b);
            else a = widen(a);
        }
        return new Expr.Binary(op, a, b, t);
    }

    private static Expr neg(Expr e, DType t) {
        if (e instanceof Expr.Const c) return new Expr.Const(-c.value(), t == DType.I64 || c.type() == DType.I64 ? DType.I64 : t);
        Expr x = t == DType.I64 ? widen(e) : e;
        return new Expr.Unary(Expr.UnOp.NEG, x, x.type());
    }

    private static Expr call(Builtin fn, Expr a) {
        return new Expr.Call(fn, List.of(a), a.type());
    }

    private static Expr call(Builtin fn, Expr a, Expr b) {
        return new Expr.Call(fn, List.of(a, b), promote(a, b));
    }

    private static DType promote(Expr a, Expr b) {
        return a.type() == DType.I64 || b.type() == DType.I64 ? DType.I64 : DType.I32;
    }

    private static Expr min(Expr a, Expr b) {
        return minMax(Builtin.MIN, a, b);
    }

    private static Expr max(Expr a, Expr b) {
        return minMax(Builtin.MAX, a, b);
    }

    private static Expr minMax(Builtin fn, Expr a, Expr b) {
        DType t = promote(a, b);
        if (a.equals(b)) return as(a, t);
        Optional<Long> x = intConstant(a);
        Optional<Long> y = intConstant(b);
        if (x.isPresent() && y.isPresent()) {
            long v = fn == Builtin.MIN ? Math.min(x.get(), y.get()) : Math.max(x.get(), y.get());
            return new Expr.Const(v, t);
        }
        return call(fn, a, b);
    }

    private static Expr select(Expr c, Expr a, Expr b) {
        DType t = a.type() == DType.BOOL ? DType.BOOL : promote(a, b);
        if (isTrue(c)) return t == DType.BOOL ? a : as(a, t);
        if (isFalse(c)) return t == DType.BOOL ? b : as(b, t);
        if (a.equals(b)) return a;
        if (t == DType.BOOL) {
            if (isTrue(a) && isFalse(b)) return c;
            if (isFalse(a) && isTrue(b)) return not(c);
        }
        return new Expr.Select(c, a, b, t);
    }

    /**
     * {@code a && b}, flattened, with constants folded and repeated conjuncts dropped (the first
     * stays, so a condition still comes before what it guards).
     */
    private static Expr and(Expr a, Expr b) {
        return junction(BinOp.AND, a, b);
    }

    private static Expr or(Expr a, Expr b) {
        return junction(BinOp.OR, a, b);
    }

    private static Expr junction(BinOp op, Expr a, Expr b) {
        boolean isAnd = op == BinOp.AND;
        List<Expr> terms = new ArrayList<>();
        for (Expr e : List.of(a, b)) flatten(op, e, terms);
        List<Expr> kept = new ArrayList<>();
        for (Expr t : terms) {
            if (isAnd ? isTrue(t) : isFalse(t)) continue;
            if (isAnd ? isFalse(t) : isTrue(t)) {
                kept.add(t);
                break;
            }
            if (!kept.contains(t)) kept.add(t);
        }
        if (kept.isEmpty()) return Expr.Const.bool(isAnd);
        if (isAnd ? isFalse(kept.getLast()) : isTrue(kept.getLast())) {
            // Everything before the absorbing constant is pure: the whole is that constant.
            return kept.getLast();
        }
        Expr out = kept.getFirst();
        for (int k = 1; k < kept.size(); k++) out = new Expr.Binary(op, out, kept.get(k), DType.BOOL);
        return out;
    }

    private static void flatten(BinOp op, Expr e, List<Expr> out) {
        if (e instanceof Expr.Binary b && b.op() == op) {
            flatten(op, b.a(), out);
            flatten(op, b.b(), out);
        } else {
            out.add(e);
        }
    }

    /** {@code !a}, pushed through {@code && ||} and into integer comparisons. */
    private static Expr not(Expr a) {
        if (isTrue(a)) return FALSE;
        if (isFalse(a)) return TRUE;
        return switch (a) {
            case Expr.Unary u when u.op() == Expr.UnOp.NOT -> u.x();
            case Expr.Binary b when b.op() == BinOp.AND -> or(not(b.a()), not(b.b()));
            case Expr.Binary b when b.op() == BinOp.OR -> and(not(b.a()), not(b.b()));
            case Expr.Binary b when b.op().isComparison() && b.a().type().isInteger() && b.b().type().isInteger() -> {
                BinOp flip = switch (b.op()) {
                    case LT -> BinOp.GE;
                    case LE -> BinOp.GT;
                    case GT -> BinOp.LE;
                    case GE -> BinOp.LT;
                    case EQ -> BinOp.NE;
                    default -> BinOp.EQ;
                };
                yield new Expr.Binary(flip, b.a(), b.b(), DType.BOOL);
            }
            default -> new Expr.Unary(Expr.UnOp.NOT, a, DType.BOOL);
        };
    }

    /** A comparison of integer bounds. */
    private static Expr cmp(BinOp op, Expr a, Expr b) {
        Optional<Long> x = intConstant(a);
        Optional<Long> y = intConstant(b);
        if (x.isPresent() && y.isPresent()) return Expr.Const.bool(Semantics.test(op, x.get(), y.get()));
        if (a.equals(b)) return Expr.Const.bool(op == BinOp.LE || op == BinOp.GE || op == BinOp.EQ);
        return new Expr.Binary(op, a, b, DType.BOOL);
    }

    // ---------------------------------------------------------------------------------------------
    // Static ranges, saturating

    private static long sadd(long a, long b) {
        long r = a + b;
        if (((a ^ r) & (b ^ r)) < 0) return a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
        return r;
    }

    private static long sneg(long a) {
        return a == Long.MIN_VALUE ? Long.MAX_VALUE : -a;
    }

    private static long sabs(long a) {
        return a < 0 ? sneg(a) : a;
    }

    private static long smul(long a, long b) {
        long hi = Math.multiplyHigh(a, b);
        long lo = a * b;
        if ((hi == 0 && lo >= 0) || (hi == -1 && lo < 0)) return lo;
        return (a < 0) != (b < 0) ? Long.MIN_VALUE : Long.MAX_VALUE;
    }

    // ---------------------------------------------------------------------------------------------
    // Walks

    /** The number of nodes of {@code e}, counting at most a little past {@link #MAX_NODES}. */
    private static int nodes(Expr e) {
        int[] n = {0};
        count(e, n);
        return n[0];
    }

    private static void count(Expr e, int[] n) {
        if (++n[0] > MAX_NODES) return;
        switch (e) {
            case Expr.Const c -> { }
            case Expr.Scalar s -> { }
            case Expr.Index i -> { }
            case Expr.Read r -> r.indices().forEach(x -> count(x, n));
            case Expr.Unary u -> count(u.x(), n);
            case Expr.Binary b -> { count(b.a(), n); count(b.b(), n); }
            case Expr.Select s -> { count(s.cond(), n); count(s.a(), n); count(s.b(), n); }
            case Expr.Call c -> c.args().forEach(x -> count(x, n));
            case Expr.Reduce r -> {
                r.vars().forEach(v -> count(v.extent(), n));
                r.filter().ifPresent(x -> count(x, n));
                count(r.body(), n);
            }
            case Expr.Softmax s -> count(s.body(), n);
        }
    }

    private static boolean mentionsIndexOrRead(Expr e) {
        boolean[] found = {false};
        tessera.ir.tensor.ExprWalker.walk(e, x -> found[0] |= x instanceof Expr.Index || x instanceof Expr.Read || x instanceof Expr.Reduce);
        return found[0];
    }

    /** Every index variable name {@code e} mentions, bound or not. */
    private static void allIndices(Expr e, Set<String> out) {
        tessera.ir.tensor.ExprWalker.walk(e, x -> {
            if (x instanceof Expr.Index i) out.add(i.name());
            if (x instanceof Expr.Reduce r) r.vars().forEach(v -> out.add(v.name()));
        });
    }

    /** The index variables {@code e} uses that it does not bind itself. */
    private static Set<String> freeIndices(Expr e) {
        Set<String> out = new HashSet<>();
        free(e, Set.of(), out);
        return out;
    }

    private static void free(Expr e, Set<String> bound, Set<String> out) {
        switch (e) {
            case Expr.Const c -> { }
            case Expr.Scalar s -> { }
            case Expr.Index i -> {
                if (!bound.contains(i.name())) out.add(i.name());
            }
            case Expr.Read r -> r.indices().forEach(x -> free(x, bound, out));
            case Expr.Unary u -> free(u.x(), bound, out);
            case Expr.Binary b -> { free(b.a(), bound, out); free(b.b(), bound, out); }
            case Expr.Select s -> { free(s.cond(), bound, out); free(s.a(), bound, out); free(s.b(), bound, out); }
            case Expr.Call c -> c.args().forEach(x -> free(x, bound, out));
            case Expr.Reduce r -> {
                r.vars().forEach(v -> free(v.extent(), bound, out));
                Set<String> inner = new HashSet<>(bound);
                r.vars().forEach(v -> inner.add(v.name()));
                r.filter().ifPresent(x -> free(x, inner, out));
                free(r.body(), inner, out);
            }
            case Expr.Softmax s -> {
                if (!bound.contains(s.var().name())) out.add(s.var().name());
                free(s.body(), bound, out);
            }
        }
    }
}
