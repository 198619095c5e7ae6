package tessera.stdlib;

import java.util.Arrays;
import java.util.Random;
import tessera.runtime.DType;
import tessera.runtime.Tensor;

/** A small dense row-major array of doubles for the Java references; no views, no tricks. */
final class Nd {
    final int[] shape;
    final double[] data;

    Nd(int... shape) {
        this.shape = shape.clone();
        int n = 1;
        for (int s : shape) n *= s;
        this.data = new double[n];
    }

    int flat(int... idx) {
        if (idx.length != shape.length) throw new IllegalArgumentException("rank " + shape.length + ", got " + idx.length);
        int f = 0;
        for (int a = 0; a < shape.length; a++) {
            if (idx[a] < 0 || idx[a] >= shape[a]) {
                throw new IndexOutOfBoundsException(Arrays.toString(idx) + " outside " + Arrays.toString(shape));
            }
            f = f * shape[a] + idx[a];
        }
        return f;
    }

    double get(int... idx) { return data[flat(idx)]; }

    void set(double value, int... idx) { data[flat(idx)] = value; }

    int size() { return data.length; }

    /** Standard normal entries times {@code scale}, rounded to f32 so that the kernel reads exactly these values. */
    static Nd gaussian(Random rnd, double scale, int... shape) {
        Nd a = new Nd(shape);
        for (int n = 0; n < a.data.length; n++) a.data[n] = (float) (scale * rnd.nextGaussian());
        return a;
    }

    /** Uniform integers in [0, bound). */
    static Nd ints(Random rnd, int bound, int... shape) {
        Nd a = new Nd(shape);
        for (int n = 0; n < a.data.length; n++) a.data[n] = rnd.nextInt(bound);
        return a;
    }

    /** Entries true (1) with probability p. */
    static Nd bools(Random rnd, double p, int... shape) {
        Nd a = new Nd(shape);
        for (int n = 0; n < a.data.length; n++) a.data[n] = rnd.nextDouble() < p ? 1 : 0;
        return a;
    }

    static Nd filled(double value, int... shape) {
        Nd a = new Nd(shape);
        Arrays.fill(a.data, value);
        return a;
    }

    /** The values of a kernel output. */
    static Nd of(Tensor t) {
        long[] s = t.shape();
        int[] shape = new int[s.length];
        for (int a = 0; a < s.length; a++) shape[a] = Math.toIntExact(s[a]);
        Nd nd = new Nd(shape);
        System.arraycopy(t.toDoubleArray(), 0, nd.data, 0, nd.data.length);
        return nd;
    }

    long[] longShape() {
        long[] s = new long[shape.length];
        for (int a = 0; a < s.length; a++) s[a] = shape[a];
        return s;
    }

    Tensor f32() { return Tensor.fromDoubles(DType.F32, longShape(), data.clone()); }

    Tensor i32() {
        long[] v = new long[data.length];
        for (int n = 0; n < v.length; n++) v[n] = (long) data[n];
        return Tensor.fromInts(DType.I32, longShape(), v);
    }

    Tensor bool() { return Tensor.fromDoubles(DType.BOOL, longShape(), data.clone()); }
}
