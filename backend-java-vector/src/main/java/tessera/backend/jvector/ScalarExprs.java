package tessera.backend.jvector;

import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import java.util.List;
import tessera.ir.loop.LExpr;
import tessera.ir.tensor.Expr;
import tessera.runtime.DType;

/**
 * Loop IR expressions as plain Java expressions, evaluated exactly as the IR says: i32 and i64
 * arithmetic wraps as Java's does, integer {@code /} and {@code %} are Java's, {@code &&},
 * {@code ||} and {@link LExpr.Select} are Java's lazy operators, f32 values compute in
 * {@code float} (functions in double, rounded once to float), bool is {@code boolean}. Every
 * operand is converted to the type its operator works in, explicitly, so Java's own promotions
 * never decide anything.
 */
final class ScalarExprs {
    static final ClassName MATH = ClassName.get(Math.class);
    static final ClassName FLOAT = ClassName.get(Float.class);
    static final ClassName DOUBLE = ClassName.get(Double.class);
    static final ClassName PHILOX = ClassName.get("tessera.runtime", "Philox");

    private final Names names;
    private final Helpers helpers;

    ScalarExprs(Names names, Helpers helpers) {
        this.names = names;
        this.helpers = helpers;
    }

    /** {@code e} converted to {@code to}. */
    JExpr as(LExpr e, DType to) {
        return convert(expr(e), e.type(), to);
    }

    JExpr expr(LExpr e) {
        return switch (e) {
            case LExpr.Const c -> constant(c.value(), c.type());
            case LExpr.Ref r -> {
                Names.Binding b = names.get(r.name());
                yield convert(JExpr.primary("$L", b.java()), b.type(), r.type());
            }
            case LExpr.Load l -> convert(load(l), JavaTypes.computeType(names.buffer(l.buffer()).type()), l.type());
            case LExpr.Unary u -> unary(u);
            case LExpr.Binary b -> binary(b);
            case LExpr.Select s -> JExpr.of(JExpr.CONDITIONAL, "$L ? $L : $L",
                    as(s.cond(), DType.BOOL).atLeast(JExpr.OR),
                    as(s.a(), s.type()).atLeast(JExpr.OR),
                    as(s.b(), s.type()).atLeast(JExpr.OR));
            case LExpr.Call c -> call(c);
            case LExpr.Cast c -> as(c.x(), c.type());
        };
    }

    /** The element a load reads, as its buffer's compute type. */
    private JExpr load(LExpr.Load l) {
        Names.Binding buf = names.buffer(l.buffer());
        CodeBlock element = CodeBlock.of("$L[$L]", buf.java(), as(l.index(), DType.I32).code());
        return switch (buf.type()) {
            case BOOL -> JExpr.of(JExpr.EQUALITY, "$L != 0", element);
            case F16 -> JExpr.primary("$T.float16ToFloat($L)", FLOAT, element);
            case BF16 -> JExpr.primary("$T.intBitsToFloat($L << 16)", FLOAT, element);
            case I32, I64, F32, F64 -> new JExpr(element, JExpr.PRIMARY);
        };
    }

    /**
     * The code that stores {@code value} into an element of a buffer of {@code storage}: the
     * value converted to the element type, bool as a 0/1 byte, f16/bf16 rounded to nearest even.
     */
    JExpr storeValue(LExpr value, DType storage) {
        return switch (storage) {
            case BOOL -> value instanceof LExpr.Const c
                    ? JExpr.of(JExpr.UNARY, "(byte) $L", c.value() != 0 ? 1 : 0)
                    : JExpr.of(JExpr.CONDITIONAL, "$L ? (byte) 1 : (byte) 0", as(value, DType.BOOL).atLeast(JExpr.OR));
            case F16 -> JExpr.primary("$T.floatToFloat16($L)", FLOAT, as(value, DType.F32).code());
            case BF16 -> {
                helpers.useBf16();
                yield JExpr.primary("$L($L)", Helpers.BF16, as(value, DType.F32).code());
            }
            case I32, I64, F32, F64 -> as(value, storage);
        };
    }

