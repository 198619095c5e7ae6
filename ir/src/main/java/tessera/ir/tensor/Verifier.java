package tessera.ir.tensor;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import tessera.ir.tensor.ExprChecker.Context;
import tessera.ir.tensor.Program.Role;
import tessera.ir.tensor.Program.TensorDecl;
import tessera.runtime.DType;

/**
 * Checks the invariants of Tensor IR. A violation is a bug in the compiler (front end or pass),
 * never the user's: the tests run the verifier after every pass, and the {@link Interpreter} refuses
 * a program that fails it.
 *
 * <ul>
 *   <li>names: tensors, dims, parameters and lets are declared once; every read names a declared
 *       tensor with its rank and its read type (f16/bf16 read as F32); every index variable is in
 *       scope (a left-hand variable of the statement, or bound by an enclosing reduction; a
 *       softmax's variable must already be in scope, its value being "the current point"); every
 *       scalar names a declared dim, a parameter, or a let defined earlier, with its type;
 *   <li>types ({@link Types}): arithmetic on numbers with the promoted type, comparisons give bool,
 *       logic on bools, conditions, domains and filters bool, indices and extents integers, the
 *       value stored fits the tensor (bool into bool, integer into integer, any number into float);
 *   <li>definitions: every temporary and output is defined by exactly one Define or TopK, before
 *       any scatter into it and any read of it; nothing writes an input; a TopK's variables include
 *       its axis, its value does not use the axis, and its tensor is i32.
 * </ul>
 */
public final class Verifier {
    private final Program program;
    private final List<String> problems = new ArrayList<>();
    private final Map<String, DType> allLets = new HashMap<>();

    private Verifier(Program program) {
        this.program = program;
    }

    /** Every problem found, one line each; empty when the program is well formed. */
    public static List<String> check(Program p) {
        Verifier v = new Verifier(p);
        v.checkProgram();
        return List.copyOf(v.problems);
    }

    /** Throws {@link IllegalStateException} listing every problem, if there is any. */
    public static void verify(Program p) {
        List<String> problems = check(p);
        if (!problems.isEmpty()) {
            throw new IllegalStateException("Tensor IR of '" + p.name() + "' is invalid:\n  " + String.join("\n  ", problems));
        }
    }

    private void checkProgram() {
        unique("dim", program.dims().stream().map(Program.Dim::name).toList());
        unique("tensor", program.tensors().stream().map(TensorDecl::name).toList());
        unique("scalar parameter", program.scalars().stream().map(Program.ScalarParam::name).toList());
        for (Stmt s : program.body()) {
            if (s instanceof Stmt.Let l) allLets.putIfAbsent(l.name(), l.value().type());
        }

        Map<String, DType> none = Map.of();
        for (Program.Dim d : program.dims()) {
            d.derived().ifPresent(e -> integer(e, new Context("derived dim " + d.name(), Set.of(), allLets, true, false), Set.of(), "its value"));
        }
        for (TensorDecl t : program.tensors()) {
            if (t.dtype() == null || t.role() == null) {
                problems.add("tensor '" + t.name() + "' has no element type or role");
                continue;
            }
            Context c = new Context("shape of '" + t.name() + "'", Set.of(), t.role() == Role.TEMP ? allLets : none, t.role() != Role.INPUT, false);
            for (Expr e : t.shape()) integer(e, c, Set.of(), "an axis");
        }
        Map<String, DType> earlier = new HashMap<>();
        for (Program.ScalarParam p : program.scalars()) {
            p.defaultValue().ifPresent(e -> {
                Context c = new Context("default of '" + p.name() + "'", Set.of(), none, true, false);
                DType t = type(e, c, Set.of(), earlier);
                if (t != null && !storable(p.type(), t)) {
                    problems.add(c.where() + ": a " + t.sourceName() + " value for a " + p.type().sourceName() + " parameter");
                }
            });
            earlier.put(p.name(), p.type());
        }
        for (Program.Constraint k : program.constraints()) {
            bool(k.predicate(), new Context("constraint '" + k.text() + "'", Set.of(), none, true, false), Set.of(), "the constraint");
        }
        checkBody();
    }

