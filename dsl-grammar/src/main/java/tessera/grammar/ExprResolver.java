package tessera.grammar;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import tessera.grammar.ast.Ast;
import tessera.ir.SourceSpan;
import tessera.ir.tensor.Expr;
import tessera.ir.tensor.IndexVar;
import tessera.runtime.DType;

/**
 * Resolves one expression: names to dims, scalars, lets, index variables and tensors; calls to
 * builtins or inlined defs; reductions with their variables' ranges; types. Errors are reported to
 * the scope and the result is then empty; callers stay quiet about empty sub-results, so one
 * mistake gives one message.
 */
final class ExprResolver {
    /**
     * Where an expression stands.
     *
     * @param indexVars index variables in scope (left-hand ones and enclosing reductions')
     * @param statement false in lets, defaults, where clauses and extents: no index variables
     * @param args def parameters bound to their (resolved) arguments
     * @param defStack defs being inlined, to report recursion
     */
    record Ctx(Set<String> indexVars, boolean statement, Map<String, Expr> args, List<String> defStack) {
        static Ctx scalar() {
            return new Ctx(Set.of(), false, Map.of(), List.of());
        }

        static Ctx statement(Set<String> vars) {
            return new Ctx(Set.copyOf(vars), true, Map.of(), List.of());
        }

        Ctx withVars(List<String> more) {
            Set<String> s = new LinkedHashSet<>(indexVars);
            s.addAll(more);
            return new Ctx(s, statement, args, defStack);
        }
    }

    private static final Map<String, Expr.ReduceOp> REDUCTIONS = Map.of(
            "sum", Expr.ReduceOp.SUM, "max", Expr.ReduceOp.MAX, "min", Expr.ReduceOp.MIN,
            "mean", Expr.ReduceOp.MEAN, "logsumexp", Expr.ReduceOp.LOGSUMEXP);

    private final Scope scope;

    ExprResolver(Scope scope) {
        this.scope = scope;
    }

    Optional<Expr> resolve(Ast.Expr e, Ctx ctx) {
        return resolve(e, ctx, false);
    }

    /** Resolves an expression that must have an integer type (an index or an extent). */
    Optional<Expr> integer(Ast.Expr e, Ctx ctx, String what) {
        Optional<Expr> r = resolve(e, ctx, true);
        if (r.isPresent() && !Types.integer(r.get().type())) {
            scope.error(e.span(), what + " must be an integer, got " + Types.name(r.get().type()),
                    "convert with int(...)");
            return Optional.empty();
        }
        return r;
    }

    /** Resolves an expression that must be bool (a condition). */
    Optional<Expr> bool(Ast.Expr e, Ctx ctx, String what) {
        Optional<Expr> r = resolve(e, ctx, false);
        if (r.isPresent() && r.get().type() != DType.BOOL) {
            scope.error(e.span(), what + " must be bool, got " + Types.name(r.get().type()),
                    "compare it, e.g. x != 0");
            return Optional.empty();
        }
        return r;
    }

    private Optional<Expr> resolve(Ast.Expr e, Ctx ctx, boolean inIndex) {
        return switch (e) {
            case Ast.IntLit i -> Optional.of(new Expr.Const(i.value(),
                    i.value() > Integer.MAX_VALUE ? DType.I64 : DType.I32));
            case Ast.FloatLit f -> Optional.of(new Expr.Const(f.value(), DType.F32));
            case Ast.BoolLit b -> Optional.of(Expr.Const.bool(b.value()));
            case Ast.Name n -> name(n, ctx, inIndex);
            case Ast.Unary u -> unary(u, ctx, inIndex);
            case Ast.Binary b -> binary(b, ctx, inIndex);
            case Ast.Conditional c -> conditional(c, ctx, inIndex);
            case Ast.Read r -> read(r, ctx);
            case Ast.Call c -> call(c, ctx, inIndex);
            case Ast.BracketCall b -> bracket(b, ctx);
        };
    }

