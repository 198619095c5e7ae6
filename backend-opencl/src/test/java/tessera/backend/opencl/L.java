package tessera.backend.opencl;

import java.util.List;
import tessera.ir.loop.Kernel;
import tessera.ir.loop.LExpr;
import tessera.ir.loop.LStmt;
import tessera.ir.loop.LaunchPlan;
import tessera.ir.loop.Module;
import tessera.ir.tensor.Expr.BinOp;
import tessera.ir.tensor.Expr.Builtin;
import tessera.ir.tensor.Types;
import tessera.runtime.DType;

/** Short constructors for hand-built Loop IR in tests; types follow {@link Types}. */
final class L {
    private L() {}

    static LExpr.Ref i32(String name) {
        return new LExpr.Ref(name, DType.I32);
    }

    static LExpr.Ref ref(String name, DType type) {
        return new LExpr.Ref(name, type);
    }

    static LExpr.Const c(long v) {
        return LExpr.Const.i32(v);
    }

    static LExpr.Const c(double v, DType type) {
        return new LExpr.Const(v, type);
    }

    static LExpr.Const f(double v) {
        return new LExpr.Const(v, DType.F32);
    }

    static LExpr.Load load(String buffer, LExpr index, DType type) {
        return new LExpr.Load(buffer, index, Types.readType(type));
    }

    static LExpr.Binary bin(BinOp op, LExpr a, LExpr b) {
        DType t = op.isComparison() || op.isLogical() ? DType.BOOL : Types.promote(a.type(), b.type());
        return new LExpr.Binary(op, a, b, t);
    }

    static LExpr.Binary add(LExpr a, LExpr b) {
        return bin(BinOp.ADD, a, b);
    }

    static LExpr.Binary sub(LExpr a, LExpr b) {
        return bin(BinOp.SUB, a, b);
    }

    static LExpr.Binary mul(LExpr a, LExpr b) {
        return bin(BinOp.MUL, a, b);
    }

    static LExpr.Select select(LExpr cond, LExpr a, LExpr b) {
        return new LExpr.Select(cond, a, b, a.type());
    }

    static LExpr.Call call(Builtin fn, DType type, LExpr... args) {
        return new LExpr.Call(fn, List.of(args), type);
    }

    static LExpr.Cast cast(LExpr x, DType type) {
        return new LExpr.Cast(x, type);
    }

    static LStmt.Store store(String buffer, LExpr index, LExpr value) {
        return new LStmt.Store(buffer, index, value);
    }

    static Kernel.BufferParam in(String name, DType type) {
        return new Kernel.BufferParam(name, type, Kernel.Access.READ);
    }

    static Kernel.BufferParam out(String name, DType type) {
        return new Kernel.BufferParam(name, type, Kernel.Access.WRITE);
    }

    static Kernel.ScalarParam scalar(String name, DType type) {
        return new Kernel.ScalarParam(name, type);
    }

    static Kernel.GridDim dim(String var, LExpr extent) {
        return new Kernel.GridDim(var, extent);
    }

    /** A module of these kernels with an empty launch plan (tests launch kernels directly). */
    static Module module(String name, Kernel... kernels) {
        return new Module(name, List.of(kernels), new LaunchPlan(List.of(), List.of(), List.of(), List.of()));
    }
}
