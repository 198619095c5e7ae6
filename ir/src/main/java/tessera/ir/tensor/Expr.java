package tessera.ir.tensor;

import java.util.List;
import java.util.Optional;
import tessera.runtime.DType;

/**
 * A Tensor IR expression: a scalar value at one point of an index space. Every node knows its
 * type: {@code BOOL}, {@code I32}, {@code I64}, {@code F32} or {@code F64} (f16/bf16 exist only as
 * storage; reading them gives F32).
 *
 * <p>Absence: a {@link Read} of an entry outside its tensor's domain is absent, and absence
 * propagates to the nearest enclosing {@link Reduce} or {@link Softmax} (which skip the term) or to
 * the statement (whose entry is then absent). See docs/language.md.
 */
public sealed interface Expr {
    DType type();

    /** A literal. Booleans are 0/1, integers exact. */
    record Const(double value, DType type) implements Expr {
        public Const {
            if (type == null) throw new IllegalArgumentException("type");
        }
        public static Const i32(long v) { return new Const(v, DType.I32); }
        public static Const f32(double v) { return new Const(v, DType.F32); }
        public static Const bool(boolean v) { return new Const(v ? 1 : 0, DType.BOOL); }
    }

    /** What a {@link Scalar} names. */
    enum ScalarKind { DIM, PARAM, LET }

    /** A dimension, scalar parameter or {@code let}: one value for the whole kernel run. */
    record Scalar(String name, ScalarKind kind, DType type) implements Expr {
        public Scalar {
            if (name == null || kind == null || type == null) throw new IllegalArgumentException("null field");
        }
    }

    /** The current value of an index variable (a left-hand variable or a reduction variable). */
    record Index(String name) implements Expr {
        public Index {
            if (name == null) throw new IllegalArgumentException("name");
        }
        @Override public DType type() { return DType.I32; }
    }

    /** {@code t[i0, i1, ...]}: indices are I32/I64 expressions, affine or indirect. */
    record Read(String tensor, List<Expr> indices, DType type) implements Expr {
        public Read {
            indices = List.copyOf(indices);
        }
    }

    enum UnOp { NEG, NOT }

    record Unary(UnOp op, Expr x, DType type) implements Expr {}

    enum BinOp {
        ADD("+"), SUB("-"), MUL("*"), DIV("/"), MOD("%"),
        LT("<"), LE("<="), GT(">"), GE(">="), EQ("=="), NE("!="),
        AND("&&"), OR("||");
        public final String symbol;
        BinOp(String symbol) { this.symbol = symbol; }
        public boolean isComparison() { return ordinal() >= LT.ordinal() && ordinal() <= NE.ordinal(); }
        public boolean isLogical() { return this == AND || this == OR; }
    }

    /**
     * Arithmetic follows the operand type: on integers {@code /} truncates toward zero and
     * {@code %} takes the sign of the dividend (as in C and Java); {@code &&}/{@code ||} short-circuit.
     */
    record Binary(BinOp op, Expr a, Expr b, DType type) implements Expr {}

    /** {@code c ? a : b}; only the chosen side is evaluated. */
    record Select(Expr cond, Expr a, Expr b, DType type) implements Expr {}

    enum Builtin {
        EXP(1), LOG(1), SQRT(1), RSQRT(1), TANH(1), SIGMOID(1), ABS(1), MIN(2), MAX(2), POW(2),
        FLOOR(1), CEIL(1), FLOAT(1), INT(1), PHILOX(3), UNIFORM(3);
        public final int arity;
        Builtin(int arity) { this.arity = arity; }
        public String sourceName() { return name().toLowerCase(java.util.Locale.ROOT); }
    }

    /**
     * A builtin function. FLOAT converts to F32, INT truncates toward zero to I32; PHILOX gives a
     * u32 as I64 (Philox4x32-10, key = seed, counter = (a, b)); UNIFORM gives an F32 in [0, 1).
     */
    record Call(Builtin fn, List<Expr> args, DType type) implements Expr {
        public Call {
            args = List.copyOf(args);
            if (args.size() != fn.arity) throw new IllegalArgumentException(fn + " takes " + fn.arity + " arguments");
        }
    }

    enum ReduceOp { SUM, MAX, MIN, MEAN, LOGSUMEXP;
        public String sourceName() { return name().toLowerCase(java.util.Locale.ROOT); }
    }

    /**
     * {@code op[vars | filter](body)}: combines body over every point of the vars' ranges where
     * the filter holds and body is present. Empty: sum 0, max -inf, min +inf, mean 0,
     * logsumexp -inf. Never absent itself.
     */
    record Reduce(ReduceOp op, List<IndexVar> vars, Optional<Expr> filter, Expr body, DType type) implements Expr {
        public Reduce {
            vars = List.copyOf(vars);
            if (vars.isEmpty()) throw new IllegalArgumentException("a reduction binds at least one variable");
        }
    }

    /**
     * {@code softmax[var](body)} at the current value of {@code var}: exp(body - m) / l, where
     * m and l are the max and the sum of exp(body - m) over the present entries of body along
     * var (other variables fixed). Absent where body is absent.
     */
    record Softmax(IndexVar var, Expr body, DType type) implements Expr {}
}
