package tessera.ir.tensor;

import java.util.function.Consumer;

/** Pre-order visits of an expression tree, for analyses that look at every node. */
public final class ExprWalker {
    private ExprWalker() {}

    /** Whether {@code test} holds for e or any sub-expression, in {@link #walk}'s order. */
    public static boolean any(Expr e, java.util.function.Predicate<Expr> test) {
        boolean[] found = {false};
        walk(e, x -> {
            if (!found[0] && test.test(x)) found[0] = true;
        });
        return found[0];
    }

    /** Whether e reads {@code tensor} anywhere. */
    public static boolean reads(Expr e, String tensor) {
        return any(e, x -> x instanceof Expr.Read r && r.tensor().equals(tensor));
    }

    /** Calls {@code f} on e and every sub-expression (extents of bound variables excluded). */
    public static void walk(Expr e, Consumer<Expr> f) {
        f.accept(e);
        switch (e) {
            case Expr.Const c -> { }
            case Expr.Scalar s -> { }
            case Expr.Index i -> { }
            case Expr.Read r -> r.indices().forEach(x -> walk(x, f));
            case Expr.Unary u -> walk(u.x(), f);
            case Expr.Binary b -> { walk(b.a(), f); walk(b.b(), f); }
            case Expr.Select s -> { walk(s.cond(), f); walk(s.a(), f); walk(s.b(), f); }
            case Expr.Call c -> c.args().forEach(x -> walk(x, f));
            case Expr.Reduce r -> { r.filter().ifPresent(x -> walk(x, f)); walk(r.body(), f); }
            case Expr.Softmax s -> walk(s.body(), f);
        }
    }
}
