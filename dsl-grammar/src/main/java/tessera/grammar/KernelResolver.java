package tessera.grammar;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import tessera.grammar.ast.Ast;
import tessera.ir.Diagnostic;
import tessera.ir.SourceSpan;
import tessera.ir.tensor.Expr;
import tessera.ir.tensor.IndexVar;
import tessera.ir.tensor.Program;
import tessera.ir.tensor.Schedule;
import tessera.ir.tensor.Stmt;
import tessera.runtime.DType;

/**
 * Resolves one kernel to Tensor IR: the signature (dims unified across parameters, scalar
 * defaults, where clauses), then each statement in order (comprehension, scatter or topk, with
 * index ranges inferred), then checks that every output is defined.
 */
final class KernelResolver {
    private final Ast.Kernel kernel;
    private final Map<String, Long> fixedDims;
    private final List<Diagnostic> diagnostics;
    private final Scope scope;
    private final ExprResolver exprs;

    private final List<String> dimOrder = new ArrayList<>();
    private final Map<String, Expr> derived = new LinkedHashMap<>();
    private final Map<String, SourceSpan> dimSpans = new LinkedHashMap<>();
    private final Set<String> inputDims = new HashSet<>();
    private final List<Program.TensorDecl> signature = new ArrayList<>();
    private final List<String> temps = new ArrayList<>();
    private final List<Program.ScalarParam> scalars = new ArrayList<>();
    private final List<Program.Constraint> constraints = new ArrayList<>();
    private final List<Stmt> body = new ArrayList<>();
    private final List<Schedule> schedules = new ArrayList<>();
    private final Set<String> allIndexVars = new HashSet<>();

    KernelResolver(Ast.Kernel kernel, Map<String, Ast.Def> globalDefs, Map<String, Long> fixedDims, List<Diagnostic> diagnostics) {
        this.kernel = kernel;
        this.fixedDims = fixedDims;
        this.diagnostics = diagnostics;
        this.scope = new Scope(diagnostics);
        this.scope.defs.putAll(globalDefs);
        this.exprs = new ExprResolver(scope);
    }

    /** The kernel's IR, or empty when it had errors (reported). */
    Optional<Program> resolve() {
        int before = diagnostics.size();
        signature();
        for (Ast.BodyItem item : kernel.body()) {
            if (item instanceof Ast.Assign a) scope.assigned.putIfAbsent(a.target(), a.span());
        }
        for (Ast.BodyItem item : kernel.body()) {
            try {
                bodyItem(item);
            } catch (StackOverflowError e) {
                scope.error(item.span(), "this statement is nested too deeply", "split it with let or intermediate tensors");
                if (item instanceof Ast.Assign a) poison(a, scope.lookup(a.target()).orElse(null) instanceof Scope.TensorSym t ? t : null);
            }
        }
        for (Ast.BodyItem item : kernel.body()) {
            if (item instanceof Ast.ScheduleBlock s) schedule(s);
        }
        for (Ast.Param out : kernel.outputs()) {
            if (scope.lookup(out.name()).orElse(null) instanceof Scope.TensorSym t && !t.defined && !t.poisoned) {
                scope.error(out.span(), "output '" + out.name() + "' is never defined",
                        "add a statement " + out.name() + "[...] = ...;");
            }
        }
        if (diagnostics.size() > before) return Optional.empty();
        List<Program.Dim> dims = new ArrayList<>();
        for (String d : dimOrder) {
            OptionalLong fixed = fixedDims.containsKey(d) ? OptionalLong.of(fixedDims.get(d)) : OptionalLong.empty();
            dims.add(new Program.Dim(d, fixed, Optional.ofNullable(derived.get(d)), dimSpans.get(d)));
        }
        List<Program.TensorDecl> tensors = new ArrayList<>(signature);
        for (String t : temps) {
            Scope.TensorSym s = (Scope.TensorSym) scope.lookup(t).orElseThrow();
            tensors.add(new Program.TensorDecl(t, Program.Role.TEMP, s.dtype, s.shape, s.span));
        }
        // Outputs take their final dtype/shape from the symbol table (shapes of derived dims are dims).
        return Optional.of(new Program(kernel.name(), dims, tensors, scalars, constraints, body, schedules, kernel.span()));
    }

