package tessera.backend.ptx.sim;

/**
 * An argument of a simulated launch, packed into the parameter it matches by the parameter's
 * declared type: a pointer into global memory (for a 64-bit parameter), a scalar's bits (as wide
 * as the parameter: an {@code .s32} takes the low 4 bytes), or raw bytes for an array parameter.
 */
public sealed interface KernelArg {
    /** An address in global memory; {@code name} (may be empty) names the buffer in messages. */
    record Pointer(SimBuffer buffer, long offset, String name) implements KernelArg {}

    /** A scalar's bits; {@code floating} says whether it was given as a float, to catch mix-ups. */
    record Scalar(long bits, boolean floating) implements KernelArg {}

    record Raw(byte[] bytes) implements KernelArg {
        public Raw {
            bytes = bytes.clone();
        }
    }

    /** The address of {@code buffer}'s first byte. */
    static KernelArg pointer(SimBuffer buffer) {
        return new Pointer(buffer, 0, "");
    }

    /** The address of {@code buffer}'s first byte; messages call the buffer {@code name}. */
    static KernelArg pointer(SimBuffer buffer, String name) {
        return new Pointer(buffer, 0, name);
    }

    /** An integer for a 32-bit (or narrower, or 64-bit: sign-extended) parameter. */
    static KernelArg s32(int v) {
        return new Scalar(v, false);
    }

    /** An integer for a 64-bit parameter. */
    static KernelArg s64(long v) {
        return new Scalar(v, false);
    }

    /** A byte, e.g. a bool as 0 or 1 for a {@code .u8} parameter. */
    static KernelArg u8(int v) {
        return new Scalar(v & 0xff, false);
    }

    /** A float for an {@code .f32} parameter. */
    static KernelArg f32(float v) {
        return new Scalar(Float.floatToRawIntBits(v) & 0xffffffffL, true);
    }

    /** A double for an {@code .f64} parameter. */
    static KernelArg f64(double v) {
        return new Scalar(Double.doubleToRawLongBits(v), true);
    }
}
