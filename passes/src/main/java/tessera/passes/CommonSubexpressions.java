package tessera.passes;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tessera.ir.loop.Kernel;
import tessera.ir.loop.LExpr;
import tessera.ir.loop.LStmt;

/**
 * Common-subexpression elimination for {@link Simplify}: an integer expression of at least two
 * operators, built only from names that cannot change (grid and loop variables, lets, scalar
 * parameters; never a {@code var}) and with no loads, that occurs twice or more in a block
 * (nested blocks included) and uses no name the block itself declares, is computed once by a
 * {@code let cse__N} at the top of that block. Integer arithmetic cannot trap here (Lower guards
 * division), so hoisting out of a branch is safe.
 */
final class CommonSubexpressions {
    private final Set<String> mutable = new HashSet<>();
    private int fresh;

    private CommonSubexpressions() {}

    static Kernel apply(Kernel k) {
        CommonSubexpressions c = new CommonSubexpressions();
        c.collectVars(k.body());
        return k.withBody(c.block(k.body()));
    }

    private void collectVars(List<LStmt> stmts) {
        for (LStmt s : stmts) {
            switch (s) {
                case LStmt.Var v -> mutable.add(v.name());
                case LStmt.For f -> collectVars(f.body());
                case LStmt.If i -> { collectVars(i.then()); collectVars(i.otherwise()); }
                default -> { }
            }
        }
    }

    private List<LStmt> block(List<LStmt> stmts) {
        Set<String> declaredHere = new HashSet<>();
        declared(stmts, declaredHere);
        Map<LExpr, Integer> counts = new LinkedHashMap<>();
        for (LStmt s : stmts) count(s, counts);
        List<LExpr> chosen = new ArrayList<>();
        for (Map.Entry<LExpr, Integer> e : counts.entrySet()) {
            if (e.getValue() >= 2 && operators(e.getKey()) >= 2 && !mentionsAny(e.getKey(), declaredHere)) chosen.add(e.getKey());
        }
        // Smaller expressions first, so each let builds on the ones before it.
        chosen.sort((a, b) -> Integer.compare(operators(a), operators(b)));
        List<LStmt> out = new ArrayList<>();
        Map<LExpr, LExpr> names = new LinkedHashMap<>();
        for (LExpr e : chosen) {
            LExpr replaced = replace(e, names);
            if (operators(replaced) == 0) continue;
            String name = "cse__" + fresh++;
            out.add(new LStmt.Let(name, replaced));
            names.put(e, new LExpr.Ref(name, e.type()));
        }
        for (LStmt s : stmts) out.add(rewrite(s, names));
        return out;
    }

    private static void declared(List<LStmt> stmts, Set<String> into) {
        for (LStmt s : stmts) {
            switch (s) {
                case LStmt.Let l -> into.add(l.name());
                case LStmt.Var v -> into.add(v.name());
                case LStmt.For f -> { into.add(f.var()); declared(f.body(), into); }
                case LStmt.If i -> { declared(i.then(), into); declared(i.otherwise(), into); }
                default -> { }
            }
        }
    }

    private LStmt rewrite(LStmt s, Map<LExpr, LExpr> names) {
        return switch (s) {
            case LStmt.Let l -> new LStmt.Let(l.name(), replace(l.value(), names));
            case LStmt.Var v -> new LStmt.Var(v.name(), v.type(), replace(v.init(), names));
            case LStmt.Assign a -> new LStmt.Assign(a.name(), replace(a.value(), names));
            case LStmt.Store st -> new LStmt.Store(st.buffer(), replace(st.index(), names), replace(st.value(), names));
            case LStmt.For f -> new LStmt.For(f.var(), replace(f.lo(), names), replace(f.hi(), names), f.kind(),
                    block(f.body().stream().map(x -> rewrite(x, names)).toList()));
            case LStmt.If i -> new LStmt.If(replace(i.cond(), names),
                    block(i.then().stream().map(x -> rewrite(x, names)).toList()),
                    block(i.otherwise().stream().map(x -> rewrite(x, names)).toList()));
            case LStmt.Comment c -> c;
            case LStmt.Barrier b -> b;
            case LStmt.Alloc a -> new LStmt.Alloc(a.name(), a.type(), replace(a.size(), names), a.space());
            case LStmt.MatMul mm -> new LStmt.MatMul(operand(mm.c(), names), operand(mm.a(), names), operand(mm.b(), names),
                    replace(mm.rows(), names), replace(mm.cols(), names), replace(mm.depth(), names), mm.accumulate());
        };
    }

    private static LStmt.Operand operand(LStmt.Operand o, Map<LExpr, LExpr> names) {
        return new LStmt.Operand(o.array(), replace(o.offset(), names), replace(o.rowStride(), names), replace(o.colStride(), names));
    }