    // ---------------------------------------------------------------- signature

    private void signature() {
        for (Ast.Param p : kernel.params()) {
            if (p.shape().isPresent()) tensorParam(p, Program.Role.INPUT);
        }
        for (Ast.Param p : kernel.params()) {
            if (p.shape().isEmpty()) scalarParam(p);
        }
        for (Ast.Param p : kernel.outputs()) {
            if (p.shape().isEmpty()) {
                tensorParam(new Ast.Param(p.name(), p.type(), p.typeSpan(), Optional.of(List.of()), Optional.empty(), p.span()), Program.Role.OUTPUT);
            } else {
                tensorParam(p, Program.Role.OUTPUT);
            }
        }
        for (Ast.Where w : kernel.wheres()) where(w);
    }

    private Optional<DType> type(String name, SourceSpan span) {
        Optional<DType> t = Types.parse(name);
        if (t.isEmpty()) scope.error(span, "unknown type '" + name + "'", "expected one of " + Types.ALL_NAMES);
        return t;
    }

    private void tensorParam(Ast.Param p, Program.Role role) {
        Optional<DType> t = type(p.type(), p.typeSpan());
        if (p.defaultValue().isPresent()) {
            scope.error(p.defaultValue().get().span(), "tensor parameter '" + p.name() + "' cannot have a default", null);
        }
        List<Expr> shape = new ArrayList<>();
        for (Ast.DimRef d : p.shape().orElseThrow()) {
            if (d.name().isEmpty()) {
                if (d.size() <= 0) scope.error(d.span(), "a literal dimension must be positive, got " + d.size(), null);
                shape.add(Expr.Const.i32(d.size()));
                continue;
            }
            String dn = d.name().get();
            Optional<Scope.Sym> sym = scope.lookup(dn);
            if (sym.isPresent() && !(sym.get() instanceof Scope.DimSym)) {
                scope.error(d.span(), "'" + dn + "' is a dimension here but also a parameter" + Scope.at(sym.get().span()),
                        "rename one of them");
                continue;
            }
            if (sym.isEmpty()) {
                scope.names.put(dn, new Scope.DimSym(dn, d.span()));
                dimOrder.add(dn);
                dimSpans.put(dn, d.span());
            }
            if (role == Program.Role.INPUT) inputDims.add(dn);
            shape.add(new Expr.Scalar(dn, Expr.ScalarKind.DIM, DType.I32));
        }
        Scope.TensorSym sym = new Scope.TensorSym(p.name(), role, t.orElse(DType.F32), shape, p.span());
        if (t.isEmpty()) sym.poisoned = true;
        if (scope.declare(p.name(), sym)) {
            signature.add(new Program.TensorDecl(p.name(), role, sym.dtype, shape, p.span()));
        }
    }

    private void scalarParam(Ast.Param p) {
        Optional<DType> t = type(p.type(), p.typeSpan());
        Optional<Expr> dflt = Optional.empty();
        if (p.defaultValue().isPresent()) {
            dflt = exprs.resolve(p.defaultValue().get(), ExprResolver.Ctx.scalar());
            if (dflt.isPresent() && t.isPresent() && !Types.assignable(dflt.get().type(), t.get())) {
                scope.error(p.defaultValue().get().span(), "default of '" + p.name() + "' is "
                        + Types.name(dflt.get().type()) + " but the parameter is " + Types.name(t.get()), null);
            }
            if (dflt.isPresent() && Exprs.readsTensors(dflt.get())) {
                scope.error(p.defaultValue().get().span(), "a default may use only dims and earlier scalars", null);
            }
        }
        if (t.isEmpty()) return;
        DType type = Types.compute(t.get());
        if (scope.declare(p.name(), new Scope.ScalarSym(p.name(), Expr.ScalarKind.PARAM, type, p.span()))) {
            scalars.add(new Program.ScalarParam(p.name(), type, dflt, p.span()));
        }
    }

