package tessera.ir.tensor;

import tessera.ir.SourceSpan;

/**
 * A tensor while a kernel runs: row-major double values and, when some entries do not exist, a
 * presence map ({@code null} means every entry is present).
 */
final class Buffer {
    /** The most entries a buffer may have: the interpreter materialises everything in Java arrays. */
    static final long MAX_ENTRIES = Integer.MAX_VALUE - 64;

    final String name;
    final long[] shape;
    final long[] strides;
    final double[] data;
    boolean[] present;

    private Buffer(String name, long[] shape, double[] data, boolean[] present) {
        this.name = name;
        this.shape = shape;
        this.data = data;
        this.present = present;
        this.strides = new long[shape.length];
        long s = 1;
        for (int k = shape.length - 1; k >= 0; k--) {
            strides[k] = s;
            s *= shape[k];
        }
    }

    /** A new buffer with every entry absent. */
    static Buffer allocate(String name, long[] shape, SourceSpan span) {
        long n = Frame.count(shape, () -> tooLarge(name, shape, span));
        if (n > MAX_ENTRIES) throw tooLarge(name, shape, span);
        return new Buffer(name, shape.clone(), new double[(int) n], new boolean[(int) n]);
    }

    /** A buffer over the values of an input, all present. */
    static Buffer ofInput(String name, long[] shape, double[] values) {
        return new Buffer(name, shape.clone(), values, null);
    }

    private static RunFailure tooLarge(String name, long[] shape, SourceSpan span) {
        return new RunFailure("tensor '" + name + "' of shape " + java.util.Arrays.toString(shape)
                + " has more entries than the reference interpreter can hold (" + MAX_ENTRIES + ")", span);
    }

    int size() {
        return data.length;
    }

    boolean isPresent(int flat) {
        return present == null || present[flat];
    }

    /** Drops the presence map when every entry is present, so that reads skip the check. */
    void compact() {
        if (present == null) return;
        for (boolean p : present) {
            if (!p) return;
        }
        present = null;
    }
}
