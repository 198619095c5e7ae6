package tessera.grammar;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.antlr.v4.runtime.ParserRuleContext;
import org.antlr.v4.runtime.Token;
import tessera.grammar.ast.Ast;
import tessera.ir.Diagnostic;
import tessera.ir.SourceSpan;

/**
 * Turns an ANTLR parse tree of a file without syntax errors into {@link Ast} records with spans.
 * The only class that sees ANTLR's generated types besides {@link Parse}.
 */
final class AstBuilder {
    private final String file;
    private final List<Diagnostic> diagnostics;

    AstBuilder(String file, List<Diagnostic> diagnostics) {
        this.file = file;
        this.diagnostics = diagnostics;
    }

    Ast.File file(TesseraParser.FileContext ctx) {
        List<Ast.Import> imports = new ArrayList<>();
        List<Ast.Def> defs = new ArrayList<>();
        List<Ast.Kernel> kernels = new ArrayList<>();
        for (TesseraParser.ItemContext item : ctx.item()) {
            if (item.importDecl() != null) {
                String raw = item.importDecl().STRING().getText();
                imports.add(new Ast.Import(unquote(raw), span(item)));
            } else if (item.defDecl() != null) {
                defs.add(def(item.defDecl()));
            } else {
                kernels.add(kernel(item.kernelDecl()));
            }
        }
        return new Ast.File(file, imports, defs, kernels);
    }

