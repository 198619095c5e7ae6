package tessera.runtime;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;
import java.util.StringJoiner;

/**
 * A dense, row-major (C-order) tensor whose elements live in a native {@link MemorySegment}.
 *
 * <p><b>Layout.</b> Element {@code i} (a flat, row-major index) occupies bytes
 * {@code [i * dtype.byteSize(), (i + 1) * dtype.byteSize())} of {@link #data()}, stored
 * little-endian: f16 as IEEE binary16 bits, bf16 as the upper 16 bits of a binary32, f32/f64
 * as IEEE binary32/binary64, i32/i64 as two's complement, bool as one byte holding 0 or 1. The
 * segment is allocated by {@link Arena#ofAuto()}, so it is freed by the garbage collector once
 * neither the tensor nor the segment is reachable; it is aligned to the element size.
 *
 * <p><b>Conversions.</b> The {@code double} and {@code long} accessors convert between the
 * argument and the element type:
 * <ul>
 *   <li>to f32, f16, bf16: round to nearest, ties to even, with a single correct rounding (no
 *       double rounding through f32; see {@link #setDouble(long, double)}); values beyond the
 *       format's range become infinities, NaN stays NaN;</li>
 *   <li>double to i32/i64: truncation toward zero with Java's cast semantics (NaN becomes 0,
 *       out-of-range values saturate at the type's minimum or maximum);</li>
 *   <li>long to i32: the low 32 bits (two's-complement wrap-around, like a Java cast);</li>
 *   <li>to bool: {@code true} (1) exactly when the value is not zero (NaN counts as true);</li>
 *   <li>reads: f16/bf16/f32 widen exactly to double; i64 to double rounds to nearest for
 *       magnitudes above 2^53 (use {@link #getLong(long)} for exact values); floats read as
 *       long truncate toward zero with Java's cast semantics; bool reads as 0 or 1.</li>
 * </ul>
 *
 * <p>A tensor is mutable and not thread-safe; its shape and dtype never change.
 */
public final class Tensor {

    private static final ValueLayout.OfShort SHORT =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT =
            ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LONG =
            ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat FLOAT =
            ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble DOUBLE =
            ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final DType dtype;
    private final long[] shape;
    private final long size;
    private final MemorySegment data;

    private Tensor(DType dtype, long[] shape, long size, MemorySegment data) {
        this.dtype = dtype;
        this.shape = shape;
        this.size = size;
        this.data = data;
    }

    /**
     * Creates a tensor filled with zeros ({@code false} for bool).
     *
     * @param dtype the element type
     * @param shape the extents, outermost first; none may be negative; no arguments gives a
     *              rank-0 (scalar) tensor with one element
     * @return a new tensor
     * @throws IllegalArgumentException if an extent is negative or the byte size overflows a
     *                                  long
     */
    public static Tensor zeros(DType dtype, long... shape) {
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(shape, "shape");
        long[] dims = shape.clone();
        long count = elementCount(dims);
        MemorySegment segment = Arena.ofAuto().allocate(byteCount(dtype, dims, count), dtype.byteSize());
        return new Tensor(dtype, dims, count, segment);
    }

    private static long byteCount(DType dtype, long[] dims, long count) {
        try {
            return Math.multiplyExact(count, (long) dtype.byteSize());
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("tensor too large: " + shapeString(dtype, dims), e);
        }
    }

    /**
     * As {@link #zeros}, with the data in a Java array (a heap segment) when it fits one: no
     * native allocation, whose fresh pages each cost a fault on first touch. For tensors made
     * and dropped often, such as a device's outputs run after run.
     */
    public static Tensor zerosOnHeap(DType dtype, long... shape) {
        Objects.requireNonNull(dtype, "dtype");
        long[] dims = shape.clone();
        long count = elementCount(dims);
        long bytes = byteCount(dtype, dims, count);
        if (bytes > Integer.MAX_VALUE - 16) return zeros(dtype, shape);
        return new Tensor(dtype, dims, count, MemorySegment.ofArray(new byte[(int) bytes]));
    }

