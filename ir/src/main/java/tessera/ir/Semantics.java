package tessera.ir;

import java.util.List;
import java.util.Optional;
import tessera.ir.tensor.Expr.BinOp;
import tessera.ir.tensor.Expr.Builtin;
import tessera.runtime.DType;

/**
 * The language's scalar operators and builtins on plain values, defined once: every constant
 * folder and host evaluator uses these (the interpreters specialise the same rules for speed, and
 * tests hold them together). Integers wrap to their type (i32 to 32 bits), {@code /} truncates
 * toward zero and {@code %} takes the dividend's sign; float arithmetic is IEEE in double.
 */
public final class Semantics {
    private Semantics() {}

    public static boolean isInteger(DType t) {
        return t == DType.I32 || t == DType.I64;
    }

    /** Wraps an integer result to its type, as Java's int and long arithmetic does. */
    public static long wrap(long v, DType t) {
        return t == DType.I32 ? (int) v : v;
    }

    /** Float to integer as Java's casts: toward zero, saturating, NaN to 0. */
    public static long truncate(double v, DType t) {
        return t == DType.I32 ? (int) v : (long) v;
    }

    /** Integer arithmetic; throws ArithmeticException on division or remainder by zero. */
    public static long intArithmetic(BinOp op, long a, long b, DType t) {
        return switch (op) {
            case ADD -> wrap(a + b, t);
            case SUB -> wrap(a - b, t);
            case MUL -> wrap(a * b, t);
            case DIV -> wrap(t == DType.I32 ? (int) a / (int) b : a / b, t);
            case MOD -> wrap(t == DType.I32 ? (int) a % (int) b : a % b, t);
            case LT, LE, GT, GE, EQ, NE, AND, OR -> throw new IllegalArgumentException("not arithmetic: " + op);
        };
    }

    public static double floatArithmetic(BinOp op, double a, double b) {
        return switch (op) {
            case ADD -> a + b;
            case SUB -> a - b;
            case MUL -> a * b;
            case DIV -> a / b;
            case MOD -> a % b;
            case LT, LE, GT, GE, EQ, NE, AND, OR -> throw new IllegalArgumentException("not arithmetic: " + op);
        };
    }

    /** Comparisons and logic on values (bools as 0/1). */
    public static boolean test(BinOp op, double a, double b) {
        return switch (op) {
            case LT -> a < b;
            case LE -> a <= b;
            case GT -> a > b;
            case GE -> a >= b;
            case EQ -> a == b;
            case NE -> a != b;
            case AND -> a != 0 && b != 0;
            case OR -> a != 0 || b != 0;
            case ADD, SUB, MUL, DIV, MOD -> throw new IllegalArgumentException("not a test: " + op);
        };
    }

    /** A float builtin at (x, y) in double precision (y only for min, max, pow). */
    public static double floatCall(Builtin fn, double x, double y) {
        return switch (fn) {
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
            case FLOAT, INT -> x;
            case PHILOX, UNIFORM -> throw new IllegalArgumentException(fn + " is not a float function");
        };
    }

    /**
     * Folds a binary operator on two constants, or says the run time must decide (integer division
     * by zero, which the reference reports where it happens). Results are not rounded to f32.
     */
    public static Optional<Double> fold(BinOp op, double a, DType ta, double b, DType tb, DType result) {
        boolean ints = isInteger(ta) && isInteger(tb);
        if (op.isComparison() || op.isLogical()) return Optional.of(test(op, a, b) ? 1.0 : 0.0);
        if (ints && isInteger(result)) {
            if (b == 0 && (op == BinOp.DIV || op == BinOp.MOD)) return Optional.empty();
            return Optional.of((double) intArithmetic(op, (long) a, (long) b, result));
        }
        return Optional.of(floatArithmetic(op, a, b));
    }

    /** Folds a builtin on constants; empty for the random generators (left to the run time) and bad arity. */
    public static Optional<Double> foldCall(Builtin fn, List<Double> args, DType result) {
        if (fn == Builtin.PHILOX || fn == Builtin.UNIFORM || args.size() != fn.arity) return Optional.empty();
        double x = args.getFirst();
        double y = args.size() > 1 ? args.get(1) : 0;
        if (fn == Builtin.INT || (isInteger(result) && fn != Builtin.MIN && fn != Builtin.MAX && fn != Builtin.ABS)) {
            return Optional.of((double) truncate(floatCall(fn, x, y), result));
        }
        return Optional.of(floatCall(fn, x, y));
    }
}
