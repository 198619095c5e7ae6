package tessera.passes;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import tessera.ir.loop.Kernel;
import tessera.ir.loop.LExpr;
import tessera.ir.loop.LStmt;
import tessera.ir.loop.Module;
import tessera.ir.tensor.Expr;

/**
 * Maps loops to what the target has. Today: when the target has vector lanes, an innermost
 * serial loop that is a unit-stride reduction, map, or both (see {@link LStmt.LoopKind#VECTORIZED})
 * is marked VECTORIZED, so the backend runs it across lanes. Grid dimensions are mapped to groups and lanes
 * by each backend's launcher (parallel outer loop on the JVM, NDRange on OpenCL) from the same
 * {@link Target} numbers; moving that decision here comes with the tiled fast path.
 */
public final class MapToTarget implements LoopPass {
    @Override
    public String name() {
        return "map-to-target";
    }

    @Override
    public Module apply(Module m, Target target) {
        if (target.vectorLanes() <= 1) return m;
        List<Kernel> kernels = m.kernels().stream()
                .map(k -> k.withBody(block(k.body(), new HashSet<>())))
                .toList();
        return new Module(m.name(), kernels, m.plan());
    }

    /** @param vars Vars declared so far in enclosing blocks (accumulator candidates) */
    private static List<LStmt> block(List<LStmt> stmts, Set<String> vars) {
        Set<String> scope = new HashSet<>(vars);
        return stmts.stream().map(s -> {
            if (s instanceof LStmt.Var v) scope.add(v.name());
            return stmt(s, scope);
        }).toList();
    }

    private static LStmt stmt(LStmt s, Set<String> vars) {
        return switch (s) {
            case LStmt.For f -> {
                if (f.kind() == LStmt.LoopKind.SERIAL && vectorizable(f, vars)) {
                    yield new LStmt.For(f.var(), f.lo(), f.hi(), LStmt.LoopKind.VECTORIZED, f.body());
                }
                yield new LStmt.For(f.var(), f.lo(), f.hi(), f.kind(), block(f.body(), vars));
            }
            case LStmt.If i -> new LStmt.If(i.cond(), block(i.then(), vars), block(i.otherwise(), vars));
            case LStmt.Let l -> l;
            case LStmt.Var v -> v;
            case LStmt.Assign a -> a;
            case LStmt.Store st -> st;
            case LStmt.Comment c -> c;
            case LStmt.Alloc a -> a;
            case LStmt.Barrier b -> b;
            case LStmt.MatMul mm -> mm;
        };
    }

