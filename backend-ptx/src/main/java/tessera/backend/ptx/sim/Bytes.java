package tessera.backend.ptx.sim;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/** Little-endian reads and writes of 1, 2, 4 or 8 bytes in a byte array (PTX memory is little-endian). */
final class Bytes {
    private Bytes() {}

    private static final VarHandle SHORT = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    /** The {@code size} bytes at {@code offset}, zero-extended. */
    static long get(byte[] a, int offset, int size) {
        return switch (size) {
            case 1 -> a[offset] & 0xffL;
            case 2 -> (short) SHORT.get(a, offset) & 0xffffL;
            case 4 -> (int) INT.get(a, offset) & 0xffffffffL;
            case 8 -> (long) LONG.get(a, offset);
            default -> throw new IllegalArgumentException("size " + size);
        };
    }

    /** Writes the low {@code size} bytes of {@code v} at {@code offset}. */
    static void set(byte[] a, int offset, int size, long v) {
        switch (size) {
            case 1 -> a[offset] = (byte) v;
            case 2 -> SHORT.set(a, offset, (short) v);
            case 4 -> INT.set(a, offset, (int) v);
            case 8 -> LONG.set(a, offset, v);
            default -> throw new IllegalArgumentException("size " + size);
        }
    }
}