    private void where(Ast.Where w) {
        Optional<Expr> pred = exprs.bool(w.predicate(), ExprResolver.Ctx.scalar(), "a where clause");
        if (pred.isEmpty()) return;
        if (Exprs.readsTensors(pred.get())) {
            scope.error(w.span(), "a where clause may use only dims and scalar parameters", null);
            return;
        }
        constraints.add(new Program.Constraint(pred.get(), w.text(), w.span()));
        Map<String, Double> known = new LinkedHashMap<>();
        fixedDims.forEach((k, v) -> known.put(k, v.doubleValue()));
        Optional<Double> v = ConstEval.eval(pred.get(), known);
        if (v.isPresent() && v.get() == 0) {
            StringBuilder values = new StringBuilder();
            Exprs.walk(pred.get(), x -> {
                if (x instanceof Expr.Scalar s && s.kind() == Expr.ScalarKind.DIM && known.containsKey(s.name())
                        && values.indexOf(s.name() + " = ") < 0) {
                    values.append(values.isEmpty() ? "" : ", ").append(s.name()).append(" = ").append(known.get(s.name()).longValue());
                }
            });
            scope.error(w.span(), "constraint '" + w.text() + "' does not hold (" + values + ")",
                    "change the --dim values");
        }
    }

    // ---------------------------------------------------------------- statements

    private void bodyItem(Ast.BodyItem item) {
        switch (item) {
            case Ast.Let let -> let(let);
            case Ast.LocalDef d -> {
                if (scope.defs.containsKey(d.def().name()) && d.def() != scope.defs.get(d.def().name())) {
                    // A local def shadows a global one: allowed, the nearest wins.
                }
                scope.defs.put(d.def().name(), d.def());
            }
            case Ast.Assign a -> assign(a);
            case Ast.ScheduleBlock s -> { /* checked after all statements, when index variables are known */ }
        }
    }

    private void let(Ast.Let let) {
        Optional<Expr> v = exprs.resolve(let.value(), ExprResolver.Ctx.scalar());
        if (v.isEmpty()) {
            scope.names.putIfAbsent(let.name(), new Scope.ScalarSym(let.name(), Expr.ScalarKind.LET, DType.F32, let.nameSpan()));
            return;
        }
        if (scope.declare(let.name(), new Scope.ScalarSym(let.name(), Expr.ScalarKind.LET, v.get().type(), let.nameSpan()))) {
            body.add(new Stmt.Let(let.name(), v.get(), let.span()));
        }
    }

    /** A left-hand index that is a new variable, {@code i} or {@code i < extent}. */
    private Optional<ExprResolver.Binder> lhsVar(Ast.Expr e) {
        String name = e instanceof Ast.Name n ? n.name()
                : e instanceof Ast.Binary b && b.op().equals("<") && b.left() instanceof Ast.Name n ? n.name() : null;
        if (name == null || scope.lookup(name).isPresent()) return Optional.empty();
        return exprs.binder(e, ExprResolver.Ctx.scalar(), "left-hand index");
    }

