package tessera.compiler;

import java.util.Map;
import java.util.Optional;
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

    private static boolean ints(Expr a, Expr b) {
        return isInt(a) && isInt(b);
    }

    private static boolean isInt(Expr e) {
        return e.type() == tessera.runtime.DType.I32 || e.type() == tessera.runtime.DType.I64;
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
                boolean i = ints(b.a(), b.b());
                yield switch (b.op()) {
                    case ADD -> x + y;
                    case SUB -> x - y;
                    case MUL -> x * y;
                    case DIV -> i ? (double) ((long) (double) x / (long) (double) y) : x / y;
                    case MOD -> i ? (double) ((long) (double) x % (long) (double) y) : x % y;
                    case LT -> x < y ? 1.0 : 0.0;
                    case LE -> x <= y ? 1.0 : 0.0;
                    case GT -> x > y ? 1.0 : 0.0;
                    case GE -> x >= y ? 1.0 : 0.0;
                    case EQ -> x.equals(y) ? 1.0 : 0.0;
                    case NE -> !x.equals(y) ? 1.0 : 0.0;
                    case AND -> x != 0 && y != 0 ? 1.0 : 0.0;
                    case OR -> x != 0 || y != 0 ? 1.0 : 0.0;
                };
            }
            case Expr.Select s -> {
                Double c = value(s.cond(), env);
                yield c == null ? null : value(c != 0 ? s.a() : s.b(), env);
            }
            case Expr.Call c -> {
                Double x = value(c.args().getFirst(), env);
                Double y = c.args().size() > 1 ? value(c.args().get(1), env) : Double.valueOf(0);
                if (x == null || y == null) yield null;
                yield switch (c.fn()) {
                    case EXP -> Math.exp(x);
                    case LOG -> Math.log(x);
                    case SQRT -> Math.sqrt(x);
                    case RSQRT -> 1 / Math.sqrt(x);
                    case TANH -> Math.tanh(x);
                    case SIGMOID -> 1 / (1 + Math.exp(-x));
                    case ABS -> Math.abs(x);
                    case MIN -> Math.min(x, y);
                    case MAX -> Math.max(x, y);
                    case POW -> Math.pow(x, y);
                    case FLOOR -> Math.floor(x);
                    case CEIL -> Math.ceil(x);
                    case FLOAT -> x;
                    case INT -> x < 0 ? Math.ceil(x) : Math.floor(x);
                    case PHILOX, UNIFORM -> null;
                };
            }
            case Expr.Index i -> null;
            case Expr.Read r -> null;
            case Expr.Reduce r -> null;
            case Expr.Softmax s -> null;
        };
    }
}
