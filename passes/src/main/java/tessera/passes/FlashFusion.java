package tessera.passes;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import tessera.ir.tensor.Expr;
import tessera.ir.tensor.ExprWalker;
import tessera.ir.tensor.IndexVar;
import tessera.ir.tensor.Printer;
import tessera.ir.tensor.Program;
import tessera.ir.tensor.Stmt;
import tessera.ir.tensor.Substitution;
import tessera.runtime.DType;

/**
 * Recognises attention in the IR and fuses it into one {@link Stmt.Attention}, so the score
 * matrix is never stored. The pattern, whatever the tensors and variables are called:
 * <pre>
 *   s[rows..., j] = score if mask            score contains sum[d](q * k): q does not read j, k does not read the row
 *   o[rows..., e] = sum[j](softmax[j](s[rows..., j]) * factor * value)   value reads e (not the row), factor does not read e
 *   lse[rows...]  = logsumexp[j](s[rows..., j])                          (optional)
 *   mx[rows...]   = max[j](s[rows..., j])                                (optional)
 * </pre>
 * with at least one of the three consumers (row statistics alone fuse too), {@code s} a temporary read by nothing else, every part
 * reading only tensors that are total (inputs, or tensors defined everywhere from total ones), and
 * nothing between the consumers reading or writing their outputs. The score may be anything of the
 * indices (scale, bias tensors, ALiBi, soft-capping); the mask any predicate. An extra-logit sink is
 * recognised in the form {@code s[rows..., j < M + 1] = j < M ? score : sink} with the value
 * {@code (j < M ? v : 0)}. Programs that do not match are left as they are, for the generic
 * lowering.
 */
public final class FlashFusion implements Pass {
    @Override
    public String name() {
        return "flash-fusion";
    }

    /** What one consumer of the score tensor computes, with its variables renamed to the score's. */
    private sealed interface Use {
        int index();
    }

    private record OutUse(int index, Stmt.Output out) implements Use {}

    private record RowUse(int index, String tensor, Expr.ReduceOp op) implements Use {}

    @Override
    public Program apply(Program p) {
        Program current = p;
        // Each fusion removes a score tensor; repeat until nothing matches.
        for (int guard = 0; guard < 64; guard++) {
            Optional<Program> next = fuseOne(current);
            if (next.isEmpty()) return current;
            current = next.get();
        }
        return current;
    }

    private Optional<Program> fuseOne(Program p) {
        Set<String> total = new HashSet<>();
        for (Program.TensorDecl t : p.inputs()) total.add(t.name());
        List<Stmt> body = p.body();
        for (int si = 0; si < body.size(); si++) {
            Stmt s = body.get(si);
            if (s instanceof Stmt.Define d) {
                Optional<Program> fused = tryFuse(p, si, d, total);
                if (fused.isPresent()) return fused;
                if (d.domain().isEmpty() && readsOnly(d.value(), total) && !hasSoftmax(d.value())) total.add(d.tensor());
            }
            // topk gives every entry (too few present values is a run-time error), so its indices are total.
            if (s instanceof Stmt.TopK tk) total.add(tk.tensor());
        }
        return Optional.empty();
    }

