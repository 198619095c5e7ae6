package tessera.grammar.ast;

import java.util.List;
import java.util.Optional;
import tessera.ir.SourceSpan;

/**
 * The abstract syntax tree: what the user wrote, with source spans, before any name or type is
 * resolved. Built by {@link tessera.grammar.AstBuilder}, the only code that sees ANTLR types.
 */
public final class Ast {
    private Ast() {}

    /** One parsed source file. */
    public record File(String path, List<Import> imports, List<Def> defs, List<Kernel> kernels) {
        public File {
            imports = List.copyOf(imports);
            defs = List.copyOf(defs);
            kernels = List.copyOf(kernels);
        }
    }

    public record Import(String path, SourceSpan span) {}

    /** {@code def name(params) = body;} */
    public record Def(String name, List<String> params, Expr body, SourceSpan span) {
        public Def {
            params = List.copyOf(params);
        }
    }

    public record Kernel(String name, List<Param> params, List<Param> outputs, List<Where> wheres,
                         List<BodyItem> body, SourceSpan nameSpan, SourceSpan span) {
        public Kernel {
            params = List.copyOf(params);
            outputs = List.copyOf(outputs);
            wheres = List.copyOf(wheres);
            body = List.copyOf(body);
        }
    }

    /** A parameter or output: {@code name: type[shape] = default}; shape empty for a scalar. */
    public record Param(String name, String type, SourceSpan typeSpan, Optional<List<DimRef>> shape,
                        Optional<Expr> defaultValue, SourceSpan span) {}

    /** A dimension in a shape: a name, or a literal size. */
    public record DimRef(Optional<String> name, long size, SourceSpan span) {}

    /** A {@code where} clause with its source text. */
    public record Where(Expr predicate, String text, SourceSpan span) {}

    public sealed interface BodyItem {
        SourceSpan span();
    }

    public record Let(String name, Expr value, SourceSpan nameSpan, SourceSpan span) implements BodyItem {}

    public record LocalDef(Def def) implements BodyItem {
        @Override public SourceSpan span() { return def.span(); }
    }

    /** {@code target[indices] = value if cond;} — a comprehension or a scatter, decided by the resolver. */
    public record Assign(String target, SourceSpan targetSpan, List<Expr> indices, Expr value,
                         Optional<Expr> cond, SourceSpan span) implements BodyItem {
        public Assign {
            indices = List.copyOf(indices);
        }
    }

    public record ScheduleBlock(Optional<String> target, SourceSpan targetSpan, List<Directive> directives,
                                SourceSpan span) implements BodyItem {
        public ScheduleBlock {
            directives = List.copyOf(directives);
        }
    }

    /** {@code name a b, c d;}: groups of words separated by commas. */
    public record Directive(String name, List<List<Word>> groups, SourceSpan span) {
        public Directive {
            groups = groups.stream().map(List::copyOf).toList();
        }
    }

    public record Word(String text, boolean isNumber, SourceSpan span) {}

    public sealed interface Expr {
        SourceSpan span();
    }

    public record IntLit(long value, SourceSpan span) implements Expr {}

    public record FloatLit(double value, SourceSpan span) implements Expr {}

    public record BoolLit(boolean value, SourceSpan span) implements Expr {}

    public record Name(String name, SourceSpan span) implements Expr {}

    public record Unary(String op, Expr operand, SourceSpan span) implements Expr {}

    public record Binary(String op, Expr left, Expr right, SourceSpan span) implements Expr {}

    public record Conditional(Expr cond, Expr ifTrue, Expr ifFalse, SourceSpan span) implements Expr {}

    /** {@code name[indices]} */
    public record Read(String name, SourceSpan nameSpan, List<Expr> indices, SourceSpan span) implements Expr {
        public Read {
            indices = List.copyOf(indices);
        }
    }

    /** {@code name(args)} */
    public record Call(String name, SourceSpan nameSpan, List<Expr> args, SourceSpan span) implements Expr {
        public Call {
            args = List.copyOf(args);
        }
    }

    /** {@code name[items | filter](body)}: a reduction, softmax or topk. */
    public record BracketCall(String name, SourceSpan nameSpan, List<Expr> items, Optional<Expr> filter,
                              Expr body, SourceSpan span) implements Expr {
        public BracketCall {
            items = List.copyOf(items);
        }
    }
}
