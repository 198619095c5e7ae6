package tessera.backend.jvector;

import tessera.ir.loop.Device;
import tessera.runtime.DType;

/**
 * A buffer of the {@link JavaDevice}: a Java array of the type {@link JavaTypes#arrayClass} gives
 * for {@code type} ({@code float[]} for f32, {@code byte[]} of 0/1 for bool, {@code short[]} of
 * bits for f16/bf16, ...), which generated kernels read and write directly.
 */
final class JavaBuffer implements Device.DeviceBuffer {
    private final DType type;
    private final Object array;
    private final int length;

    private JavaBuffer(DType type, Object array, int length) {
        this.type = type;
        this.array = array;
        this.length = length;
    }

    /** A zero-filled buffer of {@code elements} elements. */
    static JavaBuffer zeros(DType type, int elements) {
        Object array = switch (type) {
            case BOOL -> new byte[elements];
            case I32 -> new int[elements];
            case I64 -> new long[elements];
            case F32 -> new float[elements];
            case F64 -> new double[elements];
            case F16, BF16 -> new short[elements];
        };
        return new JavaBuffer(type, array, elements);
    }

    @Override
    public DType type() {
        return type;
    }

    @Override
    public long elements() {
        return length;
    }

    /** A recycled buffer whose old contents are still there: zero it before a kernel or a read sees it. */
    private boolean stale;

    void markStale() {
        stale = true;
    }

    /** Zeroes the buffer if it is {@link #markStale stale}. */
    void freshen() {
        if (stale) {
            zero();
            stale = false;
        }
    }

    /** The buffer was overwritten entirely (an upload): nothing stale is left. */
    void overwritten() {
        stale = false;
    }

    /** Fills the buffer with zeros (0, false, +0.0). */
    void zero() {
        switch (array) {
            case byte[] x -> java.util.Arrays.fill(x, (byte) 0);
            case short[] x -> java.util.Arrays.fill(x, (short) 0);
            case int[] x -> java.util.Arrays.fill(x, 0);
            case long[] x -> java.util.Arrays.fill(x, 0L);
            case float[] x -> java.util.Arrays.fill(x, 0f);
            case double[] x -> java.util.Arrays.fill(x, 0.0);
            default -> throw new IllegalStateException("not a buffer array: " + array.getClass());
        }
    }

    /** The backing array (shared, not copied). */
    Object array() {
        return array;
    }

    @Override
    public String toString() {
        return type.sourceName() + "[" + length + "] on java";
    }
}