    private Optional<Expr> name(Ast.Name n, Ctx ctx, boolean inIndex) {
        String name = n.name();
        if (ctx.args().containsKey(name)) return Optional.of(ctx.args().get(name));
        if (ctx.indexVars().contains(name)) return Optional.of(new Expr.Index(name));
        Optional<Scope.Sym> sym = scope.lookup(name);
        if (sym.isPresent()) {
            return switch (sym.get()) {
                case Scope.DimSym d -> Optional.of(new Expr.Scalar(name, Expr.ScalarKind.DIM, DType.I32));
                case Scope.ScalarSym s -> Optional.of(new Expr.Scalar(name, s.kind(), s.type()));
                case Scope.TensorSym t -> {
                    scope.error(n.span(), "'" + name + "' is a tensor; read an entry with " + name + "[...]", null);
                    yield Optional.empty();
                }
            };
        }
        if (scope.defs.containsKey(name)) {
            scope.error(n.span(), "'" + name + "' is a function; call it as " + name + "(...)", null);
        } else if (ctx.statement() && (inIndex || looksLikeIndex(name))) {
            scope.error(n.span(), "index '" + name + "' is not bound",
                    "put it on the left-hand side or bind it in a reduction, e.g. sum[" + name + "](...)");
        } else if (!ctx.statement() && looksLikeIndex(name)) {
            scope.error(n.span(), "unknown name '" + name + "'",
                    "index variables cannot be used here; only dims, scalar parameters and lets");
        } else {
            scope.error(n.span(), "unknown name '" + name + "'", suggest(name));
        }
        return Optional.empty();
    }

    private static boolean looksLikeIndex(String name) {
        return name.length() == 1 && Character.isLowerCase(name.charAt(0));
    }

