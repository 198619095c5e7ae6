package tessera.ir.loop;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import tessera.ir.loop.Kernel.Access;
import tessera.ir.loop.LaunchPlan.ScalarSource;
import tessera.ir.tensor.Expr.BinOp;
import tessera.ir.tensor.Expr.Builtin;
import tessera.ir.tensor.Expr.UnOp;
import tessera.ir.tensor.Types;
import tessera.runtime.DType;

/** Short constructors for Loop IR in tests; operators get their types by the rules of {@link Types}. */
final class L {
    private L() {}

    static final DType F32 = DType.F32;
    static final DType I32 = DType.I32;
    static final DType I64 = DType.I64;
    static final DType BOOL = DType.BOOL;

    // ---- expressions ----

    static LExpr.Const i(long v) {
        return new LExpr.Const(v, I32);
    }

    static LExpr.Const i64(long v) {
        return new LExpr.Const(v, I64);
    }

    static LExpr.Const f(double v) {
        return new LExpr.Const(v, F32);
    }

    static LExpr.Const bool(boolean v) {
        return LExpr.Const.bool(v);
    }

    static LExpr.Ref ref(String name, DType t) {
        return new LExpr.Ref(name, t);
    }

    /** An I32 name (a dim, a grid or loop variable). */
    static LExpr.Ref v(String name) {
        return new LExpr.Ref(name, I32);
    }

    static LExpr.Load load(String buffer, LExpr index, DType t) {
        return new LExpr.Load(buffer, index, t);
    }

    static LExpr bin(BinOp op, LExpr a, LExpr b) {
        DType t = op.isComparison() || op.isLogical() ? BOOL : Types.promote(a.type(), b.type());
        return new LExpr.Binary(op, a, b, t);
    }

    static LExpr add(LExpr a, LExpr b) { return bin(BinOp.ADD, a, b); }
    static LExpr sub(LExpr a, LExpr b) { return bin(BinOp.SUB, a, b); }
    static LExpr mul(LExpr a, LExpr b) { return bin(BinOp.MUL, a, b); }
    static LExpr div(LExpr a, LExpr b) { return bin(BinOp.DIV, a, b); }
    static LExpr mod(LExpr a, LExpr b) { return bin(BinOp.MOD, a, b); }
    static LExpr lt(LExpr a, LExpr b) { return bin(BinOp.LT, a, b); }
    static LExpr gt(LExpr a, LExpr b) { return bin(BinOp.GT, a, b); }
    static LExpr eq(LExpr a, LExpr b) { return bin(BinOp.EQ, a, b); }
    static LExpr and(LExpr a, LExpr b) { return bin(BinOp.AND, a, b); }
    static LExpr or(LExpr a, LExpr b) { return bin(BinOp.OR, a, b); }

    static LExpr neg(LExpr x) {
        return new LExpr.Unary(UnOp.NEG, x, x.type());
    }

    static LExpr not(LExpr x) {
        return new LExpr.Unary(UnOp.NOT, x, BOOL);
    }

    static LExpr select(LExpr c, LExpr a, LExpr b) {
        DType t = a.type() == BOOL ? BOOL : Types.promote(a.type(), b.type());
        return new LExpr.Select(c, a, b, t);
    }

    static LExpr call(Builtin fn, LExpr... args) {
        DType a0 = args[0].type();
        DType t = switch (fn) {
            case EXP, LOG, SQRT, RSQRT, TANH, SIGMOID, FLOOR, CEIL -> Types.floatOf(a0);
            case ABS -> a0;
            case MIN, MAX -> Types.promote(a0, args[1].type());
            case POW -> Types.floatOf(Types.promote(a0, args[1].type()));
            case FLOAT, UNIFORM -> F32;
            case INT -> I32;
            case PHILOX -> I64;
        };
        return new LExpr.Call(fn, Arrays.asList(args), t);
    }

    static LExpr cast(LExpr x, DType t) {
        return new LExpr.Cast(x, t);
    }

    /** The flat row-major index {@code i * n + j}. */
    static LExpr flat(LExpr i, LExpr n, LExpr j) {
        return add(mul(i, n), j);
    }

    // ---- statements ----

    static LStmt let(String name, LExpr value) {
        return new LStmt.Let(name, value);
    }

    static LStmt var(String name, DType t, LExpr init) {
        return new LStmt.Var(name, t, init);
    }

    static LStmt set(String name, LExpr value) {
        return new LStmt.Assign(name, value);
    }

    static LStmt store(String buffer, LExpr index, LExpr value) {
        return new LStmt.Store(buffer, index, value);
    }

    static LStmt loop(String v, LExpr lo, LExpr hi, LStmt... body) {
        return new LStmt.For(v, lo, hi, LStmt.LoopKind.SERIAL, List.of(body));
    }

    static LStmt when(LExpr c, List<LStmt> then, List<LStmt> otherwise) {
        return new LStmt.If(c, then, otherwise);
    }

    static LStmt when(LExpr c, LStmt... then) {
        return new LStmt.If(c, List.of(then), List.of());
    }

    static LStmt note(String text) {
        return new LStmt.Comment(text);
    }

    // ---- signatures and plans ----

    static Kernel.BufferParam in(String name, DType t) {
        return new Kernel.BufferParam(name, t, Access.READ);
    }

    static Kernel.BufferParam out(String name, DType t) {
        return new Kernel.BufferParam(name, t, Access.WRITE);
    }

    static Kernel.ScalarParam scalar(String name, DType t) {
        return new Kernel.ScalarParam(name, t);
    }

    static Kernel.GridDim grid(String var, LExpr extent) {
        return new Kernel.GridDim(var, extent);
    }

    static LaunchPlan.HostScalar dim(String name, String input, int axis) {
        return new LaunchPlan.HostScalar(name, I32, ScalarSource.DIM, Optional.empty(), input, axis);
    }

    static LaunchPlan.HostScalar fixedDim(String name, long size, String input, int axis) {
        return new LaunchPlan.HostScalar(name, I32, ScalarSource.DIM, Optional.of(i(size)), input, axis);
    }

    static LaunchPlan.HostScalar param(String name, DType t, LExpr dflt) {
        return new LaunchPlan.HostScalar(name, t, ScalarSource.PARAM, Optional.ofNullable(dflt), null, 0);
    }

    static LaunchPlan.HostScalar computed(String name, DType t, LExpr value) {
        return new LaunchPlan.HostScalar(name, t, ScalarSource.COMPUTED, Optional.of(value), null, 0);
    }

    static LaunchPlan.Buffer buffer(String name, DType t, LaunchPlan.Role role, LExpr... shape) {
        return new LaunchPlan.Buffer(name, t, role, List.of(shape));
    }

    static LaunchPlan.Check check(LExpr predicate, String text) {
        return new LaunchPlan.Check(predicate, text);
    }
}
