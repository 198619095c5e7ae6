package tessera.ir.tensor;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import tessera.ir.tensor.Program.Dim;
import tessera.ir.tensor.Program.TensorDecl;
import tessera.runtime.DType;

/**
 * The stable text form of Tensor IR, for {@code tessera explain}, golden tests and messages.
 * Statements print in source syntax with as few parentheses as precedence allows, one per line, with
 * the ranges of their index variables in a trailing comment:
 * <pre>
 * kernel flash_attention
 *   dims   B, H, N, D, KH, M, E
 *   input  q: f32[B, H, N, D]
 *   ...
 *   s[b, h, i, j] = scale * sum[d](q[b, h, i, d] * k[b, h / g, j, d]) if !causal || j &lt;= i + M - N  // b &lt; B, ...
 * </pre>
 * The output depends only on the program (no spans, no hash order).
 */
public final class Printer {
    private Printer() {}

    // Precedence, loosest first; a primary (name, literal, call, read) binds tightest.
    private static final int SELECT = 1;
    private static final int UNARY = 8;
    private static final int PRIMARY = 9;

    /** The whole program, one declaration or statement per line, ending with a newline. */
    public static String print(Program p) {
        StringBuilder out = new StringBuilder("kernel ").append(p.name()).append('\n');
        if (!p.dims().isEmpty()) {
            List<String> ds = new ArrayList<>();
            for (Dim d : p.dims()) ds.add(dim(d));
            line(out, "dims", String.join(", ", ds));
        }
        for (TensorDecl t : p.tensors()) {
            String role = switch (t.role()) {
                case INPUT -> "input";
                case OUTPUT -> "output";
                case TEMP -> "temp";
            };
            line(out, role, t.name() + ": " + type(t));
        }
        for (Program.ScalarParam s : p.scalars()) {
            line(out, "param", s.name() + ": " + s.type().sourceName() + s.defaultValue().map(e -> " = " + expr(e)).orElse(""));
        }
        for (Program.Constraint c : p.constraints()) line(out, "where", expr(c.predicate()));
        for (Stmt s : p.body()) out.append("  ").append(stmtWithRanges(s)).append('\n');
        for (Schedule s : p.schedules()) out.append("  ").append(schedule(s)).append('\n');
        return out.toString();
    }

    private static void line(StringBuilder out, String keyword, String rest) {
        out.append("  ").append(keyword).append(" ".repeat(Math.max(1, 7 - keyword.length()))).append(rest).append('\n');
    }

    private static String dim(Dim d) {
        if (d.fixed().isPresent()) return d.name() + " = " + d.fixed().getAsLong() + " (fixed)";
        return d.derived().map(e -> d.name() + " = " + expr(e) + " (derived)").orElse(d.name());
    }

    /** A tensor's type as declared: {@code f32[B, KH, M, D]}. */
    public static String type(TensorDecl t) {
        return t.dtype().sourceName() + "[" + join(t.shape()) + "]";
    }

    /** A statement in source syntax, without the ranges comment. */
    public static String stmt(Stmt s) {
        return switch (s) {
            case Stmt.Let l -> "let " + l.name() + " = " + expr(l.value());
            case Stmt.Define d -> d.tensor() + "[" + names(d.vars()) + "] = " + expr(d.value())
                    + d.domain().map(e -> " if " + expr(e)).orElse("");
            case Stmt.Scatter sc -> sc.tensor() + "[" + join(sc.target()) + "] = " + expr(sc.value())
                    + sc.domain().map(e -> " if " + expr(e)).orElse("");
            case Stmt.TopK t -> t.tensor() + "[" + names(t.vars()) + "] = topk[" + t.over().name() + ", " + expr(t.k()) + "]("
                    + expr(t.value()) + ")";
            case Stmt.Attention a -> attention(a);
        };
    }

