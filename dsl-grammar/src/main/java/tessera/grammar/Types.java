package tessera.grammar;

import java.util.Optional;
import tessera.runtime.DType;

/** Typing rules of the language: promotion, assignability, and the names users write. */
final class Types {
    private Types() {}

    static boolean numeric(DType t) {
        return t != DType.BOOL;
    }

    static boolean integer(DType t) {
        return t == DType.I32 || t == DType.I64;
    }

    static boolean floating(DType t) {
        return !integer(t) && numeric(t);
    }

    /** The type arithmetic on a value of this storage type computes in: f16 and bf16 compute as f32. */
    static DType compute(DType t) {
        return t == DType.F16 || t == DType.BF16 ? DType.F32 : t;
    }

    private static int rank(DType t) {
        return switch (compute(t)) {
            case BOOL -> 0;
            case I32 -> 1;
            case I64 -> 2;
            case F32 -> 3;
            case F64 -> 4;
            case F16, BF16 -> throw new IllegalStateException();
        };
    }

    /** The common type of two numeric operands: i32 &lt; i64 &lt; f32 &lt; f64. */
    static DType promote(DType a, DType b) {
        return rank(a) >= rank(b) ? compute(a) : compute(b);
    }

    /** The float type a math function of this argument returns. */
    static DType floatOf(DType t) {
        return compute(t) == DType.F64 ? DType.F64 : DType.F32;
    }

    /** Whether a value of type {@code value} may be stored in a tensor or scalar of type {@code target}. */
    static boolean assignable(DType value, DType target) {
        if (target == DType.BOOL || value == DType.BOOL) return target == value;
        if (integer(target)) return integer(value);
        return true;
    }

    static Optional<DType> parse(String name) {
        for (DType t : DType.values()) {
            if (name(t).equals(name)) return Optional.of(t);
        }
        return Optional.empty();
    }

    static String name(DType t) {
        return t.name().toLowerCase(java.util.Locale.ROOT);
    }

    static final String ALL_NAMES = "f16, bf16, f32, f64, i32, i64, bool";
}
