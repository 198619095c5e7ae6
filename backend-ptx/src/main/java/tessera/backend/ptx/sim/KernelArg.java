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

    static KernelArg pointer(SimBuffer buffer) {
        return new Pointer(buffer, 0, "");
    }

    static KernelArg pointer(SimBuffer buffer, String name) {
        return new Pointer(buffer, 0, name);
    }

    static KernelArg s32(int v) {
        return new Scalar(v, false);
    }

    static KernelArg s64(long v) {
        return new Scalar(v, false);
    }

    static KernelArg u8(int v) {
        return new Scalar(v & 0xff, false);
    }

    static KernelArg f32(float v) {
        return new Scalar(Float.floatToRawIntBits(v) & 0xffffffffL, true);
    }

    static KernelArg f64(double v) {
        return new Scalar(Double.doubleToRawLongBits(v), true);
    }
}
