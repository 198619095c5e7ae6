package tessera.ir.loop;

import java.util.List;
import java.util.Map;
import tessera.ir.Semantics;
import tessera.ir.tensor.Types;
import tessera.runtime.DType;
import tessera.runtime.Philox;

/**
 * Evaluates a Loop IR expression without buffers ({@link LExpr.Load} is an error) over named
 * scalars: what a host does with a {@link LaunchPlan}'s scalar formulas, shapes, checks and grid
 * extents.
 *
 * <p>Semantics are the language's (docs/language.md): integer-typed nodes (I32, I64, BOOL) are
 * computed exactly in {@code long}, I32 results wrapping to 32 bits and I64 to 64 as in Java and C;
 * integer {@code /} truncates toward zero and {@code %} takes the sign of the dividend; integer
 * division by zero is an error. Float nodes are computed in double precision whatever their type
 * (as the reference interpreter does; rounding to f32 happens only when a value is stored).
 * {@code &&}, {@code ||} and {@link LExpr.Select} evaluate only what they need. Builtins: see
 * {@link tessera.ir.tensor.Expr.Builtin}; {@code philox}/{@code uniform} are
 * {@link Philox#bits}/{@link Philox#uniform}; {@code int} and a {@link LExpr.Cast} to an integer
 * truncate toward zero (Java cast semantics: NaN gives 0, out-of-range values saturate), integers
 * convert to I32 by keeping the low 32 bits, and to bool as {@code != 0}.
 *
 * <p>Scalars are doubles (bools 0/1); an integer-typed {@link LExpr.Ref} reads its value truncated
 * to a long. The result is a double: I64 values beyond 2^53 lose precision there.
 */
public final class HostEval {
    private final Map<String, Double> scalars;

    private HostEval(Map<String, Double> scalars) {
        this.scalars = scalars;
    }

    /** Why an evaluation failed, in one line: an unknown name, an integer division by zero, a load. */
    public static final class EvalException extends Exception {
        private static final long serialVersionUID = 1L;