    private void assign(Ast.Assign a) {
        Optional<Scope.Sym> sym = scope.lookup(a.target());
        Scope.TensorSym target = null;
        if (sym.isPresent()) {
            if (!(sym.get() instanceof Scope.TensorSym t)) {
                scope.error(a.targetSpan(), "'" + a.target() + "' is a scalar, not a tensor; it cannot be assigned",
                        "use a new name for the tensor");
                return;
            }
            target = t;
            if (t.role == Program.Role.INPUT) {
                scope.error(a.targetSpan(), "cannot assign to input '" + a.target() + "'",
                        "only outputs and the kernel's own tensors can be defined");
                return;
            }
        }
        boolean plain = true;
        List<ExprResolver.Binder> vars = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (Ast.Expr idx : a.indices()) {
            boolean simple = idx instanceof Ast.Name n && scope.lookup(n.name()).isEmpty()
                    || idx instanceof Ast.Binary b && b.op().equals("<") && b.left() instanceof Ast.Name n2 && scope.lookup(n2.name()).isEmpty();
            if (!simple) { plain = false; continue; }
            Optional<ExprResolver.Binder> bd = lhsVar(idx);
            if (bd.isEmpty()) { poison(a, target); return; }
            if (!seen.add(bd.get().name())) {
                scope.error(bd.get().span(), "index '" + bd.get().name() + "' appears twice on the left-hand side",
                        "use a new variable per axis; a diagonal is written t[i] = x[i, i]");
                poison(a, target);
                return;
            }
            vars.add(bd.get());
        }
        boolean defined = target != null && (target.defined || target.poisoned);
        if (plain && defined) {
            if (!target.poisoned) {
                scope.error(a.targetSpan(), "'" + a.target() + "' is already defined" + Scope.at(target.definedAt),
                        "each tensor is defined once; overwrite entries through computed indices, or use a new name");
            }
            return;
        }
        if (!plain && !defined) {
            scope.error(a.targetSpan(), "'" + a.target() + "' is written through computed indices before it is defined",
                    "define it first with plain index variables, e.g. " + a.target() + "[i, j] = ...;");
            poison(a, target);
            return;
        }
        if (!plain) {
            if (!target.poisoned) scatter(a, target);
            return;
        }
        if (target != null && a.indices().size() != target.shape.size()) {
            scope.error(a.span(), "'" + a.target() + "' has " + Plural.of(target.shape.size(), "axis", "axes") + " but the left-hand side has "
                    + Plural.of(a.indices().size(), "index", "indices"), null);
            poison(a, target);
            return;
        }
        if (a.value() instanceof Ast.BracketCall bc && bc.name().equals("topk")) {
            topk(a, bc, target, vars);
        } else {
            define(a, target, vars);
        }
    }

    /** Marks the target as defined-with-errors so later statements do not repeat the error. */
    private void poison(Ast.Assign a, Scope.TensorSym target) {
        if (target == null) {
            Scope.TensorSym t = new Scope.TensorSym(a.target(), Program.Role.TEMP, DType.F32, null, a.targetSpan());
            t.poisoned = true;
            scope.names.put(a.target(), t);
        } else if (!target.defined) {
            target.poisoned = true;
        }
    }

    private void define(Ast.Assign a, Scope.TensorSym target, List<ExprResolver.Binder> vars) {
        List<String> names = vars.stream().map(ExprResolver.Binder::name).toList();
        ExprResolver.Ctx ctx = ExprResolver.Ctx.statement(new java.util.LinkedHashSet<>(names));
        Optional<Expr> value = exprs.resolve(a.value(), ctx);
        Optional<Expr> cond = Optional.empty();
        if (a.cond().isPresent()) {
            cond = exprs.bool(a.cond().get(), ctx, "the condition after 'if'");
            if (cond.isEmpty()) { poison(a, target); return; }
        }
        if (value.isEmpty()) { poison(a, target); return; }
        Optional<Map<String, Expr>> ranges = ranges(vars, target, List.of(value.get()), cond);
        if (ranges.isEmpty()) { poison(a, target); return; }
        DType dtype = storeType(a, target, value.get().type());
        if (dtype == null) { poison(a, target); return; }
        List<IndexVar> ivs = vars.stream().map(v -> new IndexVar(v.name(), ranges.get().get(v.name()))).toList();
        Expr filled = Exprs.fillExtents(value.get(), ranges.get());
        body.add(new Stmt.Define(a.target(), ivs, Exprs.fillExtents(cond, ranges.get()), filled, a.span()));
        markDefined(a, target, dtype, ivs);
    }

