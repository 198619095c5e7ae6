package tessera.backend.jvector;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import tessera.ir.loop.LExpr;
import tessera.ir.loop.LStmt;
import tessera.ir.tensor.Expr;
import tessera.runtime.DType;

/**
 * Decides whether a loop over {@code var} can run on Vector API lanes, and how each value of its
 * body is computed there. The body qualifies when:
 * <ul>
 *   <li>it is straight-line: only {@code Let}, {@code Store} and {@code Comment}, no name bound twice;
 *   <li>every value that depends on {@code var} (a <em>varying</em> value) has one float type, the
 *       lane type (F32 or F64), or is a mask of comparisons of such values or of an index with an
 *       invariant i32 (a causal mask), or is an <em>index</em> {@code var + c} / {@code c + var} /
 *       {@code var - c} with {@code c} invariant (i32);
 *   <li>varying values are built from contiguous loads {@code buf[index]} of lane-typed arrays
 *       (buffer parameters or local arrays),
 *       invariant values (scalars, broadcast loads {@code buf[c]}, anything not depending on
 *       {@code var}), {@code + - * /}, negation, comparisons, {@code && || !}, {@code Select},
 *       {@code abs min max sqrt exp log tanh pow sigmoid rsqrt}, and identity conversions;
 *   <li>varying values are stored contiguously into lane-typed arrays (at least one store);
 *   <li>what a lazy operator might skip (the branches of a varying {@code Select}, the right side
 *       of a varying {@code &&}/{@code ||}) cannot throw: no integer division, no loads but
 *       contiguous ones, which the lanes load under the mask of the lanes that take that side.
 *       Lanes evaluate both sides, so nothing else there may throw.
 * </ul>
 * Everything else (integer or bool arrays, mixed float widths, gathers, strided indices,
 * {@code % floor ceil} on varying values, Philox, loops, branches) runs in the scalar loop.
 *
 * <p>A loop inside a kernel body ({@link #analyseLoop}) is the same, except that besides stores
 * (into buffers or local arrays) its body may have accumulations into variables declared outside
 * it: {@code acc = acc + e} (or {@code e + acc}), {@code acc = max(acc, e)}, {@code acc = min(acc, e)}
 * (either argument order), each accumulator assigned once, of the lane type, and read nowhere else
 * in the body; it needs a store or an accumulation. Lanes run a vector of iterations statement by
 * statement, so its stores must not carry values between iterations: each array it stores is
 * stored at one index only, and every load of that array in the body reads that same index (the
 * element its own iteration writes). Indices are compared as written, after substituting the
 * body's lets.
 */
final class VectorAnalysis {
    /** How a value is computed in the vector loop. */
    enum Kind {
        /** Does not depend on the loop variable: plain scalar code. */
        INVARIANT,
        /** {@code var + c}: scalar code giving the first lane's index. */
        INDEX,
        /** A vector of lane-typed values. */
        LANES,
        /** A mask of booleans, one per lane. */
        MASK,
        /** Not computable on lanes. */
        NONE
    }

    /** How an accumulator combines its terms. */
    enum Op { SUM, MAX, MIN }

    /** One statement {@code acc = acc op term} of a reduction loop. */
    record Accumulation(String acc, Op op, LExpr term) {}

    private final String var;
    private final Function<String, DType> arrays;
    private final Map<String, Kind> lets = new HashMap<>();
    private DType laneType;

    /**
     * @param var    the loop variable
     * @param arrays the storage type of each buffer parameter or local array in scope, by IR name
     *               (null for a name that is neither)
     */
    VectorAnalysis(String var, Function<String, DType> arrays) {
        this.var = var;
        this.arrays = arrays;
    }

    /** The lane type (F32 or F64) if {@code body} can run on lanes; call once per analysis. */
    Optional<DType> analyse(List<LStmt> body) {
        int stores = 0;
        for (LStmt s : body) {
            boolean ok = switch (s) {
                case LStmt.Let l -> !l.name().equals(var) && !lets.containsKey(l.name())
                        && bind(l.name(), kind(l.value()));
                case LStmt.Store st -> {
                    stores++;
                    yield store(st);
                }
                case LStmt.Comment c -> true;
                case LStmt.Var v -> false;
                case LStmt.Assign a -> false;
                case LStmt.For f -> false;
                case LStmt.If i -> false;
                case LStmt.Alloc x -> false;
                case LStmt.Barrier x -> false;
                case LStmt.MatMul x -> false;
            };
            if (!ok) {
                return Optional.empty();
            }
        }
        return stores > 0 && laneType != null ? Optional.of(laneType) : Optional.empty();
    }