    private JExpr unary(LExpr.Unary u) {
        return switch (u.op()) {
            case NEG -> JExpr.of(JExpr.UNARY, "-$L", as(u.x(), u.type()).prefixOperand());
            case NOT -> convert(JExpr.of(JExpr.UNARY, "!$L", as(u.x(), DType.BOOL).prefixOperand()), DType.BOOL, u.type());
        };
    }

    private JExpr binary(LExpr.Binary b) {
        Expr.BinOp op = b.op();
        return switch (op) {
            case ADD, SUB -> arith(b, JExpr.ADDITIVE);
            case MUL, DIV, MOD -> arith(b, JExpr.MULTIPLICATIVE);
            case LT, LE, GT, GE -> compare(b, JExpr.RELATIONAL);
            case EQ, NE -> compare(b, JExpr.EQUALITY);
            case AND -> logical(b, JExpr.AND);
            case OR -> logical(b, JExpr.OR);
        };
    }

    private JExpr arith(LExpr.Binary b, int prec) {
        JExpr left = as(b.a(), b.type());
        JExpr right = as(b.b(), b.type());
        return JExpr.of(prec, "$L $L $L", left.atLeast(prec), b.op().symbol, right.atLeast(prec + 1));
    }

    private JExpr compare(LExpr.Binary b, int prec) {
        DType common = comparedAs(b.a().type(), b.b().type());
        JExpr c = JExpr.of(prec, "$L $L $L", as(b.a(), common).atLeast(prec + 1), b.op().symbol,
                as(b.b(), common).atLeast(prec + 1));
        return convert(c, DType.BOOL, b.type());
    }

    /** The type two operands of a comparison are compared in: bools as bools, else the promoted number type. */
    static DType comparedAs(DType a, DType b) {
        if (a == DType.BOOL && b == DType.BOOL) {
            return DType.BOOL;
        }
        DType x = a == DType.BOOL ? b : JavaTypes.computeType(a);
        DType y = b == DType.BOOL ? a : JavaTypes.computeType(b);
        if (x == DType.F64 || y == DType.F64) return DType.F64;
        if (x == DType.F32 || y == DType.F32) return DType.F32;
        if (x == DType.I64 || y == DType.I64) return DType.I64;
        return DType.I32;
    }

    private JExpr logical(LExpr.Binary b, int prec) {
        JExpr c = JExpr.of(prec, "$L $L $L", as(b.a(), DType.BOOL).atLeast(prec), b.op().symbol,
                as(b.b(), DType.BOOL).atLeast(prec + 1));
        return convert(c, DType.BOOL, b.type());
    }

    private JExpr call(LExpr.Call c) {
        List<LExpr> args = c.args();
        DType t = c.type();
        return switch (c.fn()) {
            case EXP -> math("exp", args, t);
            case LOG -> math("log", args, t);
            case SQRT -> math("sqrt", args, t);
            case TANH -> math("tanh", args, t);
            case POW -> math("pow", args, t);
            case RSQRT -> convert(JExpr.of(JExpr.MULTIPLICATIVE, "1.0 / $T.sqrt($L)", MATH, number(args.get(0)).code()),
                    DType.F64, t);
            case SIGMOID -> convert(JExpr.of(JExpr.MULTIPLICATIVE, "1.0 / (1.0 + $T.exp($L))", MATH,
                    JExpr.of(JExpr.UNARY, "-$L", number(args.get(0)).prefixOperand()).code()), DType.F64, t);
            case ABS -> JExpr.primary("$T.abs($L)", MATH, as(args.get(0), t).code());
            case MIN -> JExpr.primary("$T.min($L, $L)", MATH, as(args.get(0), t).code(), as(args.get(1), t).code());
            case MAX -> JExpr.primary("$T.max($L, $L)", MATH, as(args.get(0), t).code(), as(args.get(1), t).code());
            case FLOOR -> rounding("floor", args.get(0), t);
            case CEIL -> rounding("ceil", args.get(0), t);
            case FLOAT, INT -> as(args.get(0), t);
            case PHILOX -> convert(JExpr.primary("$T.bits($L, $L, $L)", PHILOX, seedArg(args.get(0)), seedArg(args.get(1)),
                    seedArg(args.get(2))), DType.I64, t);
            case UNIFORM -> convert(JExpr.primary("$T.uniform($L, $L, $L)", PHILOX, seedArg(args.get(0)),
                    seedArg(args.get(1)), seedArg(args.get(2))), DType.F64, t);
        };
    }

