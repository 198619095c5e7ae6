package tessera.compiler;

import java.util.Map;
import java.util.Optional;
import tessera.ir.Semantics;
import tessera.ir.tensor.Expr;

/**
 * Evaluates a scalar expression of dims, scalar parameters and literals (an extent, a default),
 * or says it cannot. For tools that size things before a run; the interpreter is the authority.
 */
final class ScalarEval {
    private ScalarEval() {}

    static Optional<Double> eval(Expr e, Map<String, Double> env) {
        try {
            return Optional.ofNullable(value(e, env));
        } catch (ArithmeticException ex) {
            return Optional.empty();
        }
    }

    private static Double value(Expr e, Map<String, Double> env) {
        return switch (e) {
            case Expr.Const c -> c.value();
            case Expr.Scalar s -> env.get(s.name());
            case Expr.Unary u -> {
                Double x = value(u.x(), env);
                yield x == null ? null : u.op() == Expr.UnOp.NEG ? -x : (x == 0 ? 1.0 : 0.0);
            }
            case Expr.Binary b -> {
                Double x = value(b.a(), env);
                Double y = value(b.b(), env);
                if (x == null || y == null) yield null;
                yield Semantics.fold(b.op(), x, b.a().type(), y, b.b().type(), b.type()).orElse(null);
            }
            case Expr.Select s -> {
                Double c = value(s.cond(), env);
                yield c == null ? null : value(c != 0 ? s.a() : s.b(), env);
            }
            case Expr.Call c -> {
                java.util.List<Double> args = new java.util.ArrayList<>();
                for (Expr x : c.args()) {
                    Double v = value(x, env);
                    if (v == null) yield null;
                    args.add(v);
                }
                yield Semantics.foldCall(c.fn(), args, c.type()).orElse(null);
            }
            case Expr.Index i -> null;
            case Expr.Read r -> null;
            case Expr.Reduce r -> null;
            case Expr.Softmax s -> null;
        };
    }
}