    private void topk(Ast.Assign a, Ast.BracketCall bc, Scope.TensorSym target, List<ExprResolver.Binder> vars) {
        if (bc.items().size() != 2 || bc.filter().isPresent()) {
            scope.error(bc.span(), "topk takes an index variable and a count: topk[i, K](...)", null);
            poison(a, target);
            return;
        }
        List<String> lhs = vars.stream().map(ExprResolver.Binder::name).toList();
        ExprResolver.Ctx outer = ExprResolver.Ctx.statement(new java.util.LinkedHashSet<>(lhs));
        Optional<ExprResolver.Binder> over = exprs.binder(bc.items().get(0), outer, "topk variable");
        Optional<Expr> k = exprs.integer(bc.items().get(1), ExprResolver.Ctx.scalar(), "the count of topk");
        if (over.isEmpty() || k.isEmpty()) { poison(a, target); return; }
        // Resolve the body with every left-hand variable in scope, then find the one it does not use.
        ExprResolver.Ctx inner = outer.withVars(List.of(over.get().name()));
        Optional<Expr> value = exprs.resolve(bc.body(), inner);
        if (value.isEmpty()) { poison(a, target); return; }
        if (!Types.numeric(value.get().type())) {
            scope.error(bc.body().span(), "topk ranks numbers, got bool", null);
            poison(a, target);
            return;
        }
        List<ExprResolver.Binder> unused = vars.stream().filter(v -> !Exprs.uses(value.get(), v.name())).toList();
        if (unused.size() != 1) {
            scope.error(a.span(), "topk: exactly one left-hand index must be unused on the right (it becomes the rank axis); found "
                    + (unused.isEmpty() ? "none" : unused.size() + ": " + unused.stream().map(ExprResolver.Binder::name).toList()), null);
            poison(a, target);
            return;
        }
        String axis = unused.getFirst().name();
        Optional<Expr> overExtent = rangeOf(over.get(), List.of(value.get()), Optional.empty());
        if (overExtent.isEmpty()) { poison(a, target); return; }
        List<ExprResolver.Binder> others = new ArrayList<>();
        for (ExprResolver.Binder v : vars) {
            others.add(v.name().equals(axis) ? new ExprResolver.Binder(axis, Optional.of(k.get()), v.span()) : v);
        }
        Optional<Map<String, Expr>> ranges = ranges(others, target, List.of(value.get()), Optional.empty());
        if (ranges.isEmpty()) { poison(a, target); return; }
        DType dtype = DType.I32;
        if (target != null && !Types.integer(target.dtype)) {
            scope.error(a.targetSpan(), "topk gives indices (i32) but '" + a.target() + "' is " + Types.name(target.dtype), "declare it i32");
            poison(a, target);
            return;
        }
        if (target != null) dtype = target.dtype;
        Map<String, Expr> all = new LinkedHashMap<>(ranges.get());
        all.put(over.get().name(), overExtent.get());
        List<IndexVar> ivs = vars.stream().map(v -> new IndexVar(v.name(), ranges.get().get(v.name()))).toList();
        body.add(new Stmt.TopK(a.target(), ivs, axis, new IndexVar(over.get().name(), overExtent.get()), k.get(),
                Exprs.fillExtents(value.get(), all), a.span()));
        markDefined(a, target, dtype, ivs);
        allIndexVars.add(over.get().name());
    }

