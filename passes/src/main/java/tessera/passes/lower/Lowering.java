package tessera.passes.lower;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import tessera.ir.Diagnostic;
import tessera.ir.loop.Kernel;
import tessera.ir.loop.LExpr;
import tessera.ir.loop.LStmt;
import tessera.ir.loop.LaunchPlan;
import tessera.ir.loop.Module;
import tessera.ir.tensor.Expr;
import tessera.ir.tensor.ExprWalker;
import tessera.ir.tensor.IndexVar;
import tessera.ir.tensor.Printer;
import tessera.ir.tensor.Program;
import tessera.ir.tensor.Stmt;
import tessera.passes.Lower;
import tessera.runtime.DType;

/**
 * The state of lowering one program: the plan being built (host scalars, buffers, launches) and
 * the kernels, one per statement plus one per softmax for its row statistics.
 */
final class Lowering {
    private final Program program;
    private final List<LaunchPlan.HostScalar> scalars = new ArrayList<>();
    private final Map<String, DType> hostScalars = new LinkedHashMap<>();
    private final List<LaunchPlan.Buffer> buffers = new ArrayList<>();
    private final Map<String, List<LExpr>> shapes = new HashMap<>();
    private final Map<String, String> masks = new HashMap<>();
    private final Set<String> dataLets = new HashSet<>();
    private final List<Kernel> kernels = new ArrayList<>();
    private final List<LaunchPlan.Launch> launches = new ArrayList<>();
    private final List<Diagnostic> diagnostics = new ArrayList<>();
    private final Map<String, Integer> kernelNames = new HashMap<>();
    private Stmt current;
    private int statsCount;

    /** Row statistics of a softmax, and the buffer of its normalised values when they are computed once (else null). */
    record Stats(String max, String sum, List<LExpr> shape, String probabilities) {}

    private final tessera.passes.Target target;
    private final List<LaunchPlan.Check> extraChecks = new ArrayList<>();

    Lowering(Program program, tessera.passes.Target target) {
        this.program = program;
        this.target = target;
    }

    /** The module, or the diagnostics that say why this program cannot be lowered. */
    Lower.Result run() {
        signature();
        readyDerivedDims();
        for (Stmt s : program.body()) {
            current = s;
            switch (s) {
                case Stmt.Let l -> let(l);
                case Stmt.Define d -> define(d);
                case Stmt.Scatter sc -> scatter(sc);
                case Stmt.TopK t -> topk(t);
                case Stmt.Attention a -> new AttentionLowering(this, a, target).run();
            }
        }
        derivedDims();
        if (!diagnostics.isEmpty()) return new Lower.Result(Optional.empty(), diagnostics);
        List<LaunchPlan.Check> checks = new ArrayList<>(program.constraints().stream()
                .map(c -> new LaunchPlan.Check(hostExpr(c.predicate()), c.text())).toList());
        checks.addAll(extraChecks);
        LaunchPlan plan = new LaunchPlan(scalars, checks, buffers, launches);
        return new Lower.Result(Optional.of(new Module(program.name(), kernels, plan)), List.of());
    }

    // ------------------------------------------------------------------ signature and scalars

    private void signature() {
        for (Program.Dim d : program.dims()) {
            if (d.derived().isPresent()) continue;
            Optional<LExpr> fixed = d.fixed().isPresent() ? Optional.of(L.i32(d.fixed().getAsLong())) : Optional.empty();
            boolean bound = false;
            for (Program.TensorDecl t : program.inputs()) {
                int axis = t.shape().indexOf(new Expr.Scalar(d.name(), Expr.ScalarKind.DIM, DType.I32));
                if (axis >= 0) {
                    addScalar(new LaunchPlan.HostScalar(d.name(), DType.I32, LaunchPlan.ScalarSource.DIM, fixed, t.name(), axis));
                    bound = true;
                    break;
                }
            }
            if (!bound) {
                diagnostics.add(Diagnostic.error(d.span(), "dimension '" + d.name() + "' is not carried by any input",
                        "give it to an input, or fix it with --dim"));
            }
        }
        for (Program.ScalarParam p : program.scalars()) {
            addScalar(new LaunchPlan.HostScalar(p.name(), p.type(), LaunchPlan.ScalarSource.PARAM,
                    p.defaultValue().map(this::hostExpr), "", -1));
        }
        for (Program.TensorDecl t : program.tensors()) {
            List<LExpr> shape = t.shape().stream().map(this::hostExpr).toList();
            shapes.put(t.name(), shape);
            LaunchPlan.Role role = switch (t.role()) {
                case INPUT -> LaunchPlan.Role.INPUT;
                case OUTPUT -> LaunchPlan.Role.OUTPUT;
                case TEMP -> LaunchPlan.Role.TEMP;
            };
            buffers.add(new LaunchPlan.Buffer(t.name(), t.dtype(), role, shape));
        }
        for (Stmt s : program.body()) {
            String t = switch (s) {
                case Stmt.Define d -> d.domain().isPresent() || mayBeAbsent(d.value()) ? d.tensor() : null;
                case Stmt.Scatter sc -> null;
                case Stmt.TopK k -> null;
                case Stmt.Let l -> null;
                case Stmt.Attention a -> null;
            };
            if (t != null) {
                String mask = "present__" + t;
                masks.put(t, mask);
                buffers.add(new LaunchPlan.Buffer(mask, DType.BOOL, LaunchPlan.Role.TEMP, shapes.get(t)));
            }
        }
    }