    private void checkBody() {
        Set<String> defined = new HashSet<>();
        for (TensorDecl t : program.inputs()) defined.add(t.name());
        Map<String, DType> lets = new HashMap<>();
        int n = 0;
        for (Stmt s : program.body()) {
            n++;
            switch (s) {
                case Stmt.Let l -> {
                    Context c = new Context("statement " + n + " (let " + l.name() + ")", defined, lets, true, true);
                    type(l.value(), c, Set.of(), null);
                    if (lets.containsKey(l.name()) || program.dim(l.name()).isPresent() || hasParam(l.name())) {
                        problems.add(c.where() + ": '" + l.name() + "' is already defined");
                    }
                    lets.put(l.name(), l.value().type());
                }
                case Stmt.Define d -> {
                    Context c = new Context("statement " + n + " (" + d.tensor() + ")", defined, lets, true, true);
                    Optional<TensorDecl> t = written(d.tensor(), c, defined, true);
                    Set<String> scope = vars(d.vars(), c);
                    t.ifPresent(decl -> rank(decl, d.vars().size(), c));
                    d.domain().ifPresent(e -> bool(e, c, scope, "the domain"));
                    DType v = type(d.value(), c, scope, null);
                    t.ifPresent(decl -> stored(decl, v, c));
                    defined.add(d.tensor());
                }
                case Stmt.Scatter sc -> {
                    Context c = new Context("statement " + n + " (scatter into " + sc.tensor() + ")", defined, lets, true, true);
                    Optional<TensorDecl> t = written(sc.tensor(), c, defined, false);
                    Set<String> scope = vars(sc.vars(), c);
                    t.ifPresent(decl -> rank(decl, sc.target().size(), c));
                    for (Expr e : sc.target()) integer(e, c, scope, "a target index");
                    sc.domain().ifPresent(e -> bool(e, c, scope, "the domain"));
                    DType v = type(sc.value(), c, scope, null);
                    t.ifPresent(decl -> stored(decl, v, c));
                }
                case Stmt.TopK tk -> {
                    Context c = new Context("statement " + n + " (topk into " + tk.tensor() + ")", defined, lets, true, true);
                    Optional<TensorDecl> t = written(tk.tensor(), c, defined, true);
                    Set<String> scope = vars(tk.vars(), c);
                    t.ifPresent(decl -> {
                        rank(decl, tk.vars().size(), c);
                        if (decl.dtype() != DType.I32) problems.add(c.where() + ": a topk gives indices, but '" + decl.name() + "' is " + decl.dtype().sourceName() + ", not i32");
                    });
                    if (!scope.contains(tk.axis())) problems.add(c.where() + ": the axis '" + tk.axis() + "' is not one of its variables");
                    if (scope.contains(tk.over().name())) problems.add(c.where() + ": the topk variable '" + tk.over().name() + "' is also a left-hand variable");
                    integer(tk.over().extent(), c, Set.of(), "the extent of '" + tk.over().name() + "'");
                    integer(tk.k(), c, Set.of(), "k");
                    Set<String> inner = new HashSet<>(scope);
                    inner.remove(tk.axis());
                    inner.add(tk.over().name());
                    DType v = type(tk.value(), c, inner, null);
                    if (v != null && !Types.isNumber(v)) problems.add(c.where() + ": topk of a " + v.sourceName() + " value; it needs numbers");
                    defined.add(tk.tensor());
                }
                case Stmt.Attention a -> attention(a, new Context("statement " + n + " (attention over " + a.scores() + ")", defined, lets, true, true), defined);
            }
        }
        for (TensorDecl t : program.tensors()) {
            if (t.role() != Role.INPUT && !defined.contains(t.name())) {
                problems.add((t.role() == Role.OUTPUT ? "output '" : "temporary '") + t.name() + "' is never defined");
            }
        }
    }

    /** The fused attention statement: its outputs, the scope of each part, and the shape of its contraction. */
    private void attention(Stmt.Attention a, Context c, Set<String> defined) {
        Set<String> rows = vars(a.rows(), c);
        Set<String> withKey = new HashSet<>(rows);
        if (!withKey.add(a.key().name())) problems.add(c.where() + ": the key variable '" + a.key().name() + "' is also a row variable");
        integer(a.key().extent(), c, Set.of(), "the extent of '" + a.key().name() + "'");
        DType score = type(a.score(), c, withKey, null);
        if (score != null && !Types.isNumber(score)) problems.add(c.where() + ": a " + score.sourceName() + " score");
        a.mask().ifPresent(m -> bool(m, c, withKey, "the mask"));
        a.sink().ifPresent(x -> {
            DType t = type(x, c, rows, null);
            if (t != null && !Types.isNumber(t)) problems.add(c.where() + ": a " + t.sourceName() + " sink");
        });
        if (!ExprWalker.any(a.score(), x -> x.equals(a.dot()))) problems.add(c.where() + ": the contraction is not part of the score");
        if (a.dot().op() != Expr.ReduceOp.SUM || a.dot().vars().size() != 1
                || !(a.dot().body() instanceof Expr.Binary m && m.op() == Expr.BinOp.MUL && m.a().equals(a.q()) && m.b().equals(a.k()))) {
            problems.add(c.where() + ": the contraction is not sum[d](q * k) of its q and k");
        }
        if (Substitution.mentions(a.q(), a.key().name())) problems.add(c.where() + ": q depends on the key variable");
        if (Substitution.mentions(a.k(), a.row().name())) problems.add(c.where() + ": k depends on the row variable");
        a.out().ifPresent(o -> {
            Optional<TensorDecl> t = written(o.tensor(), c, defined, true);
            t.ifPresent(decl -> rank(decl, a.rows().size() + 1, c));
            Set<String> valueScope = new HashSet<>(withKey);
            if (!valueScope.add(o.var().name())) problems.add(c.where() + ": the value variable '" + o.var().name() + "' is also a row or key variable");
            integer(o.var().extent(), c, Set.of(), "the extent of '" + o.var().name() + "'");
            type(o.value(), c, valueScope, null);
            if (Substitution.mentions(o.value(), a.row().name())) problems.add(c.where() + ": the value depends on the row variable");
            o.factor().ifPresent(f -> {
                type(f, c, withKey, null);
                if (Substitution.mentions(f, o.var().name())) problems.add(c.where() + ": the factor depends on the value variable");
            });
            defined.add(o.tensor());
        });
        for (String t : List.of(a.lse(), a.max()).stream().flatMap(Optional::stream).toList()) {
            written(t, c, defined, true).ifPresent(decl -> rank(decl, a.rows().size(), c));
            defined.add(t);
        }
        if (a.out().isEmpty() && a.lse().isEmpty() && a.max().isEmpty()) problems.add(c.where() + ": an attention with no output");
        a.blocks().ifPresent(b -> {
            Set<String> scope = new HashSet<>(rows);
            scope.remove(a.row().name());
            scope.addAll(List.of(b.rowLo(), b.rowHi(), b.keyLo(), b.keyHi()));
            bool(b.empty(), c, scope, "the empty-block test");
            bool(b.full(), c, scope, "the full-block test");
        });
    }