    private Optional<Program> tryFuse(Program p, int si, Stmt.Define s, Set<String> total) {
        Program.TensorDecl decl = p.tensor(s.tensor()).orElse(null);
        if (decl == null || decl.role() != Program.Role.TEMP || s.vars().size() < 2) return Optional.empty();
        if (decl.dtype() != s.value().type() || !(decl.dtype() == DType.F32 || decl.dtype() == DType.F64)) return Optional.empty();
        List<IndexVar> rows = s.vars().subList(0, s.vars().size() - 1);
        IndexVar key = s.vars().getLast();

        Expr score = s.value();
        Optional<Expr> sink = Optional.empty();
        Expr keyCount = key.extent();
        // The sink form: s[.., j < M + 1] = j < M ? score : sink.
        if (score instanceof Expr.Select sel && sel.cond() instanceof Expr.Binary lt && lt.op() == Expr.BinOp.LT
                && lt.a().equals(new Expr.Index(key.name())) && key.extent().equals(plusOne(lt.b()))
                && !Substitution.mentions(sel.b(), key.name())) {
            score = sel.a();
            keyCount = lt.b();
            Expr sinkValue = sel.b();
            if (s.domain().isPresent()) {
                Expr there = Substitution.indices(s.domain().get(), Map.of(key.name(), lt.b()));
                sinkValue = new Expr.Select(there, sinkValue, new Expr.Const(Double.NEGATIVE_INFINITY, sinkValue.type()), sinkValue.type());
            }
            sink = Optional.of(sinkValue);
        }
        IndexVar keys = new IndexVar(key.name(), keyCount);

        Optional<Dot> dot = findDot(score, rows, key.name());
        if (dot.isEmpty()) return Optional.empty();
        // The contraction in the orientation the node names it: sum[d](q * k).
        score = Substitution.replace(score, dot.get().original(), dot.get().reduce());
        if (!readsOnly(score, total) || s.domain().map(m -> !readsOnly(m, total)).orElse(false)
                || sink.map(x -> !readsOnly(x, total)).orElse(false)) {
            return Optional.empty();
        }

        // Every read of s must be one of the recognised uses.
        List<Use> uses = new ArrayList<>();
        for (int ui = si + 1; ui < p.body().size(); ui++) {
            Stmt u = p.body().get(ui);
            if (!readsTensor(u, s.tensor())) continue;
            Optional<Use> use = use(u, ui, s.tensor(), rows, key, keys, sink.isPresent(), total);
            if (use.isEmpty()) return Optional.empty();
            uses.add(use.get());
        }
        long outs = uses.stream().filter(u -> u instanceof OutUse).count();
        long lses = uses.stream().filter(u -> u instanceof RowUse r && r.op() == Expr.ReduceOp.LOGSUMEXP).count();
        long maxes = uses.stream().filter(u -> u instanceof RowUse r && r.op() == Expr.ReduceOp.MAX).count();
        if (uses.isEmpty() || outs > 1 || lses > 1 || maxes > 1) return Optional.empty();
        int first = uses.getFirst().index();
        int last = uses.getLast().index();
        Set<String> written = new HashSet<>();
        for (Use u : uses) written.add(Lower.bufferBase(p.body().get(u.index())));
        Set<Integer> useIndices = new HashSet<>();
        for (Use u : uses) useIndices.add(u.index());
        for (int k = first + 1; k < last; k++) {
            if (useIndices.contains(k)) continue;
            Stmt between = p.body().get(k);
            for (String t : written) if (readsTensor(between, t) || Lower.bufferBase(between).equals(t)) return Optional.empty();
        }

        for (Use u : uses) {
            // A value shared by the rows of a tile: it must not depend on the tiled row.
            if (u instanceof OutUse o && Substitution.mentions(o.out().value(), dot.get().row().name())) return Optional.empty();
        }
        Stmt.Output out = null;
        String lse = null;
        String max = null;
        List<String> replaced = new ArrayList<>();
        replaced.add(Printer.stmt(s));
        for (Use u : uses) {
            replaced.add(Printer.stmt(p.body().get(u.index())));
            switch (u) {
                case OutUse o -> out = o.out();
                case RowUse r -> {
                    if (r.op() == Expr.ReduceOp.LOGSUMEXP) lse = r.tensor();
                    else max = r.tensor();
                }
            }
        }
        Stmt.Attention fused = new Stmt.Attention(rows, dot.get().row(), keys, score, dot.get().reduce(), dot.get().q(), dot.get().k(),
                s.domain(), sink, Optional.ofNullable(out), Optional.ofNullable(lse), Optional.ofNullable(max), Optional.empty(),
                s.tensor(), replaced, s.span());

        List<Stmt> body = new ArrayList<>();
        for (int k = 0; k < p.body().size(); k++) {
            if (k == si || useIndices.contains(k) && k != last) continue;
            body.add(k == last ? fused : p.body().get(k));
        }
        List<Program.TensorDecl> tensors = p.tensors().stream().filter(t -> !t.name().equals(s.tensor())).toList();
        return Optional.of(new Program(p.name(), p.dims(), tensors, p.scalars(), p.constraints(), body, p.schedules(), p.span()));
    }

