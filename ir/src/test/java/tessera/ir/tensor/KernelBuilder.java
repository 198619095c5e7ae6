package tessera.ir.tensor;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import tessera.ir.SourceSpan;
import tessera.ir.tensor.Program.Dim;
import tessera.ir.tensor.Program.Role;
import tessera.ir.tensor.Program.TensorDecl;
import tessera.runtime.DType;

/**
 * Builds {@link Program}s for tests from short source-like strings, typed by the rules of
 * {@link Types}. Index ranges are written where a variable is bound:
 * <pre>
 * kernel("k").in("x", F32, "N").out("y", F32, "N")
 *     .stmt("y[i < N] = sum[j < N | j <= i](x[j])")
 *     .build();
 * </pre>
 * Statements: {@code let a = e}; {@code t[i < N, ...] = e [if p]} (a tensor not declared becomes a
 * temporary); {@code t[b < B, r < K] = topk[i < N, K](e)} (the axis is the left variable the value
 * does not use); {@code scatter i < N, ...: t[e1, ...] = e [if p]}. Literals: {@code 3} is i32,
 * {@code 3L} i64, {@code 2.5} f32, {@code 2.5d} f64, {@code inf}, {@code true}. Dims are declared
 * by the first shape that names them.
 */
final class KernelBuilder {
    static final String FILE = "test.tsr";

    private final String name;
    private final Map<String, Dim> dims = new LinkedHashMap<>();
    private final List<TensorDecl> signature = new ArrayList<>();
    private final List<TensorDecl> temps = new ArrayList<>();
    private final List<Program.ScalarParam> params = new ArrayList<>();
    private final List<Program.Constraint> constraints = new ArrayList<>();
    private final List<Stmt> body = new ArrayList<>();
    private final List<Schedule> schedules = new ArrayList<>();
    private final Map<String, DType> lets = new HashMap<>();

    private KernelBuilder(String name) {
        this.name = name;
    }

    static KernelBuilder kernel(String name) {
        return new KernelBuilder(name);
    }

    KernelBuilder in(String tensor, DType t, String shape) {
        signature.add(new TensorDecl(tensor, Role.INPUT, t, shape(shape), SourceSpan.NONE));
        return this;
    }

    KernelBuilder out(String tensor, DType t, String shape) {
        signature.add(new TensorDecl(tensor, Role.OUTPUT, t, shape(shape), SourceSpan.NONE));
        return this;
    }

    KernelBuilder temp(String tensor, DType t, String shape) {
        temps.add(new TensorDecl(tensor, Role.TEMP, t, shape(shape), SourceSpan.NONE));
        return this;
    }

    KernelBuilder param(String param, DType t) {
        params.add(new Program.ScalarParam(param, t, Optional.empty(), SourceSpan.NONE));
        return this;
    }

    KernelBuilder param(String param, DType t, String defaultValue) {
        params.add(new Program.ScalarParam(param, t, Optional.of(parse(defaultValue, Set.of())), SourceSpan.NONE));
        return this;
    }

    KernelBuilder fixed(String dim, long value) {
        dims.put(dim, new Dim(dim, OptionalLong.of(value), Optional.empty(), SourceSpan.NONE));
        return this;
    }

    KernelBuilder derived(String dim, String value) {
        dims.put(dim, new Dim(dim, OptionalLong.empty(), Optional.of(parse(value, Set.of())), SourceSpan.NONE));
        return this;
    }

    KernelBuilder where(String predicate) {
        constraints.add(new Program.Constraint(parse(predicate, Set.of()), predicate, SourceSpan.NONE));
        return this;
    }

    KernelBuilder schedule(Schedule s) {
        schedules.add(s);
        return this;
    }

    /** Adds a statement; its span is line (statement number) of {@link #FILE}, column 1. */
    KernelBuilder stmt(String text) {
        SourceSpan span = new SourceSpan(FILE, body.size() + 1, 1, body.size() + 1, text.length());
        Parser p = new Parser(text, new HashSet<>());
        body.add(p.statement(span));
        p.end();
        return this;
    }

    /** Adds a statement built by hand (for deliberately broken programs). */
    KernelBuilder raw(Stmt s) {
        body.add(s);
        return this;
    }