    private String suggest(String name) {
        String best = null;
        int bestD = 3;
        List<String> all = new ArrayList<>(scope.names.keySet());
        all.addAll(scope.defs.keySet());
        for (String cand : all) {
            int d = distance(name, cand);
            if (d < bestD) {
                bestD = d;
                best = cand;
            }
        }
        return best == null ? null : "did you mean '" + best + "'?";
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            int[] cur = new int[b.length() + 1];
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
            }
            prev = cur;
        }
        return prev[b.length()];
    }

    private Optional<Expr> unary(Ast.Unary u, Ctx ctx, boolean inIndex) {
        Optional<Expr> x = resolve(u.operand(), ctx, inIndex);
        if (x.isEmpty()) return x;
        DType t = x.get().type();
        if (u.op().equals("-")) {
            if (!Types.numeric(t)) {
                scope.error(u.span(), "operator '-' needs a number, got bool", "use '!' to negate a condition");
                return Optional.empty();
            }
            return Optional.of(new Expr.Unary(Expr.UnOp.NEG, x.get(), Types.compute(t)));
        }
        if (t != DType.BOOL) {
            scope.error(u.span(), "operator '!' needs a bool, got " + Types.name(t), "compare it, e.g. x == 0");
            return Optional.empty();
        }
        return Optional.of(new Expr.Unary(Expr.UnOp.NOT, x.get(), DType.BOOL));
    }

    private static Expr.BinOp binOp(String op) {
        for (Expr.BinOp b : Expr.BinOp.values()) if (b.symbol.equals(op)) return b;
        throw new IllegalStateException("operator " + op);
    }

    private Optional<Expr> binary(Ast.Binary b, Ctx ctx, boolean inIndex) {
        Optional<Expr> l = resolve(b.left(), ctx, inIndex);
        Optional<Expr> r = resolve(b.right(), ctx, inIndex);
        if (l.isEmpty() || r.isEmpty()) return Optional.empty();
        Expr.BinOp op = binOp(b.op());
        DType lt = l.get().type();
        DType rt = r.get().type();
        if (op.isLogical()) {
            if (lt != DType.BOOL || rt != DType.BOOL) {
                scope.error(b.span(), "operator '" + op.symbol + "' needs bool operands, got "
                        + Types.name(lt) + " and " + Types.name(rt), "compare numbers first, e.g. x > 0");
                return Optional.empty();
            }
            return Optional.of(new Expr.Binary(op, l.get(), r.get(), DType.BOOL));
        }
        if (op.isComparison()) {
            boolean ok = (Types.numeric(lt) && Types.numeric(rt))
                    || (lt == DType.BOOL && rt == DType.BOOL && (op == Expr.BinOp.EQ || op == Expr.BinOp.NE));
            if (!ok) {
                scope.error(b.span(), "cannot compare " + Types.name(lt) + " with " + Types.name(rt)
                        + " using '" + op.symbol + "'", null);
                return Optional.empty();
            }
            return Optional.of(new Expr.Binary(op, l.get(), r.get(), DType.BOOL));
        }
        if (!Types.numeric(lt) || !Types.numeric(rt)) {
            scope.error(b.span(), "operator '" + op.symbol + "' needs numbers, got "
                    + Types.name(lt) + " and " + Types.name(rt), "use a condition: c ? 1.0 : 0.0");
            return Optional.empty();
        }
        return Optional.of(new Expr.Binary(op, l.get(), r.get(), Types.promote(lt, rt)));
    }

    private Optional<Expr> conditional(Ast.Conditional c, Ctx ctx, boolean inIndex) {
        Optional<Expr> cond = bool(c.cond(), ctx, "the condition of '?:'");
        Optional<Expr> a = resolve(c.ifTrue(), ctx, inIndex);
        Optional<Expr> b = resolve(c.ifFalse(), ctx, inIndex);
        if (cond.isEmpty() || a.isEmpty() || b.isEmpty()) return Optional.empty();
        DType at = a.get().type();
        DType bt = b.get().type();
        if ((at == DType.BOOL) != (bt == DType.BOOL)) {
            scope.error(c.span(), "the two sides of '?:' have types " + Types.name(at) + " and " + Types.name(bt),
                    "make both numbers or both bool");
            return Optional.empty();
        }
        DType t = at == DType.BOOL ? DType.BOOL : Types.promote(at, bt);
        return Optional.of(new Expr.Select(cond.get(), a.get(), b.get(), t));
    }

    private Optional<Expr> read(Ast.Read r, Ctx ctx) {
        Optional<Scope.Sym> sym = scope.lookup(r.name());
        if (sym.isEmpty() || !(sym.get() instanceof Scope.TensorSym t)) {
            if (ctx.args().containsKey(r.name()) || sym.isPresent()) {
                scope.error(r.nameSpan(), "'" + r.name() + "' is a scalar, not a tensor; it cannot be indexed", null);
            } else if (REDUCTIONS.containsKey(r.name()) || r.name().equals("softmax") || r.name().equals("topk")) {
                scope.error(r.span(), r.name() + "[...] needs a body: " + r.name() + "[...](expression)", null);
            } else if (scope.assigned.containsKey(r.name())) {
                scope.error(r.nameSpan(), "'" + r.name() + "' is read before it is defined" + Scope.at(scope.assigned.get(r.name())),
                        "move its definition above this statement");
            } else {
                scope.error(r.nameSpan(), "unknown tensor '" + r.name() + "'", suggest(r.name()));
            }
            r.indices().forEach(i -> resolve(i, ctx, true));
            return Optional.empty();
        }
        List<Expr> indices = new ArrayList<>();
        boolean ok = true;
        for (Ast.Expr i : r.indices()) {
            Optional<Expr> x = integer(i, ctx, "an index of '" + r.name() + "'");
            if (x.isPresent()) indices.add(x.get()); else ok = false;
        }
        if (t.poisoned) return Optional.empty();
        if (!t.defined && t.role != tessera.ir.tensor.Program.Role.INPUT) {
            scope.error(r.nameSpan(), "'" + r.name() + "' is read before it is defined",
                    "define it in an earlier statement");
            return Optional.empty();
        }
        if (t.shape != null && r.indices().size() != t.shape.size()) {
            scope.error(r.span(), "'" + r.name() + "' has " + Plural.of(t.shape.size(), "axis", "axes") + " but is indexed with "
                    + Plural.of(r.indices().size(), "index", "indices"), null);
            return Optional.empty();
        }
        if (!ok) return Optional.empty();
        return Optional.of(new Expr.Read(r.name(), indices, Types.compute(t.dtype)));
    }

    private Optional<Expr> call(Ast.Call c, Ctx ctx, boolean inIndex) {
        String name = c.name();
        Ast.Def def = scope.defs.get(name);
        if (def != null) return inline(def, c, ctx, inIndex);
        Expr.Builtin fn = null;
        for (Expr.Builtin b : Expr.Builtin.values()) if (b.sourceName().equals(name)) fn = b;
        if (fn == null) {
            if (REDUCTIONS.containsKey(name) || name.equals("softmax") || name.equals("topk")) {
                scope.error(c.span(), name + " needs its variables in brackets: " + name + "[j](...)", null);
            } else {
                scope.error(c.nameSpan(), "unknown function '" + name + "'", suggest(name));
            }
            return Optional.empty();
        }
        if (c.args().size() != fn.arity) {
            scope.error(c.span(), name + " takes " + fn.arity + " argument" + (fn.arity == 1 ? "" : "s")
                    + ", got " + c.args().size(), null);
            return Optional.empty();
        }
        List<Expr> args = new ArrayList<>();
        for (Ast.Expr a : c.args()) {
            Optional<Expr> x = resolve(a, ctx, inIndex);
            if (x.isEmpty()) return Optional.empty();
            args.add(x.get());
        }
        DType type;
        switch (fn) {
            case FLOAT -> type = DType.F32;
            case INT -> type = DType.I32;
            case PHILOX, UNIFORM -> {
                for (int i = 0; i < 3; i++) {
                    if (!Types.integer(args.get(i).type())) {
                        scope.error(c.args().get(i).span(), name + "'s arguments must be integers, got "
                                + Types.name(args.get(i).type()), "convert with int(...)");
                        return Optional.empty();
                    }
                }
                type = fn == Expr.Builtin.PHILOX ? DType.I64 : DType.F32;
            }
            case MIN, MAX, ABS -> {
                for (Expr a : args) if (!numberArg(a, c, name)) return Optional.empty();
                type = args.size() == 2 ? Types.promote(args.get(0).type(), args.get(1).type()) : Types.compute(args.get(0).type());
            }
            default -> {
                for (Expr a : args) if (!numberArg(a, c, name)) return Optional.empty();
                type = args.size() == 2 ? Types.floatOf(Types.promote(args.get(0).type(), args.get(1).type()))
                        : Types.floatOf(args.get(0).type());
            }
        }
        if (fn == Expr.Builtin.FLOAT || fn == Expr.Builtin.INT) {
            // conversions accept bools too
        }
        return Optional.of(new Expr.Call(fn, args, type));
    }

    private boolean numberArg(Expr a, Ast.Call c, String name) {
        if (Types.numeric(a.type())) return true;
        scope.error(c.span(), name + " needs a number, got bool", "use c ? 1.0 : 0.0");
        return false;
    }

    private Optional<Expr> inline(Ast.Def def, Ast.Call c, Ctx ctx, boolean inIndex) {
        if (ctx.defStack().contains(def.name())) {
            scope.error(c.span(), "def '" + def.name() + "' calls itself", "defs are inlined; recursion is not allowed");
            return Optional.empty();
        }
        if (c.args().size() != def.params().size()) {
            scope.error(c.span(), def.name() + " takes " + def.params().size() + " argument"
                    + (def.params().size() == 1 ? "" : "s") + ", got " + c.args().size(), null);
            return Optional.empty();
        }
        Map<String, Expr> args = new LinkedHashMap<>();
        for (int i = 0; i < c.args().size(); i++) {
            Optional<Expr> x = resolve(c.args().get(i), ctx, inIndex);
            if (x.isEmpty()) return Optional.empty();
            args.put(def.params().get(i), x.get());
        }
        List<String> stack = new ArrayList<>(ctx.defStack());
        stack.add(def.name());
        Ctx inner = new Ctx(ctx.indexVars(), ctx.statement(), args, stack);
        return resolve(def.body(), inner, inIndex);
    }

    private Optional<Expr> bracket(Ast.BracketCall b, Ctx ctx) {
        String name = b.name();
        if (name.equals("topk")) {
            scope.error(b.span(), "topk must be the whole right-hand side of a statement",
                    "write it as its own statement: top[b, r] = topk[i, K](m[b, i]);");
            return Optional.empty();
        }
        if (name.equals("softmax")) return softmax(b, ctx);
        Expr.ReduceOp op = REDUCTIONS.get(name);
        if (op == null) {
            scope.error(b.nameSpan(), "'" + name + "' is not a reduction",
                    "expected sum, max, min, mean, logsumexp, softmax or topk");
            return Optional.empty();
        }
        if (b.items().isEmpty()) {
            scope.error(b.span(), name + " needs at least one variable in brackets", null);
            return Optional.empty();
        }
        List<Binder> binders = new ArrayList<>();
        for (Ast.Expr item : b.items()) {
            Optional<Binder> bd = binder(item, ctx, "reduction variable");
            if (bd.isEmpty()) return Optional.empty();
            binders.add(bd.get());
        }
        List<String> names = binders.stream().map(Binder::name).toList();
        scope.indexVarNames.addAll(names);
        Ctx inner = ctx.withVars(names);
        Optional<Expr> filter = Optional.empty();
        if (b.filter().isPresent()) {
            filter = bool(b.filter().get(), inner, "the filter of " + name);
            if (filter.isEmpty()) return Optional.empty();
        }
        Optional<Expr> body = resolve(b.body(), inner, false);
        if (body.isEmpty()) return Optional.empty();
        if (!Types.numeric(body.get().type())) {
            scope.error(b.body().span(), name + " needs a number, got bool", "use c ? 1 : 0");
            return Optional.empty();
        }
        Map<String, Expr> extents = new LinkedHashMap<>();
        for (Binder bd : binders) {
            boolean used = Exprs.uses(body.get(), bd.name()) || filter.map(f -> Exprs.uses(f, bd.name())).orElse(false);
            if (!used && bd.extent().isEmpty()) {
                scope.error(bd.span(), "reduction variable '" + bd.name() + "' is not used in its body",
                        "remove it from the brackets, or use it to index a tensor");
                return Optional.empty();
            }
            List<Expr> candidates = new ArrayList<>();
            List<String> sources = new ArrayList<>();
            bd.extent().ifPresent(x -> { candidates.add(x); sources.add("its declaration"); });
            List<Exprs.Use> uses = new ArrayList<>(Exprs.directUses(body.get(), Set.of(bd.name()), scope.shapes()));
            filter.ifPresent(f -> uses.addAll(Exprs.directUses(f, Set.of(bd.name()), scope.shapes())));
            for (Exprs.Use u : uses) { candidates.add(u.extent()); sources.add(u.tensor()); }
            Optional<Expr> extent = pick(bd.name(), bd.span(), candidates, sources);
            if (extent.isEmpty()) return Optional.empty();
            extents.put(bd.name(), extent.get());
        }
        Expr filled = Exprs.fillExtents(body.get(), extents);
        Optional<Expr> filledFilter = Exprs.fillExtents(filter, extents);
        List<IndexVar> vars = binders.stream().map(bd -> new IndexVar(bd.name(), extents.get(bd.name()))).toList();
        DType bt = body.get().type();
        DType type = switch (op) {
            case SUM, MAX, MIN -> Types.compute(bt);
            case MEAN, LOGSUMEXP -> Types.floatOf(bt);
        };
        return Optional.of(new Expr.Reduce(op, vars, filledFilter, filled, type));
    }

    private Optional<Expr> softmax(Ast.BracketCall b, Ctx ctx) {
        if (b.filter().isPresent()) {
            scope.error(b.filter().get().span(), "softmax takes no filter", "mask the scores with 'if' on their statement");
            return Optional.empty();
        }
        if (b.items().size() != 1 || !(b.items().getFirst() instanceof Ast.Name n)) {
            scope.error(b.span(), "softmax takes exactly one index variable: softmax[j](...)", null);
            return Optional.empty();
        }
        if (!ctx.indexVars().contains(n.name())) {
            scope.error(n.span(), "softmax[" + n.name() + "]: '" + n.name() + "' is not an index variable here",
                    "normalise along a left-hand variable or one bound by an enclosing reduction");
            return Optional.empty();
        }
        Optional<Expr> body = resolve(b.body(), ctx, false);
        if (body.isEmpty()) return Optional.empty();
        if (!Types.numeric(body.get().type())) {
            scope.error(b.body().span(), "softmax needs a number, got bool", null);
            return Optional.empty();
        }
        return Optional.of(new Expr.Softmax(new IndexVar(n.name(), Exprs.PENDING), body.get(), Types.floatOf(body.get().type())));
    }

    /** A variable introduced by a reduction, topk or left-hand side: {@code j} or {@code j < extent}. */
    record Binder(String name, Optional<Expr> extent, SourceSpan span) {}

    /** Reads a binder; reports a name that is already taken. */
    Optional<Binder> binder(Ast.Expr item, Ctx ctx, String what) {
        Ast.Name n;
        Optional<Expr> extent = Optional.empty();
        if (item instanceof Ast.Name name) {
            n = name;
        } else if (item instanceof Ast.Binary bin && bin.op().equals("<") && bin.left() instanceof Ast.Name name) {
            n = name;
            extent = integer(bin.right(), new Ctx(Set.of(), false, ctx.args(), ctx.defStack()), "the extent of '" + name.name() + "'");
            if (extent.isEmpty()) return Optional.empty();
        } else {
            scope.error(item.span(), "a " + what + " must be a plain name, like j, or j < extent", null);
            return Optional.empty();
        }
        if (ctx.indexVars().contains(n.name())) {
            scope.error(n.span(), "'" + n.name() + "' is already an index variable here", "use a new name");
            return Optional.empty();
        }
        if (scope.lookup(n.name()).isPresent() || ctx.args().containsKey(n.name())) {
            scope.error(n.span(), "'" + n.name() + "' already names a " + kind(n.name()) + "; a " + what + " needs a new name", null);
            return Optional.empty();
        }
        return Optional.of(new Binder(n.name(), extent, n.span()));
    }

    private String kind(String name) {
        return switch (scope.lookup(name).orElse(null)) {
            case Scope.DimSym d -> "dimension";
            case Scope.ScalarSym s -> s.kind() == Expr.ScalarKind.LET ? "let" : "scalar parameter";
            case Scope.TensorSym t -> "tensor";
            case null -> "def parameter";
        };
    }

    /** The one range among candidates; reports none or a conflict. */
    Optional<Expr> pick(String var, SourceSpan span, List<Expr> candidates, List<String> sources) {
        if (candidates.isEmpty()) {
            scope.error(span, "index '" + var + "' has no range",
                    "use it to index a tensor, or give it one with '" + var + " < extent'");
            return Optional.empty();
        }
        Expr first = candidates.getFirst();
        for (int i = 1; i < candidates.size(); i++) {
            if (!candidates.get(i).equals(first)) {
                scope.error(span, "index '" + var + "' has conflicting ranges: " + ExprText.of(first) + " (from "
                        + sources.getFirst() + ") and " + ExprText.of(candidates.get(i)) + " (from " + sources.get(i) + ")",
                        "use separate index variables, or make the sizes the same dimension");
                return Optional.empty();
            }
        }
        return Optional.of(first);
    }
}