    /**
     * {@code o[b, h, i, e], lse[b, h, i] = attention[j](s = score if mask; value v[..]; factor f; sink x)}:
     * the fused statement's outputs, then the score (named after the tensor it replaces) and its parts.
     */
    private static String attention(Stmt.Attention a) {
        List<String> outs = new ArrayList<>();
        String rows = names(a.rows());
        a.out().ifPresent(o -> outs.add(o.tensor() + "[" + rows + ", " + o.var().name() + "]"));
        a.lse().ifPresent(t -> outs.add(t + "[" + rows + "] (logsumexp)"));
        a.max().ifPresent(t -> outs.add(t + "[" + rows + "] (max)"));
        StringBuilder b = new StringBuilder(String.join(", ", outs)).append(" = attention[").append(a.key().name())
                .append("](").append(a.scores()).append(" = ").append(expr(a.score()))
                .append(a.mask().map(m -> " if " + expr(m)).orElse(""));
        a.out().ifPresent(o -> {
            b.append("; value ").append(expr(o.value()));
            o.factor().ifPresent(f -> b.append("; factor ").append(expr(f)));
        });
        a.sink().ifPresent(x -> b.append("; sink ").append(expr(x)));
        return b.append(")").toString();
    }

    /**
     * A statement with its index ranges (each variable once) in a trailing comment; a let shows its
     * type there, a scatter says it is one.
     */
    public static String stmtWithRanges(Stmt s) {
        Set<String> ranges = new LinkedHashSet<>();
        String note = switch (s) {
            case Stmt.Let l -> l.value().type().sourceName();
            case Stmt.Define d -> {
                ranges(d.vars(), ranges);
                ranges(d.value(), ranges);
                d.domain().ifPresent(e -> ranges(e, ranges));
                yield String.join(", ", ranges);
            }
            case Stmt.Scatter sc -> {
                ranges(sc.vars(), ranges);
                ranges(sc.value(), ranges);
                sc.domain().ifPresent(e -> ranges(e, ranges));
                sc.target().forEach(e -> ranges(e, ranges));
                yield "scatter over " + String.join(", ", ranges);
            }
            case Stmt.TopK t -> {
                ranges(t.vars(), ranges);
                ranges(List.of(t.over()), ranges);
                ranges(t.value(), ranges);
                yield String.join(", ", ranges);
            }
            case Stmt.Attention a -> {
                ranges(a.rows(), ranges);
                ranges(List.of(a.key()), ranges);
                a.out().ifPresent(o -> ranges(List.of(o.var()), ranges));
                ranges(a.score(), ranges);
                String blocks = a.blocks().map(x -> "; blocks of (" + a.row().name() + ", " + a.key().name() + "): empty if "
                        + expr(x.empty()) + ", full if " + expr(x.full())).orElse("");
                yield "fused (online softmax, no " + a.scores() + " stored) over " + String.join(", ", ranges) + blocks;
            }
        };
        return stmt(s) + (note.isEmpty() ? "" : "  // " + note);
    }

    private static void ranges(List<IndexVar> vars, Set<String> out) {
        for (IndexVar v : vars) out.add(v.name() + " < " + expr(v.extent()));
    }

    private static void ranges(Expr e, Set<String> out) {
        switch (e) {
            case Expr.Const c -> { }
            case Expr.Scalar s -> { }
            case Expr.Index i -> { }
            case Expr.Read r -> r.indices().forEach(x -> ranges(x, out));
            case Expr.Unary u -> ranges(u.x(), out);
            case Expr.Binary b -> {
                ranges(b.a(), out);
                ranges(b.b(), out);
            }
            case Expr.Select s -> {
                ranges(s.cond(), out);
                ranges(s.a(), out);
                ranges(s.b(), out);
            }
            case Expr.Call c -> c.args().forEach(x -> ranges(x, out));
            case Expr.Reduce r -> {
                ranges(r.vars(), out);
                r.filter().ifPresent(x -> ranges(x, out));
                ranges(r.body(), out);
            }
            case Expr.Softmax s -> {
                ranges(List.of(s.var()), out);
                ranges(s.body(), out);
            }
        }
    }

    /** A schedule block on one line: {@code schedule ptx { tile i 128, j 64; split j streamk; }}. */
    public static String schedule(Schedule s) {
        StringBuilder out = new StringBuilder("schedule ");
        s.target().ifPresent(t -> out.append(t).append(' '));
        out.append('{');
        for (Schedule.Directive d : s.directives()) {
            out.append(' ').append(switch (d) {
                case Schedule.Tile t -> "tile " + String.join(", ", t.sizes().stream().map(z -> z.var() + " " + z.size()).toList());
                case Schedule.Split sp -> "split " + sp.var() + " " + (sp.streamK() ? "streamk" : String.valueOf(sp.count().getAsInt()));
                case Schedule.Fft f -> "fft " + f.var();
                case Schedule.Direct dr -> "direct " + dr.var();
            }).append(';');
        }
        return out.append(" }").toString();
    }

