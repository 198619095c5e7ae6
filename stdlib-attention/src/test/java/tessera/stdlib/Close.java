package tessera.stdlib;

import static org.assertj.core.api.Assertions.fail;

import java.util.Arrays;
import tessera.runtime.Tensor;

/**
 * Compares a kernel output (an f32 tensor) with a double-precision reference: equal infinities,
 * else |actual - expected| <= 1e-6 + 1e-5 |expected|.
 */
final class Close {
    static final double ABS = 1e-6;
    static final double REL = 1e-5;

    private Close() {}

    static void check(String what, Nd expected, Tensor actual) {
        if (!Arrays.equals(expected.longShape(), actual.shape())) {
            fail(what + ": shape " + Arrays.toString(actual.shape()) + ", expected " + Arrays.toString(expected.shape));
        }
        double[] got = actual.toDoubleArray();
        int bad = 0;
        StringBuilder first = new StringBuilder();
        for (int n = 0; n < got.length; n++) {
            double e = expected.data[n];
            double a = got[n];
            boolean ok = Double.isInfinite(e) || Double.isNaN(e)
                    ? Double.compare(a, e) == 0
                    : Math.abs(a - e) <= ABS + REL * Math.abs(e);
            if (!ok) {
                if (bad < 5) first.append("\n  at ").append(Arrays.toString(unflatten(n, expected.shape)))
                        .append(": got ").append(a).append(", expected ").append(e);
                bad++;
            }
        }
        if (bad > 0) fail(what + ": " + bad + " of " + got.length + " entries differ" + first);
    }

    static int[] unflatten(int flat, int[] shape) {
        int[] idx = new int[shape.length];
        for (int a = shape.length - 1; a >= 0; a--) {
            idx[a] = flat % shape[a];
            flat /= shape[a];
        }
        return idx;
    }
}