    /**
     * Creates a tensor from row-major {@code double} values, converting each as
     * {@link #setDouble(long, double)} does.
     *
     * @param dtype  the element type
     * @param shape  the extents
     * @param values exactly {@code product(shape)} values in row-major order
     * @return a new tensor
     * @throws IllegalArgumentException if the number of values does not match the shape
     */
    public static Tensor fromDoubles(DType dtype, long[] shape, double[] values) {
        Objects.requireNonNull(values, "values");
        Tensor t = zeros(dtype, shape);
        t.checkValueCount(values.length);
        for (int i = 0; i < values.length; i++) {
            t.setDouble(i, values[i]);
        }
        return t;
    }

    /**
     * Creates a tensor from row-major {@code long} values, converting each as
     * {@link #setLong(long, long)} does.
     *
     * @param dtype  the element type
     * @param shape  the extents
     * @param values exactly {@code product(shape)} values in row-major order
     * @return a new tensor
     * @throws IllegalArgumentException if the number of values does not match the shape
     */
    public static Tensor fromInts(DType dtype, long[] shape, long[] values) {
        Objects.requireNonNull(values, "values");
        Tensor t = zeros(dtype, shape);
        t.checkValueCount(values.length);
        for (int i = 0; i < values.length; i++) {
            t.setLong(i, values[i]);
        }
        return t;
    }

    /**
     * Returns the element type.
     *
     * @return the dtype
     */
    public DType dtype() {
        return dtype;
    }

    /**
     * Returns a copy of the extents, outermost first.
     *
     * @return a fresh array of length {@link #rank()}
     */
    public long[] shape() {
        return shape.clone();
    }

    /**
     * Returns the number of dimensions (0 for a scalar).
     *
     * @return the rank
     */
    public int rank() {
        return shape.length;
    }

    /**
     * Returns the number of elements: the product of the extents, 1 for rank 0.
     *
     * @return the element count
     */
    public long size() {
        return size;
    }

    /**
     * Returns the memory holding the elements (see the class comment for the layout). Writes
     * through the segment are visible to the accessors and vice versa.
     *
     * @return the segment, of {@code size() * dtype().byteSize()} bytes
     */
    public MemorySegment data() {
        return data;
    }

    /**
     * Reads an element as a double.
     *
     * @param flatIndex the row-major index, in {@code [0, size())}
     * @return the value (bool reads as 0 or 1)
     * @throws IndexOutOfBoundsException if the index is out of range
     */
    public double getDouble(long flatIndex) {
        long offset = offset(flatIndex);
        return switch (dtype) {
            case F16 -> Float.float16ToFloat(data.get(SHORT, offset));
            case BF16 -> FloatRounding.bf16BitsToFloat(data.get(SHORT, offset));
            case F32 -> data.get(FLOAT, offset);
            case F64 -> data.get(DOUBLE, offset);
            case I32 -> data.get(INT, offset);
            case I64 -> (double) data.get(LONG, offset);
            case BOOL -> data.get(ValueLayout.JAVA_BYTE, offset) != 0 ? 1.0 : 0.0;
        };
    }

    /**
     * Writes an element from a double. Floating-point targets get the nearest representable
     * value (ties to even) with one correct rounding: f16 and bf16 are computed via a
     * round-to-odd float and then {@link Float#floatToFloat16(float)} or round-to-nearest-even
     * truncation, so there is no double-rounding error. Integer targets truncate toward zero
     * (Java cast semantics); bool stores {@code v != 0}.
     *
     * @param flatIndex the row-major index, in {@code [0, size())}
     * @param v         the value
     * @throws IndexOutOfBoundsException if the index is out of range
     */
    public void setDouble(long flatIndex, double v) {
        long offset = offset(flatIndex);
        switch (dtype) {
            case F16 -> data.set(SHORT, offset, FloatRounding.toF16Bits(v));
            case BF16 -> data.set(SHORT, offset, FloatRounding.toBf16Bits(v));
            case F32 -> data.set(FLOAT, offset, (float) v);
            case F64 -> data.set(DOUBLE, offset, v);
            case I32 -> data.set(INT, offset, (int) v);
            case I64 -> data.set(LONG, offset, (long) v);
            case BOOL -> data.set(ValueLayout.JAVA_BYTE, offset, v != 0 ? (byte) 1 : (byte) 0);
        }
    }