    private void addScalar(LaunchPlan.HostScalar s) {
        scalars.add(s);
        hostScalars.put(s.name(), s.type());
    }

    /** Adds the derived dims whose formulas use only host scalars known so far. */
    private void readyDerivedDims() {
        for (Program.Dim d : program.dims()) {
            if (d.derived().isEmpty() || hostScalars.containsKey(d.name()) || !isHostComputable(d.derived().get())) continue;
            boolean[] ready = {true};
            ExprWalker.walk(d.derived().get(), x -> {
                if (x instanceof Expr.Scalar s && !hostScalars.containsKey(s.name())) ready[0] = false;
            });
            if (ready[0]) {
                addScalar(new LaunchPlan.HostScalar(d.name(), DType.I32, LaunchPlan.ScalarSource.COMPUTED,
                        Optional.of(L.cast(hostExpr(d.derived().get()), DType.I32)), "", -1));
            }
        }
    }

    private void derivedDims() {
        for (Program.Dim d : program.dims()) {
            if (d.derived().isEmpty() || hostScalars.containsKey(d.name())) continue;
            if (!isHostComputable(d.derived().get())) {
                diagnostics.add(Diagnostic.error(d.span(), "the size of '" + d.name() + "' depends on tensor data",
                        "sizes must be formulas of dims and scalar parameters on this target"));
                continue;
            }
            addScalar(new LaunchPlan.HostScalar(d.name(), DType.I32, LaunchPlan.ScalarSource.COMPUTED,
                    Optional.of(L.cast(hostExpr(d.derived().get()), DType.I32)), "", -1));
        }
    }

    /** Whether an expression can be absent at a point: it reads a masked tensor outside any reduction. */
    private boolean mayBeAbsent(Expr e) {
        return switch (e) {
            case Expr.Read r -> masks.containsKey(r.tensor()) || r.indices().stream().anyMatch(this::mayBeAbsent);
            case Expr.Reduce r -> false;
            case Expr.Softmax s -> mayBeAbsent(s.body());
            case Expr.Unary u -> mayBeAbsent(u.x());
            case Expr.Binary b -> mayBeAbsent(b.a()) || mayBeAbsent(b.b());
            case Expr.Select s -> mayBeAbsent(s.cond()) || mayBeAbsent(s.a()) || mayBeAbsent(s.b());
            case Expr.Call c -> c.args().stream().anyMatch(this::mayBeAbsent);
            case Expr.Const c -> false;
            case Expr.Scalar s -> false;
            case Expr.Index i -> false;
        };
    }

    private static boolean isHostComputable(Expr e) {
        boolean[] ok = {true};
        ExprWalker.walk(e, x -> {
            if (x instanceof Expr.Read || x instanceof Expr.Reduce || x instanceof Expr.Softmax || x instanceof Expr.Index) ok[0] = false;
        });
        return ok[0];
    }

    /** A scalar formula of host scalars as Loop IR (a let read from data becomes a load). */
    LExpr hostExpr(Expr e) {
        ExprLowering ex = new ExprLowering(this);
        Block b = new Block();
        LExpr v = ex.lower(e, b).value();
        if (!b.isEmpty()) throw new IllegalStateException("a host expression needs loops: " + Printer.expr(e));
        return v;
    }

    LExpr scalar(Expr.Scalar s) {
        if (dataLets.contains(s.name())) return new LExpr.Load("let__" + s.name(), L.i32(0), s.type());
        return L.ref(s.name(), s.type());
    }

    List<LExpr> shape(String tensor) {
        return shapes.get(tensor);
    }

    String mask(String tensor) {
        return masks.get(tensor);
    }

    // ------------------------------------------------------------------ statements

    private String comment(Stmt s) {
        String where = s.span().isKnown() ? " (line " + s.span().line() + ")" : "";
        return Printer.stmt(s) + where;
    }

