package tessera.ir.tensor;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tessera.ir.SourceSpan;
import tessera.runtime.DType;

/**
 * Compiles the expressions of one statement into {@link Node}s for the {@link Interpreter}, right
 * before the statement runs: scalars (dims, parameters, lets) become constants, tensor names become
 * their buffers, index variables become slots of the statement's {@link Frame}. Nothing is looked
 * up by name while the statement loops.
 */
final class ExprCompiler {
    /** What the compiler needs from the run: scalar values and the buffers defined so far. */
    interface Env {
        /** The value of a dim, parameter or let; throws {@link RunFailure} if it has none yet. */
        double scalar(Expr.Scalar s, SourceSpan span);

        /** The buffer of a defined tensor; throws {@link RunFailure} if it is not defined yet. */
        Buffer tensor(String name, SourceSpan span);
    }

    private final Env env;
    private final SourceSpan span;
    private final Map<String, Deque<Integer>> scope = new HashMap<>();
    private int slots;

    ExprCompiler(Env env, SourceSpan span) {
        this.env = env;
        this.span = span;
    }

    /** Brings a variable into scope (shadowing any of the same name) and returns its slot. */
    int bind(String name) {
        int slot = slots++;
        scope.computeIfAbsent(name, n -> new ArrayDeque<>()).push(slot);
        return slot;
    }

    /** Ends the innermost binding of {@code name}. */
    void unbind(String name) {
        Deque<Integer> d = scope.get(name);
        d.pop();
        if (d.isEmpty()) scope.remove(name);
    }

    /** A frame with room for every variable bound so far. */
    Frame newFrame() {
        return new Frame(slots);
    }

    private int slot(String name) {
        Deque<Integer> d = scope.get(name);
        if (d == null) throw new RunFailure("index variable '" + name + "' is not in scope", span);
        return d.peek();
    }

    Node compile(Expr e) {
        return switch (e) {
            case Expr.Const c -> Types.isIntegral(c.type()) ? new Nodes.ConstL((long) c.value()) : new Nodes.ConstD(c.value());
            case Expr.Scalar s -> {
                double v = env.scalar(s, span);
                yield Types.isIntegral(s.type()) ? new Nodes.ConstL((long) v) : new Nodes.ConstD(v);
            }
            case Expr.Index i -> new Nodes.IndexL(slot(i.name()));
            case Expr.Read r -> read(r);
            case Expr.Unary u -> switch (u.op()) {
                case NEG -> Types.isIntegral(u.type())
                        ? new Nodes.NegL(compile(u.x()), wraps(u.type()))
                        : new Nodes.NegD(compile(u.x()));
                case NOT -> new Nodes.Not(compile(u.x()));
            };
            case Expr.Binary b -> binary(b);
            case Expr.Select s -> Types.isIntegral(s.type())
                    ? new Nodes.SelectL(compile(s.cond()), compile(s.a()), compile(s.b()))
                    : new Nodes.SelectD(compile(s.cond()), compile(s.a()), compile(s.b()));
            case Expr.Call c -> call(c);
            case Expr.Reduce r -> reduce(r);
            case Expr.Softmax s -> softmax(s);
        };
    }

    private static boolean wraps(DType t) {
        return t == DType.I32;
    }

    private Node read(Expr.Read r) {
        Buffer buf = env.tensor(r.tensor(), span);
        if (r.indices().size() != buf.shape.length) {
            throw new RunFailure("'" + r.tensor() + "' has rank " + buf.shape.length + " but is read with "
                    + r.indices().size() + " indices in " + Printer.expr(r), span);
        }
        Node[] ix = new Node[r.indices().size()];
        for (int k = 0; k < ix.length; k++) ix[k] = compile(r.indices().get(k));
        Nodes.Address at = new Nodes.Address(buf, ix, new Nodes.Site(span, r));
        return Types.isIntegral(r.type()) ? new Nodes.ReadL(at) : new Nodes.ReadD(at);
    }

    private Node binary(Expr.Binary b) {
        Node x = compile(b.a());
        Node y = compile(b.b());
        boolean ints = Types.isIntegral(b.type());
        boolean intOperands = Types.isIntegral(b.a().type()) && Types.isIntegral(b.b().type());
        boolean w = wraps(b.type());
        return switch (b.op()) {
            case ADD -> ints ? new Nodes.ArithL((p, q) -> p + q, x, y, w) : new Nodes.ArithD((p, q) -> p + q, x, y);
            case SUB -> ints ? new Nodes.ArithL((p, q) -> p - q, x, y, w) : new Nodes.ArithD((p, q) -> p - q, x, y);
            case MUL -> ints ? new Nodes.ArithL((p, q) -> p * q, x, y, w) : new Nodes.ArithD((p, q) -> p * q, x, y);
            case DIV -> ints ? new Nodes.DivL(false, x, y, w, new Nodes.Site(span, b)) : new Nodes.ArithD((p, q) -> p / q, x, y);
            case MOD -> ints ? new Nodes.DivL(true, x, y, w, new Nodes.Site(span, b)) : new Nodes.ArithD((p, q) -> p % q, x, y);
            case LT -> intOperands ? new Nodes.CmpL((p, q) -> p < q, x, y) : new Nodes.CmpD((p, q) -> p < q, x, y);
            case LE -> intOperands ? new Nodes.CmpL((p, q) -> p <= q, x, y) : new Nodes.CmpD((p, q) -> p <= q, x, y);
            case GT -> intOperands ? new Nodes.CmpL((p, q) -> p > q, x, y) : new Nodes.CmpD((p, q) -> p > q, x, y);
            case GE -> intOperands ? new Nodes.CmpL((p, q) -> p >= q, x, y) : new Nodes.CmpD((p, q) -> p >= q, x, y);
            case EQ -> intOperands ? new Nodes.CmpL((p, q) -> p == q, x, y) : new Nodes.CmpD((p, q) -> p == q, x, y);
            case NE -> intOperands ? new Nodes.CmpL((p, q) -> p != q, x, y) : new Nodes.CmpD((p, q) -> p != q, x, y);
            case AND -> new Nodes.And(x, y);
            case OR -> new Nodes.Or(x, y);
        };
    }