    /**
     * Reads an element as a long. Integers and bool are exact; floats truncate toward zero
     * (NaN gives 0, out-of-range values saturate).
     *
     * @param flatIndex the row-major index, in {@code [0, size())}
     * @return the value
     * @throws IndexOutOfBoundsException if the index is out of range
     */
    public long getLong(long flatIndex) {
        long offset = offset(flatIndex);
        return switch (dtype) {
            case F16, BF16, F32, F64 -> (long) getDouble(flatIndex);
            case I32 -> data.get(INT, offset);
            case I64 -> data.get(LONG, offset);
            case BOOL -> data.get(ValueLayout.JAVA_BYTE, offset) != 0 ? 1L : 0L;
        };
    }

    /**
     * Writes an element from a long. Floating-point targets get the correctly rounded nearest
     * value (ties to even), even for magnitudes above 2^53; i32 keeps the low 32 bits; bool
     * stores {@code v != 0}.
     *
     * @param flatIndex the row-major index, in {@code [0, size())}
     * @param v         the value
     * @throws IndexOutOfBoundsException if the index is out of range
     */
    public void setLong(long flatIndex, long v) {
        long offset = offset(flatIndex);
        switch (dtype) {
            // Round-to-odd to 53 bits, then the single rounding in setDouble, is exact rounding.
            case F16, BF16, F32 -> setDouble(flatIndex, FloatRounding.longToDoubleRoundToOdd(v));
            case F64 -> data.set(DOUBLE, offset, (double) v);
            case I32 -> data.set(INT, offset, (int) v);
            case I64 -> data.set(LONG, offset, v);
            case BOOL -> data.set(ValueLayout.JAVA_BYTE, offset, v != 0 ? (byte) 1 : (byte) 0);
        }
    }

    /**
     * Copies all elements, row-major, as doubles (converted as {@link #getDouble(long)} does).
     *
     * @return a fresh array of {@link #size()} values
     * @throws IllegalStateException if the tensor has more elements than a Java array can hold
     */
    public double[] toDoubleArray() {
        double[] out = new double[arrayLength()];
        for (int i = 0; i < out.length; i++) {
            out[i] = getDouble(i);
        }
        return out;
    }

    /**
     * Copies all elements, row-major, as longs (converted as {@link #getLong(long)} does).
     *
     * @return a fresh array of {@link #size()} values
     * @throws IllegalStateException if the tensor has more elements than a Java array can hold
     */
    public long[] toLongArray() {
        long[] out = new long[arrayLength()];
        for (int i = 0; i < out.length; i++) {
            out[i] = getLong(i);
        }
        return out;
    }

    /**
     * Describes dtype and shape the way diagnostics print them, e.g. {@code "f32[2, 3]"} or
     * {@code "i64[]"} for a scalar.
     *
     * @return the description
     */
    public String shapeString() {
        return shapeString(dtype, shape);
    }

    /**
     * Returns {@link #shapeString()}; the elements are not printed.
     *
     * @return the description
     */
    @Override
    public String toString() {
        return shapeString();
    }

    private long offset(long flatIndex) {
        return Objects.checkIndex(flatIndex, size) * dtype.byteSize();
    }

    private void checkValueCount(int count) {
        if (count != size) {
            throw new IllegalArgumentException(
                    "expected " + size + " values for " + shapeString() + ", got " + count);
        }
    }

    private int arrayLength() {
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException(
                    "tensor " + shapeString() + " has too many elements for a Java array");
        }
        return (int) size;
    }

    private static long elementCount(long[] dims) {
        for (long d : dims) {
            if (d < 0) {
                throw new IllegalArgumentException("negative extent in shape " + Arrays.toString(dims));
            }
            if (d == 0) {
                return 0;
            }
        }
        long count = 1;
        for (long d : dims) {
            try {
                count = Math.multiplyExact(count, d);
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException("too many elements in shape " + Arrays.toString(dims), e);
            }
        }
        return count;
    }

    private static String shapeString(DType dtype, long[] dims) {
        StringJoiner joiner = new StringJoiner(", ", dtype.sourceName() + "[", "]");
        for (long d : dims) {
            joiner.add(Long.toString(d));
        }
        return joiner.toString();
    }
}