    /** A check the plan makes before any launch (limits of a lowering), with its message. */
    void addCheck(LExpr predicate, String text) {
        extraChecks.add(new LaunchPlan.Check(predicate, text));
    }

    /** A compiler-made buffer name not yet used. */
    String tempName(String base) {
        String name = base;
        for (int n = 2; shapes.containsKey(name); n++) name = base + n;
        return name;
    }

    /** Declares a temporary buffer the plan allocates. */
    void addTemp(String name, DType type, List<LExpr> shape) {
        shapes.put(name, List.copyOf(shape));
        buffers.add(new LaunchPlan.Buffer(name, type, LaunchPlan.Role.TEMP, shape));
    }

    /** The element type of a declared tensor. */
    DType dtype(String tensor) {
        return program.tensor(tensor).orElseThrow().dtype();
    }

    /** The current statement as a comment. */
    String describe(Stmt s) {
        return comment(s);
    }

    /** Adds a kernel (a group kernel when {@code group} is present) and its launch. */
    void emitKernel(String name, List<Kernel.GridDim> grid, Optional<Kernel.Group> group, List<LStmt> body) {
        Kernel k = Params.attach(name, grid, group, body, hostScalars, buffers, comment(current));
        kernels.add(k);
        launches.add(new LaunchPlan.Launch(name));
    }

    String kernelName(String base) {
        int n = kernelNames.merge(base, 1, Integer::sum);
        return n == 1 ? base : base + n;
    }

    private void let(Stmt.Let l) {
        if (isHostComputable(l.value())) {
            addScalar(new LaunchPlan.HostScalar(l.name(), l.value().type(), LaunchPlan.ScalarSource.COMPUTED,
                    Optional.of(hostExpr(l.value())), "", -1));
            readyDerivedDims();
            return;
        }
        // A let that reads tensors is computed by a one-point kernel into a one-element buffer.
        String buffer = "let__" + l.name();
        buffers.add(new LaunchPlan.Buffer(buffer, l.value().type(), LaunchPlan.Role.TEMP, List.of(L.i32(1))));
        ExprLowering ex = new ExprLowering(this);
        Block b = new Block();
        b.add(new LStmt.Comment("let " + comment(l) + " — lower: a let that reads tensors"));
        ExprLowering.V v = ex.lower(l.value(), b);
        b.add(new LStmt.Store(buffer, L.i32(0), v.value()));
        emit(kernelName(l.name() + "__let"), List.of(), b.done());
        dataLets.add(l.name());
    }

    private List<Kernel.GridDim> grid(List<IndexVar> vars, ExprLowering ex) {
        List<Kernel.GridDim> grid = new ArrayList<>();
        for (IndexVar v : vars) {
            grid.add(new Kernel.GridDim(v.name(), L.cast(hostExpr(v.extent()), DType.I32)));
            ex.bind(v.name(), L.ref(v.name(), DType.I32), v.extent());
        }
        return grid;
    }

    private void define(Stmt.Define d) {
        ExprLowering ex = new ExprLowering(this);
        List<Kernel.GridDim> grid = grid(d.vars(), ex);
        Block b = new Block();
        b.add(new LStmt.Comment(comment(d) + " — lower: generic"));
        LExpr flat = L.flat(d.vars().stream().map(v -> L.ref(v.name(), DType.I32)).toList(), shapes.get(d.tensor()));
        DType store = L.compute(program.tensor(d.tensor()).orElseThrow().dtype());
        String mask = masks.get(d.tensor());
        List<LStmt> body = new ArrayList<>();
        Block vb = new Block();
        ExprLowering.V v = ex.lower(d.value(), vb);
        List<LStmt> write = new ArrayList<>();
        write.add(new LStmt.Store(d.tensor(), flat, L.cast(v.value(), store)));
        if (mask != null) write.add(new LStmt.Store(mask, flat, L.TRUE));
        body.addAll(vb.done());
        body.add(L.isTrue(v.present()) ? block(write) : new LStmt.If(v.present(), write, List.of()));
        if (d.domain().isPresent()) {
            Block db = new Block();
            ExprLowering.V dv = ex.lower(d.domain().get(), db);
            db.stmts.forEach(b::add);
            b.add(new LStmt.If(L.and(dv.present(), dv.value()), body, List.of()));
        } else {
            body.forEach(b::add);
        }
        emit(kernelName(d.tensor()), grid, b.done());
    }

    private static LStmt block(List<LStmt> stmts) {
        return stmts.size() == 1 ? stmts.getFirst() : new LStmt.If(L.TRUE, stmts, List.of());
    }

