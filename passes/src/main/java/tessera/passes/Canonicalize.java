package tessera.passes;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tessera.ir.Semantics;
import tessera.ir.tensor.Expr;
import tessera.ir.tensor.IndexVar;
import tessera.ir.tensor.Program;
import tessera.ir.tensor.Stmt;
import tessera.runtime.DType;

/**
 * Canonical form for the passes after it. Replaces dims fixed at compile time by their values,
 * folds arithmetic on constants (integer division truncating, as the language defines), removes
 * identities ({@code x * 1}, {@code x + 0}, {@code !!c}, {@code true && c}, selects on constant
 * conditions), and inlines lets whose value folds to a constant, dropping them. Defs are already
 * inlined by the resolver. Shapes in the signature keep their dim names, so run-time messages can
 * name them.
 */
public final class Canonicalize implements Pass {
    @Override
    public String name() {
        return "canonicalize";
    }

    @Override
    public Program apply(Program p) {
        Map<String, Expr> known = new HashMap<>();
        for (Program.Dim d : p.dims()) {
            if (d.fixed().isPresent()) known.put(d.name(), Expr.Const.i32(d.fixed().getAsLong()));
        }
        List<Stmt> body = new ArrayList<>();
        for (Stmt s : p.body()) {
            switch (s) {
                case Stmt.Let l -> {
                    Expr v = fold(l.value(), known);
                    if (v instanceof Expr.Const) known.put(l.name(), v);
                    else body.add(new Stmt.Let(l.name(), v, l.span()));
                }
                case Stmt.Define d -> body.add(new Stmt.Define(d.tensor(), vars(d.vars(), known),
                        fold(d.domain(), known), fold(d.value(), known), d.span()));
                case Stmt.Scatter sc -> body.add(new Stmt.Scatter(sc.tensor(), vars(sc.vars(), known),
                        sc.target().stream().map(x -> fold(x, known)).toList(), fold(sc.domain(), known),
                        fold(sc.value(), known), sc.span()));
                case Stmt.TopK t -> body.add(new Stmt.TopK(t.tensor(), vars(t.vars(), known), t.axis(),
                        var(t.over(), known), fold(t.k(), known), fold(t.value(), known), t.span()));
                case Stmt.Attention a -> body.add(a); // made later in the pipeline (FlashFusion), already folded
            }
        }
        List<Program.TensorDecl> tensors = p.tensors().stream()
                .map(t -> t.role() == Program.Role.TEMP
                        ? new Program.TensorDecl(t.name(), t.role(), t.dtype(), t.shape().stream().map(x -> fold(x, known)).toList(), t.span())
                        : t)
                .toList();
        List<Program.Dim> dims = p.dims().stream()
                .map(d -> new Program.Dim(d.name(), d.fixed(), d.derived().map(x -> fold(x, known)), d.span()))
                .toList();
        return new Program(p.name(), dims, tensors, p.scalars(), p.constraints(), body, p.schedules(), p.span());
    }

    private static List<IndexVar> vars(List<IndexVar> vs, Map<String, Expr> known) {
        return vs.stream().map(v -> var(v, known)).toList();
    }

    private static IndexVar var(IndexVar v, Map<String, Expr> known) {
        return new IndexVar(v.name(), fold(v.extent(), known));
    }

    private static Optional<Expr> fold(Optional<Expr> e, Map<String, Expr> known) {
        Optional<Expr> f = e.map(x -> fold(x, known));
        // A domain that is always true is no domain.
        if (f.isPresent() && f.get() instanceof Expr.Const c && c.type() == DType.BOOL && c.value() != 0) return Optional.empty();
        return f;
    }