    private void scatter(Ast.Assign a, Scope.TensorSym target) {
        if (a.indices().size() != target.shape.size()) {
            scope.error(a.span(), "'" + a.target() + "' has " + Plural.of(target.shape.size(), "axis", "axes") + " but the left-hand side has "
                    + Plural.of(a.indices().size(), "index", "indices"), null);
            return;
        }
        // The variables of a scatter are the new names on its left-hand side, wherever they appear.
        List<ExprResolver.Binder> vars = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (Ast.Expr idx : a.indices()) collectNames(idx, vars, seen);
        List<String> names = vars.stream().map(ExprResolver.Binder::name).toList();
        ExprResolver.Ctx ctx = ExprResolver.Ctx.statement(new java.util.LinkedHashSet<>(names));
        List<Expr> indices = new ArrayList<>();
        boolean ok = true;
        for (Ast.Expr idx : a.indices()) {
            Optional<Expr> x = exprs.integer(idx, ctx, "an index of '" + a.target() + "'");
            if (x.isPresent()) indices.add(x.get()); else ok = false;
        }
        Optional<Expr> value = exprs.resolve(a.value(), ctx);
        Optional<Expr> cond = Optional.empty();
        if (a.cond().isPresent()) {
            cond = exprs.bool(a.cond().get(), ctx, "the condition after 'if'");
            if (cond.isEmpty()) ok = false;
        }
        if (!ok || value.isEmpty()) return;
        if (!Types.assignable(value.get().type(), target.dtype)) {
            scope.error(a.value().span(), "cannot store a " + Types.name(value.get().type()) + " value in "
                    + Types.name(target.dtype) + " tensor '" + a.target() + "'", hintConvert(target.dtype));
            return;
        }
        // Ranges: direct positions on the left give the target's extents, then the uses.
        List<Expr> uses = new ArrayList<>(indices);
        uses.add(value.get());
        Map<String, List<Expr>> candidates = new LinkedHashMap<>();
        Map<String, List<String>> sources = new LinkedHashMap<>();
        for (String n : names) { candidates.put(n, new ArrayList<>()); sources.put(n, new ArrayList<>()); }
        for (int axis = 0; axis < indices.size(); axis++) {
            if (indices.get(axis) instanceof Expr.Index i && candidates.containsKey(i.name())) {
                candidates.get(i.name()).add(target.shape.get(axis));
                sources.get(i.name()).add(a.target());
            }
        }
        for (Expr u : uses) addUses(u, candidates, sources);
        cond.ifPresent(c -> addUses(c, candidates, sources));
        Map<String, Expr> ranges = new LinkedHashMap<>();
        for (ExprResolver.Binder v : vars) {
            Optional<Expr> r = exprs.pick(v.name(), v.span(), candidates.get(v.name()), sources.get(v.name()));
            if (r.isEmpty()) return;
            ranges.put(v.name(), r.get());
        }
        List<IndexVar> ivs = vars.stream().map(v -> new IndexVar(v.name(), ranges.get(v.name()))).toList();
        body.add(new Stmt.Scatter(a.target(), ivs, indices.stream().map(x -> Exprs.fillExtents(x, ranges)).toList(),
                Exprs.fillExtents(cond, ranges), Exprs.fillExtents(value.get(), ranges), a.span()));
        allIndexVars.addAll(names);
    }

    private void collectNames(Ast.Expr e, List<ExprResolver.Binder> out, Set<String> seen) {
        switch (e) {
            case Ast.Name n -> {
                if (scope.lookup(n.name()).isEmpty() && !scope.defs.containsKey(n.name()) && seen.add(n.name())) {
                    out.add(new ExprResolver.Binder(n.name(), Optional.empty(), n.span()));
                }
            }
            case Ast.Unary u -> collectNames(u.operand(), out, seen);
            case Ast.Binary b -> { collectNames(b.left(), out, seen); collectNames(b.right(), out, seen); }
            case Ast.Conditional c -> { collectNames(c.cond(), out, seen); collectNames(c.ifTrue(), out, seen); collectNames(c.ifFalse(), out, seen); }
            case Ast.Read r -> r.indices().forEach(x -> collectNames(x, out, seen));
            case Ast.Call c -> c.args().forEach(x -> collectNames(x, out, seen));
            case Ast.IntLit i -> { }
            case Ast.FloatLit f -> { }
            case Ast.BoolLit b -> { }
            case Ast.BracketCall b -> { }
        }
    }

    private void addUses(Expr e, Map<String, List<Expr>> candidates, Map<String, List<String>> sources) {
        for (Exprs.Use u : Exprs.directUses(e, candidates.keySet(), scope.shapes())) {
            candidates.get(u.var()).add(u.extent());
            sources.get(u.var()).add(u.tensor());
        }
    }

    private Optional<Expr> rangeOf(ExprResolver.Binder v, List<Expr> uses, Optional<Expr> cond) {
        Map<String, List<Expr>> candidates = new LinkedHashMap<>();
        Map<String, List<String>> sources = new LinkedHashMap<>();
        candidates.put(v.name(), new ArrayList<>());
        sources.put(v.name(), new ArrayList<>());
        v.extent().ifPresent(x -> { candidates.get(v.name()).add(x); sources.get(v.name()).add("its declaration"); });
        for (Expr u : uses) addUses(u, candidates, sources);
        cond.ifPresent(c -> addUses(c, candidates, sources));
        return exprs.pick(v.name(), v.span(), candidates.get(v.name()), sources.get(v.name()));
    }