    Program build() {
        List<TensorDecl> tensors = new ArrayList<>(signature);
        tensors.addAll(temps);
        return new Program(name, List.copyOf(dims.values()), tensors, params, constraints, body, schedules, SourceSpan.NONE);
    }

    /** Parses an expression with the given index variables in scope. */
    Expr expr(String text, String... indexVars) {
        return parse(text, new HashSet<>(List.of(indexVars)));
    }

    private Expr parse(String text, Set<String> scope) {
        Parser p = new Parser(text, scope);
        Expr e = p.expr();
        p.end();
        return e;
    }

    private List<Expr> shape(String text) {
        if (text.isBlank()) return List.of();
        List<Expr> out = new ArrayList<>();
        for (String part : text.split(",")) {
            String s = part.strip();
            if (s.matches("[A-Za-z_][A-Za-z0-9_]*") && !lets.containsKey(s) && params.stream().noneMatch(p -> p.name().equals(s))) {
                dims.putIfAbsent(s, new Dim(s, OptionalLong.empty(), Optional.empty(), SourceSpan.NONE));
            }
            out.add(parse(s, Set.of()));
        }
        return out;
    }

    private Optional<TensorDecl> decl(String tensor) {
        return java.util.stream.Stream.concat(signature.stream(), temps.stream()).filter(t -> t.name().equals(tensor)).findFirst();
    }

    /** Recursive descent over the expression syntax of docs/language.md, plus the range notation. */
    private final class Parser {
        private final List<String> tokens = new ArrayList<>();
        private final Set<String> scope;
        private int pos;

        Parser(String text, Set<String> scope) {
            this.scope = scope;
            int i = 0;
            while (i < text.length()) {
                char c = text.charAt(i);
                if (Character.isWhitespace(c)) {
                    i++;
                } else if (Character.isLetter(c) || c == '_') {
                    int j = i;
                    while (j < text.length() && (Character.isLetterOrDigit(text.charAt(j)) || text.charAt(j) == '_')) j++;
                    tokens.add(text.substring(i, j));
                    i = j;
                } else if (Character.isDigit(c) || c == '.') {
                    int j = i;
                    while (j < text.length() && (Character.isLetterOrDigit(text.charAt(j)) || text.charAt(j) == '.'
                            || (text.charAt(j) == '-' || text.charAt(j) == '+') && (text.charAt(j - 1) == 'e' || text.charAt(j - 1) == 'E'))) j++;
                    tokens.add(text.substring(i, j));
                    i = j;
                } else {
                    String two = i + 1 < text.length() ? text.substring(i, i + 2) : "";
                    if (List.of("<=", ">=", "==", "!=", "&&", "||").contains(two)) {
                        tokens.add(two);
                        i += 2;
                    } else {
                        tokens.add(String.valueOf(c));
                        i++;
                    }
                }
            }
        }

        private String peek() {
            return pos < tokens.size() ? tokens.get(pos) : "<end>";
        }

        private String peek(int ahead) {
            return pos + ahead < tokens.size() ? tokens.get(pos + ahead) : "<end>";
        }

        private String next() {
            String t = peek();
            pos++;
            return t;
        }

        private boolean accept(String t) {
            if (!peek().equals(t)) return false;
            pos++;
            return true;
        }

        private void expect(String t) {
            if (!accept(t)) throw new IllegalArgumentException("expected '" + t + "' but found '" + peek() + "' in " + tokens);
        }

        void end() {
            if (pos != tokens.size()) throw new IllegalArgumentException("unexpected '" + peek() + "' in " + tokens);
        }

