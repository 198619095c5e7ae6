package tessera.ir.loop;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import tessera.ir.loop.LaunchPlan.Buffer;
import tessera.ir.loop.LaunchPlan.HostScalar;
import tessera.ir.tensor.Types;
import tessera.runtime.DType;

/**
 * The stable text form of a Loop IR {@link Module}, for {@code tessera explain}, golden tests and
 * messages. First the plan, one entry per line (keywords padded as the Tensor IR printer pads
 * them), then each kernel as C-like pseudo-code:
 * <pre>
 * module matvec
 *   dim    M: i32 = a.shape[0]
 *   param  alpha: f32 = 1.0
 *   let    MN: i32 = M * N
 *   check  M &gt; 0
 *   input  a: f32[M, N]
 *   output y: f32[M]
 *   launch matvec_y (i &lt; M)
 *
 * kernel matvec_y(read a: f32[], read x: f32[], write y: f32[], M: i32, N: i32)
 *   // origin: y[i] = alpha * sum[j](a[i, j] * x[j])
 *   for all (i &lt; M) {
 *     var acc: f32 = 0.0;
 *     for (j = 0; j &lt; N; j++) {
 *       acc = acc + a[i * N + j] * x[j];
 *     }
 *     y[i] = alpha * acc;
 *   }
 * </pre>
 * Expressions print in source syntax with as few parentheses as precedence allows (the same rules
 * and literal forms as {@link tessera.ir.tensor.Printer}, so a shape prints the same in messages of
 * every backend); a {@link LExpr.Load} prints as {@code buffer[index]}, a {@link LExpr.Cast} as
 * {@code f32(x)}. The output depends only on the module, ends with a newline and uses {@code \n}.
 */
public final class LoopPrinter {
    private LoopPrinter() {}

    private static final int SELECT = 1;
    private static final int UNARY = 8;
    private static final int PRIMARY = 9;
    private static final String INDENT = "  ";

    /** The plan, then every kernel, separated by blank lines. */
    public static String print(Module m) {
        StringBuilder out = new StringBuilder(plan(m));
        for (Kernel k : m.kernels()) out.append('\n').append(kernel(k));
        return out.toString();
    }

    /** The {@code module} header and the plan's entries (without kernels). */
    public static String plan(Module m) {
        LaunchPlan p = m.plan();
        StringBuilder out = new StringBuilder("module ").append(m.name()).append('\n');
        for (HostScalar s : p.scalars()) {
            String head = s.name() + ": " + s.type().sourceName();
            switch (s.source()) {
                case DIM -> line(out, "dim", head + " = " + dim(s));
                case PARAM -> line(out, "param", head + s.value().map(e -> " = " + expr(e)).orElse(""));
                case COMPUTED -> line(out, "let", head + " = " + s.value().map(LoopPrinter::expr).orElse("?"));
            }
        }
        for (LaunchPlan.Check c : p.checks()) {
            String e = expr(c.predicate());
            line(out, "check", e + (c.text() == null || c.text().equals(e) ? "" : "  // \"" + oneLine(c.text()) + "\""));
        }
        for (Buffer b : p.buffers()) {
            String role = switch (b.role()) {
                case INPUT -> "input";
                case OUTPUT -> "output";
                case TEMP -> "temp";
            };
            line(out, role, b.name() + ": " + shape(b.type(), b.shape()));
        }
        for (LaunchPlan.Launch l : p.launches()) {
            line(out, "launch", l.kernel() + m.kernel(l.kernel()).map(k -> " " + grid(k.grid())).orElse(""));
        }
        return out.toString();
    }

    /** One kernel: its signature, its origin, and its body inside the grid loop. */
    public static String kernel(Kernel k) {
        StringBuilder out = new StringBuilder("kernel ").append(k.name()).append('(');
        List<String> params = new ArrayList<>();
        for (Kernel.Param p : k.params()) params.add(param(p));
        out.append(String.join(", ", params)).append(")\n");
        if (k.origin() != null && !k.origin().isBlank()) out.append(INDENT).append("// origin: ").append(oneLine(k.origin())).append('\n');
        out.append(INDENT).append(k.grid().isEmpty() ? "run once" : "for all " + grid(k.grid()))
                .append(k.group().map(g -> " in groups of " + g.size() + " (" + g.var() + ")").orElse("")).append(" {\n");
        block(k.body(), 2, out);
        out.append(INDENT).append("}\n");
        return out.toString();
    }

