package tessera.backend.ptx;

import java.util.List;
import tessera.ir.loop.Kernel;
import tessera.ir.loop.LExpr;
import tessera.ir.loop.LStmt;
import tessera.ir.loop.LaunchPlan;
import tessera.ir.loop.Module;
import tessera.ir.tensor.Expr.BinOp;
import tessera.ir.tensor.Expr.Builtin;
import tessera.ir.tensor.Expr.UnOp;
import tessera.ir.tensor.Types;
import tessera.runtime.DType;

/** Short constructors for hand-built Loop IR in tests, typed by the rules of {@link Types}. */
final class L {
    private L() {}

    static LExpr.Ref ref(String name, DType type) {
        return new LExpr.Ref(name, type);
    }

    static LExpr.Ref i32(String name) {
        return ref(name, DType.I32);
    }

    static LExpr.Const c(long v) {
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

    static LExpr.Unary neg(LExpr x) {
        return new LExpr.Unary(UnOp.NEG, x, x.type());
    }

    static LExpr.Unary not(LExpr x) {
        return new LExpr.Unary(UnOp.NOT, x, DType.BOOL);
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

    static LStmt.Comment comment(String text) {
        return new LStmt.Comment(text);
    }

    /** A serial {@code for (var = lo; var < hi; var++)}. */
    static LStmt.For loop(String var, LExpr lo, LExpr hi, LStmt... body) {
        return new LStmt.For(var, lo, hi, LStmt.LoopKind.SERIAL, List.of(body));
    }

    /** An {@code if} without an else. */
    static LStmt.If when(LExpr cond, LStmt... then) {
        return new LStmt.If(cond, List.of(then), List.of());
    }

    static LStmt.Alloc shared(String name, DType type, int size) {
        return new LStmt.Alloc(name, type, c(size), LStmt.Space.SHARED);
    }

    static LStmt.Alloc local(String name, DType type, int size) {
        return new LStmt.Alloc(name, type, c(size), LStmt.Space.PRIVATE);
    }

    static LStmt.Barrier barrier() {
        return new LStmt.Barrier();
    }

    static Kernel.BufferParam in(String name, DType type) {
        return new Kernel.BufferParam(name, type, Kernel.Access.READ);
    }

    static Kernel.BufferParam out(String name, DType type) {
        return new Kernel.BufferParam(name, type, Kernel.Access.WRITE);
    }

    static Kernel.BufferParam inout(String name, DType type) {
        return new Kernel.BufferParam(name, type, Kernel.Access.READ_WRITE);
    }

    static Kernel.ScalarParam scalar(String name, DType type) {
        return new Kernel.ScalarParam(name, type);
    }

    static Kernel.GridDim dim(String var, LExpr extent) {
        return new Kernel.GridDim(var, extent);
    }

    /** A module of these kernels with an empty plan (the emitter reads only the kernels). */
    static Module module(String name, Kernel... kernels) {
        return new Module(name, List.of(kernels), new LaunchPlan(List.of(), List.of(), List.of(), List.of()));
    }
}
