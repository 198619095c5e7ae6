package tessera.grammar;

import java.util.stream.Collectors;
import tessera.ir.tensor.Expr;

/** Short source-like text of small IR expressions (extents, indices), for diagnostics. */
final class ExprText {
    private ExprText() {}

    static String of(Expr e) {
        return switch (e) {
            case Expr.Const c -> Types.integer(c.type()) || c.type() == tessera.runtime.DType.BOOL
                    ? (c.type() == tessera.runtime.DType.BOOL ? (c.value() != 0 ? "true" : "false") : Long.toString((long) c.value()))
                    : Double.toString(c.value());
            case Expr.Scalar s -> s.name();
            case Expr.Index i -> i.name();
            case Expr.Read r -> r.tensor() + r.indices().stream().map(ExprText::of).collect(Collectors.joining(", ", "[", "]"));
            case Expr.Unary u -> (u.op() == Expr.UnOp.NEG ? "-" : "!") + of(u.x());
            case Expr.Binary b -> "(" + of(b.a()) + " " + b.op().symbol + " " + of(b.b()) + ")";
            case Expr.Select s -> "(" + of(s.cond()) + " ? " + of(s.a()) + " : " + of(s.b()) + ")";
            case Expr.Call c -> c.fn().sourceName() + c.args().stream().map(ExprText::of).collect(Collectors.joining(", ", "(", ")"));
            case Expr.Reduce r -> r.op().sourceName() + "[" + r.vars().stream().map(v -> v.name()).collect(Collectors.joining(", ")) + "](...)";
            case Expr.Softmax s -> "softmax[" + s.var().name() + "](...)";
        };
    }
}
