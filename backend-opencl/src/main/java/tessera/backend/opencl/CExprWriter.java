package tessera.backend.opencl;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import tessera.ir.loop.Kernel;
import tessera.ir.loop.Kernel.BufferParam;
import tessera.ir.loop.LExpr;
import tessera.ir.tensor.Expr.BinOp;
import tessera.ir.tensor.Expr.Builtin;
import tessera.ir.tensor.Types;
import tessera.runtime.DType;

/**
 * Writes Loop IR expressions as C expressions, with the parentheses precedence needs (and a few
 * more for readability: a comparison inside a comparison, {@code &&} inside {@code ||}, a
 * conditional inside a conditional). C's {@code &&}, {@code ||} and {@code ?:} are lazy, as the
 * Loop IR requires; its usual arithmetic conversions match the IR's promotion rules
 * ({@link Types#promote}), so operands are converted only where the IR's type differs from C's.
 */
final class CExprWriter {
    /** C precedence levels, loosest first. */
    private static final int COND = 3, OR = 4, AND = 5, EQ = 9, REL = 10, ADD = 12, MUL = 13, UNARY = 15, PRIMARY = 16;

    /** Text and the precedence of its outermost operator. */
    private record Code(String text, int prec) {
        /** The text, parenthesised unless it binds at least as tightly as {@code min}. */
        String at(int min) {
            return prec >= min ? text : "(" + text + ")";
        }
    }

    private final CDialect dialect;
    private final CNames names;
    private final Map<String, BufferParam> buffers;
    /** The local arrays declared so far, as read-write buffers of their element type. */
    private final Map<String, BufferParam> arrays = new HashMap<>();
    private final Usage usage;

    CExprWriter(CDialect dialect, CNames names, Map<String, BufferParam> buffers, Usage usage) {
        this.dialect = dialect;
        this.names = names;
        this.buffers = buffers;
        this.usage = usage;
    }

    /** {@code e} as a complete C expression. */
    String write(LExpr e) {
        return emit(e).text();
    }

    /** {@code e} converted to {@code to}, as a complete C expression. */
    String write(LExpr e, DType to) {
        return convert(e, to).text();
    }

    /** {@code e} fit to be an operand of a comparison (parenthesised if it binds more loosely). */
    String writeComparand(LExpr e) {
        return emit(e).at(ADD);
    }

    /** {@code e} fit to be the right operand of {@code *}, {@code /} or {@code %}. */
    String writeFactor(LExpr e) {
        return emit(e).at(UNARY);
    }

    /**
     * Makes {@code name} a local array of {@code type} from here on: loads and stores reach it as
     * they reach a buffer (its C array has the buffer's element type). A later declaration of the
     * same name, in another block, replaces it.
     */
    void declareArray(String name, DType type) {
        arrays.put(name, new BufferParam(name, type, Kernel.Access.READ_WRITE));
    }

    /** The local array or buffer parameter {@code name} refers to; the IR must declare it. */
    BufferParam buffer(String name) {
        BufferParam p = arrays.getOrDefault(name, buffers.get(name));
        if (p == null) throw new IllegalArgumentException("no buffer parameter or local array '" + name + "'");
        return p;
    }

    /** Element {@code index} (C text) of buffer or array {@code p}, as a value of its read type. */
    String element(BufferParam p, String index) {
        return element(p, index, names.of(p.name())).text();
    }

    private Code emit(LExpr e) {
        usage.type(e.type());
        return switch (e) {
            case LExpr.Const c -> literal(c.value(), c.type());
            case LExpr.Ref r -> new Code(names.of(r.name()), PRIMARY);
            case LExpr.Load l -> load(l);
            case LExpr.Unary u -> switch (u.op()) {
                case NEG -> {
                    String x = convert(u.x(), u.type()).at(UNARY);
                    yield new Code("-" + (x.startsWith("-") ? "(" + x + ")" : x), UNARY);
                }
                case NOT -> new Code("!" + emit(u.x()).at(UNARY), UNARY);
            };
            case LExpr.Binary b -> binary(b);
            case LExpr.Select s -> new Code(emit(s.cond()).at(EQ) + " ? " + convert(s.a(), s.type()).at(OR)
                    + " : " + convert(s.b(), s.type()).at(OR), COND);
            case LExpr.Call c -> call(c);
            case LExpr.Cast c -> convert(c.x(), c.type());
        };
    }