    private static Expr plusOne(Expr e) {
        return new Expr.Binary(Expr.BinOp.ADD, e, Expr.Const.i32(1), DType.I32);
    }

    /** The contraction in a score: q reads the tiled row (and not the key), k the key (and not that row). */
    private record Dot(Expr.Reduce original, Expr.Reduce reduce, Expr.Read q, Expr.Read k, IndexVar row) {}

    private static Optional<Dot> findDot(Expr score, List<IndexVar> rows, String key) {
        List<Dot> found = new ArrayList<>();
        ExprWalker.walk(score, x -> {
            if (!(x instanceof Expr.Reduce r) || r.op() != Expr.ReduceOp.SUM || r.vars().size() != 1 || r.filter().isPresent()) return;
            if (!(r.body() instanceof Expr.Binary m && m.op() == Expr.BinOp.MUL && m.a() instanceof Expr.Read a && m.b() instanceof Expr.Read b)) return;
            String d = r.vars().getFirst().name();
            if (!Substitution.mentions(a, d) || !Substitution.mentions(b, d)) return;
            Expr.Read q = Substitution.mentions(a, key) ? b : a;
            Expr.Read k = q == a ? b : a;
            if (Substitution.mentions(q, key) || !Substitution.mentions(k, key)) return;
            // The row tiled with the key: the last row variable q reads and k does not.
            IndexVar row = null;
            for (IndexVar v : rows) {
                if (Substitution.mentions(q, v.name()) && !Substitution.mentions(k, v.name())) row = v;
            }
            if (row == null) return;
            found.add(new Dot(r, new Expr.Reduce(r.op(), r.vars(), r.filter(), new Expr.Binary(Expr.BinOp.MUL, q, k, m.type()), r.type()),
                    q, k, row));
        });
        if (found.isEmpty()) return Optional.empty();
        return Optional.of(found.getFirst());
    }

    /** One consumer of the score tensor, renamed to the score's variables; empty when it is not a recognised use. */
    private Optional<Use> use(Stmt u, int index, String scores, List<IndexVar> rows, IndexVar key, IndexVar keys, boolean sink,
                              Set<String> total) {
        if (!(u instanceof Stmt.Define d) || d.domain().isPresent() || !(d.value() instanceof Expr.Reduce r)
                || r.vars().size() != 1 || r.filter().isPresent()) {
            return Optional.empty();
        }
        IndexVar j = r.vars().getFirst();
        if (!j.extent().equals(key.extent())) return Optional.empty();
        Map<String, String> rename = new HashMap<>();
        int n = rows.size();
        boolean withValue = d.vars().size() == n + 1;
        if (d.vars().size() != n && !withValue) return Optional.empty();
        for (int k = 0; k < n; k++) {
            if (!d.vars().get(k).extent().equals(rows.get(k).extent())) return Optional.empty();
            rename.put(d.vars().get(k).name(), rows.get(k).name());
        }
        rename.put(j.name(), key.name());
        List<Expr> wantIndices = new ArrayList<>();
        for (int k = 0; k < n; k++) wantIndices.add(new Expr.Index(d.vars().get(k).name()));
        wantIndices.add(new Expr.Index(j.name()));
        Expr.Read scoreRead = new Expr.Read(scores, wantIndices, r.body().type());
        if (!withValue) {
            if (!r.body().equals(scoreRead) || r.op() != Expr.ReduceOp.LOGSUMEXP && r.op() != Expr.ReduceOp.MAX) return Optional.empty();
            return Optional.of(new RowUse(index, d.tensor(), r.op()));
        }
        if (r.op() != Expr.ReduceOp.SUM) return Optional.empty();
        IndexVar e = d.vars().get(n);
        if (rename.containsValue(e.name())) return Optional.empty();
        List<Expr> factors = new ArrayList<>();
        flatten(r.body(), factors);
        Expr.Softmax softmax = null;
        List<Expr> weights = new ArrayList<>();
        List<Expr> values = new ArrayList<>();
        for (Expr f : factors) {
            if (f instanceof Expr.Softmax sm && sm.var().name().equals(j.name()) && sm.body().equals(scoreRead) && softmax == null) {
                softmax = sm;
            } else if (Substitution.mentions(f, e.name())) {
                values.add(f);
            } else {
                weights.add(f);
            }
        }
        if (softmax == null || values.isEmpty()) return Optional.empty();
        if (!softmax.var().extent().equals(key.extent())) return Optional.empty();
        Expr value = Substitution.rename(product(values), rename);
        Optional<Expr> factor = weights.isEmpty() ? Optional.empty() : Optional.of(Substitution.rename(product(weights), rename));
        if (sink) {
            // The sink's column has no value: (j < M ? v : 0).
            if (!(value instanceof Expr.Select sel && sel.cond() instanceof Expr.Binary lt && lt.op() == Expr.BinOp.LT
                    && lt.a().equals(new Expr.Index(key.name())) && lt.b().equals(keys.extent())
                    && sel.b() instanceof Expr.Const zero && zero.value() == 0)) {
                return Optional.empty();
            }
            value = sel.a();
        }
        for (Expr x : factors) if (readsTensor(x, scores) && !(x == softmax)) return Optional.empty();
        if (!readsOnly(value, total) || factor.map(f -> !readsOnly(f, total)).orElse(false)) return Optional.empty();
        if (hasReduceOrSoftmax(value) || factor.map(FlashFusion::hasReduceOrSoftmax).orElse(false)) return Optional.empty();
        IndexVar renamedE = new IndexVar(e.name(), e.extent());
        return Optional.of(new OutUse(index, new Stmt.Output(d.tensor(), renamedE, value, factor)));
    }

