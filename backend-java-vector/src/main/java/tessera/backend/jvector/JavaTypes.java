package tessera.backend.jvector;

import com.palantir.javapoet.ArrayTypeName;
import com.palantir.javapoet.TypeName;
import tessera.runtime.DType;

/**
 * How Loop IR types appear in generated Java: values as primitives (bool as {@code boolean}),
 * buffers as primitive arrays (bool as {@code byte[]} of 0/1, f16 and bf16 as {@code short[]} of
 * their bits, computed on as {@code float}).
 */
final class JavaTypes {
    private JavaTypes() {}

    /** The Java type of a value of {@code t}; f16 and bf16 compute as float. */
    static TypeName value(DType t) {
        return switch (t) {
            case BOOL -> TypeName.BOOLEAN;
            case I32 -> TypeName.INT;
            case I64 -> TypeName.LONG;
            case F32, F16, BF16 -> TypeName.FLOAT;
            case F64 -> TypeName.DOUBLE;
        };
    }

    /** The class of a value of {@code t}, for method types. */
    static Class<?> valueClass(DType t) {
        return switch (t) {
            case BOOL -> boolean.class;
            case I32 -> int.class;
            case I64 -> long.class;
            case F32, F16, BF16 -> float.class;
            case F64 -> double.class;
        };
    }

    /** The Java array type of a buffer of {@code t}. */
    static TypeName array(DType t) {
        return ArrayTypeName.of(switch (t) {
            case BOOL -> TypeName.BYTE;
            case I32 -> TypeName.INT;
            case I64 -> TypeName.LONG;
            case F32 -> TypeName.FLOAT;
            case F64 -> TypeName.DOUBLE;
            case F16, BF16 -> TypeName.SHORT;
        });
    }

    /** The array class of a buffer of {@code t}. */
    static Class<?> arrayClass(DType t) {
        return switch (t) {
            case BOOL -> byte[].class;
            case I32 -> int[].class;
            case I64 -> long[].class;
            case F32 -> float[].class;
            case F64 -> double[].class;
            case F16, BF16 -> short[].class;
        };
    }

    /** The type values of a buffer of {@code t} have once loaded: f16 and bf16 read as F32. */
    static DType computeType(DType storage) {
        return switch (storage) {
            case F16, BF16 -> DType.F32;
            case F32, F64, I32, I64, BOOL -> storage;
        };
    }
}