    /** {@code e} converted as Java converts: float to integer truncates (saturating, NaN to 0), to bool is {@code != 0}. */
    private Code convert(LExpr e, DType to) {
        DType from = e.type();
        if (e instanceof LExpr.Const c) return literal(constant(c.value(), from, to), to);
        if (from == to) return emit(e);
        Code x = emit(e);
        usage.type(to);
        if (to == DType.BOOL) return new Code(x.at(ADD) + " != 0", EQ);
        if (from.isFloat() && to.isInteger()) return new Code(dialect.truncations().get(to) + "(" + x.text() + ")", PRIMARY);
        return new Code("(" + dialect.valueType(to) + ")" + x.at(UNARY), UNARY);
    }

    private Code literal(double v, DType t) {
        usage.type(t);
        return switch (t) {
            case BOOL -> new Code(v != 0 ? "true" : "false", PRIMARY);
            case I32, I64 -> {
                long n = t == DType.I32 ? (int) v : (long) v;
                String suffix = dialect.literalSuffix(t);
                long min = t == DType.I32 ? Integer.MIN_VALUE : Long.MIN_VALUE;
                if (n == min) yield new Code("(" + (min + 1) + suffix + " - 1" + suffix + ")", PRIMARY);
                yield new Code(n + suffix, n < 0 ? UNARY : PRIMARY);
            }
            case F32, F64 -> {
                String cast = t == DType.F64 ? "(double)" : "";
                if (Double.isNaN(v)) yield new Code(cast + dialect.nan(), cast.isEmpty() ? PRIMARY : UNARY);
                if (Double.isInfinite(v)) {
                    String inf = cast + dialect.infinity();
                    yield new Code(v < 0 ? "-" + inf : inf, v < 0 || !cast.isEmpty() ? UNARY : PRIMARY);
                }
                String text = t == DType.F32 ? Float.toString((float) v) : Double.toString(v);
                yield new Code(text + dialect.literalSuffix(t), text.startsWith("-") ? UNARY : PRIMARY);
            }
            case F16, BF16 -> throw new IllegalArgumentException("a literal of storage-only type " + t.sourceName());
        };
    }

    private Code load(LExpr.Load l) {
        BufferParam p = buffer(l.buffer());
        return element(p, emit(l.index()).text(), names.of(p.name()));
    }

    private Code element(BufferParam p, String index, String name) {
        return switch (p.type()) {
            case F16 -> new Code("vload_half(" + index + ", " + name + ")", PRIMARY);
            case BF16 -> new Code(usage.call(OpenClHelper.BF16_TO_F32) + "(" + name + "[" + index + "])", PRIMARY);
            case BOOL, I32, I64, F32, F64 -> new Code(name + "[" + index + "]", PRIMARY);
        };
    }

    private Code binary(LExpr.Binary b) {
        BinOp op = b.op();
        DType t = b.type();
        if (op.isComparison()) {
            int prec = op == BinOp.EQ || op == BinOp.NE ? EQ : REL;
            return new Code(emit(b.a()).at(ADD) + " " + op.symbol + " " + emit(b.b()).at(ADD), prec);
        }
        if (op.isLogical()) {
            int prec = op == BinOp.AND ? AND : OR;
            return new Code(logicalOperand(b.a(), op) + " " + op.symbol + " " + logicalOperand(b.b(), op), prec);
        }
        if (t.isInteger() && (op == BinOp.DIV || op == BinOp.MOD) && !isSafeDivisor(b.b())) {
            OpenClHelper h = t == DType.I64 ? (op == BinOp.DIV ? OpenClHelper.DIV_I64 : OpenClHelper.MOD_I64)
                    : (op == BinOp.DIV ? OpenClHelper.DIV_I32 : OpenClHelper.MOD_I32);
            return function(usage.call(h), convertAll(List.of(b.a(), b.b()), t));
        }
        if (t.isFloat() && op == BinOp.MOD) return function(dialect.floatRemainder(), convertAll(List.of(b.a(), b.b()), t));
        boolean cPromotes = Types.isNumber(b.a().type()) && Types.isNumber(b.b().type())
                && Types.promote(b.a().type(), b.b().type()) == t;
        Code x = cPromotes ? emit(b.a()) : convert(b.a(), t);
        Code y = cPromotes ? emit(b.b()) : convert(b.b(), t);
        int prec = op == BinOp.ADD || op == BinOp.SUB ? ADD : MUL;
        return new Code(x.at(prec) + " " + op.symbol + " " + y.at(prec + 1), prec);
    }

