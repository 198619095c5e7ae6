package tessera.ir.tensor;

import tessera.runtime.DType;

/**
 * The typing rules of Tensor IR expressions, in one place: the {@link Verifier} checks them and a
 * front end can use them to type what it builds.
 *
 * <ul>
 *   <li>Expression types are {@code BOOL}, {@code I32}, {@code I64}, {@code F32}, {@code F64};
 *       f16/bf16 exist only as storage and read as {@code F32}.
 *   <li>Arithmetic promotes: any F64 gives F64, else any F32 gives F32, else any I64 gives I64,
 *       else I32 (as Java does for long and float). Bool is not a number.
 *   <li>Float-valued functions (exp, log, mean, logsumexp, softmax, ...) give F64 on an F64
 *       operand and F32 otherwise.
 * </ul>
 */
public final class Types {
    private Types() {}

    /** True for i32, i64 and bool: values held exactly as integers. */
    public static boolean isIntegral(DType t) {
        return t.isInteger() || t == DType.BOOL;
    }

    /** True for the numeric expression types (i32, i64, f32, f64); false for bool and storage-only types. */
    public static boolean isNumber(DType t) {
        return t == DType.I32 || t == DType.I64 || t == DType.F32 || t == DType.F64;
    }

    /** True for the five types an expression may have. */
    public static boolean isExprType(DType t) {
        return t == DType.BOOL || isNumber(t);
    }

    /** The type of the result of arithmetic on {@code a} and {@code b} (both numbers). */
    public static DType promote(DType a, DType b) {
        if (a == DType.F64 || b == DType.F64) return DType.F64;
        if (a == DType.F32 || b == DType.F32) return DType.F32;
        if (a == DType.I64 || b == DType.I64) return DType.I64;
        return DType.I32;
    }

    /** The type of a float-valued function of an operand of type {@code t}: F64 for F64, else F32. */
    public static DType floatOf(DType t) {
        return t == DType.F64 ? DType.F64 : DType.F32;
    }

    /** The type a read of a tensor with element type {@code storage} has: f16/bf16 read as F32. */
    public static DType readType(DType storage) {
        return storage == DType.F16 || storage == DType.BF16 ? DType.F32 : storage;
    }
}
