package tessera.backend.ptx;

import tessera.runtime.DType;

/**
 * How PTX spells each Loop IR type, in one table: the register kind of a value, the type suffix
 * of instructions on it, the type of a kernel parameter, the element type in memory, and
 * immediates. f16 and bf16 exist only in memory (they compute as f32).
 */
final class PtxTypes {
    private PtxTypes() {}

    /** The register kind holding a value of {@code t}. */
    static RegClass regClass(DType t) {
        return switch (t) {
            case BOOL -> RegClass.PRED;
            case I32 -> RegClass.B32;
            case I64 -> RegClass.B64;
            case F32 -> RegClass.F32;
            case F64 -> RegClass.F64;
            case F16, BF16 -> throw new IllegalArgumentException("no register type for storage-only " + t.sourceName());
        };
    }

    /** The instruction type suffix for values of {@code t}: {@code .s32}, {@code .f64}, {@code .pred}. */
    static String op(DType t) {
        return switch (t) {
            case BOOL -> ".pred";
            case I32 -> ".s32";
            case I64 -> ".s64";
            case F32 -> ".f32";
            case F64 -> ".f64";
            case F16, BF16 -> throw new IllegalArgumentException("no arithmetic on storage-only " + t.sourceName());
        };
    }

    /** The type of a scalar kernel parameter: bool travels as a 0/1 byte, as in OpenCL and CUDA C. */
    static String param(DType t) {
        return t == DType.BOOL ? ".u8" : op(t);
    }

    /** The element type of a buffer in {@code ld}/{@code st}: bools are 0/1 bytes, f16/bf16 raw 16 bits. */
    static String memory(DType t) {
        return switch (t) {
            case BOOL -> ".u8";
            case F16, BF16 -> ".b16";
            case I32, I64, F32, F64 -> op(t);
        };
    }

    /** {@code v} as an immediate of type {@code t} (integers truncated as Java casts; floats by their bits). */
    static Operand.Imm imm(double v, DType t) {
        return switch (t) {
            case BOOL -> new Operand.Imm(v != 0 ? "1" : "0");
            case I32 -> new Operand.Imm(Integer.toString((int) (long) v));
            case I64 -> new Operand.Imm(Long.toString((long) v));
            case F32 -> f32(v);
            case F64 -> f64(v);
            case F16, BF16 -> throw new IllegalArgumentException("no immediate of storage-only " + t.sourceName());
        };
    }

    /** An f32 immediate: {@code 0f} and the eight hex digits of the float's bits. */
    static Operand.Imm f32(double v) {
        return new Operand.Imm(String.format("0f%08X", Float.floatToRawIntBits((float) v)));
    }

    /** An f64 immediate: {@code 0d} and the sixteen hex digits of the double's bits. */
    static Operand.Imm f64(double v) {
        return new Operand.Imm(String.format("0d%016X", Double.doubleToRawLongBits(v)));
    }

    /** A float immediate of type {@code t} (F32 or F64). */
    static Operand.Imm fimm(double v, DType t) {
        return t == DType.F64 ? f64(v) : f32(v);
    }
}
