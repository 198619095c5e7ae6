package tessera.grammar;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tessera.grammar.ast.Ast;
import tessera.ir.Diagnostic;
import tessera.ir.SourceSpan;
import tessera.ir.tensor.Expr;
import tessera.ir.tensor.Program;
import tessera.runtime.DType;

/** The names of one kernel as resolution proceeds: dims, scalars, lets, tensors and defs. */
final class Scope {
    sealed interface Sym {
        SourceSpan span();
    }

    record DimSym(String name, SourceSpan span) implements Sym {}

    record ScalarSym(String name, Expr.ScalarKind kind, DType type, SourceSpan span) implements Sym {}

    /** A tensor; {@code defined} once a statement defined it; {@code poisoned} if that statement had errors. */
    static final class TensorSym implements Sym {
        final String name;
        final Program.Role role;
        DType dtype;
        List<Expr> shape;
        final SourceSpan span;
        boolean defined;
        boolean poisoned;
        SourceSpan definedAt;

        TensorSym(String name, Program.Role role, DType dtype, List<Expr> shape, SourceSpan span) {
            this.name = name;
            this.role = role;
            this.dtype = dtype;
            this.shape = shape;
            this.span = span;
        }

        @Override public SourceSpan span() { return span; }
    }

    final Map<String, Sym> names = new LinkedHashMap<>();
    final Map<String, Ast.Def> defs = new HashMap<>();
    /** Tensors that some statement of the kernel defines, with where: to tell "later" from "never". */
    final Map<String, SourceSpan> assigned = new HashMap<>();
    /** Every index variable of the kernel (left-hand, reduction, topk), for schedule checks. */
    final java.util.Set<String> indexVarNames = new java.util.HashSet<>();
    final List<Diagnostic> diagnostics;

    Scope(List<Diagnostic> diagnostics) {
        this.diagnostics = diagnostics;
    }

    Optional<Sym> lookup(String name) {
        return Optional.ofNullable(names.get(name));
    }

    /** Declares a name, reporting a clash with an earlier one. */
    boolean declare(String name, Sym sym) {
        Sym old = names.get(name);
        if (old != null) {
            String what = switch (old) {
                case DimSym d -> "a dimension";
                case ScalarSym sc -> sc.kind() == Expr.ScalarKind.LET ? "a let" : "a scalar parameter";
                case TensorSym t -> "a tensor";
            };
            error(sym.span(), "'" + name + "' is already " + what + at(old.span()), "pick another name");
            return false;
        }
        names.put(name, sym);
        return true;
    }

    static String at(SourceSpan s) {
        return s.isKnown() ? " (line " + s.line() + ")" : "";
    }

    void error(SourceSpan span, String message, String hint) {
        diagnostics.add(Diagnostic.error(span, message, hint));
    }

    Map<String, List<Expr>> shapes() {
        Map<String, List<Expr>> out = new HashMap<>();
        for (Sym s : names.values()) {
            if (s instanceof TensorSym t && t.shape != null) out.put(t.name, t.shape);
        }
        return out;
    }

    List<String> tensorNames() {
        List<String> out = new ArrayList<>();
        for (Sym s : names.values()) if (s instanceof TensorSym t) out.add(t.name);
        return out;
    }
}