        public EvalException(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Evaluates {@code e}.
     *
     * @param scalars the value of every name {@code e} may mention (bools as 0/1)
     * @return the value, bools as 0/1
     * @throws EvalException with a one-line message
     */
    public static double eval(LExpr e, Map<String, Double> scalars) throws EvalException {
        return new HostEval(scalars).value(e);
    }

    /**
     * Converts a value to what a scalar of {@code type} holds: integers truncate toward zero (I32
     * then keeps the low 32 bits of the long), bool is 0 or 1, floats are unchanged.
     */
    public static double toType(double v, DType type) {
        return switch (type) {
            case I32 -> (int) (long) v;
            case I64 -> (long) v;
            case BOOL -> v != 0 ? 1 : 0;
            case F16, BF16, F32, F64 -> v;
        };
    }

    private double value(LExpr e) throws EvalException {
        return integral(e) ? (double) l(e) : d(e);
    }

    private static boolean integral(LExpr e) {
        return e.type() != null && Types.isIntegral(e.type());
    }

    private static long wrap(long v, DType t) {
        return t == DType.I32 ? (int) v : v;
    }

    private double ref(LExpr.Ref r) throws EvalException {
        Double v = scalars.get(r.name());
        if (v == null) throw new EvalException("unknown name '" + r.name() + "'");
        return v;
    }

    /** The value of an integer- or bool-typed node. */
    private long l(LExpr e) throws EvalException {
        if (!integral(e)) return (long) d(e);
        return switch (e) {
            case LExpr.Const c -> (long) c.value();
            case LExpr.Ref r -> (long) ref(r);
            case LExpr.Load ld -> throw load(ld);
            case LExpr.Unary u -> switch (u.op()) {
                case NEG -> wrap(-l(u.x()), u.type());
                case NOT -> l(u.x()) == 0 ? 1 : 0;
            };
            case LExpr.Binary b -> binaryL(b);
            case LExpr.Select s -> l(s.cond()) != 0 ? l(s.a()) : l(s.b());
            case LExpr.Call c -> callL(c);
            case LExpr.Cast c -> castL(c.x(), c.type());
        };
    }

    private long binaryL(LExpr.Binary b) throws EvalException {
        DType t = b.type();
        return switch (b.op()) {
            case ADD -> wrap(l(b.a()) + l(b.b()), t);
            case SUB -> wrap(l(b.a()) - l(b.b()), t);
            case MUL -> wrap(l(b.a()) * l(b.b()), t);
            case DIV, MOD -> {
                long x = l(b.a());
                long y = l(b.b());
                boolean modulo = b.op() == tessera.ir.tensor.Expr.BinOp.MOD;
                if (y == 0) throw new EvalException("integer " + (modulo ? "modulo" : "division") + " by zero in " + LoopPrinter.expr(b));
                yield wrap(modulo ? x % y : x / y, t);
            }
            case LT, LE, GT, GE, EQ, NE -> compare(b) ? 1 : 0;
            case AND -> l(b.a()) != 0 && l(b.b()) != 0 ? 1 : 0;
            case OR -> l(b.a()) != 0 || l(b.b()) != 0 ? 1 : 0;
        };
    }

    private boolean compare(LExpr.Binary b) throws EvalException {
        if (integral(b.a()) && integral(b.b())) {
            long x = l(b.a());
            long y = l(b.b());
            return switch (b.op()) {
                case LT -> x < y;
                case LE -> x <= y;
                case GT -> x > y;
                case GE -> x >= y;
                case EQ -> x == y;
                case NE -> x != y;
                case ADD, SUB, MUL, DIV, MOD, AND, OR -> throw new IllegalStateException("not a comparison: " + b.op());
            };
        }
        double x = d(b.a());
        double y = d(b.b());
        return switch (b.op()) {
            case LT -> x < y;
            case LE -> x <= y;
            case GT -> x > y;
            case GE -> x >= y;
            case EQ -> x == y;
            case NE -> x != y;
            case ADD, SUB, MUL, DIV, MOD, AND, OR -> throw new IllegalStateException("not a comparison: " + b.op());
        };
    }

    private long callL(LExpr.Call c) throws EvalException {
        DType t = c.type();
        return switch (c.fn()) {
            case ABS -> wrap(Math.abs(l(c.args().get(0))), t);
            case MIN -> Math.min(l(c.args().get(0)), l(c.args().get(1)));
            case MAX -> Math.max(l(c.args().get(0)), l(c.args().get(1)));
            case INT, FLOAT -> castL(c.args().get(0), t);
            case PHILOX -> Philox.bits(l(c.args().get(0)), l(c.args().get(1)), l(c.args().get(2)));
            case EXP, LOG, SQRT, RSQRT, TANH, SIGMOID, POW, FLOOR, CEIL, UNIFORM -> truncate(callD(c), t);
        };
    }

    /** {@code x} converted to the integer or bool type {@code t}. */
    private long castL(LExpr x, DType t) throws EvalException {
        if (t == DType.BOOL) return (integral(x) ? l(x) != 0 : d(x) != 0) ? 1 : 0;
        if (integral(x)) return wrap(l(x), t);
        return truncate(d(x), t);
    }

    private static long truncate(double v, DType t) {
        return switch (t) {
            case I32 -> (int) v;
            case BOOL -> v != 0 ? 1 : 0;
            case I64, F16, BF16, F32, F64 -> (long) v;
        };
    }

    /** The value of a float-typed node (integer-typed nodes are widened). */
    private double d(LExpr e) throws EvalException {
        if (integral(e)) return l(e);
        return switch (e) {
            case LExpr.Const c -> c.value();
            case LExpr.Ref r -> ref(r);
            case LExpr.Load ld -> throw load(ld);
            case LExpr.Unary u -> switch (u.op()) {
                case NEG -> -d(u.x());
                case NOT -> l(u.x()) == 0 ? 1 : 0;
            };
            case LExpr.Binary b -> binaryD(b);
            case LExpr.Select s -> l(s.cond()) != 0 ? d(s.a()) : d(s.b());
            case LExpr.Call c -> callD(c);
            case LExpr.Cast c -> d(c.x());
        };
    }

    private double binaryD(LExpr.Binary b) throws EvalException {
        return switch (b.op()) {
            case ADD -> d(b.a()) + d(b.b());
            case SUB -> d(b.a()) - d(b.b());
            case MUL -> d(b.a()) * d(b.b());
            case DIV -> d(b.a()) / d(b.b());
            case MOD -> d(b.a()) % d(b.b());
            case LT, LE, GT, GE, EQ, NE, AND, OR -> binaryL(b);
        };
    }

    private double callD(LExpr.Call c) throws EvalException {
        List<LExpr> a = c.args();
        return switch (c.fn()) {
            case PHILOX -> Philox.bits(l(a.get(0)), l(a.get(1)), l(a.get(2)));
            case UNIFORM -> Philox.uniform(l(a.get(0)), l(a.get(1)), l(a.get(2)));
            default -> Semantics.floatCall(c.fn(), d(a.get(0)), a.size() > 1 ? d(a.get(1)) : 0);
        };
    }

    private static EvalException load(LExpr.Load ld) {
        return new EvalException("a host expression cannot load from buffer '" + ld.buffer() + "' (in " + LoopPrinter.expr(ld) + ")");
    }
}
