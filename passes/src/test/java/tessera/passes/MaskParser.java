package tessera.passes;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tessera.ir.tensor.Expr;
import tessera.ir.tensor.Expr.BinOp;
import tessera.ir.tensor.IndexVar;
import tessera.ir.tensor.Types;
import tessera.runtime.DType;

/**
 * Parses mask predicates written as in the language into typed Tensor IR, for tests: integer
 * literals (i32), {@code true}/{@code false}, names (a declared dim, parameter or else an index
 * variable), reads {@code t[e, ...]} of declared tensors, reductions {@code max[r < K](e)} with an
 * optional filter {@code max[r < K | f](e)} ({@code sum}, {@code min} too), {@code min(a, b)},
 * {@code max(a, b)}, {@code abs(a)}, and the operators with the language's precedence.
 */
final class MaskParser {
    private final Map<String, DType> dims = new HashMap<>();
    private final Map<String, DType> params = new HashMap<>();
    private final Map<String, DType> tensors = new HashMap<>();
    private String src;
    private int pos;

    MaskParser dim(String... names) {
        for (String n : names) dims.put(n, DType.I32);
        return this;
    }

    MaskParser param(String name, DType t) {
        params.put(name, t);
        return this;
    }

    MaskParser tensor(String name, DType t) {
        tensors.put(name, t);
        return this;
    }

    Expr parse(String text) {
        src = text;
        pos = 0;
        Expr e = expr();
        skip();
        if (pos != src.length()) throw error("unexpected text");
        return e;
    }

    private IllegalArgumentException error(String what) {
        return new IllegalArgumentException(what + " at " + pos + " in: " + src);
    }

    private Expr expr() {
        Expr c = binary(0);
        if (eat("?")) {
            Expr a = expr();
            expect(":");
            Expr b = expr();
            DType t = a.type() == DType.BOOL ? DType.BOOL : Types.promote(a.type(), b.type());
            return new Expr.Select(c, a, b, t);
        }
        return c;
    }

    private static final List<List<String>> LEVELS = List.of(
            List.of("||"), List.of("&&"), List.of("==", "!="), List.of("<=", ">=", "<", ">"), List.of("+", "-"), List.of("*", "/", "%"));

    private Expr binary(int level) {
        if (level == LEVELS.size()) return unary();
        Expr a = binary(level + 1);
        while (true) {
            String op = null;
            for (String o : LEVELS.get(level)) {
                if (peek(o) && !(o.equals("<") && peek("<=")) && !(o.equals(">") && peek(">="))) {
                    op = o;
                    break;
                }
            }
            if (op == null) return a;
            eat(op);
            Expr b = binary(level + 1);
            BinOp bop = switch (op) {
                case "||" -> BinOp.OR;
                case "&&" -> BinOp.AND;
                case "==" -> BinOp.EQ;
                case "!=" -> BinOp.NE;
                case "<=" -> BinOp.LE;
                case ">=" -> BinOp.GE;
                case "<" -> BinOp.LT;
                case ">" -> BinOp.GT;
                case "+" -> BinOp.ADD;
                case "-" -> BinOp.SUB;
                case "*" -> BinOp.MUL;
                case "/" -> BinOp.DIV;
                default -> BinOp.MOD;
            };
            DType t = bop.isComparison() || bop.isLogical() ? DType.BOOL : Types.promote(a.type(), b.type());
            a = new Expr.Binary(bop, a, b, t);
        }
    }

    private Expr unary() {
        if (eat("-")) {
            Expr x = unary();
            return new Expr.Unary(Expr.UnOp.NEG, x, x.type());
        }
        if (eat("!")) return new Expr.Unary(Expr.UnOp.NOT, unary(), DType.BOOL);
        return primary();
    }

    private Expr primary() {
        skip();
        if (eat("(")) {
            Expr e = expr();
            expect(")");
            return e;
        }
        char c = src.charAt(pos);
        if (Character.isDigit(c)) {
            int start = pos;
            while (pos < src.length() && Character.isDigit(src.charAt(pos))) pos++;
            return Expr.Const.i32(Long.parseLong(src.substring(start, pos)));
        }
        String name = name();
        switch (name) {
            case "true" -> { return Expr.Const.bool(true); }
            case "false" -> { return Expr.Const.bool(false); }
            default -> { }
        }
        if ((name.equals("max") || name.equals("min") || name.equals("sum")) && peek("[")) return reduction(name);
        if ((name.equals("max") || name.equals("min") || name.equals("abs")) && peek("(")) {
            expect("(");
            List<Expr> args = new ArrayList<>();
            do args.add(expr()); while (eat(","));
            expect(")");
            Expr.Builtin fn = Expr.Builtin.valueOf(name.toUpperCase(java.util.Locale.ROOT));
            DType t = args.size() == 1 ? args.get(0).type() : Types.promote(args.get(0).type(), args.get(1).type());
            return new Expr.Call(fn, args, t);
        }
        if (tensors.containsKey(name)) {
            expect("[");
            List<Expr> idx = new ArrayList<>();
            do idx.add(expr()); while (eat(","));
            expect("]");
            return new Expr.Read(name, idx, tensors.get(name));
        }
        if (dims.containsKey(name)) return new Expr.Scalar(name, Expr.ScalarKind.DIM, dims.get(name));
        if (params.containsKey(name)) return new Expr.Scalar(name, Expr.ScalarKind.PARAM, params.get(name));
        return new Expr.Index(name);
    }

    private Expr reduction(String op) {
        expect("[");
        String var = name();
        expect("<");
        Expr extent = binary(4);
        Optional<Expr> filter = eat("|") ? Optional.of(expr()) : Optional.empty();
        expect("]");
        expect("(");
        Expr body = expr();
        expect(")");
        return new Expr.Reduce(Expr.ReduceOp.valueOf(op.toUpperCase(java.util.Locale.ROOT)), List.of(new IndexVar(var, extent)),
                filter, body, body.type());
    }

    private String name() {
        skip();
        int start = pos;
        while (pos < src.length() && (Character.isLetterOrDigit(src.charAt(pos)) || src.charAt(pos) == '_')) pos++;
        if (start == pos) throw error("a name expected");
        return src.substring(start, pos);
    }

    private void skip() {
        while (pos < src.length() && src.charAt(pos) == ' ') pos++;
    }

    private boolean peek(String s) {
        skip();
        return src.startsWith(s, pos) && !(s.equals("|") && src.startsWith("||", pos)) && !(s.equals("!") && src.startsWith("!=", pos));
    }

    private boolean eat(String s) {
        if (!peek(s)) return false;
        pos += s.length();
        return true;
    }

    private void expect(String s) {
        if (!eat(s)) throw error("'" + s + "' expected");
    }
}