    /**
     * Straight-line lets, accumulations into outer vars and unit-stride stores, with unit-stride
     * or invariant loads; a stored array is read in the loop only at the element the same
     * iteration stores (so lanes never see each other's writes).
     */
    static boolean vectorizable(LStmt.For f, Set<String> outerVars) {
        boolean works = false;
        // Lanes hold partial accumulators, so nothing in the body may read one.
        Set<String> accumulators = new HashSet<>();
        for (LStmt s : f.body()) if (s instanceof LStmt.Assign a) accumulators.add(a.name());
        for (LStmt s : f.body()) {
            LExpr read = switch (s) {
                case LStmt.Let l -> l.value();
                case LStmt.Assign a -> accumulation(a).orElse(null);
                case LStmt.Store st -> st.value();
                default -> null;
            };
            if (read != null && accumulators.stream().anyMatch(acc -> mentions(read, acc))) return false;
        }
        java.util.Map<String, LExpr> stored = new java.util.HashMap<>();
        // Lets (index arithmetic that Simplify's CSE named) are seen through: their definitions stand in for them.
        java.util.Map<String, LExpr> lets = new java.util.HashMap<>();
        for (LStmt s : f.body()) {
            if (s instanceof LStmt.Let l) lets.put(l.name(), inline(l.value(), lets));
        }
        for (LStmt s : f.body()) {
            switch (s) {
                case LStmt.Let l -> {
                    if (!loadsOk(inline(l.value(), lets), f.var())) return false;
                }
                case LStmt.Assign a -> {
                    if (!outerVars.contains(a.name()) || accumulation(a).isEmpty()) return false;
                    if (!loadsOk(inline(accumulation(a).get(), lets), f.var())) return false;
                    works = true;
                }
                case LStmt.Store st -> {
                    LExpr index = inline(st.index(), lets);
                    Optional<Long> stride = stride(index, f.var());
                    if (stride.isEmpty() || stride.get() != 1 || hasLoad(index) || !loadsOk(inline(st.value(), lets), f.var())) return false;
                    LExpr before = stored.putIfAbsent(st.buffer(), index);
                    if (before != null && !before.equals(index)) return false;
                    works = true;
                }
                case LStmt.Comment c -> { }
                case LStmt.For x -> { return false; }
                case LStmt.If x -> { return false; }
                case LStmt.Var x -> { return false; }
                case LStmt.Alloc x -> { return false; }
                case LStmt.Barrier x -> { return false; }
                case LStmt.MatMul x -> { return false; }
            }
        }
        for (LStmt s : f.body()) {
            LExpr e = switch (s) {
                case LStmt.Let l -> l.value();
                case LStmt.Assign a -> a.value();
                case LStmt.Store st -> st.value();
                default -> null;
            };
            if (e != null && !readsStoredOnlyInPlace(inline(e, lets), stored)) return false;
        }
        return works;
    }

    /** {@code e} with the loop body's lets replaced by their (already inlined) definitions. */
    private static LExpr inline(LExpr e, java.util.Map<String, LExpr> lets) {
        if (lets.isEmpty()) return e;
        return switch (e) {
            case LExpr.Const c -> c;
            case LExpr.Ref r -> lets.getOrDefault(r.name(), r);
            case LExpr.Load l -> new LExpr.Load(l.buffer(), inline(l.index(), lets), l.type());
            case LExpr.Unary u -> new LExpr.Unary(u.op(), inline(u.x(), lets), u.type());
            case LExpr.Binary b -> new LExpr.Binary(b.op(), inline(b.a(), lets), inline(b.b(), lets), b.type());
            case LExpr.Select s -> new LExpr.Select(inline(s.cond(), lets), inline(s.a(), lets), inline(s.b(), lets), s.type());
            case LExpr.Call c -> new LExpr.Call(c.fn(), c.args().stream().map(x -> inline(x, lets)).toList(), c.type());
            case LExpr.Cast c -> new LExpr.Cast(inline(c.x(), lets), c.type());
        };
    }

    private static boolean readsStoredOnlyInPlace(LExpr e, java.util.Map<String, LExpr> stored) {
        return switch (e) {
            case LExpr.Const c -> true;
            case LExpr.Ref r -> true;
            case LExpr.Load l -> (!stored.containsKey(l.buffer()) || stored.get(l.buffer()).equals(l.index()))
                    && readsStoredOnlyInPlace(l.index(), stored);
            case LExpr.Unary u -> readsStoredOnlyInPlace(u.x(), stored);
            case LExpr.Binary b -> readsStoredOnlyInPlace(b.a(), stored) && readsStoredOnlyInPlace(b.b(), stored);
            case LExpr.Select s -> readsStoredOnlyInPlace(s.cond(), stored) && readsStoredOnlyInPlace(s.a(), stored)
                    && readsStoredOnlyInPlace(s.b(), stored);
            case LExpr.Call c -> c.args().stream().allMatch(x -> readsStoredOnlyInPlace(x, stored));
            case LExpr.Cast c -> readsStoredOnlyInPlace(c.x(), stored);
        };
    }

