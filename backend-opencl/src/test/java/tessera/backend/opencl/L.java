package tessera.backend.opencl;

import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
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

    static LaunchPlan.HostScalar hostDim(String name, String input, int axis) {
        return new LaunchPlan.HostScalar(name, DType.I32, LaunchPlan.ScalarSource.DIM, Optional.empty(), input, axis);
    }

    static LaunchPlan.HostScalar param(String name, DType type, LExpr dflt) {
        return new LaunchPlan.HostScalar(name, type, LaunchPlan.ScalarSource.PARAM, Optional.ofNullable(dflt), null, 0);
    }

    static LaunchPlan.HostScalar computed(String name, DType type, LExpr value) {
        return new LaunchPlan.HostScalar(name, type, LaunchPlan.ScalarSource.COMPUTED, Optional.of(value), null, 0);
    }

    static LaunchPlan.Buffer buffer(String name, DType type, LaunchPlan.Role role, LExpr... shape) {
        return new LaunchPlan.Buffer(name, type, role, List.of(shape));
    }

    /** A module whose plan launches each kernel once, in order. */
    static Module module(String name, List<LaunchPlan.HostScalar> scalars, List<LaunchPlan.Buffer> buffers, Kernel... kernels) {
        List<LaunchPlan.Launch> launches = Stream.of(kernels).map(k -> new LaunchPlan.Launch(k.name())).toList();
        return new Module(name, List.of(kernels), new LaunchPlan(scalars, List.of(), buffers, launches));
    }

    /** A module of these kernels with an empty launch plan (tests launch kernels directly). */
    static Module module(String name, Kernel... kernels) {
        return new Module(name, List.of(kernels), new LaunchPlan(List.of(), List.of(), List.of(), List.of()));
    }
}