    /** A parameter as the signature shows it: {@code read a: f32[]} or {@code N: i32}. */
    public static String param(Kernel.Param p) {
        return switch (p) {
            case Kernel.BufferParam b -> access(b.access()) + " " + b.name() + ": " + b.type().sourceName() + "[]";
            case Kernel.ScalarParam s -> s.name() + ": " + s.type().sourceName();
        };
    }

    /** {@code read}, {@code write} or {@code read_write}. */
    public static String access(Kernel.Access a) {
        return switch (a) {
            case READ -> "read";
            case WRITE -> "write";
            case READ_WRITE -> "read_write";
        };
    }

    /** A grid as {@code (i < M, j < N)}. */
    public static String grid(List<Kernel.GridDim> grid) {
        List<String> dims = new ArrayList<>();
        for (Kernel.GridDim g : grid) dims.add(g.var() + " < " + expr(g.extent()));
        return grid.isEmpty() ? "(once)" : "(" + String.join(", ", dims) + ")";
    }

    /** A buffer type with its shape, as messages print a tensor type: {@code f32[B, KH, M, D]}. */
    public static String shape(DType type, List<LExpr> shape) {
        List<String> axes = new ArrayList<>();
        for (LExpr e : shape) axes.add(expr(e));
        return type.sourceName() + "[" + String.join(", ", axes) + "]";
    }

    /** One statement with its nested blocks, unindented, each line ending in a newline. */
    public static String stmt(LStmt s) {
        StringBuilder out = new StringBuilder();
        stmt(s, 0, out);
        return out.toString();
    }

    private static String dim(HostScalar s) {
        boolean hasInput = s.input() != null && !s.input().isEmpty();
        String axis = hasInput ? s.input() + ".shape[" + s.axis() + "]" : "";
        Optional<LExpr> fixed = s.value();
        if (fixed.isEmpty()) return hasInput ? axis : "?";
        return expr(fixed.get()) + (hasInput ? " (fixed, checked against " + axis + ")" : " (fixed)");
    }

    private static void line(StringBuilder out, String keyword, String rest) {
        out.append(INDENT).append(keyword).append(" ".repeat(Math.max(1, 7 - keyword.length()))).append(rest).append('\n');
    }

    private static void block(List<LStmt> body, int depth, StringBuilder out) {
        for (LStmt s : body) stmt(s, depth, out);
    }

    private static void stmt(LStmt s, int depth, StringBuilder out) {
        String pad = INDENT.repeat(depth);
        switch (s) {
            case LStmt.Let l -> out.append(pad).append("let ").append(l.name()).append(": ").append(typeName(l.value().type()))
                    .append(" = ").append(expr(l.value())).append(";\n");
            case LStmt.Var v -> out.append(pad).append("var ").append(v.name()).append(": ").append(typeName(v.type()))
                    .append(" = ").append(expr(v.init())).append(";\n");
            case LStmt.Assign a -> out.append(pad).append(a.name()).append(" = ").append(expr(a.value())).append(";\n");
            case LStmt.Store st -> out.append(pad).append(st.buffer()).append('[').append(expr(st.index())).append("] = ")
                    .append(expr(st.value())).append(";\n");
            case LStmt.For f -> {
                String kind = switch (f.kind()) {
                    case SERIAL -> "";
                    case UNROLLED -> "unrolled ";
                    case VECTORIZED -> "vectorized ";
                };
                out.append(pad).append(kind).append("for (").append(f.var()).append(" = ").append(expr(f.lo())).append("; ")
                        .append(f.var()).append(" < ").append(expr(f.hi())).append("; ").append(f.var()).append("++) {\n");
                block(f.body(), depth + 1, out);
                out.append(pad).append("}\n");
            }
            case LStmt.If i -> {
                out.append(pad).append("if (").append(expr(i.cond())).append(") {\n");
                block(i.then(), depth + 1, out);
                if (!i.otherwise().isEmpty()) {
                    out.append(pad).append("} else {\n");
                    block(i.otherwise(), depth + 1, out);
                }
                out.append(pad).append("}\n");
            }
            case LStmt.Comment c -> {
                String text = c.text() == null ? "" : c.text();
                for (String line : text.split("\\R", -1)) out.append(pad).append("// ").append(line).append('\n');
            }
            case LStmt.Alloc a -> out.append(pad).append(a.space() == LStmt.Space.SHARED ? "shared " : "private ").append(a.name())
                    .append(": ").append(typeName(a.type())).append('[').append(expr(a.size())).append("];\n");
            case LStmt.Barrier b -> out.append(pad).append("barrier;\n");
            case LStmt.MatMul mm -> out.append(pad).append("matmul ").append(operand(mm.c())).append(mm.accumulate() ? " += " : " = ")
                    .append(operand(mm.a())).append(" x ").append(operand(mm.b())).append(" [").append(expr(mm.rows())).append(" x ")
                    .append(expr(mm.cols())).append(", depth ").append(expr(mm.depth())).append("];\n");
        }
    }