    /** The term e of {@code acc = acc + e}, {@code acc = max(acc, e)} or {@code acc = min(acc, e)}. */
    static Optional<LExpr> accumulation(LStmt.Assign a) {
        LExpr acc = new LExpr.Ref(a.name(), a.value().type());
        return switch (a.value()) {
            case LExpr.Binary b when b.op() == Expr.BinOp.ADD && b.a().equals(acc) && !mentions(b.b(), a.name()) -> Optional.of(b.b());
            case LExpr.Call c when (c.fn() == Expr.Builtin.MAX || c.fn() == Expr.Builtin.MIN)
                    && c.args().get(0).equals(acc) && !mentions(c.args().get(1), a.name()) -> Optional.of(c.args().get(1));
            default -> Optional.empty();
        };
    }

    private static boolean mentions(LExpr e, String name) {
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

    /** Every load's index has stride 0 or 1 in {@code var}. */
    private static boolean loadsOk(LExpr e, String var) {
        return switch (e) {
            case LExpr.Const c -> true;
            case LExpr.Ref r -> true;
            case LExpr.Load l -> {
                Optional<Long> s = stride(l.index(), var);
                yield s.isPresent() && (s.get() == 0 || s.get() == 1) && (s.get() == 0 || !hasLoad(l.index()));
            }
            case LExpr.Unary u -> loadsOk(u.x(), var);
            case LExpr.Binary b -> loadsOk(b.a(), var) && loadsOk(b.b(), var);
            case LExpr.Select s -> loadsOk(s.cond(), var) && loadsOk(s.a(), var) && loadsOk(s.b(), var);
            case LExpr.Call c -> c.args().stream().allMatch(x -> loadsOk(x, var));
            case LExpr.Cast c -> loadsOk(c.x(), var);
        };
    }

    private static boolean hasLoad(LExpr e) {
        return switch (e) {
            case LExpr.Const c -> false;
            case LExpr.Ref r -> false;
            case LExpr.Load l -> true;
            case LExpr.Unary u -> hasLoad(u.x());
            case LExpr.Binary b -> hasLoad(b.a()) || hasLoad(b.b());
            case LExpr.Select s -> hasLoad(s.cond()) || hasLoad(s.a()) || hasLoad(s.b());
            case LExpr.Call c -> c.args().stream().anyMatch(MapToTarget::hasLoad);
            case LExpr.Cast c -> hasLoad(c.x());
        };
    }

    /** The constant coefficient of {@code var} in an integer index expression, if it is affine in it. */
    static Optional<Long> stride(LExpr e, String var) {
        return switch (e) {
            case LExpr.Const c -> Optional.of(0L);
            case LExpr.Ref r -> Optional.of(r.name().equals(var) ? 1L : 0L);
            case LExpr.Binary b when b.op() == Expr.BinOp.ADD -> add(stride(b.a(), var), stride(b.b(), var), 1);
            case LExpr.Binary b when b.op() == Expr.BinOp.SUB -> add(stride(b.a(), var), stride(b.b(), var), -1);
            case LExpr.Binary b when b.op() == Expr.BinOp.MUL -> {
                Optional<Long> x = stride(b.a(), var);
                Optional<Long> y = stride(b.b(), var);
                if (x.isEmpty() || y.isEmpty()) yield Optional.empty();
                if (x.get() == 0 && y.get() == 0) yield Optional.of(0L);
                if (x.get() != 0 && b.b() instanceof LExpr.Const k) yield Optional.of(x.get() * (long) k.value());
                if (y.get() != 0 && b.a() instanceof LExpr.Const k) yield Optional.of(y.get() * (long) k.value());
                yield Optional.empty();
            }
            case LExpr.Cast c -> stride(c.x(), var);
            default -> mentions(e, var) ? Optional.empty() : Optional.of(0L);
        };
    }

    private static Optional<Long> add(Optional<Long> a, Optional<Long> b, long sign) {
        return a.isPresent() && b.isPresent() ? Optional.of(a.get() + sign * b.get()) : Optional.empty();
    }
}