    static Expr fold(Expr e, Map<String, Expr> known) {
        return switch (e) {
            case Expr.Const c -> c;
            case Expr.Index i -> i;
            case Expr.Scalar s -> {
                Expr k = known.get(s.name());
                yield k != null && s.kind() != Expr.ScalarKind.PARAM ? retype(k, s.type()) : s;
            }
            case Expr.Read r -> new Expr.Read(r.tensor(), r.indices().stream().map(x -> fold(x, known)).toList(), r.type());
            case Expr.Unary u -> unary(u.op(), fold(u.x(), known), u.type());
            case Expr.Binary b -> binary(b.op(), fold(b.a(), known), fold(b.b(), known), b.type());
            case Expr.Select s -> {
                Expr c = fold(s.cond(), known);
                Expr a = fold(s.a(), known);
                Expr b = fold(s.b(), known);
                if (c instanceof Expr.Const k) yield retype(k.value() != 0 ? a : b, s.type());
                yield new Expr.Select(c, a, b, s.type());
            }
            case Expr.Call c -> call(c.fn(), c.args().stream().map(x -> fold(x, known)).toList(), c.type());
            case Expr.Reduce r -> new Expr.Reduce(r.op(), vars(r.vars(), known), r.filter().map(x -> fold(x, known)),
                    fold(r.body(), known), r.type());
            case Expr.Softmax s -> new Expr.Softmax(var(s.var(), known), fold(s.body(), known), s.type());
        };
    }

    /** A constant takes the type its use expects (an i32 let used as f32 stays a value of that type). */
    private static Expr retype(Expr e, DType type) {
        if (e instanceof Expr.Const c && c.type() != type) {
            double v = isInt(type) ? Semantics.truncate(c.value(), type) : c.value();
            return new Expr.Const(type == DType.F32 ? (double) (float) v : v, type);
        }
        return e;
    }

    private static boolean isInt(DType t) {
        return t == DType.I32 || t == DType.I64;
    }


    private static Expr unary(Expr.UnOp op, Expr x, DType type) {
        if (x instanceof Expr.Const c) {
            return new Expr.Const(op == Expr.UnOp.NEG ? -c.value() : (c.value() != 0 ? 0 : 1), type);
        }
        if (op == Expr.UnOp.NOT && x instanceof Expr.Unary u && u.op() == Expr.UnOp.NOT) return u.x();
        return new Expr.Unary(op, x, type);
    }

    private static Expr binary(Expr.BinOp op, Expr a, Expr b, DType type) {
        if (a instanceof Expr.Const x && b instanceof Expr.Const y) {
            Optional<Double> v = constant(op, x, y, type);
            if (v.isPresent()) return new Expr.Const(v.get(), type);
        }
        boolean numeric = type != DType.BOOL;
        if (numeric && a.type() == type && b.type() == type) {
            if ((op == Expr.BinOp.ADD && isConst(b, 0)) || (op == Expr.BinOp.SUB && isConst(b, 0))
                    || (op == Expr.BinOp.MUL && isConst(b, 1)) || (op == Expr.BinOp.DIV && isConst(b, 1))) return a;
            if ((op == Expr.BinOp.ADD && isConst(a, 0)) || (op == Expr.BinOp.MUL && isConst(a, 1))) return b;
        }
        if (op == Expr.BinOp.AND) {
            if (isConst(a, 1)) return b;
            if (isConst(b, 1)) return a;
            if (isConst(a, 0)) return a;
        }
        if (op == Expr.BinOp.OR) {
            if (isConst(a, 0)) return b;
            if (isConst(b, 0)) return a;
            if (isConst(a, 1)) return a;
        }
        return new Expr.Binary(op, a, b, type);
    }

    private static boolean isConst(Expr e, double v) {
        return e instanceof Expr.Const c && c.value() == v;
    }

    private static Optional<Double> constant(Expr.BinOp op, Expr.Const a, Expr.Const b, DType type) {
        return Semantics.fold(op, a.value(), a.type(), b.value(), b.type(), type);
    }

    private static Expr call(Expr.Builtin fn, List<Expr> args, DType type) {
        if (!args.stream().allMatch(a -> a instanceof Expr.Const)) return new Expr.Call(fn, args, type);
        return Semantics.foldCall(fn, args.stream().map(a -> ((Expr.Const) a).value()).toList(), type)
                .<Expr>map(v -> new Expr.Const(v, type)).orElseGet(() -> new Expr.Call(fn, args, type));
    }
}