    /** {@code a(@off, rows*rs + cols*cs)}. */
    private static String operand(LStmt.Operand o) {
        return o.array() + "{@" + expr(o.offset()) + ", " + expr(o.rowStride()) + ", " + expr(o.colStride()) + "}";
    }

    private static String typeName(DType t) {
        return t == null ? "?" : t.sourceName();
    }

    private static String oneLine(String s) {
        return s.replace("\r\n", " ").replace('\n', ' ').replace('\r', ' ');
    }

    /** An expression in source syntax with minimal parentheses. */
    public static String expr(LExpr e) {
        StringBuilder out = new StringBuilder();
        expr(e, out);
        return out.toString();
    }

    private static void expr(LExpr e, StringBuilder out) {
        switch (e) {
            case null -> out.append('?');
            case LExpr.Const c -> out.append(literal(c));
            case LExpr.Ref r -> out.append(r.name());
            case LExpr.Load l -> {
                out.append(l.buffer()).append('[');
                expr(l.index(), out);
                out.append(']');
            }
            case LExpr.Unary u -> {
                out.append(u.op() == tessera.ir.tensor.Expr.UnOp.NEG ? "-" : "!");
                // -(-x) keeps its parentheses: "--" would read as one token.
                boolean paren = u.op() == tessera.ir.tensor.Expr.UnOp.NEG ? precedence(u.x()) < PRIMARY : precedence(u.x()) < UNARY;
                operand(u.x(), paren, out);
            }
            case LExpr.Binary b -> {
                int p = precedence(b);
                boolean comparison = b.op().isComparison();
                operand(b.a(), precedence(b.a()) < p || comparison && precedence(b.a()) == p, out);
                out.append(' ').append(b.op().symbol).append(' ');
                operand(b.b(), precedence(b.b()) <= p, out);
            }
            case LExpr.Select s -> {
                operand(s.cond(), precedence(s.cond()) <= SELECT, out);
                out.append(" ? ");
                operand(s.a(), precedence(s.a()) <= SELECT, out);
                out.append(" : ");
                expr(s.b(), out);
            }
            case LExpr.Call c -> {
                out.append(c.fn().sourceName()).append('(');
                for (int i = 0; i < c.args().size(); i++) {
                    if (i > 0) out.append(", ");
                    expr(c.args().get(i), out);
                }
                out.append(')');
            }
            case LExpr.Cast c -> {
                out.append(typeName(c.type())).append('(');
                expr(c.x(), out);
                out.append(')');
            }
        }
    }

    private static void operand(LExpr e, boolean paren, StringBuilder out) {
        if (paren) out.append('(');
        expr(e, out);
        if (paren) out.append(')');
    }

    private static int precedence(LExpr e) {
        return switch (e) {
            case null -> PRIMARY;
            case LExpr.Select s -> SELECT;
            case LExpr.Binary b -> switch (b.op()) {
                case OR -> 2;
                case AND -> 3;
                case EQ, NE -> 4;
                case LT, LE, GT, GE -> 5;
                case ADD, SUB -> 6;
                case MUL, DIV, MOD -> 7;
            };
            case LExpr.Unary u -> UNARY;
            case LExpr.Const c -> literal(c).startsWith("-") ? UNARY : PRIMARY;
            case LExpr.Ref r -> PRIMARY;
            case LExpr.Load l -> PRIMARY;
            case LExpr.Call c -> PRIMARY;
            case LExpr.Cast c -> PRIMARY;
        };
    }

    /** A literal as source: {@code true}, {@code 3}, {@code 2.0}, {@code 1e-6}, {@code -inf}. */
    public static String literal(LExpr.Const c) {
        DType t = c.type();
        if (t == DType.BOOL) return c.value() != 0 ? "true" : "false";
        if (t != null && Types.isIntegral(t)) return Long.toString((long) c.value());
        double v = c.value();
        if (Double.isNaN(v)) return "nan";
        if (Double.isInfinite(v)) return v > 0 ? "inf" : "-inf";
        if (v == Math.rint(v) && Math.abs(v) < 1e15) return (v == 0 && 1 / v < 0 ? "-" : "") + (long) v + ".0";
        String s = Double.toString(v);
        return s.replace(".0E", "e").replace('E', 'e');
    }

    /** A number for a message: integers without a fraction, others as Java prints doubles (as the reference interpreter does). */
    public static String number(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e18) return Long.toString((long) v);
        return Double.toString(v);
    }
}