    /** {@code Math.fn(args)} in double, converted to {@code t} (one rounding for f32). */
    private JExpr math(String fn, List<LExpr> args, DType t) {
        CodeBlock list = args.stream().map(a -> number(a).code()).collect(CodeBlock.joining(", "));
        return convert(JExpr.primary("$T.$L($L)", MATH, fn, list), DType.F64, t);
    }

    /** floor/ceil: of an integer, the integer itself; of a float, {@code Math.floor} converted to {@code t}. */
    private JExpr rounding(String fn, LExpr x, DType t) {
        if (x.type() == DType.I32 || x.type() == DType.I64 || x.type() == DType.BOOL) {
            return as(x, t);
        }
        return convert(JExpr.primary("$T.$L($L)", MATH, fn, expr(x).code()), DType.F64, t);
    }

    /** A numeric operand for a double-valued method (Java widens it); a bool becomes 0/1. */
    private JExpr number(LExpr x) {
        return x.type() == DType.BOOL ? as(x, DType.F64) : expr(x);
    }

    /** A {@code long} argument of Philox (Java widens an int; others are converted). */
    private CodeBlock seedArg(LExpr x) {
        return x.type() == DType.I32 ? expr(x).code() : as(x, DType.I64).code();
    }

    /** A literal of type {@code t}: exact for every representable value, named constants for NaN and infinities. */
    static JExpr constant(double v, DType t) {
        return switch (t) {
            case BOOL -> JExpr.primary(v != 0 ? "true" : "false");
            case I32 -> signed(Integer.toString((int) (long) v));
            case I64 -> signed((long) v + "L");
            case F32, F16, BF16 -> {
                float f = (float) v;
                if (Float.isNaN(f)) yield JExpr.primary("$T.NaN", FLOAT);
                if (Float.isInfinite(f)) yield JExpr.primary(f > 0 ? "$T.POSITIVE_INFINITY" : "$T.NEGATIVE_INFINITY", FLOAT);
                yield signed(Float.toString(f) + "f");
            }
            case F64 -> {
                if (Double.isNaN(v)) yield JExpr.primary("$T.NaN", DOUBLE);
                if (Double.isInfinite(v)) yield JExpr.primary(v > 0 ? "$T.POSITIVE_INFINITY" : "$T.NEGATIVE_INFINITY", DOUBLE);
                yield signed(Double.toString(v));
            }
        };
    }

    private static JExpr signed(String literal) {
        return new JExpr(CodeBlock.of("$L", literal), literal.startsWith("-") ? JExpr.UNARY : JExpr.PRIMARY);
    }

    /**
     * {@code x}, of type {@code from}, as a value of {@code to}: to bool, "is not zero" (NaN is
     * true); from bool, 0 or 1; between numbers, a Java cast (float to integer truncates toward
     * zero and saturates, long to int wraps), which is what the IR's conversions mean.
     */
    static JExpr convert(JExpr x, DType from, DType to) {
        DType f = JavaTypes.computeType(from);
        DType t = JavaTypes.computeType(to);
        if (f == t) {
            return x;
        }
        if (t == DType.BOOL) {
            return JExpr.of(JExpr.EQUALITY, "$L != 0", x.atLeast(JExpr.RELATIONAL));
        }
        if (f == DType.BOOL) {
            JExpr one = constant(1, t);
            JExpr zero = constant(0, t);
            return JExpr.of(JExpr.CONDITIONAL, "$L ? $L : $L", x.atLeast(JExpr.OR), one.code(), zero.code());
        }
        return JExpr.of(JExpr.UNARY, "($T) $L", JavaTypes.value(t), x.prefixOperand());
    }
}