        Stmt statement(SourceSpan span) {
            if (accept("let")) {
                String n = next();
                expect("=");
                Expr v = expr();
                lets.put(n, v.type());
                return new Stmt.Let(n, v, span);
            }
            if (accept("scatter")) {
                List<IndexVar> vars = ranges(":");
                String t = next();
                expect("[");
                List<Expr> target = list("]");
                expect("=");
                Expr v = expr();
                Optional<Expr> domain = accept("if") ? Optional.of(expr()) : Optional.empty();
                return new Stmt.Scatter(t, vars, target, domain, v, span);
            }
            String t = next();
            expect("[");
            List<IndexVar> vars = ranges("]");
            expect("=");
            if (peek().equals("topk") && peek(1).equals("[")) {
                pos += 2;
                IndexVar over = range();
                expect(",");
                Expr k = expr();
                expect("]");
                expect("(");
                Set<String> inner = new HashSet<>(scope);
                inner.add(over.name());
                Parser sub = new Parser(this, inner);
                Expr v = sub.expr();
                pos = sub.pos;
                expect(")");
                Set<String> used = ExprCompiler.freeIndices(v);
                String axis = vars.stream().map(IndexVar::name).filter(n -> !used.contains(n)).findFirst().orElseThrow();
                if (decl(t).isEmpty()) temps.add(new TensorDecl(t, Role.TEMP, DType.I32, vars.stream().map(IndexVar::extent).toList(), SourceSpan.NONE));
                return new Stmt.TopK(t, vars, axis, over, k, v, span);
            }
            Expr v = expr();
            Optional<Expr> domain = accept("if") ? Optional.of(expr()) : Optional.empty();
            if (decl(t).isEmpty()) temps.add(new TensorDecl(t, Role.TEMP, v.type(), vars.stream().map(IndexVar::extent).toList(), SourceSpan.NONE));
            return new Stmt.Define(t, vars, domain, v, span);
        }

        /** A parser of the same tokens from the same position, with a different scope. */
        private Parser(Parser outer, Set<String> scope) {
            this.scope = scope;
            this.tokens.addAll(outer.tokens);
            this.pos = outer.pos;
        }

        /** {@code i < N, j < M} up to {@code close} (consumed when it is ':'); binds the variables. */
        private List<IndexVar> ranges(String close) {
            List<IndexVar> vars = new ArrayList<>();
            if (!peek().equals(close)) {
                do vars.add(range()); while (accept(","));
            }
            if (close.equals(":")) expect(":");
            else expect(close);
            for (IndexVar v : vars) scope.add(v.name());
            return vars;
        }

        private IndexVar range() {
            String v = next();
            expect("<");
            return new IndexVar(v, additive());
        }

        private List<Expr> list(String close) {
            List<Expr> out = new ArrayList<>();
            if (!peek().equals(close)) {
                do out.add(expr()); while (accept(","));
            }
            expect(close);
            return out;
        }

        Expr expr() {
            Expr c = binary(2);
            if (!accept("?")) return c;
            Expr a = expr();
            expect(":");
            Expr b = expr();
            DType t = a.type() == DType.BOOL && b.type() == DType.BOOL ? DType.BOOL : Types.promote(a.type(), b.type());
            return new Expr.Select(c, a, b, t);
        }

        private static final List<List<Expr.BinOp>> LEVELS = List.of(
                List.of(), List.of(),
                List.of(Expr.BinOp.OR), List.of(Expr.BinOp.AND), List.of(Expr.BinOp.EQ, Expr.BinOp.NE),
                List.of(Expr.BinOp.LT, Expr.BinOp.LE, Expr.BinOp.GT, Expr.BinOp.GE),
                List.of(Expr.BinOp.ADD, Expr.BinOp.SUB), List.of(Expr.BinOp.MUL, Expr.BinOp.DIV, Expr.BinOp.MOD));

        private Expr additive() {
            return binary(6);
        }

        private Expr binary(int level) {
            if (level == LEVELS.size()) return unary();
            Expr left = binary(level + 1);
            while (true) {
                Expr.BinOp op = null;
                for (Expr.BinOp o : LEVELS.get(level)) {
                    if (peek().equals(o.symbol)) op = o;
                }
                if (op == null) return left;
                pos++;
                Expr right = binary(level + 1);
                DType t = op.isComparison() || op.isLogical() ? DType.BOOL : Types.promote(left.type(), right.type());
                left = new Expr.Binary(op, left, right, t);
            }
        }

        private Expr unary() {
            if (accept("-")) {
                if (Character.isDigit(peek().charAt(0)) || peek().equals("inf")) {
                    Expr.Const c = (Expr.Const) primary();
                    return new Expr.Const(-c.value(), c.type());
                }
                Expr x = unary();
                return new Expr.Unary(Expr.UnOp.NEG, x, x.type());
            }
            if (accept("!")) return new Expr.Unary(Expr.UnOp.NOT, unary(), DType.BOOL);
            return primary();
        }