    /** {@code v} of type {@code from} converted to {@code to} as Java converts (saturating float to integer). */
    private static double constant(double v, DType from, DType to) {
        return switch (to) {
            case BOOL -> v != 0 ? 1 : 0;
            case I32 -> from.isFloat() ? (int) v : (int) (long) v;
            case I64 -> (long) v;
            case F32 -> (float) v;
            case F64 -> v;
            case F16, BF16 -> throw new IllegalArgumentException("a constant of storage-only type " + to.sourceName());
        };
    }

    /** A divisor that can neither be 0 nor -1 (which traps on INT_MIN), so plain C division is safe. */
    private static boolean isSafeDivisor(LExpr e) {
        return e instanceof LExpr.Const c && c.value() != 0 && c.value() != -1;
    }

    /** An operand of {@code &&}/{@code ||}: the same operator chains bare; anything looser is parenthesised. */
    private String logicalOperand(LExpr e, BinOp parent) {
        Code c = emit(e);
        boolean sameOp = e instanceof LExpr.Binary b && b.op() == parent;
        return sameOp ? c.text() : c.at(EQ);
    }

    private Code call(LExpr.Call c) {
        DType t = c.type();
        List<LExpr> args = c.args();
        return switch (c.fn()) {
            case EXP, LOG, SQRT, RSQRT, TANH, FLOOR, CEIL, POW ->
                    function(dialect.floatFunctions().get(c.fn()), convertAll(args, t));
            case MIN, MAX -> {
                if (t.isFloat()) {
                    boolean max = c.fn() == Builtin.MAX;
                    OpenClHelper h = t == DType.F64 ? (max ? OpenClHelper.MAX_F64 : OpenClHelper.MIN_F64)
                            : (max ? OpenClHelper.MAX_F32 : OpenClHelper.MIN_F32);
                    yield function(usage.call(h), convertAll(args, t));
                }
                yield function(dialect.intFunctions().get(c.fn()), convertAll(args, t));
            }
            case ABS -> {
                if (t.isFloat()) yield function(dialect.floatFunctions().get(c.fn()), convertAll(args, t));
                Code f = function(dialect.intFunctions().get(c.fn()), convertAll(args, t));
                // abs of a signed integer is unsigned in OpenCL C; the cast back wraps as Java's Math.abs.
                yield c.fn() == Builtin.ABS
                        ? new Code("(" + dialect.valueType(t) + ")" + f.text(), UNARY) : f;
            }
            case SIGMOID -> function(usage.call(t == DType.F64 ? OpenClHelper.SIGMOID_F64 : OpenClHelper.SIGMOID_F32),
                    convertAll(args, t));
            case FLOAT, INT -> convert(args.getFirst(), t);
            case PHILOX -> {
                Code bits = function(usage.call(OpenClHelper.PHILOX), convertAll(args, DType.I64));
                yield t == DType.I64 ? new Code("(long)" + bits.text(), UNARY)
                        : new Code("(" + dialect.valueType(t) + ")(long)" + bits.text(), UNARY);
            }
            case UNIFORM -> {
                Code u = function(usage.call(OpenClHelper.UNIFORM), convertAll(args, DType.I64));
                yield t == DType.F32 ? u : new Code("(" + dialect.valueType(t) + ")" + u.text(), UNARY);
            }
        };
    }

    private List<Code> convertAll(List<LExpr> args, DType to) {
        return args.stream().map(a -> convert(a, to)).toList();
    }

    private static Code function(String name, List<Code> args) {
        return new Code(name + "(" + String.join(", ", args.stream().map(Code::text).toList()) + ")", PRIMARY);
    }
}