    private Node call(Expr.Call c) {
        List<Expr> args = c.args();
        Node a = compile(args.get(0));
        Node b = args.size() > 1 ? compile(args.get(1)) : null;
        Node z = args.size() > 2 ? compile(args.get(2)) : null;
        boolean ints = Types.isIntegral(c.type());
        return switch (c.fn()) {
            case EXP -> new Nodes.MathD(Math::exp, a);
            case LOG -> new Nodes.MathD(Math::log, a);
            case SQRT -> new Nodes.MathD(Math::sqrt, a);
            case RSQRT -> new Nodes.MathD(v -> 1 / Math.sqrt(v), a);
            case TANH -> new Nodes.MathD(Math::tanh, a);
            case SIGMOID -> new Nodes.MathD(v -> 1 / (1 + Math.exp(-v)), a);
            case ABS -> ints ? new Nodes.AbsL(a, wraps(c.type())) : new Nodes.MathD(Math::abs, a);
            case MIN -> ints ? new Nodes.ArithL(Math::min, a, b, false) : new Nodes.ArithD(Math::min, a, b);
            case MAX -> ints ? new Nodes.ArithL(Math::max, a, b, false) : new Nodes.ArithD(Math::max, a, b);
            case POW -> new Nodes.ArithD(Math::pow, a, b);
            case FLOOR -> new Nodes.MathD(Math::floor, a);
            case CEIL -> new Nodes.MathD(Math::ceil, a);
            case FLOAT -> a;
            case INT -> new Nodes.ToInt(a, !Types.isIntegral(args.get(0).type()), wraps(c.type()));
            case PHILOX -> new Nodes.PhiloxL(a, b, z);
            case UNIFORM -> new Nodes.UniformD(a, b, z);
        };
    }

    private Node reduce(Expr.Reduce r) {
        List<IndexVar> vars = r.vars();
        Node[] extents = new Node[vars.size()];
        for (int k = 0; k < extents.length; k++) extents[k] = compile(vars.get(k).extent());
        int[] s = new int[vars.size()];
        for (int k = 0; k < s.length; k++) s[k] = bind(vars.get(k).name());
        Node filter = r.filter().map(this::compile).orElse(null);
        Node body = compile(r.body());
        for (int k = s.length - 1; k >= 0; k--) unbind(vars.get(k).name());
        return new ReduceNode(r.op(), s, extents, filter, body, new Nodes.Site(span, r));
    }

    private Node softmax(Expr.Softmax s) {
        int varSlot = slot(s.var().name());
        Node extent = compile(s.var().extent());
        Node body = compile(s.body());
        List<Integer> keys = new ArrayList<>();
        for (String v : freeIndices(s.body())) {
            if (!v.equals(s.var().name())) keys.add(slot(v));
        }
        int[] keySlots = keys.stream().mapToInt(Integer::intValue).toArray();
        return new SoftmaxNode(varSlot, extent, keySlots, body, new Nodes.Site(span, s));
    }

    /** The index variables {@code e} uses that it does not bind itself, in order of first use. */
    static Set<String> freeIndices(Expr e) {
        Set<String> out = new LinkedHashSet<>();
        collectFree(e, new HashMap<>(), out);
        return out;
    }

    private static void collectFree(Expr e, Map<String, Integer> bound, Set<String> out) {
        switch (e) {
            case Expr.Const c -> { }
            case Expr.Scalar s -> { }
            case Expr.Index i -> {
                if (!bound.containsKey(i.name())) out.add(i.name());
            }
            case Expr.Read r -> r.indices().forEach(x -> collectFree(x, bound, out));
            case Expr.Unary u -> collectFree(u.x(), bound, out);
            case Expr.Binary b -> {
                collectFree(b.a(), bound, out);
                collectFree(b.b(), bound, out);
            }
            case Expr.Select s -> {
                collectFree(s.cond(), bound, out);
                collectFree(s.a(), bound, out);
                collectFree(s.b(), bound, out);
            }
            case Expr.Call c -> c.args().forEach(x -> collectFree(x, bound, out));
            case Expr.Reduce r -> {
                r.vars().forEach(v -> collectFree(v.extent(), bound, out));
                r.vars().forEach(v -> bound.merge(v.name(), 1, Integer::sum));
                r.filter().ifPresent(x -> collectFree(x, bound, out));
                collectFree(r.body(), bound, out);
                r.vars().forEach(v -> bound.merge(v.name(), -1, (p, q) -> p + q == 0 ? null : p + q));
            }
            case Expr.Softmax s -> {
                if (!bound.containsKey(s.var().name())) out.add(s.var().name());
                collectFree(s.var().extent(), bound, out);
                collectFree(s.body(), bound, out);
            }
        }
    }
}
