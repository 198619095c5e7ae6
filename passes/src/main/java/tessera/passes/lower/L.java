package tessera.passes.lower;

import java.util.List;
import tessera.ir.loop.LExpr;
import tessera.ir.tensor.Expr;
import tessera.runtime.DType;

/** Small constructors for Loop IR expressions, folding the trivial cases so generated code stays readable. */
final class L {
    private L() {}

    static final LExpr TRUE = LExpr.Const.bool(true);
    static final LExpr FALSE = LExpr.Const.bool(false);

    static LExpr i32(long v) {
        return LExpr.Const.i32(v);
    }

    static LExpr ref(String name, DType type) {
        return new LExpr.Ref(name, type);
    }

    static boolean isTrue(LExpr e) {
        return e instanceof LExpr.Const c && c.type() == DType.BOOL && c.value() != 0;
    }

    static boolean isConst(LExpr e, double v) {
        return e instanceof LExpr.Const c && c.value() == v;
    }

    static LExpr and(LExpr a, LExpr b) {
        if (isTrue(a)) return b;
        if (isTrue(b)) return a;
        return new LExpr.Binary(Expr.BinOp.AND, a, b, DType.BOOL);
    }

    static LExpr not(LExpr a) {
        return new LExpr.Unary(Expr.UnOp.NOT, a, DType.BOOL);
    }

    static LExpr bin(Expr.BinOp op, LExpr a, LExpr b, DType type) {
        if (op == Expr.BinOp.ADD && isConst(a, 0) && a.type() == type) return b;
        if (op == Expr.BinOp.ADD && isConst(b, 0) && b.type() == type) return a;
        if (op == Expr.BinOp.MUL && isConst(a, 1) && b.type() == type) return b;
        if (op == Expr.BinOp.MUL && isConst(b, 1) && a.type() == type) return a;
        if (a instanceof LExpr.Const x && b instanceof LExpr.Const y && type == DType.I32
                && (op == Expr.BinOp.ADD || op == Expr.BinOp.MUL || op == Expr.BinOp.SUB)) {
            long v = switch (op) {
                case ADD -> (long) x.value() + (long) y.value();
                case SUB -> (long) x.value() - (long) y.value();
                default -> (long) x.value() * (long) y.value();
            };
            return i32(v);
        }
        return new LExpr.Binary(op, a, b, type);
    }

    static LExpr cmp(Expr.BinOp op, LExpr a, LExpr b) {
        return new LExpr.Binary(op, a, b, DType.BOOL);
    }

    static LExpr cast(LExpr e, DType to) {
        if (e.type() == to) return e;
        if (e instanceof LExpr.Const c && to != DType.BOOL) {
            double v = c.value();
            if (to == DType.I32 || to == DType.I64) v = v < 0 ? Math.ceil(v) : Math.floor(v);
            if (to == DType.F32) v = (float) v;
            return new LExpr.Const(v, to);
        }
        return new LExpr.Cast(e, to);
    }

    static LExpr select(LExpr c, LExpr a, LExpr b) {
        if (isTrue(c)) return a;
        if (c instanceof LExpr.Const k && k.value() == 0) return b;
        return new LExpr.Select(c, a, b, a.type());
    }

    static LExpr call(Expr.Builtin fn, DType type, LExpr... args) {
        return new LExpr.Call(fn, List.of(args), type);
    }

    /** The flat row-major index of {@code idx} in a tensor of {@code shape}: Horner form. */
    static LExpr flat(List<LExpr> idx, List<LExpr> shape) {
        if (idx.isEmpty()) return i32(0);
        LExpr f = idx.getFirst();
        for (int k = 1; k < idx.size(); k++) {
            f = bin(Expr.BinOp.ADD, bin(Expr.BinOp.MUL, f, shape.get(k), DType.I32), idx.get(k), DType.I32);
        }
        return f;
    }

    static DType compute(DType t) {
        return t == DType.F16 || t == DType.BF16 ? DType.F32 : t;
    }

    static boolean isInt(DType t) {
        return t == DType.I32 || t == DType.I64;
    }

    static LExpr negInf(DType t) {
        return new LExpr.Const(Double.NEGATIVE_INFINITY, t);
    }
}
