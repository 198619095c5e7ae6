package tessera.grammar;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import tessera.ir.tensor.Expr;
import tessera.ir.tensor.IndexVar;

/** Small generic walks over IR expressions used while resolving. */
final class Exprs {
    private Exprs() {}

    /** Marks a softmax whose variable's extent is not known yet; replaced by {@link #fillExtents}. */
    static final Expr PENDING = new Expr.Scalar("?pending-extent", Expr.ScalarKind.LET, tessera.runtime.DType.I32);

    static void walk(Expr e, Consumer<Expr> f) {
        tessera.ir.tensor.ExprWalker.walk(e, f);
    }

    /** Whether the index variable occurs free in e. */
    static boolean uses(Expr e, String var) {
        boolean[] found = {false};
        walk(e, x -> {
            if (x instanceof Expr.Index i && i.name().equals(var)) found[0] = true;
        });
        return found[0];
    }

    /** Whether e reads any tensor or calls a reduction (so it is not a plain scalar formula). */
    static boolean readsTensors(Expr e) {
        boolean[] found = {false};
        walk(e, x -> {
            if (x instanceof Expr.Read || x instanceof Expr.Reduce || x instanceof Expr.Softmax) found[0] = true;
        });
        return found[0];
    }

    /** A range learned from a direct use {@code t[..., v, ...]}: the extent and the tensor it came from. */
    record Use(String var, Expr extent, String tensor, int axis) {}

    /**
     * Every direct use of one of {@code vars} as a whole index of a read, with the extent of that
     * axis; {@code shapes} gives each tensor's shape.
     */
    static List<Use> directUses(Expr e, Set<String> vars, Map<String, List<Expr>> shapes) {
        List<Use> out = new ArrayList<>();
        walk(e, x -> {
            if (x instanceof Expr.Read r) {
                List<Expr> shape = shapes.get(r.tensor());
                if (shape == null) return;
                for (int a = 0; a < r.indices().size() && a < shape.size(); a++) {
                    if (r.indices().get(a) instanceof Expr.Index i && vars.contains(i.name())) {
                        out.add(new Use(i.name(), shape.get(a), r.tensor(), a));
                    }
                }
            }
        });
        return out;
    }

    /** Replaces {@link #PENDING} extents of softmax variables named in {@code extents}. */
    static Expr fillExtents(Expr e, Map<String, Expr> extents) {
        return switch (e) {
            case Expr.Const c -> c;
            case Expr.Scalar s -> s;
            case Expr.Index i -> i;
            case Expr.Read r -> new Expr.Read(r.tensor(), r.indices().stream().map(x -> fillExtents(x, extents)).toList(), r.type());
            case Expr.Unary u -> new Expr.Unary(u.op(), fillExtents(u.x(), extents), u.type());
            case Expr.Binary b -> new Expr.Binary(b.op(), fillExtents(b.a(), extents), fillExtents(b.b(), extents), b.type());
            case Expr.Select s -> new Expr.Select(fillExtents(s.cond(), extents), fillExtents(s.a(), extents), fillExtents(s.b(), extents), s.type());
            case Expr.Call c -> new Expr.Call(c.fn(), c.args().stream().map(x -> fillExtents(x, extents)).toList(), c.type());
            case Expr.Reduce r -> new Expr.Reduce(r.op(), r.vars(), r.filter().map(x -> fillExtents(x, extents)),
                    fillExtents(r.body(), extents), r.type());
            case Expr.Softmax s -> {
                IndexVar v = s.var();
                if (v.extent() == PENDING && extents.containsKey(v.name())) v = new IndexVar(v.name(), extents.get(v.name()));
                yield new Expr.Softmax(v, fillExtents(s.body(), extents), s.type());
            }
        };
    }

    static Optional<Expr> fillExtents(Optional<Expr> e, Map<String, Expr> extents) {
        return e.map(x -> fillExtents(x, extents));
    }
}