    /**
     * The range of each left-hand variable: declared in place, from the declared shape of an
     * output (except dims the output alone carries), and from direct uses on the right.
     */
    private Optional<Map<String, Expr>> ranges(List<ExprResolver.Binder> vars, Scope.TensorSym target,
                                               List<Expr> uses, Optional<Expr> cond) {
        Map<String, List<Expr>> candidates = new LinkedHashMap<>();
        Map<String, List<String>> sources = new LinkedHashMap<>();
        for (int axis = 0; axis < vars.size(); axis++) {
            ExprResolver.Binder v = vars.get(axis);
            List<Expr> c = new ArrayList<>();
            List<String> s = new ArrayList<>();
            v.extent().ifPresent(x -> { c.add(x); s.add("its declaration"); });
            if (target != null && target.role == Program.Role.OUTPUT) {
                Expr declared = target.shape.get(axis);
                boolean derivedDim = declared instanceof Expr.Scalar d && !inputDims.contains(d.name());
                if (!derivedDim) { c.add(declared); s.add("the shape of " + target.name); }
            }
            candidates.put(v.name(), c);
            sources.put(v.name(), s);
        }
        for (Expr u : uses) addUses(u, candidates, sources);
        cond.ifPresent(c -> addUses(c, candidates, sources));
        Map<String, Expr> out = new LinkedHashMap<>();
        boolean ok = true;
        for (ExprResolver.Binder v : vars) {
            Optional<Expr> r = exprs.pick(v.name(), v.span(), candidates.get(v.name()), sources.get(v.name()));
            if (r.isPresent()) out.put(v.name(), r.get()); else ok = false;
        }
        return ok ? Optional.of(out) : Optional.empty();
    }

    private DType storeType(Ast.Assign a, Scope.TensorSym target, DType valueType) {
        if (target == null) return valueType;
        if (!Types.assignable(valueType, target.dtype)) {
            scope.error(a.value().span(), "cannot store a " + Types.name(valueType) + " value in "
                    + Types.name(target.dtype) + " tensor '" + a.target() + "'", hintConvert(target.dtype));
            return null;
        }
        return target.dtype;
    }

    private static String hintConvert(DType target) {
        if (target == DType.BOOL) return "compare it, e.g. x != 0";
        if (Types.integer(target)) return "convert with int(...)";
        return "convert with float(...) or c ? 1.0 : 0.0";
    }

    private void markDefined(Ast.Assign a, Scope.TensorSym target, DType dtype, List<IndexVar> ivs) {
        List<Expr> shape = ivs.stream().map(IndexVar::extent).toList();
        allIndexVars.addAll(ivs.stream().map(IndexVar::name).toList());
        if (target == null) {
            Scope.TensorSym t = new Scope.TensorSym(a.target(), Program.Role.TEMP, dtype, shape, a.targetSpan());
            t.defined = true;
            t.definedAt = a.span();
            scope.declare(a.target(), t);
            temps.add(a.target());
            return;
        }
        for (int axis = 0; axis < target.shape.size(); axis++) {
            if (target.shape.get(axis) instanceof Expr.Scalar d && d.kind() == Expr.ScalarKind.DIM
                    && !inputDims.contains(d.name()) && !derived.containsKey(d.name())) {
                derived.put(d.name(), shape.get(axis));
            }
        }
        target.defined = true;
        target.definedAt = a.span();
    }

    // ---------------------------------------------------------------- schedules

    private static final Set<String> TARGETS = Set.of("ptx", "opencl", "java");

    private void schedule(Ast.ScheduleBlock s) {
        if (s.target().isPresent() && !TARGETS.contains(s.target().get())) {
            scope.error(s.targetSpan(), "unknown schedule target '" + s.target().get() + "'", "expected ptx, opencl or java");
            return;
        }
        List<Schedule.Directive> out = new ArrayList<>();
        for (Ast.Directive d : s.directives()) {
            Set<String> vars = new HashSet<>(allIndexVars);
            vars.addAll(scope.indexVarNames);
            Optional<Schedule.Directive> r = ScheduleDirectives.parse(d, vars, scope);
            r.ifPresent(out::add);
        }
        schedules.add(new Schedule(s.target(), out, s.span()));
    }
}
