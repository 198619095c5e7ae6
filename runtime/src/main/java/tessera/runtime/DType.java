package tessera.runtime;

import java.util.Optional;

/**
 * Element types of {@link Tensor}s and of kernel values.
 *
 * <p>Every dtype has a fixed storage size and a lowercase source name, which is how it is
 * spelled in Tessera source code and in diagnostics ({@code f32[2, 3]}).
 */
public enum DType {
    /** IEEE 754 binary16 (half precision). */
    F16(2, "f16"),
    /** bfloat16: the top 16 bits of an IEEE 754 binary32. */
    BF16(2, "bf16"),
    /** IEEE 754 binary32. */
    F32(4, "f32"),
    /** IEEE 754 binary64. */
    F64(8, "f64"),
    /** Two's-complement 32-bit integer. */
    I32(4, "i32"),
    /** Two's-complement 64-bit integer. */
    I64(8, "i64"),
    /** Boolean, stored as one byte holding 0 or 1. */
    BOOL(1, "bool");

    private final int byteSize;
    private final String sourceName;

    DType(int byteSize, String sourceName) {
        this.byteSize = byteSize;
        this.sourceName = sourceName;
    }

    /**
     * Returns the number of bytes one element occupies in a tensor's memory.
     *
     * @return 1, 2, 4 or 8
     */
    public int byteSize() {
        return byteSize;
    }

    /**
     * Tells whether this is a floating-point type ({@code f16}, {@code bf16}, {@code f32},
     * {@code f64}).
     *
     * @return true for the floating-point types
     */
    public boolean isFloat() {
        return this == F16 || this == BF16 || this == F32 || this == F64;
    }

    /**
     * Tells whether this is an integer type ({@code i32}, {@code i64}); {@code bool} is not.
     *
     * @return true for the integer types
     */
    public boolean isInteger() {
        return this == I32 || this == I64;
    }

    /**
     * Returns the lowercase name used in source code, e.g. {@code "f32"} or {@code "bool"}.
     *
     * @return the source name
     */
    public String sourceName() {
        return sourceName;
    }

    /**
     * Looks a dtype up by its {@linkplain #sourceName() source name}. The match is exact
     * (case-sensitive).
     *
     * @param name a name such as {@code "bf16"}; may be null
     * @return the dtype, or empty if no dtype has that name
     */
    public static Optional<DType> fromSourceName(String name) {
        for (DType t : values()) {
            if (t.sourceName.equals(name)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }
}
