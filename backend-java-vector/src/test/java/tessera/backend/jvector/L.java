package tessera.backend.jvector;

import java.util.List;
import tessera.ir.loop.Kernel;
import tessera.ir.loop.LExpr;
import tessera.ir.loop.LStmt;
import tessera.ir.tensor.Expr;
import tessera.ir.tensor.Types;
import tessera.runtime.DType;

/** Terse builders for hand-written Loop IR in tests. */
final class L {
    private L() {}

    static LExpr.Ref ref(String name, DType t) { return new LExpr.Ref(name, t); }
    static LExpr.Ref i32(String name) { return ref(name, DType.I32); }
    static LExpr.Const ci(long v) { return LExpr.Const.i32(v); }
    static LExpr.Const cf(double v) { return new LExpr.Const(v, DType.F32); }
    static LExpr.Const cd(double v) { return new LExpr.Const(v, DType.F64); }
    static LExpr.Const cl(long v) { return new LExpr.Const(v, DType.I64); }
    static LExpr.Const cb(boolean v) { return LExpr.Const.bool(v); }

    static LExpr.Load load(String buf, LExpr index, DType t) { return new LExpr.Load(buf, index, t); }
    static LExpr.Load f32(String buf, LExpr index) { return load(buf, index, DType.F32); }
    static LExpr.Load f64(String buf, LExpr index) { return load(buf, index, DType.F64); }

    static LExpr.Binary bin(Expr.BinOp op, LExpr a, LExpr b) {
        DType t = op.isComparison() || op.isLogical() ? DType.BOOL : Types.promote(a.type(), b.type());
        return new LExpr.Binary(op, a, b, t);
    }
    static LExpr.Binary add(LExpr a, LExpr b) { return bin(Expr.BinOp.ADD, a, b); }
    static LExpr.Binary sub(LExpr a, LExpr b) { return bin(Expr.BinOp.SUB, a, b); }
    static LExpr.Binary mul(LExpr a, LExpr b) { return bin(Expr.BinOp.MUL, a, b); }
    static LExpr.Binary div(LExpr a, LExpr b) { return bin(Expr.BinOp.DIV, a, b); }
    static LExpr.Binary mod(LExpr a, LExpr b) { return bin(Expr.BinOp.MOD, a, b); }
    static LExpr.Binary lt(LExpr a, LExpr b) { return bin(Expr.BinOp.LT, a, b); }
    static LExpr.Binary gt(LExpr a, LExpr b) { return bin(Expr.BinOp.GT, a, b); }
    static LExpr.Binary and(LExpr a, LExpr b) { return bin(Expr.BinOp.AND, a, b); }
    static LExpr.Binary or(LExpr a, LExpr b) { return bin(Expr.BinOp.OR, a, b); }
    static LExpr.Unary neg(LExpr x) { return new LExpr.Unary(Expr.UnOp.NEG, x, x.type()); }
    static LExpr.Unary not(LExpr x) { return new LExpr.Unary(Expr.UnOp.NOT, x, DType.BOOL); }
    static LExpr.Select select(LExpr c, LExpr a, LExpr b) { return new LExpr.Select(c, a, b, a.type()); }
    static LExpr.Cast cast(LExpr x, DType t) { return new LExpr.Cast(x, t); }
    static LExpr.Call call(Expr.Builtin fn, DType t, LExpr... args) { return new LExpr.Call(fn, List.of(args), t); }

    static LStmt.Let let(String name, LExpr v) { return new LStmt.Let(name, v); }
    static LStmt.Var var(String name, DType t, LExpr init) { return new LStmt.Var(name, t, init); }
    static LStmt.Assign assign(String name, LExpr v) { return new LStmt.Assign(name, v); }
    static LStmt.Store store(String buf, LExpr index, LExpr v) { return new LStmt.Store(buf, index, v); }
    static LStmt.Comment comment(String text) { return new LStmt.Comment(text); }
    static LStmt.For loop(String var, LExpr lo, LExpr hi, LStmt... body) {
        return new LStmt.For(var, lo, hi, LStmt.LoopKind.SERIAL, List.of(body));
    }
    static LStmt.For vectorized(String var, LExpr lo, LExpr hi, LStmt... body) {
        return new LStmt.For(var, lo, hi, LStmt.LoopKind.VECTORIZED, List.of(body));
    }
    static LStmt.Alloc local(String name, DType t, LExpr size) { return new LStmt.Alloc(name, t, size, LStmt.Space.PRIVATE); }
    static LStmt.Operand operand(String array, LExpr offset, LExpr rowStride, LExpr colStride) {
        return new LStmt.Operand(array, offset, rowStride, colStride);
    }
    static LStmt.MatMul matmul(LStmt.Operand c, LStmt.Operand a, LStmt.Operand b, LExpr rows, LExpr cols, LExpr depth,
                               boolean accumulate) {
        return new LStmt.MatMul(c, a, b, rows, cols, depth, accumulate);
    }
    static LExpr.Call min(LExpr a, LExpr b) { return call(Expr.Builtin.MIN, a.type(), a, b); }
    static LExpr.Call max(LExpr a, LExpr b) { return call(Expr.Builtin.MAX, a.type(), a, b); }
    static LExpr.Call exp(LExpr x) { return call(Expr.Builtin.EXP, x.type(), x); }
    static LStmt.If when(LExpr c, List<LStmt> then, List<LStmt> otherwise) { return new LStmt.If(c, then, otherwise); }

    static Kernel.BufferParam in(String name, DType t) { return new Kernel.BufferParam(name, t, Kernel.Access.READ); }
    static Kernel.BufferParam out(String name, DType t) { return new Kernel.BufferParam(name, t, Kernel.Access.WRITE); }
    static Kernel.BufferParam inOut(String name, DType t) { return new Kernel.BufferParam(name, t, Kernel.Access.READ_WRITE); }
    static Kernel.ScalarParam scalar(String name, DType t) { return new Kernel.ScalarParam(name, t); }
    static Kernel.GridDim dim(String var, LExpr extent) { return new Kernel.GridDim(var, extent); }
}