    /** A contiguous store of a lane value (or a broadcast invariant) into a lane-typed array. */
    private boolean store(LStmt.Store st) {
        return kind(st.index()) == Kind.INDEX && lane(arrays.apply(st.buffer()))
                && switch (kind(st.value())) {
                    case LANES -> true;
                    case INVARIANT -> st.value().type() != DType.BOOL;
                    case INDEX, MASK, NONE -> false;
                };
    }

    /**
     * The lane type if the body of a loop over {@code var} inside a kernel body (stores and
     * accumulations, see the class comment) can run on lanes; {@code types} gives the type of
     * each variable declared outside the loop (accumulator candidates). Call once per analysis.
     */
    Optional<DType> analyseLoop(List<LStmt> body, Function<String, Optional<DType>> types) {
        List<Accumulation> accs = accumulations(body);
        boolean assigns = body.stream().anyMatch(s -> s instanceof LStmt.Assign);
        if (assigns && accs.isEmpty() || accs.stream().map(Accumulation::acc).distinct().count() != accs.size()) {
            return Optional.empty();
        }
        for (Accumulation a : accs) {
            lets.put(a.acc(), Kind.NONE);
        }
        int stores = 0;
        for (LStmt s : body) {
            boolean ok = switch (s) {
                case LStmt.Let l -> !l.name().equals(var) && !lets.containsKey(l.name())
                        && bind(l.name(), kind(l.value()));
                case LStmt.Assign a -> {
                    Optional<Accumulation> acc = accumulation(a);
                    Optional<DType> t = types.apply(a.name());
                    yield acc.isPresent() && t.isPresent() && lane(t.get()) && acc.get().term().type() == t.get()
                            && operand(kind(acc.get().term()));
                }
                case LStmt.Store st -> {
                    stores++;
                    yield store(st);
                }
                case LStmt.Comment c -> true;
                case LStmt.Var v -> false;
                case LStmt.For f -> false;
                case LStmt.If i -> false;
                case LStmt.Alloc x -> false;
                case LStmt.Barrier x -> false;
                case LStmt.MatMul x -> false;
            };
            if (!ok) {
                return Optional.empty();
            }
        }
        if (stores == 0 && accs.isEmpty() || !storesStayInTheirIteration(body)) {
            return Optional.empty();
        }
        return Optional.ofNullable(laneType);
    }

    /**
     * True if no value flows between iterations through an array: every array the body stores is
     * stored at one index, and read (anywhere in the body) only at that index. Indices are
     * compared after substituting the body's lets.
     */
    static boolean storesStayInTheirIteration(List<LStmt> body) {
        Map<String, LExpr> defs = new HashMap<>();
        Map<String, LExpr> storedAt = new HashMap<>();
        List<LExpr.Load> loads = new ArrayList<>();
        for (LStmt s : body) {
            switch (s) {
                case LStmt.Let l -> {
                    loads(l.value(), loads);
                    defs.put(l.name(), l.value());
                }
                case LStmt.Assign a -> loads(a.value(), loads);
                case LStmt.Store st -> {
                    loads(st.index(), loads);
                    loads(st.value(), loads);
                    LExpr at = expand(st.index(), defs);
                    LExpr before = storedAt.putIfAbsent(st.buffer(), at);
                    if (before != null && !before.equals(at)) {
                        return false;
                    }
                }
                case LStmt.Var v -> loads(v.init(), loads);
                case LStmt.Comment c -> { }
                case LStmt.For f -> { return false; }
                case LStmt.If i -> { return false; }
                case LStmt.Alloc x -> { return false; }
                case LStmt.Barrier x -> { return false; }
                case LStmt.MatMul x -> { return false; }
            }
        }
        for (LExpr.Load l : loads) {
            LExpr at = storedAt.get(l.buffer());
            if (at != null && !at.equals(expand(l.index(), defs))) {
                return false;
            }
        }
        return true;
    }

    /** The arrays a body stores into. */
    static Set<String> stored(List<LStmt> body) {
        Set<String> out = new HashSet<>();
        for (LStmt s : body) {
            if (s instanceof LStmt.Store st) {
                out.add(st.buffer());
            }
        }
        return out;
    }