    /** An expression in source syntax with minimal parentheses. */
    public static String expr(Expr e) {
        StringBuilder out = new StringBuilder();
        expr(e, out);
        return out.toString();
    }

    private static void expr(Expr e, StringBuilder out) {
        switch (e) {
            case Expr.Const c -> out.append(literal(c));
            case Expr.Scalar s -> out.append(s.name());
            case Expr.Index i -> out.append(i.name());
            case Expr.Read r -> out.append(r.tensor()).append('[').append(join(r.indices())).append(']');
            case Expr.Unary u -> {
                out.append(u.op() == Expr.UnOp.NEG ? "-" : "!");
                // -(-x) and -(-1) keep their parentheses: "--" would read as one token.
                boolean paren = u.op() == Expr.UnOp.NEG ? precedence(u.x()) < PRIMARY : precedence(u.x()) < UNARY;
                operand(u.x(), paren, out);
            }
            case Expr.Binary b -> {
                int p = precedence(b);
                boolean comparison = b.op().isComparison();
                operand(b.a(), precedence(b.a()) < p || comparison && precedence(b.a()) == p, out);
                out.append(' ').append(b.op().symbol).append(' ');
                operand(b.b(), precedence(b.b()) <= p, out);
            }
            case Expr.Select s -> {
                operand(s.cond(), precedence(s.cond()) <= SELECT, out);
                out.append(" ? ");
                operand(s.a(), precedence(s.a()) <= SELECT, out);
                out.append(" : ");
                expr(s.b(), out);
            }
            case Expr.Call c -> out.append(c.fn().sourceName()).append('(').append(join(c.args())).append(')');
            case Expr.Reduce r -> {
                out.append(r.op().sourceName()).append('[').append(names(r.vars()));
                r.filter().ifPresent(f -> out.append(" | ").append(expr(f)));
                out.append("](");
                expr(r.body(), out);
                out.append(')');
            }
            case Expr.Softmax s -> {
                out.append("softmax[").append(s.var().name()).append("](");
                expr(s.body(), out);
                out.append(')');
            }
        }
    }

    private static void operand(Expr e, boolean paren, StringBuilder out) {
        if (paren) out.append('(');
        expr(e, out);
        if (paren) out.append(')');
    }

    private static int precedence(Expr e) {
        return switch (e) {
            case Expr.Select s -> SELECT;
            case Expr.Binary b -> switch (b.op()) {
                case OR -> 2;
                case AND -> 3;
                case EQ, NE -> 4;
                case LT, LE, GT, GE -> 5;
                case ADD, SUB -> 6;
                case MUL, DIV, MOD -> 7;
            };
            case Expr.Unary u -> UNARY;
            case Expr.Const c -> literal(c).startsWith("-") ? UNARY : PRIMARY;
            case Expr.Scalar s -> PRIMARY;
            case Expr.Index i -> PRIMARY;
            case Expr.Read r -> PRIMARY;
            case Expr.Call c -> PRIMARY;
            case Expr.Reduce r -> PRIMARY;
            case Expr.Softmax s -> PRIMARY;
        };
    }

    /** A literal as source: {@code true}, {@code 3}, {@code 2.0}, {@code 1e-6}, {@code -inf}. */
    static String literal(Expr.Const c) {
        DType t = c.type();
        if (t == DType.BOOL) return c.value() != 0 ? "true" : "false";
        if (Types.isIntegral(t)) return Long.toString((long) c.value());
        double v = c.value();
        if (Double.isNaN(v)) return "nan";
        if (Double.isInfinite(v)) return v > 0 ? "inf" : "-inf";
        if (v == Math.rint(v) && Math.abs(v) < 1e15) return (v == 0 && 1 / v < 0 ? "-" : "") + (long) v + ".0";
        String s = Double.toString(v);
        return s.replace(".0E", "e").replace('E', 'e');
    }

    /** A number for a message: integers without a fraction, others as Java prints doubles. */
    static String number(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e18) return Long.toString((long) v);
        return Double.toString(v);
    }

    private static String join(List<Expr> es) {
        List<String> parts = new ArrayList<>();
        for (Expr e : es) parts.add(expr(e));
        return String.join(", ", parts);
    }

    private static String names(List<IndexVar> vars) {
        return String.join(", ", vars.stream().map(IndexVar::name).toList());
    }
}