    private void scatter(Stmt.Scatter sc) {
        ExprLowering ex = new ExprLowering(this);
        List<Kernel.GridDim> grid = grid(sc.vars(), ex);
        Block b = new Block();
        b.add(new LStmt.Comment(comment(sc) + " — lower: scatter"));
        List<LStmt> body = new ArrayList<>();
        Block vb = new Block();
        List<LExpr> target = new ArrayList<>();
        LExpr present = L.TRUE;
        for (Expr t : sc.target()) {
            ExprLowering.V tv = ex.lower(t, vb);
            target.add(L.cast(tv.value(), DType.I32));
            present = L.and(present, tv.present());
        }
        ExprLowering.V v = ex.lower(sc.value(), vb);
        present = L.and(present, v.present());
        LExpr flat = L.flat(target, shapes.get(sc.tensor()));
        String idx = "at__";
        List<LStmt> write = new ArrayList<>();
        write.add(new LStmt.Let(idx, flat));
        write.add(new LStmt.Store(sc.tensor(), L.ref(idx, DType.I32),
                L.cast(v.value(), L.compute(program.tensor(sc.tensor()).orElseThrow().dtype()))));
        String mask = masks.get(sc.tensor());
        if (mask != null) write.add(new LStmt.Store(mask, L.ref(idx, DType.I32), L.TRUE));
        body.addAll(vb.done());
        body.add(L.isTrue(present) ? new LStmt.If(L.TRUE, write, List.of()) : new LStmt.If(present, write, List.of()));
        if (sc.domain().isPresent()) {
            Block db = new Block();
            ExprLowering.V dv = ex.lower(sc.domain().get(), db);
            db.stmts.forEach(b::add);
            b.add(new LStmt.If(L.and(dv.present(), dv.value()), body, List.of()));
        } else {
            body.forEach(b::add);
        }
        emit(kernelName(sc.tensor() + "__scatter"), grid, b.done());
    }

    /**
     * Top-k by k selection passes: pass r picks the best entry (largest value, then smallest
     * index) strictly after pass r-1's pick in that order. O(k·n) work, no local arrays.
     */
    private void topk(Stmt.TopK t) {
        ExprLowering ex = new ExprLowering(this);
        List<IndexVar> others = t.vars().stream().filter(v -> !v.name().equals(t.axis())).toList();
        List<Kernel.GridDim> grid = grid(others, ex);
        Block b = new Block();
        b.add(new LStmt.Comment(comment(t) + " — lower: k selection passes"));
        DType vt = t.value().type() == DType.F64 ? DType.F64 : (L.isInt(t.value().type()) ? DType.F64 : DType.F32);
        b.add(new LStmt.Var("prev_value__", vt, new LExpr.Const(Double.POSITIVE_INFINITY, vt)));
        b.add(new LStmt.Var("prev_index__", DType.I32, L.i32(-1)));
        List<LStmt> pass = new ArrayList<>();
        pass.add(new LStmt.Var("found__", DType.BOOL, L.FALSE));
        pass.add(new LStmt.Var("best_value__", vt, L.negInf(vt)));
        pass.add(new LStmt.Var("best_index__", DType.I32, L.i32(-1)));
        IndexVar over = t.over();
        ex.bind(over.name(), L.ref(over.name(), DType.I32), over.extent());
        Block body = new Block();
        ExprLowering.V v = ex.lower(t.value(), body);
        LExpr x = L.ref("x__", vt);
        LExpr i = L.ref(over.name(), DType.I32);
        LExpr r = L.ref(t.axis(), DType.I32);
        LExpr after = new LExpr.Binary(Expr.BinOp.OR, L.cmp(Expr.BinOp.EQ, r, L.i32(0)),
                new LExpr.Binary(Expr.BinOp.OR, L.cmp(Expr.BinOp.LT, x, L.ref("prev_value__", vt)),
                        L.and(L.cmp(Expr.BinOp.EQ, x, L.ref("prev_value__", vt)), L.cmp(Expr.BinOp.GT, i, L.ref("prev_index__", DType.I32))),
                        DType.BOOL), DType.BOOL);
        LExpr better = new LExpr.Binary(Expr.BinOp.OR, L.not(L.ref("found__", DType.BOOL)),
                new LExpr.Binary(Expr.BinOp.OR, L.cmp(Expr.BinOp.GT, x, L.ref("best_value__", vt)),
                        L.and(L.cmp(Expr.BinOp.EQ, x, L.ref("best_value__", vt)), L.cmp(Expr.BinOp.LT, i, L.ref("best_index__", DType.I32))),
                        DType.BOOL), DType.BOOL);
        List<LStmt> consider = new ArrayList<>(body.done());
        consider.add(new LStmt.If(v.present(), List.of(
                new LStmt.Let("x__", L.cast(v.value(), vt)),
                new LStmt.If(L.and(after, better), List.of(
                        new LStmt.Assign("found__", L.TRUE),
                        new LStmt.Assign("best_value__", x),
                        new LStmt.Assign("best_index__", i)), List.of())), List.of()));
        pass.add(new LStmt.For(over.name(), L.i32(0), L.cast(hostExpr(over.extent()), DType.I32), LStmt.LoopKind.SERIAL, consider));
        List<LExpr> idx = t.vars().stream().map(iv -> L.ref(iv.name(), DType.I32)).toList();
        pass.add(new LStmt.Store(t.tensor(), L.flat(idx, shapes.get(t.tensor())),
                L.cast(L.select(L.ref("found__", DType.BOOL), L.ref("best_index__", DType.I32), L.i32(-1)),
                        L.compute(program.tensor(t.tensor()).orElseThrow().dtype()))));
        pass.add(new LStmt.Assign("prev_value__", L.ref("best_value__", vt)));
        pass.add(new LStmt.Assign("prev_index__", L.ref("best_index__", DType.I32)));
        b.add(new LStmt.For(t.axis(), L.i32(0), L.cast(hostExpr(t.k()), DType.I32), LStmt.LoopKind.SERIAL, pass));
        emit(kernelName(t.tensor() + "__topk"), grid, b.done());
    }