    /** Adds every load in {@code e} (including loads inside indices) to {@code out}. */
    static void loads(LExpr e, List<LExpr.Load> out) {
        switch (e) {
            case LExpr.Const c -> { }
            case LExpr.Ref r -> { }
            case LExpr.Load l -> {
                out.add(l);
                loads(l.index(), out);
            }
            case LExpr.Unary u -> loads(u.x(), out);
            case LExpr.Binary b -> {
                loads(b.a(), out);
                loads(b.b(), out);
            }
            case LExpr.Select s -> {
                loads(s.cond(), out);
                loads(s.a(), out);
                loads(s.b(), out);
            }
            case LExpr.Call c -> c.args().forEach(x -> loads(x, out));
            case LExpr.Cast c -> loads(c.x(), out);
        }
    }

    /** {@code e} with every reference to a let of {@code defs} replaced by its (expanded) value. */
    private static LExpr expand(LExpr e, Map<String, LExpr> defs) {
        return switch (e) {
            case LExpr.Const c -> c;
            case LExpr.Ref r -> defs.containsKey(r.name()) ? expand(defs.get(r.name()), defs) : r;
            case LExpr.Load l -> new LExpr.Load(l.buffer(), expand(l.index(), defs), l.type());
            case LExpr.Unary u -> new LExpr.Unary(u.op(), expand(u.x(), defs), u.type());
            case LExpr.Binary b -> new LExpr.Binary(b.op(), expand(b.a(), defs), expand(b.b(), defs), b.type());
            case LExpr.Select s -> new LExpr.Select(expand(s.cond(), defs), expand(s.a(), defs), expand(s.b(), defs), s.type());
            case LExpr.Call c -> new LExpr.Call(c.fn(), c.args().stream().map(x -> expand(x, defs)).toList(), c.type());
            case LExpr.Cast c -> new LExpr.Cast(expand(c.x(), defs), c.type());
        };
    }

    /** The accumulations of a body; an assignment that is not one makes the list empty. */
    static List<Accumulation> accumulations(List<LStmt> body) {
        List<Accumulation> out = new ArrayList<>();
        for (LStmt s : body) {
            if (s instanceof LStmt.Assign a) {
                Optional<Accumulation> acc = accumulation(a);
                if (acc.isEmpty()) {
                    return List.of();
                }
                out.add(acc.get());
            }
        }
        return out;
    }

    /** {@code a} as an accumulation, if it has one of the accepted forms. */
    static Optional<Accumulation> accumulation(LStmt.Assign a) {
        String acc = a.name();
        return switch (a.value()) {
            case LExpr.Binary b -> b.op() == Expr.BinOp.ADD ? term(acc, Op.SUM, b.a(), b.b()) : Optional.empty();
            case LExpr.Call c -> switch (c.fn()) {
                case MAX -> term(acc, Op.MAX, c.args().get(0), c.args().get(1));
                case MIN -> term(acc, Op.MIN, c.args().get(0), c.args().get(1));
                case EXP, LOG, SQRT, RSQRT, TANH, SIGMOID, ABS, POW, FLOOR, CEIL, FLOAT, INT, PHILOX, UNIFORM -> Optional.empty();
            };
            case LExpr.Const c -> Optional.empty();
            case LExpr.Ref r -> Optional.empty();
            case LExpr.Load l -> Optional.empty();
            case LExpr.Unary u -> Optional.empty();
            case LExpr.Select s -> Optional.empty();
            case LExpr.Cast c -> Optional.empty();
        };
    }

    private static Optional<Accumulation> term(String acc, Op op, LExpr x, LExpr y) {
        if (x instanceof LExpr.Ref r && r.name().equals(acc) && !mentions(y, acc)) {
            return Optional.of(new Accumulation(acc, op, y));
        }
        if (y instanceof LExpr.Ref r && r.name().equals(acc) && !mentions(x, acc)) {
            return Optional.of(new Accumulation(acc, op, x));
        }
        return Optional.empty();
    }

