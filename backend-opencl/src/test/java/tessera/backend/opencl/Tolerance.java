package tessera.backend.opencl;

import static org.assertj.core.api.Assertions.assertThat;

import tessera.runtime.DType;
import tessera.runtime.Tensor;

/**
 * docs/testing.md's rule for comparing a backend with an oracle: an element passes when
 * {@code |out - ref| <= atol + rtol * |ref|}, atol scaled by {@code max(1, max|ref|)}; integers
 * and bools exactly; infinities equal; NaN only against NaN.
 */
final class Tolerance {
    private Tolerance() {}

    static void assertClose(String name, Tensor expected, Tensor actual) {
        assertThat(actual.dtype()).as(name).isEqualTo(expected.dtype());
        assertThat(actual.shape()).as(name).isEqualTo(expected.shape());
        DType t = expected.dtype();
        double[] e = expected.toDoubleArray(), a = actual.toDoubleArray();
        double scale = 1;
        for (double v : e) if (Double.isFinite(v)) scale = Math.max(scale, Math.abs(v));
        double atol = switch (t) {
            case F64 -> 1e-12;
            case F32 -> 1e-5;
            case F16 -> 2e-3;
            case BF16 -> 1.6e-2;
            case I32, I64, BOOL -> 0;
        } * scale;
        double rtol = switch (t) {
            case F64 -> 1e-10;
            case F32 -> 1e-4;
            case F16 -> 2e-3;
            case BF16 -> 1.6e-2;
            case I32, I64, BOOL -> 0;
        };
        for (int i = 0; i < e.length; i++) {
            boolean same = Double.isNaN(e[i]) ? Double.isNaN(a[i])
                    : Double.isInfinite(e[i]) ? a[i] == e[i]
                    : Math.abs(a[i] - e[i]) <= atol + rtol * Math.abs(e[i]);
            if (!same) assertThat(a[i]).as("%s[%d] (flat): expected %s", name, i, e[i]).isEqualTo(e[i]);
        }
    }
}