        private Expr primary() {
            String t = next();
            if (t.equals("(")) {
                Expr e = expr();
                expect(")");
                return e;
            }
            if (Character.isDigit(t.charAt(0)) || t.charAt(0) == '.') return number(t);
            switch (t) {
                case "true", "false" -> {
                    return Expr.Const.bool(t.equals("true"));
                }
                case "inf" -> {
                    return Expr.Const.f32(Double.POSITIVE_INFINITY);
                }
                case "nan" -> {
                    return Expr.Const.f32(Double.NaN);
                }
                default -> { }
            }
            if (peek().equals("[") && List.of("sum", "max", "min", "mean", "logsumexp", "softmax").contains(t)) return reduction(t);
            if (peek().equals("(")) return call(t);
            if (peek().equals("[")) {
                TensorDecl d = decl(t).orElseThrow(() -> new IllegalArgumentException("unknown tensor " + t));
                pos++;
                return new Expr.Read(t, list("]"), Types.readType(d.dtype()));
            }
            if (scope.contains(t)) return new Expr.Index(t);
            if (lets.containsKey(t)) return new Expr.Scalar(t, Expr.ScalarKind.LET, lets.get(t));
            for (Program.ScalarParam p : params) {
                if (p.name().equals(t)) return new Expr.Scalar(t, Expr.ScalarKind.PARAM, p.type());
            }
            if (dims.containsKey(t)) return new Expr.Scalar(t, Expr.ScalarKind.DIM, DType.I32);
            throw new IllegalArgumentException("unknown name '" + t + "' in " + tokens);
        }

        private Expr number(String t) {
            if (t.endsWith("L")) return new Expr.Const(Long.parseLong(t.substring(0, t.length() - 1)), DType.I64);
            if (t.endsWith("d")) return new Expr.Const(Double.parseDouble(t.substring(0, t.length() - 1)), DType.F64);
            if (t.contains(".") || t.contains("e") || t.contains("E")) return Expr.Const.f32(Double.parseDouble(t));
            return Expr.Const.i32(Long.parseLong(t));
        }

        private Expr call(String fnName) {
            Expr.Builtin fn = Expr.Builtin.valueOf(fnName.toUpperCase(Locale.ROOT));
            expect("(");
            List<Expr> args = list(")");
            DType a0 = args.get(0).type();
            DType t = switch (fn) {
                case EXP, LOG, SQRT, RSQRT, TANH, SIGMOID, FLOOR, CEIL -> Types.floatOf(a0);
                case ABS -> a0;
                case MIN, MAX -> Types.promote(a0, args.get(1).type());
                case POW -> Types.floatOf(Types.promote(a0, args.get(1).type()));
                case FLOAT, UNIFORM -> DType.F32;
                case INT -> DType.I32;
                case PHILOX -> DType.I64;
            };
            return new Expr.Call(fn, args, t);
        }

        private Expr reduction(String op) {
            expect("[");
            List<IndexVar> vars = new ArrayList<>();
            do vars.add(range()); while (accept(","));
            Set<String> inner = new HashSet<>(scope);
            vars.forEach(v -> inner.add(v.name()));
            Parser sub = new Parser(this, inner);
            Optional<Expr> filter = sub.accept("|") ? Optional.of(sub.expr()) : Optional.empty();
            sub.expect("]");
            sub.expect("(");
            Expr bodyExpr = sub.expr();
            sub.expect(")");
            pos = sub.pos;
            if (op.equals("softmax")) {
                return new Expr.Softmax(vars.get(0), bodyExpr, Types.floatOf(bodyExpr.type()));
            }
            Expr.ReduceOp r = Expr.ReduceOp.valueOf(op.toUpperCase(Locale.ROOT));
            DType t = r == Expr.ReduceOp.MEAN || r == Expr.ReduceOp.LOGSUMEXP ? Types.floatOf(bodyExpr.type()) : bodyExpr.type();
            return new Expr.Reduce(r, vars, filter, bodyExpr, t);
        }
    }
}
