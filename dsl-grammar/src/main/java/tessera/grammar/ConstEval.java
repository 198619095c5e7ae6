package tessera.grammar;

import java.util.Map;
import java.util.Optional;
import tessera.ir.Semantics;
import tessera.ir.tensor.Expr;

/**
 * Evaluates a scalar expression of dims and literals at compile time, when every dim it uses is
 * known; empty otherwise. Used to check where clauses and literal indices early.
 */
final class ConstEval {
    private ConstEval() {}

    static Optional<Double> eval(Expr e, Map<String, Double> dims) {
        try {
            return Optional.ofNullable(value(e, dims));
        } catch (ArithmeticException ex) {
            return Optional.empty();
        }
    }

    private static Double value(Expr e, Map<String, Double> dims) {
        return switch (e) {
            case Expr.Const c -> c.value();
            case Expr.Scalar s -> s.kind() == Expr.ScalarKind.DIM ? dims.get(s.name()) : null;
            case Expr.Unary u -> {
                Double x = value(u.x(), dims);
                yield x == null ? null : u.op() == Expr.UnOp.NEG ? -x : (x == 0 ? 1.0 : 0.0);
            }
            case Expr.Binary b -> {
                Double x = value(b.a(), dims);
                Double y = value(b.b(), dims);
                if (x == null || y == null) yield null;
                yield Semantics.fold(b.op(), x, b.a().type(), y, b.b().type(), b.type()).orElse(null);
            }
            case Expr.Select s -> {
                Double c = value(s.cond(), dims);
                yield c == null ? null : c != 0 ? value(s.a(), dims) : value(s.b(), dims);
            }
            case Expr.Index i -> null;
            case Expr.Read r -> null;
            case Expr.Call c -> null;
            case Expr.Reduce r -> null;
            case Expr.Softmax s -> null;
        };
    }
}
