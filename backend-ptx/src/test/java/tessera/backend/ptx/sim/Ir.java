package tessera.backend.ptx.sim;

import java.util.List;
import java.util.Optional;
import tessera.ir.loop.Kernel;
import tessera.ir.loop.LExpr;
import tessera.ir.loop.LStmt;
import tessera.ir.loop.LaunchPlan;
import tessera.ir.tensor.Expr.BinOp;
import tessera.ir.tensor.Expr.Builtin;
import tessera.ir.tensor.Types;
import tessera.runtime.DType;

/** Short constructors for hand-built Loop IR modules with launch plans, typed by the rules of {@link Types}. */
final class Ir {
    private Ir() {}

    static LExpr.Ref v(String name) {
        return new LExpr.Ref(name, DType.I32);
    }

    static LExpr.Ref ref(String name, DType type) {
        return new LExpr.Ref(name, type);
    }

    static LExpr.Const i(long v) {
        return LExpr.Const.i32(v);
    }

    static LExpr.Const c(double v, DType type) {
        return new LExpr.Const(v, type);
    }

    static LExpr.Const f(double v) {
        return c(v, DType.F32);
    }

    static LExpr.Load load(String buffer, LExpr index, DType storage) {
        return new LExpr.Load(buffer, index, Types.readType(storage));
    }

    static LExpr.Binary bin(BinOp op, LExpr a, LExpr b) {
        DType t = op.isComparison() || op.isLogical() ? DType.BOOL : Types.promote(a.type(), b.type());
        return new LExpr.Binary(op, a, b, t);
    }

    static LExpr.Binary add(LExpr a, LExpr b) {
        return bin(BinOp.ADD, a, b);
    }

    static LExpr.Binary mul(LExpr a, LExpr b) {
        return bin(BinOp.MUL, a, b);
    }

    static LExpr.Binary sub(LExpr a, LExpr b) {
        return bin(BinOp.SUB, a, b);
    }

    /** {@code a * n + b}: a row-major flat index. */
    static LExpr flat(LExpr a, LExpr n, LExpr b) {
        return add(mul(a, n), b);
    }

    static LExpr.Select select(LExpr cond, LExpr a, LExpr b) {
        DType t = a.type() == DType.BOOL ? DType.BOOL : Types.promote(a.type(), b.type());
        return new LExpr.Select(cond, a, b, t);
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

    static LStmt.Let let(String name, LExpr value) {
        return new LStmt.Let(name, value);
    }

    static LStmt.Var var(String name, DType type, LExpr init) {
        return new LStmt.Var(name, type, init);
    }

    static LStmt.Assign set(String name, LExpr value) {
        return new LStmt.Assign(name, value);
    }

    static LStmt.For loop(String var, LExpr lo, LExpr hi, LStmt... body) {
        return new LStmt.For(var, lo, hi, LStmt.LoopKind.SERIAL, List.of(body));
    }

    static LStmt.If when(LExpr cond, LStmt... then) {
        return new LStmt.If(cond, List.of(then), List.of());
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

    static Kernel.GridDim grid(String var, LExpr extent) {
        return new Kernel.GridDim(var, extent);
    }

    /** A dim bound from {@code input}'s {@code axis}. */
    static LaunchPlan.HostScalar dim(String name, String input, int axis) {
        return new LaunchPlan.HostScalar(name, DType.I32, LaunchPlan.ScalarSource.DIM, Optional.empty(), input, axis);
    }

    /** A scalar parameter with a default. */
    static LaunchPlan.HostScalar param(String name, DType type, LExpr value) {
        return new LaunchPlan.HostScalar(name, type, LaunchPlan.ScalarSource.PARAM, Optional.of(value), "", 0);
    }

    static LaunchPlan.Buffer buffer(String name, DType type, LaunchPlan.Role role, LExpr... shape) {
        return new LaunchPlan.Buffer(name, type, role, List.of(shape));
    }
}