    /** The declaration of a tensor a statement writes; checks it may write it now. */
    private Optional<TensorDecl> written(String name, Context c, Set<String> defined, boolean defines) {
        Optional<TensorDecl> t = program.tensor(name);
        if (t.isEmpty()) {
            problems.add(c.where() + ": '" + name + "' is not declared");
            return t;
        }
        if (t.get().role() == Role.INPUT) problems.add(c.where() + ": writes the input '" + name + "'");
        else if (defines && defined.contains(name)) problems.add(c.where() + ": '" + name + "' is defined a second time");
        else if (!defines && !defined.contains(name)) problems.add(c.where() + ": scatter into '" + name + "' before its definition");
        return t;
    }

    private void rank(TensorDecl t, int n, Context c) {
        if (t.rank() != n) problems.add(c.where() + ": '" + t.name() + "' has rank " + t.rank() + " but the statement gives " + n + " indices");
    }

    private void stored(TensorDecl t, DType v, Context c) {
        if (v != null && !storable(t.dtype(), v)) {
            problems.add(c.where() + ": stores a " + v.sourceName() + " value into '" + t.name() + "' of type " + t.dtype().sourceName());
        }
    }

    /** Bool into bool, integers into integers, any number into floats. */
    private static boolean storable(DType storage, DType value) {
        if (storage == DType.BOOL || value == DType.BOOL) return storage == value;
        if (storage.isInteger()) return value.isInteger();
        return Types.isNumber(value);
    }

    /** The left-hand variables: distinct, with integer extents that use no index variable. */
    private Set<String> vars(List<IndexVar> vars, Context c) {
        Set<String> scope = new HashSet<>();
        for (IndexVar v : vars) {
            if (!scope.add(v.name())) problems.add(c.where() + ": the variable '" + v.name() + "' appears twice on the left");
            integer(v.extent(), c, Set.of(), "the extent of '" + v.name() + "'");
        }
        return scope;
    }

    private boolean hasParam(String name) {
        return program.scalars().stream().anyMatch(p -> p.name().equals(name));
    }

    private void unique(String what, List<String> names) {
        Set<String> seen = new HashSet<>();
        for (String n : names) {
            if (!seen.add(n)) problems.add(what + " '" + n + "' is declared twice");
        }
    }

    private void integer(Expr e, Context c, Set<String> scope, String what) {
        DType t = type(e, c, scope, null);
        if (t != null && !t.isInteger()) problems.add(c.where() + ": " + what + " is " + t.sourceName() + ", not an integer: " + Printer.expr(e));
    }

    private void bool(Expr e, Context c, Set<String> scope, String what) {
        DType t = type(e, c, scope, null);
        if (t != null && t != DType.BOOL) problems.add(c.where() + ": " + what + " is " + t.sourceName() + ", not bool: " + Printer.expr(e));
    }

    /**
     * Checks {@code e} and returns its type, or null when the node is too broken to have one.
     *
     * @param params the parameters visible (for defaults: the earlier ones), or null for all
     */
    private DType type(Expr e, Context c, Set<String> scope, Map<String, DType> params) {
        return new ExprChecker(program, c, params, problems).check(e, scope);
    }
}