    private static void flatten(Expr e, List<Expr> out) {
        if (e instanceof Expr.Binary b && b.op() == Expr.BinOp.MUL && (b.type() == DType.F32 || b.type() == DType.F64)) {
            flatten(b.a(), out);
            flatten(b.b(), out);
        } else {
            out.add(e);
        }
    }

    private static Expr product(List<Expr> factors) {
        Expr p = factors.getFirst();
        for (int k = 1; k < factors.size(); k++) {
            Expr f = factors.get(k);
            DType t = p.type() == DType.F64 || f.type() == DType.F64 ? DType.F64 : DType.F32;
            p = new Expr.Binary(Expr.BinOp.MUL, p, f, t);
        }
        return p;
    }

    private static boolean readsOnly(Expr e, Set<String> total) {
        return !ExprWalker.any(e, x -> x instanceof Expr.Read r && !total.contains(r.tensor()));
    }

    private static boolean hasSoftmax(Expr e) {
        return ExprWalker.any(e, x -> x instanceof Expr.Softmax);
    }

    private static boolean hasReduceOrSoftmax(Expr e) {
        return ExprWalker.any(e, x -> x instanceof Expr.Softmax || x instanceof Expr.Reduce);
    }

    private static boolean readsTensor(Expr e, String tensor) {
        return ExprWalker.reads(e, tensor);
    }

    private static boolean readsTensor(Stmt s, String tensor) {
        return switch (s) {
            case Stmt.Let l -> readsTensor(l.value(), tensor);
            case Stmt.Define d -> readsTensor(d.value(), tensor) || d.domain().map(x -> readsTensor(x, tensor)).orElse(false)
                    || d.vars().stream().anyMatch(v -> readsTensor(v.extent(), tensor));
            case Stmt.Scatter sc -> sc.tensor().equals(tensor) || readsTensor(sc.value(), tensor)
                    || sc.domain().map(x -> readsTensor(x, tensor)).orElse(false) || sc.target().stream().anyMatch(x -> readsTensor(x, tensor));
            case Stmt.TopK t -> readsTensor(t.value(), tensor) || readsTensor(t.k(), tensor);
            case Stmt.Attention a -> readsTensor(a.score(), tensor) || a.mask().map(x -> readsTensor(x, tensor)).orElse(false)
                    || a.sink().map(x -> readsTensor(x, tensor)).orElse(false)
                    || a.out().map(o -> readsTensor(o.value(), tensor) || o.factor().map(f -> readsTensor(f, tensor)).orElse(false)).orElse(false);
        };
    }
}