    private static String unquote(String raw) {
        String body = raw.substring(1, raw.length() - 1);
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < body.length(); i++) {
            char c = body.charAt(i);
            if (c == '\\' && i + 1 < body.length()) c = body.charAt(++i);
            out.append(c);
        }
        return out.toString();
    }

    private Ast.Def def(TesseraParser.DefDeclContext ctx) {
        List<String> params = ctx.ID().stream().skip(1).map(t -> t.getText()).toList();
        return new Ast.Def(ctx.name.getText(), params, expr(ctx.expr()), span(ctx));
    }

    private Ast.Kernel kernel(TesseraParser.KernelDeclContext ctx) {
        List<Ast.Param> params = ctx.param().stream()
                .map(p -> param(p.name, p.type, p.shape(), p.expr(), p)).toList();
        List<Ast.Param> outputs = ctx.output().stream()
                .map(o -> param(o.name, o.type, o.shape(), null, o)).toList();
        List<Ast.Where> wheres = new ArrayList<>();
        for (TesseraParser.ExprContext w : ctx.expr()) {
            wheres.add(new Ast.Where(expr(w), text(w), span(w)));
        }
        List<Ast.BodyItem> body = new ArrayList<>();
        for (TesseraParser.BodyItemContext item : ctx.bodyItem()) body.add(bodyItem(item));
        return new Ast.Kernel(ctx.name.getText(), params, outputs, wheres, body, span(ctx.name), span(ctx));
    }

    private Ast.Param param(Token name, Token type, TesseraParser.ShapeContext shape,
                            TesseraParser.ExprContext dflt, ParserRuleContext whole) {
        Optional<List<Ast.DimRef>> dims = Optional.empty();
        if (shape != null) {
            List<Ast.DimRef> list = new ArrayList<>();
            for (TesseraParser.DimContext d : shape.dim()) {
                if (d.ID() != null) {
                    list.add(new Ast.DimRef(Optional.of(d.ID().getText()), -1, span(d)));
                } else {
                    list.add(new Ast.DimRef(Optional.empty(), parseInt(d.INT().getSymbol()), span(d)));
                }
            }
            dims = Optional.of(list);
        }
        return new Ast.Param(name.getText(), type.getText(), span(type), dims,
                Optional.ofNullable(dflt).map(this::expr), span(whole));
    }

    private Ast.BodyItem bodyItem(TesseraParser.BodyItemContext ctx) {
        return switch (ctx) {
            case TesseraParser.LetStmtContext let ->
                    new Ast.Let(let.name.getText(), expr(let.expr()), span(let.name), span(let));
            case TesseraParser.LocalDefContext def -> new Ast.LocalDef(def(def.defDecl()));
            case TesseraParser.AssignStmtContext a -> {
                List<TesseraParser.ExprContext> all = a.expr();
                int n = all.size() - (a.cond != null ? 2 : 1);
                List<Ast.Expr> indices = new ArrayList<>();
                for (int i = 0; i < n; i++) indices.add(expr(all.get(i)));
                yield new Ast.Assign(a.target.getText(), span(a.target), indices, expr(all.get(n)),
                        Optional.ofNullable(a.cond).map(this::expr), span(a));
            }
            case TesseraParser.ScheduleBlockContext s -> {
                List<Ast.Directive> directives = new ArrayList<>();
                for (TesseraParser.DirectiveContext d : s.directive()) {
                    List<List<Ast.Word>> groups = new ArrayList<>();
                    for (TesseraParser.DirectiveArgsContext g : d.directiveArgs()) {
                        List<Ast.Word> words = new ArrayList<>();
                        for (TesseraParser.DirectiveArgContext w : g.directiveArg()) {
                            words.add(new Ast.Word(w.getText(), w.INT() != null, span(w)));
                        }
                        groups.add(words);
                    }
                    directives.add(new Ast.Directive(d.name.getText(), groups, span(d)));
                }
                yield new Ast.ScheduleBlock(Optional.ofNullable(s.target).map(Token::getText),
                        s.target != null ? span(s.target) : span(s), directives, span(s));
            }
            default -> throw new IllegalStateException("unknown body item " + ctx.getClass());
        };
    }

    Ast.Expr expr(TesseraParser.ExprContext ctx) {
        Ast.Expr cond = or(ctx.cond);
        if (ctx.a == null) return cond;
        return new Ast.Conditional(cond, expr(ctx.a), expr(ctx.b), span(ctx));
    }

    private Ast.Expr or(TesseraParser.OrExprContext ctx) {
        List<TesseraParser.AndExprContext> parts = ctx.andExpr(); // once: ctx.andExpr(i) scans all children
        Ast.Expr e = and(parts.get(0));
        for (int i = 1; i < parts.size(); i++) {
            Ast.Expr r = and(parts.get(i));
            e = new Ast.Binary("||", e, r, e.span().to(r.span()));
        }
        return e;
    }

    private Ast.Expr and(TesseraParser.AndExprContext ctx) {
        List<TesseraParser.CmpExprContext> parts = ctx.cmpExpr(); // once: ctx.cmpExpr(i) scans all children
        Ast.Expr e = cmp(parts.get(0));
        for (int i = 1; i < parts.size(); i++) {
            Ast.Expr r = cmp(parts.get(i));
            e = new Ast.Binary("&&", e, r, e.span().to(r.span()));
        }
        return e;
    }

    private Ast.Expr cmp(TesseraParser.CmpExprContext ctx) {
        Ast.Expr e = add(ctx.addExpr(0));
        if (ctx.op == null) return e;
        Ast.Expr r = add(ctx.addExpr(1));
        return new Ast.Binary(ctx.op.getText(), e, r, e.span().to(r.span()));
    }

    private Ast.Expr add(TesseraParser.AddExprContext ctx) {
        List<TesseraParser.MulExprContext> parts = ctx.mulExpr(); // once: ctx.mulExpr(i) scans all children
        Ast.Expr e = mul(parts.get(0));
        for (int i = 1; i < parts.size(); i++) {
            Ast.Expr r = mul(parts.get(i));
            e = new Ast.Binary(ctx.ops.get(i - 1).getText(), e, r, e.span().to(r.span()));
        }
        return e;
    }

    private Ast.Expr mul(TesseraParser.MulExprContext ctx) {
        List<TesseraParser.UnaryContext> parts = ctx.unary(); // once: ctx.unary(i) scans all children
        Ast.Expr e = unary(parts.get(0));
        for (int i = 1; i < parts.size(); i++) {
            Ast.Expr r = unary(parts.get(i));
            e = new Ast.Binary(ctx.ops.get(i - 1).getText(), e, r, e.span().to(r.span()));
        }
        return e;
    }

    private Ast.Expr unary(TesseraParser.UnaryContext ctx) {
        if (ctx.op != null) return new Ast.Unary(ctx.op.getText(), unary(ctx.unary()), span(ctx));
        return primary(ctx.primary());
    }

    private Ast.Expr primary(TesseraParser.PrimaryContext ctx) {
        return switch (ctx) {
            case TesseraParser.IntLitContext i -> new Ast.IntLit(parseInt(i.INT().getSymbol()), span(i));
            case TesseraParser.FloatLitContext f -> new Ast.FloatLit(Double.parseDouble(f.getText()), span(f));
            case TesseraParser.InfLitContext i -> new Ast.FloatLit(Double.POSITIVE_INFINITY, span(i));
            case TesseraParser.BoolLitContext b -> new Ast.BoolLit(b.getText().equals("true"), span(b));
            case TesseraParser.ParensContext p -> expr(p.expr());
            case TesseraParser.ReadContext r ->
                    new Ast.Read(r.name.getText(), span(r.name), r.expr().stream().map(this::expr).toList(), span(r));
            case TesseraParser.CallContext c ->
                    new Ast.Call(c.name.getText(), span(c.name), c.expr().stream().map(this::expr).toList(), span(c));
            case TesseraParser.BracketCallContext b -> {
                List<TesseraParser.ExprContext> all = b.expr();
                int items = all.size() - 1 - (b.filter != null ? 1 : 0);
                List<Ast.Expr> list = new ArrayList<>();
                for (int i = 0; i < items; i++) list.add(expr(all.get(i)));
                yield new Ast.BracketCall(b.name.getText(), span(b.name), list,
                        Optional.ofNullable(b.filter).map(this::expr), expr(b.body), span(b));
            }
            case TesseraParser.NameContext n -> new Ast.Name(n.getText(), span(n));
            default -> throw new IllegalStateException("unknown primary " + ctx.getClass());
        };
    }

    private long parseInt(Token t) {
        try {
            return Long.parseLong(t.getText());
        } catch (NumberFormatException e) {
            diagnostics.add(Diagnostic.error(span(t), "integer literal '" + t.getText() + "' is too large",
                    "integers must fit in 64 bits"));
            return 0;
        }
    }

    private static String text(ParserRuleContext ctx) {
        Token a = ctx.getStart();
        Token b = ctx.getStop();
        if (a == null || b == null || a.getInputStream() == null) return ctx.getText();
        return a.getInputStream().getText(org.antlr.v4.runtime.misc.Interval.of(a.getStartIndex(), b.getStopIndex()));
    }

    SourceSpan span(Token t) {
        int len = Math.max(1, t.getText() == null ? 1 : t.getText().length());
        return new SourceSpan(file, t.getLine(), t.getCharPositionInLine() + 1, t.getLine(), t.getCharPositionInLine() + len);
    }

    SourceSpan span(ParserRuleContext ctx) {
        Token a = ctx.getStart();
        Token b = ctx.getStop() != null ? ctx.getStop() : a;
        SourceSpan end = span(b);
        return new SourceSpan(file, a.getLine(), a.getCharPositionInLine() + 1, end.endLine(), end.endColumn());
    }
}
