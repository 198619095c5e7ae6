package tessera.passes;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import tessera.ir.Semantics;
import tessera.ir.loop.Kernel;
import tessera.ir.loop.LExpr;
import tessera.ir.loop.LStmt;
import tessera.ir.loop.Module;
import tessera.ir.tensor.Expr;
import tessera.runtime.DType;

/**
 * Simplifies Loop IR: folds operators on constants (integer semantics as the language defines:
 * division truncating, wrap-around left to the run time), removes identities and selects on
 * constant conditions, replaces {@code if} on a constant by the branch taken (inlined into the
 * enclosing block when that declares none of the same names), drops loops that run zero times,
 * removes {@code let}s nobody reads, and names repeated integer subexpressions once
 * ({@link CommonSubexpressions}). Target-neutral.
 */
public final class Simplify implements LoopPass {
    @Override
    public String name() {
        return "simplify";
    }

    @Override
    public Module apply(Module m, Target target) {
        List<Kernel> kernels = m.kernels().stream()
                .map(k -> CommonSubexpressions.apply(new Kernel(k.name(), k.params(),
                        k.grid().stream().map(g -> new Kernel.GridDim(g.var(), fold(g.extent()))).toList(), k.group(),
                        block(k.body()), k.origin())))
                .toList();
        return new Module(m.name(), kernels, m.plan());
    }

    private static List<LStmt> block(List<LStmt> in) {
        List<LStmt> out = new ArrayList<>();
        for (LStmt s : in) {
            switch (s) {
                case LStmt.If i -> {
                    LExpr c = fold(i.cond());
                    if (c instanceof LExpr.Const k) {
                        List<LStmt> taken = block(k.value() != 0 ? i.then() : i.otherwise());
                        if (!clashes(taken, in)) out.addAll(taken);
                        else if (!taken.isEmpty()) out.add(new LStmt.If(LExpr.Const.bool(true), taken, List.of()));
                    } else {
                        out.add(new LStmt.If(c, block(i.then()), block(i.otherwise())));
                    }
                }
                case LStmt.For f -> {
                    LExpr lo = fold(f.lo());
                    LExpr hi = fold(f.hi());
                    if (lo instanceof LExpr.Const a && hi instanceof LExpr.Const b && b.value() <= a.value()) continue;
                    out.add(new LStmt.For(f.var(), lo, hi, f.kind(), block(f.body())));
                }
                case LStmt.Let l -> out.add(new LStmt.Let(l.name(), fold(l.value())));
                case LStmt.Var v -> out.add(new LStmt.Var(v.name(), v.type(), fold(v.init())));
                case LStmt.Assign a -> out.add(new LStmt.Assign(a.name(), fold(a.value())));
                case LStmt.Store st -> out.add(new LStmt.Store(st.buffer(), fold(st.index()), fold(st.value())));
                case LStmt.Comment c -> out.add(c);
                case LStmt.Barrier b -> out.add(b);
                case LStmt.Alloc a -> out.add(new LStmt.Alloc(a.name(), a.type(), fold(a.size()), a.space()));
                case LStmt.MatMul mm -> out.add(new LStmt.MatMul(operand(mm.c()), operand(mm.a()), operand(mm.b()),
                        fold(mm.rows()), fold(mm.cols()), fold(mm.depth()), mm.accumulate()));
            }
        }
        return removeDeadLets(out);
    }

    private static LStmt.Operand operand(LStmt.Operand o) {
        return new LStmt.Operand(o.array(), fold(o.offset()), fold(o.rowStride()), fold(o.colStride()));
    }

    /** Whether inlining {@code inner} into a block would declare a name the block declares too. */
    private static boolean clashes(List<LStmt> inner, List<LStmt> outer) {
        Set<String> declared = new HashSet<>();
        for (LStmt s : outer) declaredName(s, declared);
        for (LStmt s : inner) {
            Set<String> one = new HashSet<>();
            declaredName(s, one);
            for (String n : one) if (declared.contains(n)) return true;
        }
        return false;
    }

    private static void declaredName(LStmt s, Set<String> into) {
        if (s instanceof LStmt.Let l) into.add(l.name());
        if (s instanceof LStmt.Var v) into.add(v.name());
    }

    private static List<LStmt> removeDeadLets(List<LStmt> stmts) {
        List<LStmt> out = new ArrayList<>();
        for (int i = 0; i < stmts.size(); i++) {
            if (stmts.get(i) instanceof LStmt.Let l && !usedAfter(l.name(), stmts.subList(i + 1, stmts.size()))) continue;
            out.add(stmts.get(i));
        }
        return out;
    }

    private static boolean usedAfter(String name, List<LStmt> rest) {
        for (LStmt s : rest) if (uses(s, name)) return true;
        return false;
    }

