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
import tessera.ir.tensor.Program;
import tessera.ir.tensor.Stmt;

/**
 * Fuses elementwise producers into their consumers: a temporary defined without a domain by an
 * expression with no reduction or softmax, and never scattered into, is substituted into every
 * read of it ({@code t[e1, e2]} becomes its definition with its variables replaced by
 * {@code e1, e2}) and disappears, so it never reaches memory. Outputs are never fused.
 */
public final class FuseElementwise implements Pass {
    @Override
    public String name() {
        return "fuse-elementwise";
    }

    private record Producer(List<IndexVar> vars, Expr value) {}

    @Override
    public Program apply(Program p) {
        Set<String> scattered = new HashSet<>();
        for (Stmt s : p.body()) if (s instanceof Stmt.Scatter sc) scattered.add(sc.tensor());
        Map<String, Producer> fused = new HashMap<>();
        List<Stmt> body = new ArrayList<>();
        for (Stmt s : p.body()) {
            Stmt r = rewrite(s, fused);
            if (r instanceof Stmt.Define d && d.domain().isEmpty() && elementwise(d.value()) && !scattered.contains(d.tensor())
                    && p.tensor(d.tensor()).map(t -> t.role() == Program.Role.TEMP).orElse(false)) {
                fused.put(d.tensor(), new Producer(d.vars(), d.value()));
                continue;
            }
            body.add(r);
        }
        if (fused.isEmpty()) return p;
        List<Program.TensorDecl> tensors = p.tensors().stream().filter(t -> !fused.containsKey(t.name())).toList();
        return new Program(p.name(), p.dims(), tensors, p.scalars(), p.constraints(), body, p.schedules(), p.span());
    }

    private static boolean elementwise(Expr e) {
        boolean[] ok = {true};
        ExprWalker.walk(e, x -> {
            if (x instanceof Expr.Reduce || x instanceof Expr.Softmax) ok[0] = false;
        });
        return ok[0];
    }

    private static Stmt rewrite(Stmt s, Map<String, Producer> fused) {
        if (fused.isEmpty()) return s;
        return switch (s) {
            case Stmt.Let l -> new Stmt.Let(l.name(), sub(l.value(), fused), l.span());
            case Stmt.Define d -> new Stmt.Define(d.tensor(), d.vars(), d.domain().map(x -> sub(x, fused)), sub(d.value(), fused), d.span());
            case Stmt.Scatter sc -> new Stmt.Scatter(sc.tensor(), sc.vars(), sc.target().stream().map(x -> sub(x, fused)).toList(),
                    sc.domain().map(x -> sub(x, fused)), sub(sc.value(), fused), sc.span());
            case Stmt.TopK t -> new Stmt.TopK(t.tensor(), t.vars(), t.axis(), t.over(), t.k(), sub(t.value(), fused), t.span());
            case Stmt.Attention a -> a; // made later in the pipeline (FlashFusion), after this pass
        };
    }

    /** Replaces reads of fused tensors by their definitions, with index variables substituted. */
    private static Expr sub(Expr e, Map<String, Producer> fused) {
        return switch (e) {
            case Expr.Const c -> c;
            case Expr.Scalar s -> s;
            case Expr.Index i -> i;
            case Expr.Read r -> {
                List<Expr> idx = r.indices().stream().map(x -> sub(x, fused)).toList();
                Producer prod = fused.get(r.tensor());
                if (prod == null) yield new Expr.Read(r.tensor(), idx, r.type());
                Map<String, Expr> binding = new HashMap<>();
                for (int k = 0; k < idx.size(); k++) binding.put(prod.vars().get(k).name(), idx.get(k));
                yield convert(tessera.ir.tensor.Substitution.indices(prod.value(), binding), r.type());
            }
            case Expr.Unary u -> new Expr.Unary(u.op(), sub(u.x(), fused), u.type());
            case Expr.Binary b -> new Expr.Binary(b.op(), sub(b.a(), fused), sub(b.b(), fused), b.type());
            case Expr.Select s -> new Expr.Select(sub(s.cond(), fused), sub(s.a(), fused), sub(s.b(), fused), s.type());
            case Expr.Call c -> new Expr.Call(c.fn(), c.args().stream().map(x -> sub(x, fused)).toList(), c.type());
            case Expr.Reduce r -> new Expr.Reduce(r.op(), r.vars(), r.filter().map(x -> sub(x, fused)), sub(r.body(), fused), r.type());
            case Expr.Softmax s -> new Expr.Softmax(s.var(), sub(s.body(), fused), s.type());
        };
    }

    /** Keeps the read's type: a producer computing in a narrower type than its tensor's is widened. */
    private static Expr convert(Expr e, tessera.runtime.DType type) {
        if (e.type() == type) return e;
        if (type == tessera.runtime.DType.F32 && e.type() != tessera.runtime.DType.BOOL) {
            return new Expr.Call(Expr.Builtin.FLOAT, List.of(e), type);
        }
        return e;
    }


}
