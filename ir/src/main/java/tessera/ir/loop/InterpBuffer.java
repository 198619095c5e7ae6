package tessera.ir.loop;

import tessera.runtime.DType;
import tessera.runtime.Tensor;

/**
 * A {@link LoopInterpreter} buffer: the elements as doubles, each holding exactly a value of the
 * element type. A store converts as {@link Tensor#setDouble}/{@link Tensor#setLong} do: f32 rounds
 * to the nearest float, f16/bf16 round once to their format, integers truncate toward zero (a long
 * into i32 keeps its low 32 bits), bool stores {@code v != 0} as 0/1. (An i64 beyond 2^53 is not
 * exact in a double; the interpreter accepts that.)
 */
final class InterpBuffer implements Device.DeviceBuffer {
    private final DType type;
    final double[] data;
    /** One element of the narrow float formats, used to round f16/bf16 exactly as a tensor does. */
    private Tensor scratch;

    InterpBuffer(DType type, int elements) {
        this.type = type;
        this.data = new double[elements];
    }

    @Override public DType type() {
        return type;
    }

    @Override public long elements() {
        return data.length;
    }

    /** Stores a double, converted to the element type. */
    void setDouble(int i, double v) {
        data[i] = switch (type) {
            case F32 -> (float) v;
            case F64 -> v;
            case I32 -> (int) v;
            case I64 -> (long) v;
            case BOOL -> v != 0 ? 1 : 0;
            case F16, BF16 -> {
                Tensor t = scratch();
                t.setDouble(0, v);
                yield t.getDouble(0);
            }
        };
    }

    /** Stores an integer, converted to the element type. */
    void setLong(int i, long v) {
        data[i] = switch (type) {
            case F32 -> (float) v;
            case F64, I64 -> (double) v;
            case I32 -> (int) v;
            case BOOL -> v != 0 ? 1 : 0;
            case F16, BF16 -> {
                Tensor t = scratch();
                t.setLong(0, v);
                yield t.getDouble(0);
            }
        };
    }

    private Tensor scratch() {
        if (scratch == null) scratch = Tensor.zeros(type, 1);
        return scratch;
    }
}