    /** Row statistics of a softmax, computed by their own kernel before the statement that uses them. */
    Stats softmaxStats(Expr.Softmax s, List<IndexVar> rowVars, boolean probabilities) {
        int n = statsCount++;
        String base = Lower.bufferBase(current);
        String max = "max__" + base + n;
        String sum = "sum__" + base + n;
        List<LExpr> shape = rowVars.stream().map(v -> hostExpr(v.extent())).toList();
        buffers.add(new LaunchPlan.Buffer(max, s.type(), LaunchPlan.Role.TEMP, shape));
        buffers.add(new LaunchPlan.Buffer(sum, s.type(), LaunchPlan.Role.TEMP, shape));
        ExprLowering ex = new ExprLowering(this);
        List<Kernel.GridDim> grid = grid(rowVars, ex);
        Block b = new Block();
        b.add(new LStmt.Comment("softmax[" + s.var().name() + "](" + Printer.expr(s.body()) + ") row statistics for "
                + comment(current) + " — lower: softmax"));
        ex.rowStatistics(s, "m__", "l__").forEach(b::add);
        LExpr flat = L.flat(rowVars.stream().map(v -> L.ref(v.name(), DType.I32)).toList(), shape);
        b.add(new LStmt.Store(max, flat, L.ref("m__", s.type())));
        b.add(new LStmt.Store(sum, flat, L.ref("l__", s.type())));
        emit(kernelName(base + "__softmax"), grid, b.done());
        if (!probabilities) return new Stats(max, sum, shape, null);
        // The normalised values, once per (row, softmax variable), for consumers that would repeat them.
        String prob = "prob__" + base + n;
        List<IndexVar> withVar = new ArrayList<>(rowVars);
        withVar.add(s.var());
        List<LExpr> probShape = withVar.stream().map(v -> L.cast(hostExpr(v.extent()), DType.I32)).toList();
        buffers.add(new LaunchPlan.Buffer(prob, s.type(), LaunchPlan.Role.TEMP, probShape));
        ExprLowering px = new ExprLowering(this);
        List<Kernel.GridDim> pgrid = grid(withVar, px);
        Block pb = new Block();
        pb.add(new LStmt.Comment("softmax[" + s.var().name() + "](" + Printer.expr(s.body()) + ") normalised once for "
                + comment(current) + " — lower: softmax"));
        LExpr rowFlat = L.flat(rowVars.stream().map(v -> L.ref(v.name(), DType.I32)).toList(), shape);
        LExpr probFlat = L.flat(withVar.stream().map(v -> L.ref(v.name(), DType.I32)).toList(), probShape);
        px.probability(s, max, sum, rowFlat, prob, probFlat).forEach(pb::add);
        emit(kernelName(base + "__probabilities"), pgrid, pb.done());
        return new Stats(max, sum, shape, prob);
    }

    private void emit(String name, List<Kernel.GridDim> grid, List<LStmt> body) {
        Kernel k = Params.attach(name, grid, body, hostScalars, buffers, comment(current));
        kernels.add(k);
        launches.add(new LaunchPlan.Launch(name));
    }
}
