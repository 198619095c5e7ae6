package tessera.backend.ptx.sim;

import java.util.Optional;

/**
 * The PTX fundamental types the simulator knows, with their width and kind. A register holds a
 * value as a {@code long}: integers sign- or zero-extended from their width ({@link #norm}),
 * floats as their IEEE bits ({@code .f16}/{@code .bf16} in the low 16 bits, {@code .f32} in
 * the low 32), predicates as 0 or 1.
 */
enum PtxType {
    PRED(1, Kind.PRED),
    B8(8, Kind.BITS), B16(16, Kind.BITS), B32(32, Kind.BITS), B64(64, Kind.BITS),
    U8(8, Kind.UNSIGNED), U16(16, Kind.UNSIGNED), U32(32, Kind.UNSIGNED), U64(64, Kind.UNSIGNED),
    S8(8, Kind.SIGNED), S16(16, Kind.SIGNED), S32(32, Kind.SIGNED), S64(64, Kind.SIGNED),
    F16(16, Kind.FLOAT), BF16(16, Kind.FLOAT), F32(32, Kind.FLOAT), F64(64, Kind.FLOAT);

    enum Kind { PRED, BITS, UNSIGNED, SIGNED, FLOAT }

    final int bits;
    final Kind kind;
    /** For {@link #norm}: sign-extend by shifting left and back, or mask. */
    private final boolean signExtend;
    private final int shift;
    private final long mask;

    PtxType(int bits, Kind kind) {
        this.bits = bits;
        this.kind = kind;
        this.signExtend = kind == Kind.SIGNED;
        this.shift = 64 - bits;
        this.mask = bits == 64 ? -1L : (1L << bits) - 1;
    }

    /** The PTX spelling without the dot, e.g. {@code s32}. */
    String spelling() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** The type a modifier such as {@code s32} names. */
    static Optional<PtxType> of(String modifier) {
        for (PtxType t : values()) {
            if (t.spelling().equals(modifier)) return Optional.of(t);
        }
        return Optional.empty();
    }

    boolean isFloat() {
        return kind == Kind.FLOAT;
    }

    boolean isSigned() {
        return kind == Kind.SIGNED;
    }

    boolean isInteger() {
        return kind == Kind.BITS || kind == Kind.UNSIGNED || kind == Kind.SIGNED;
    }

    int bytes() {
        return this == PRED ? 1 : bits / 8;
    }

    /**
     * The low {@link #bits} of {@code v} extended to 64: sign-extended for signed types, else
     * zero-extended (float bits included); a predicate is {@code v != 0}.
     */
    long norm(long v) {
        if (signExtend) return (v << shift) >> shift;
        if (this == PRED) return v != 0 ? 1 : 0;
        return v & mask;
    }

    /** The same width with signed or unsigned interpretation ({@code .b32} reads as {@code .u32}). */
    PtxType unsignedOrSelf() {
        return switch (this) {
            case B8 -> U8;
            case B16 -> U16;
            case B32 -> U32;
            case B64 -> U64;
            default -> this;
        };
    }
}
