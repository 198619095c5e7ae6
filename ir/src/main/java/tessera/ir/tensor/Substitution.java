package tessera.ir.tensor;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Replaces free index variables of an expression by expressions (variables a reduction or softmax binds are not free inside it). */
public final class Substitution {
    private Substitution() {}

    public static Expr indices(Expr e, Map<String, Expr> binding) {
        if (binding.isEmpty()) return e;
        return switch (e) {
            case Expr.Const c -> c;
            case Expr.Scalar s -> s;
            case Expr.Index i -> binding.getOrDefault(i.name(), i);
            case Expr.Read r -> new Expr.Read(r.tensor(), r.indices().stream().map(x -> indices(x, binding)).toList(), r.type());
            case Expr.Unary u -> new Expr.Unary(u.op(), indices(u.x(), binding), u.type());
            case Expr.Binary b -> new Expr.Binary(b.op(), indices(b.a(), binding), indices(b.b(), binding), b.type());
            case Expr.Select s -> new Expr.Select(indices(s.cond(), binding), indices(s.a(), binding), indices(s.b(), binding), s.type());
            case Expr.Call c -> new Expr.Call(c.fn(), c.args().stream().map(x -> indices(x, binding)).toList(), c.type());
            case Expr.Reduce r -> {
                List<IndexVar> vars = r.vars().stream().map(v -> new IndexVar(v.name(), indices(v.extent(), binding))).toList();
                Map<String, Expr> inner = without(binding, vars);
                yield new Expr.Reduce(r.op(), vars, r.filter().map(x -> indices(x, inner)), indices(r.body(), inner), r.type());
            }
            case Expr.Softmax s -> {
                IndexVar v = new IndexVar(s.var().name(), indices(s.var().extent(), binding));
                yield new Expr.Softmax(v, indices(s.body(), without(binding, List.of(v))), s.type());
            }
        };
    }

    /** {@code e} with every occurrence of {@code target} (structural equality) replaced by {@code with}. */
    public static Expr replace(Expr e, Expr target, Expr with) {
        if (e.equals(target)) return with;
        return switch (e) {
            case Expr.Const c -> c;
            case Expr.Scalar s -> s;
            case Expr.Index i -> i;
            case Expr.Read r -> new Expr.Read(r.tensor(), r.indices().stream().map(x -> replace(x, target, with)).toList(), r.type());
            case Expr.Unary u -> new Expr.Unary(u.op(), replace(u.x(), target, with), u.type());
            case Expr.Binary b -> new Expr.Binary(b.op(), replace(b.a(), target, with), replace(b.b(), target, with), b.type());
            case Expr.Select s -> new Expr.Select(replace(s.cond(), target, with), replace(s.a(), target, with), replace(s.b(), target, with), s.type());
            case Expr.Call c -> new Expr.Call(c.fn(), c.args().stream().map(x -> replace(x, target, with)).toList(), c.type());
            case Expr.Reduce r -> new Expr.Reduce(r.op(), r.vars(), r.filter().map(x -> replace(x, target, with)), replace(r.body(), target, with), r.type());
            case Expr.Softmax s -> new Expr.Softmax(s.var(), replace(s.body(), target, with), s.type());
        };
    }

    /** Renames free index variables. */
    public static Expr rename(Expr e, Map<String, String> names) {
        Map<String, Expr> binding = new HashMap<>();
        names.forEach((from, to) -> {
            if (!from.equals(to)) binding.put(from, new Expr.Index(to));
        });
        return indices(e, binding);
    }

    /** Whether {@code var} occurs free in {@code e}. */
    public static boolean mentions(Expr e, String var) {
        return switch (e) {
            case Expr.Const c -> false;
            case Expr.Scalar s -> false;
            case Expr.Index i -> i.name().equals(var);
            case Expr.Read r -> r.indices().stream().anyMatch(x -> mentions(x, var));
            case Expr.Unary u -> mentions(u.x(), var);
            case Expr.Binary b -> mentions(b.a(), var) || mentions(b.b(), var);
            case Expr.Select s -> mentions(s.cond(), var) || mentions(s.a(), var) || mentions(s.b(), var);
            case Expr.Call c -> c.args().stream().anyMatch(x -> mentions(x, var));
            case Expr.Reduce r -> r.vars().stream().anyMatch(v -> mentions(v.extent(), var))
                    || r.vars().stream().noneMatch(v -> v.name().equals(var))
                            && (r.filter().map(x -> mentions(x, var)).orElse(false) || mentions(r.body(), var));
            case Expr.Softmax s -> mentions(s.var().extent(), var) || !s.var().name().equals(var) && mentions(s.body(), var);
        };
    }

    private static Map<String, Expr> without(Map<String, Expr> binding, List<IndexVar> bound) {
        Map<String, Expr> inner = new HashMap<>(binding);
        for (IndexVar v : bound) inner.remove(v.name());
        return inner;
    }
}