    private static boolean uses(LStmt s, String name) {
        return switch (s) {
            case LStmt.Let l -> uses(l.value(), name);
            case LStmt.Var v -> uses(v.init(), name);
            case LStmt.Assign a -> uses(a.value(), name);
            case LStmt.Store st -> uses(st.index(), name) || uses(st.value(), name);
            case LStmt.For f -> uses(f.lo(), name) || uses(f.hi(), name) || f.body().stream().anyMatch(x -> uses(x, name));
            case LStmt.If i -> uses(i.cond(), name) || i.then().stream().anyMatch(x -> uses(x, name))
                    || i.otherwise().stream().anyMatch(x -> uses(x, name));
            case LStmt.Comment c -> false;
            case LStmt.Barrier b -> false;
            case LStmt.Alloc a -> uses(a.size(), name);
            case LStmt.MatMul mm -> java.util.stream.Stream.of(mm.c(), mm.a(), mm.b())
                    .anyMatch(o -> uses(o.offset(), name) || uses(o.rowStride(), name) || uses(o.colStride(), name))
                    || uses(mm.rows(), name) || uses(mm.cols(), name) || uses(mm.depth(), name);
        };
    }

    private static boolean uses(LExpr e, String name) {
        return switch (e) {
            case LExpr.Const c -> false;
            case LExpr.Ref r -> r.name().equals(name);
            case LExpr.Load l -> uses(l.index(), name);
            case LExpr.Unary u -> uses(u.x(), name);
            case LExpr.Binary b -> uses(b.a(), name) || uses(b.b(), name);
            case LExpr.Select s -> uses(s.cond(), name) || uses(s.a(), name) || uses(s.b(), name);
            case LExpr.Call c -> c.args().stream().anyMatch(x -> uses(x, name));
            case LExpr.Cast c -> uses(c.x(), name);
        };
    }

    static LExpr fold(LExpr e) {
        return switch (e) {
            case LExpr.Const c -> c;
            case LExpr.Ref r -> r;
            case LExpr.Load l -> new LExpr.Load(l.buffer(), fold(l.index()), l.type());
            case LExpr.Unary u -> {
                LExpr x = fold(u.x());
                if (x instanceof LExpr.Const c) yield new LExpr.Const(u.op() == Expr.UnOp.NEG ? -c.value() : (c.value() != 0 ? 0 : 1), u.type());
                yield new LExpr.Unary(u.op(), x, u.type());
            }
            case LExpr.Binary b -> binary(b.op(), fold(b.a()), fold(b.b()), b.type());
            case LExpr.Select s -> {
                LExpr c = fold(s.cond());
                LExpr a = fold(s.a());
                LExpr b = fold(s.b());
                if (c instanceof LExpr.Const k) yield k.value() != 0 ? a : b;
                yield new LExpr.Select(c, a, b, s.type());
            }
            case LExpr.Call c -> new LExpr.Call(c.fn(), c.args().stream().map(Simplify::fold).toList(), c.type());
            case LExpr.Cast c -> {
                LExpr x = fold(c.x());
                if (x instanceof LExpr.Const k && c.type() != DType.BOOL && k.type() != DType.BOOL) {
                    double v = k.value();
                    if (isInt(c.type())) v = Semantics.truncate(v, c.type());
                    if (c.type() == DType.F32) v = (float) v;
                    yield new LExpr.Const(v, c.type());
                }
                yield x.type() == c.type() ? x : new LExpr.Cast(x, c.type());
            }
        };
    }

    private static boolean isInt(DType t) {
        return t == DType.I32 || t == DType.I64;
    }

    private static LExpr binary(Expr.BinOp op, LExpr a, LExpr b, DType type) {
        if (a instanceof LExpr.Const x && b instanceof LExpr.Const y) {
            Double v = constant(op, x, y, type);
            if (v != null) return new LExpr.Const(v, type);
        }
        boolean sameType = a.type() == type && b.type() == type;
        if (sameType && type != DType.BOOL) {
            if ((op == Expr.BinOp.ADD || op == Expr.BinOp.SUB) && isConst(b, 0)) return a;
            if (op == Expr.BinOp.ADD && isConst(a, 0)) return b;
            if ((op == Expr.BinOp.MUL || op == Expr.BinOp.DIV) && isConst(b, 1)) return a;
            if (op == Expr.BinOp.MUL && isConst(a, 1)) return b;
        }
        if (op == Expr.BinOp.AND) {
            if (isConst(a, 1)) return b;
            if (isConst(b, 1)) return a;
        }
        if (op == Expr.BinOp.OR) {
            if (isConst(a, 0)) return b;
            if (isConst(b, 0)) return a;
        }
        return new LExpr.Binary(op, a, b, type);
    }

    private static boolean isConst(LExpr e, double v) {
        return e instanceof LExpr.Const c && c.value() == v;
    }

    private static Double constant(Expr.BinOp op, LExpr.Const a, LExpr.Const b, DType type) {
        Double v = Semantics.fold(op, a.value(), a.type(), b.value(), b.type(), type).orElse(null);
        if (v != null && type == DType.F32) v = (double) (float) (double) v;
        return v;
    }

}
