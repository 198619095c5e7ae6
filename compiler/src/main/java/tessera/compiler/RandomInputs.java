package tessera.compiler;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import tessera.ir.tensor.Expr;
import tessera.ir.tensor.ExprWalker;
import tessera.ir.tensor.Program;
import tessera.ir.tensor.Stmt;
import tessera.runtime.DType;
import tessera.runtime.Tensor;

/**
 * Makes valid random inputs for a kernel, for {@code tessera run --random}: sizes for the dims
 * nobody gave, float tensors from a standard normal, bool tensors fair coins, and integer tensors
 * in the range their use needs (an index into an axis of extent n gets values in [0, n); a tensor
 * compared with an index variable of extent n gets [0, n]).
 */
public final class RandomInputs {
    /** Dims without a size get this one unless a where clause of the form {@code R == expr} gives it. */
    public static final long DEFAULT_DIM = 8;

    private RandomInputs() {}

    /** The chosen dims and the generated (and given) inputs. */
    public record Inputs(Map<String, Long> dims, Map<String, Tensor> tensors) {}

    /**
     * @param given dims the user fixed
     * @param provided inputs the user gave; their shapes bind dims, and they are kept
     * @param scalars scalar parameter values the user gave (others take their defaults)
     */
    public static Inputs make(Program p, Map<String, Long> given, Map<String, Tensor> provided,
                              Map<String, Double> scalars, long seed) {
        Map<String, Double> env = new HashMap<>();
        given.forEach((k, v) -> env.put(k, v.doubleValue()));
        for (Program.TensorDecl t : p.inputs()) {
            Tensor x = provided.get(t.name());
            if (x == null || x.rank() != t.rank()) continue;
            for (int a = 0; a < t.rank(); a++) {
                if (t.shape().get(a) instanceof Expr.Scalar s) env.putIfAbsent(s.name(), (double) x.shape()[a]);
            }
        }
        solveEqualities(p, env);
        for (Program.Dim d : p.dims()) {
            if (d.derived().isEmpty()) env.putIfAbsent(d.name(), (double) (d.fixed().isPresent() ? d.fixed().getAsLong() : DEFAULT_DIM));
        }
        for (Program.ScalarParam s : p.scalars()) {
            if (scalars.containsKey(s.name())) env.put(s.name(), scalars.get(s.name()));
            else s.defaultValue().flatMap(v -> ScalarEval.eval(v, env)).ifPresent(v -> env.put(s.name(), v));
        }
        Map<String, Long> dims = new LinkedHashMap<>();
        for (Program.Dim d : p.dims()) {
            if (env.containsKey(d.name())) dims.put(d.name(), env.get(d.name()).longValue());
        }
        SplittableRandom rng = new SplittableRandom(seed);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Program.TensorDecl t : p.inputs()) {
            if (provided.containsKey(t.name())) {
                tensors.put(t.name(), provided.get(t.name()));
                continue;
            }
            long[] shape = new long[t.rank()];
            for (int a = 0; a < t.rank(); a++) {
                shape[a] = ScalarEval.eval(t.shape().get(a), env).map(Double::longValue).orElse(DEFAULT_DIM);
            }
            Tensor x = Tensor.zeros(t.dtype(), shape);
            long n = x.size();
            if (t.dtype() == DType.BOOL) {
                for (long i = 0; i < n; i++) x.setLong(i, rng.nextBoolean() ? 1 : 0);
            } else if (t.dtype().isInteger()) {
                long bound = Math.max(1, intBound(p, t.name(), env));
                for (long i = 0; i < n; i++) x.setLong(i, rng.nextLong(bound));
            } else {
                for (long i = 0; i < n; i++) x.setDouble(i, gaussian(rng));
            }
            tensors.put(t.name(), x);
        }
        return new Inputs(dims, tensors);
    }

    private static double gaussian(SplittableRandom rng) {
        double u = 1 - rng.nextDouble();
        double v = rng.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }

    /** Binds dims that a where clause {@code D == expr} (or {@code expr == D}) determines. */
    private static void solveEqualities(Program p, Map<String, Double> env) {
        boolean progress = true;
        while (progress) {
            progress = false;
            for (Program.Constraint c : p.constraints()) {
                if (!(c.predicate() instanceof Expr.Binary b) || b.op() != Expr.BinOp.EQ) continue;
                progress |= bind(b.a(), b.b(), env) || bind(b.b(), b.a(), env);
            }
        }
    }

    private static boolean bind(Expr dim, Expr value, Map<String, Double> env) {
        if (dim instanceof Expr.Scalar s && s.kind() == Expr.ScalarKind.DIM && !env.containsKey(s.name())) {
            Map<String, Double> withDefaults = new HashMap<>(env);
            // Dims the value needs and nobody gave take the default size first.
            collectDims(value).forEach(d -> withDefaults.putIfAbsent(d, (double) DEFAULT_DIM));
            Optional<Double> v = ScalarEval.eval(value, withDefaults);
            if (v.isPresent() && v.get() >= 1) {
                env.putAll(withDefaults);
                env.put(s.name(), v.get());
                return true;
            }
        }
        return false;
    }

    private static List<String> collectDims(Expr e) {
        List<String> out = new ArrayList<>();
        ExprWalker.walk(e, x -> {
            if (x instanceof Expr.Scalar s && s.kind() == Expr.ScalarKind.DIM) out.add(s.name());
        });
        return out;
    }

    /** The exclusive upper bound for values of an integer input, from how the program uses it. */
    private static long intBound(Program p, String tensor, Map<String, Double> env) {
        long[] best = {Long.MAX_VALUE};
        Map<String, Expr> extents = new HashMap<>();
        for (Stmt s : p.body()) {
            List<Expr> roots = new ArrayList<>();
            switch (s) {
                case Stmt.Let l -> roots.add(l.value());
                case Stmt.Define d -> {
                    d.vars().forEach(v -> extents.put(v.name(), v.extent()));
                    roots.add(d.value());
                    d.domain().ifPresent(roots::add);
                }
                case Stmt.Scatter sc -> {
                    sc.vars().forEach(v -> extents.put(v.name(), v.extent()));
                    roots.add(sc.value());
                    roots.addAll(sc.target());
                    sc.domain().ifPresent(roots::add);
                    Program.TensorDecl target = p.tensor(sc.tensor()).orElseThrow();
                    for (int a = 0; a < sc.target().size(); a++) {
                        if (readsTensor(sc.target().get(a), tensor)) bound(target.shape().get(a), env, 0, best);
                    }
                }
                case Stmt.TopK t -> {
                    t.vars().forEach(v -> extents.put(v.name(), v.extent()));
                    extents.put(t.over().name(), t.over().extent());
                    roots.add(t.value());
                }
                case Stmt.Attention a -> {
                    a.rows().forEach(v -> extents.put(v.name(), v.extent()));
                    extents.put(a.key().name(), a.key().extent());
                    roots.add(a.score());
                    a.mask().ifPresent(roots::add);
                    a.sink().ifPresent(roots::add);
                    a.out().ifPresent(o -> {
                        extents.put(o.var().name(), o.var().extent());
                        roots.add(o.value());
                        o.factor().ifPresent(roots::add);
                    });
                }
            }
            for (Expr root : roots) {
                ExprWalker.walk(root, x -> {
                    switch (x) {
                        case Expr.Reduce r -> r.vars().forEach(v -> extents.put(v.name(), v.extent()));
                        case Expr.Read r -> {
                            Program.TensorDecl decl = p.tensor(r.tensor()).orElse(null);
                            if (decl == null) return;
                            for (int a = 0; a < r.indices().size(); a++) {
                                if (r.indices().get(a) instanceof Expr.Read inner && inner.tensor().equals(tensor)) {
                                    bound(decl.shape().get(a), env, 0, best);
                                }
                            }
                        }
                        case Expr.Binary b when b.op().isComparison() -> {
                            compare(b.a(), b.b(), tensor, extents, env, best);
                            compare(b.b(), b.a(), tensor, extents, env, best);
                        }
                        default -> { }
                    }
                });
            }
        }
        return best[0] == Long.MAX_VALUE ? DEFAULT_DIM : best[0];
    }

    private static void compare(Expr read, Expr other, String tensor, Map<String, Expr> extents,
                                Map<String, Double> env, long[] best) {
        if (!(read instanceof Expr.Read r) || !r.tensor().equals(tensor)) return;
        if (other instanceof Expr.Index i && extents.containsKey(i.name())) {
            bound(extents.get(i.name()), env, 1, best);
        } else if (other instanceof Expr.Binary b && b.op() == Expr.BinOp.DIV && b.a() instanceof Expr.Index i
                && extents.containsKey(i.name())) {
            Optional<Double> n = ScalarEval.eval(extents.get(i.name()), env);
            Optional<Double> d = ScalarEval.eval(b.b(), env);
            if (n.isPresent() && d.isPresent() && d.get() > 0) {
                best[0] = Math.min(best[0], (long) Math.ceil(n.get() / d.get()));
            }
        }
    }

    private static void bound(Expr extent, Map<String, Double> env, int plus, long[] best) {
        ScalarEval.eval(extent, env).ifPresent(v -> best[0] = Math.min(best[0], v.longValue() + plus));
    }

    private static boolean readsTensor(Expr e, String tensor) {
        return ExprWalker.reads(e, tensor);
    }
}
