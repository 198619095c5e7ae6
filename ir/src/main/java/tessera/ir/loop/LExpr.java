package tessera.ir.loop;

import java.util.List;
import tessera.ir.tensor.Expr;
import tessera.runtime.DType;

/**
 * A Loop IR expression: a scalar computed by one work item. Types are {@code BOOL}, {@code I32},
 * {@code I64}, {@code F32}, {@code F64}; operators mean what they mean in the Tensor IR
 * ({@link Expr.BinOp}, {@link Expr.UnOp}, {@link Expr.Builtin}: integer {@code /} truncates,
 * {@code &&}/{@code ||} and {@link Select} evaluate lazily, so a backend must too).
 */
public sealed interface LExpr {
    DType type();

    /** A literal; booleans 0/1. */
    record Const(double value, DType type) implements LExpr {
        public static Const i32(long v) { return new Const(v, DType.I32); }
        public static Const bool(boolean v) { return new Const(v ? 1 : 0, DType.BOOL); }
    }

    /**
     * A named value: a loop variable, a local ({@link LStmt.Let}, {@link LStmt.Var}) or a scalar
     * parameter of the kernel.
     */
    record Ref(String name, DType type) implements LExpr {}

    /** Element {@code index} (a flat, row-major I32 index) of a buffer parameter; its type is the buffer's compute type. */
    record Load(String buffer, LExpr index, DType type) implements LExpr {}

    record Unary(Expr.UnOp op, LExpr x, DType type) implements LExpr {}

    record Binary(Expr.BinOp op, LExpr a, LExpr b, DType type) implements LExpr {}

    record Select(LExpr cond, LExpr a, LExpr b, DType type) implements LExpr {}

    /** A builtin; FLOAT and INT are conversions to {@code type} (see {@link Cast} for others). */
    record Call(Expr.Builtin fn, List<LExpr> args, DType type) implements LExpr {
        public Call {
            args = List.copyOf(args);
        }
    }

    /** A numeric conversion (float to int truncates toward zero; bool is 0/1). */
    record Cast(LExpr x, DType type) implements LExpr {}
}