    /** True if {@code e} reads the value named {@code name}. */
    static boolean mentions(LExpr e, String name) {
        return switch (e) {
            case LExpr.Const c -> false;
            case LExpr.Ref r -> r.name().equals(name);
            case LExpr.Load l -> mentions(l.index(), name);
            case LExpr.Unary u -> mentions(u.x(), name);
            case LExpr.Binary b -> mentions(b.a(), name) || mentions(b.b(), name);
            case LExpr.Select s -> mentions(s.cond(), name) || mentions(s.a(), name) || mentions(s.b(), name);
            case LExpr.Call c -> c.args().stream().anyMatch(x -> mentions(x, name));
            case LExpr.Cast c -> mentions(c.x(), name);
        };
    }

    private boolean bind(String name, Kind k) {
        lets.put(name, k);
        return k != Kind.NONE;
    }

    /** How {@code e} is computed on lanes, given the lets analysed so far. */
    Kind kind(LExpr e) {
        return switch (e) {
            case LExpr.Const c -> Kind.INVARIANT;
            case LExpr.Ref r -> r.name().equals(var) ? Kind.INDEX : lets.getOrDefault(r.name(), Kind.INVARIANT);
            case LExpr.Load l -> switch (kind(l.index())) {
                case INVARIANT -> Kind.INVARIANT;
                case INDEX -> {
                    DType storage = arrays.apply(l.buffer());
                    yield storage == l.type() && lane(storage) ? Kind.LANES : Kind.NONE;
                }
                case LANES, MASK, NONE -> Kind.NONE;
            };
            case LExpr.Unary u -> switch (u.op()) {
                case NEG -> unaryOn(kind(u.x()), Kind.LANES, u.type());
                case NOT -> unaryOn(kind(u.x()), Kind.MASK, u.type());
            };
            case LExpr.Binary b -> binary(b);
            case LExpr.Select s -> select(s);
            case LExpr.Call c -> call(c);
            case LExpr.Cast c -> {
                Kind k = kind(c.x());
                yield k == Kind.INVARIANT || k == Kind.LANES && c.x().type() == c.type() ? k : Kind.NONE;
            }
        };
    }

    private Kind unaryOn(Kind k, Kind varying, DType type) {
        if (k == Kind.INVARIANT) {
            return Kind.INVARIANT;
        }
        return k == varying && (varying == Kind.MASK ? type == DType.BOOL : lane(type)) ? varying : Kind.NONE;
    }

    private Kind binary(LExpr.Binary b) {
        Kind ka = kind(b.a());
        Kind kb = kind(b.b());
        if (ka == Kind.INVARIANT && kb == Kind.INVARIANT) {
            return Kind.INVARIANT;
        }
        if (ka == Kind.NONE || kb == Kind.NONE) {
            return Kind.NONE;
        }
        return switch (b.op()) {
            case ADD, SUB -> {
                boolean index = b.type() == DType.I32
                        && (ka == Kind.INDEX && kb == Kind.INVARIANT && b.b().type() == DType.I32
                            || b.op() == Expr.BinOp.ADD
                               && ka == Kind.INVARIANT && kb == Kind.INDEX && b.a().type() == DType.I32);
                yield index ? Kind.INDEX : arithmetic(b.type(), ka, kb);
            }
            case MUL, DIV -> arithmetic(b.type(), ka, kb);
            case MOD -> Kind.NONE;
            case LT, LE, GT, GE, EQ, NE -> {
                if (indexComparison(b, ka, kb)) {
                    yield Kind.MASK;
                }
                DType common = ScalarExprs.comparedAs(b.a().type(), b.b().type());
                boolean numbers = b.a().type() != DType.BOOL && b.b().type() != DType.BOOL;
                yield numbers && operand(ka) && operand(kb) && lane(common) && b.type() == DType.BOOL ? Kind.MASK : Kind.NONE;
            }
            case AND, OR -> (mask(ka) && mask(kb) && guardable(b.b()) && b.type() == DType.BOOL) ? Kind.MASK : Kind.NONE;
        };
    }

    /**
     * True for an i32 comparison of an index with an invariant ({@code c + var < n}, {@code i >= var}):
     * a mask of the lanes whose index passes (see {@link VectorBody}), as a causal mask needs.
     */
    static boolean indexComparison(LExpr.Binary b, Kind ka, Kind kb) {
        boolean shape = ka == Kind.INDEX && kb == Kind.INVARIANT || ka == Kind.INVARIANT && kb == Kind.INDEX;
        return shape && b.a().type() == DType.I32 && b.b().type() == DType.I32 && b.type() == DType.BOOL;
    }