    private void count(LStmt s, Map<LExpr, Integer> counts) {
        switch (s) {
            case LStmt.Let l -> count(l.value(), counts);
            case LStmt.Var v -> count(v.init(), counts);
            case LStmt.Assign a -> count(a.value(), counts);
            case LStmt.Store st -> { count(st.index(), counts); count(st.value(), counts); }
            case LStmt.For f -> { count(f.lo(), counts); count(f.hi(), counts); f.body().forEach(x -> count(x, counts)); }
            case LStmt.If i -> { count(i.cond(), counts); i.then().forEach(x -> count(x, counts)); i.otherwise().forEach(x -> count(x, counts)); }
            case LStmt.Comment c -> { }
            case LStmt.Barrier b -> { }
            case LStmt.Alloc a -> count(a.size(), counts);
            case LStmt.MatMul mm -> {
                for (LStmt.Operand o : List.of(mm.c(), mm.a(), mm.b())) {
                    count(o.offset(), counts);
                    count(o.rowStride(), counts);
                    count(o.colStride(), counts);
                }
                count(mm.rows(), counts);
                count(mm.cols(), counts);
                count(mm.depth(), counts);
            }
        }
    }

    private void count(LExpr e, Map<LExpr, Integer> counts) {
        if (candidate(e)) counts.merge(e, 1, Integer::sum);
        switch (e) {
            case LExpr.Const c -> { }
            case LExpr.Ref r -> { }
            case LExpr.Load l -> count(l.index(), counts);
            case LExpr.Unary u -> count(u.x(), counts);
            case LExpr.Binary b -> { count(b.a(), counts); count(b.b(), counts); }
            case LExpr.Select s -> { count(s.cond(), counts); count(s.a(), counts); count(s.b(), counts); }
            case LExpr.Call c -> c.args().forEach(x -> count(x, counts));
            case LExpr.Cast c -> count(c.x(), counts);
        }
    }

    /** Integer-typed, load-free, made only of names that cannot change. */
    private boolean candidate(LExpr e) {
        if (!(e instanceof LExpr.Binary || e instanceof LExpr.Select || e instanceof LExpr.Cast)) return false;
        if (e.type() != tessera.runtime.DType.I32 && e.type() != tessera.runtime.DType.I64) return false;
        return pure(e);
    }

    private boolean pure(LExpr e) {
        return switch (e) {
            case LExpr.Const c -> true;
            case LExpr.Ref r -> !mutable.contains(r.name());
            case LExpr.Load l -> false;
            case LExpr.Unary u -> pure(u.x());
            case LExpr.Binary b -> pure(b.a()) && pure(b.b());
            case LExpr.Select s -> pure(s.cond()) && pure(s.a()) && pure(s.b());
            case LExpr.Call c -> false;
            case LExpr.Cast c -> pure(c.x());
        };
    }

    private static int operators(LExpr e) {
        return switch (e) {
            case LExpr.Const c -> 0;
            case LExpr.Ref r -> 0;
            case LExpr.Load l -> 1 + operators(l.index());
            case LExpr.Unary u -> 1 + operators(u.x());
            case LExpr.Binary b -> 1 + operators(b.a()) + operators(b.b());
            case LExpr.Select s -> 1 + operators(s.cond()) + operators(s.a()) + operators(s.b());
            case LExpr.Call c -> 1 + c.args().stream().mapToInt(CommonSubexpressions::operators).sum();
            case LExpr.Cast c -> operators(c.x());
        };
    }

    private static boolean mentionsAny(LExpr e, Set<String> names) {
        return switch (e) {
            case LExpr.Const c -> false;
            case LExpr.Ref r -> names.contains(r.name());
            case LExpr.Load l -> mentionsAny(l.index(), names);
            case LExpr.Unary u -> mentionsAny(u.x(), names);
            case LExpr.Binary b -> mentionsAny(b.a(), names) || mentionsAny(b.b(), names);
            case LExpr.Select s -> mentionsAny(s.cond(), names) || mentionsAny(s.a(), names) || mentionsAny(s.b(), names);
            case LExpr.Call c -> c.args().stream().anyMatch(x -> mentionsAny(x, names));
            case LExpr.Cast c -> mentionsAny(c.x(), names);
        };
    }

    private static LExpr replace(LExpr e, Map<LExpr, LExpr> names) {
        LExpr named = names.get(e);
        if (named != null) return named;
        return switch (e) {
            case LExpr.Const c -> c;
            case LExpr.Ref r -> r;
            case LExpr.Load l -> new LExpr.Load(l.buffer(), replace(l.index(), names), l.type());
            case LExpr.Unary u -> new LExpr.Unary(u.op(), replace(u.x(), names), u.type());
            case LExpr.Binary b -> new LExpr.Binary(b.op(), replace(b.a(), names), replace(b.b(), names), b.type());
            case LExpr.Select s -> new LExpr.Select(replace(s.cond(), names), replace(s.a(), names), replace(s.b(), names), s.type());
            case LExpr.Call c -> new LExpr.Call(c.fn(), c.args().stream().map(x -> replace(x, names)).toList(), c.type());
            case LExpr.Cast c -> new LExpr.Cast(replace(c.x(), names), c.type());
        };
    }
}