    private Kind arithmetic(DType type, Kind ka, Kind kb) {
        return operand(ka) && operand(kb) && lane(type) ? Kind.LANES : Kind.NONE;
    }

    private Kind select(LExpr.Select s) {
        Kind kc = kind(s.cond());
        Kind ka = kind(s.a());
        Kind kb = kind(s.b());
        if (kc == Kind.INVARIANT && ka == Kind.INVARIANT && kb == Kind.INVARIANT) {
            return Kind.INVARIANT;
        }
        boolean branches = operand(ka) && operand(kb) && lane(s.type());
        if (kc == Kind.INVARIANT) {
            return branches ? Kind.LANES : Kind.NONE;
        }
        return kc == Kind.MASK && branches && guardable(s.a()) && guardable(s.b()) ? Kind.LANES : Kind.NONE;
    }

    private Kind call(LExpr.Call c) {
        List<Kind> kinds = c.args().stream().map(this::kind).toList();
        if (kinds.stream().allMatch(k -> k == Kind.INVARIANT)) {
            return Kind.INVARIANT;
        }
        boolean supported = switch (c.fn()) {
            case ABS, MIN, MAX, SQRT, EXP, LOG, TANH, POW, SIGMOID, RSQRT -> true;
            case FLOAT -> c.args().get(0).type() == c.type();
            case FLOOR, CEIL, INT, PHILOX, UNIFORM -> false;
        };
        boolean args = kinds.stream().allMatch(this::operand)
                && c.args().stream().noneMatch(a -> a.type() == DType.BOOL);
        return supported && args && lane(c.type()) ? Kind.LANES : Kind.NONE;
    }

    /** A value usable as an arithmetic operand on lanes: lanes, or an invariant broadcast. */
    private boolean operand(Kind k) {
        return k == Kind.LANES || k == Kind.INVARIANT;
    }

    private boolean mask(Kind k) {
        return k == Kind.MASK || k == Kind.INVARIANT;
    }

    /** Records {@code t} as the lane type; false if it is not a float type or differs from the one seen. */
    private boolean lane(DType t) {
        if (t != DType.F32 && t != DType.F64) {
            return false;
        }
        if (laneType == null) {
            laneType = t;
        }
        return laneType == t;
    }

    /**
     * True when lanes may evaluate {@code e} where the scalar code might skip it: it is
     * {@link #total} except for contiguous loads (index {@code var + c}, itself total), which
     * {@link VectorBody} masks with the lanes that take the branch, so a lane that skips it never
     * touches memory. (Invariant code, a broadcast load say, runs once for all lanes and is not
     * masked.)
     */
    boolean guardable(LExpr e) {
        return switch (e) {
            case LExpr.Load l -> kind(l.index()) == Kind.INDEX && total(l.index());
            case LExpr.Const c -> true;
            case LExpr.Ref r -> true;
            case LExpr.Unary u -> guardable(u.x());
            case LExpr.Binary b -> {
                boolean intDivision = (b.op() == Expr.BinOp.DIV || b.op() == Expr.BinOp.MOD)
                        && b.type() != DType.F32 && b.type() != DType.F64;
                yield !intDivision && guardable(b.a()) && guardable(b.b());
            }
            case LExpr.Select s -> guardable(s.cond()) && guardable(s.a()) && guardable(s.b());
            case LExpr.Call c -> c.args().stream().allMatch(this::guardable);
            case LExpr.Cast c -> guardable(c.x());
        };
    }

    /** True when evaluating {@code e} cannot throw: no loads (their index may be out of range), no integer division. */
    static boolean total(LExpr e) {
        return switch (e) {
            case LExpr.Const c -> true;
            case LExpr.Ref r -> true;
            case LExpr.Load l -> false;
            case LExpr.Unary u -> total(u.x());
            case LExpr.Binary b -> {
                boolean intDivision = (b.op() == Expr.BinOp.DIV || b.op() == Expr.BinOp.MOD)
                        && b.type() != DType.F32 && b.type() != DType.F64;
                yield !intDivision && total(b.a()) && total(b.b());
            }
            case LExpr.Select s -> total(s.cond()) && total(s.a()) && total(s.b());
            case LExpr.Call c -> c.args().stream().allMatch(VectorAnalysis::total);
            case LExpr.Cast c -> total(c.x());
        };
    }
}
