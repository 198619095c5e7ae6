package tessera.backend.ptx.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static tessera.backend.ptx.sim.PtxType.F32;
import static tessera.backend.ptx.sim.PtxType.F64;
import static tessera.backend.ptx.sim.Snippet.asF32;
import static tessera.backend.ptx.sim.Snippet.asF64;
import static tessera.backend.ptx.sim.Snippet.f32;
import static tessera.backend.ptx.sim.Snippet.f64;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Floating-point instructions against Java's IEEE arithmetic: .rn is Java's float and double
 * arithmetic, fma is exact (one rounding), the directed modes step to the right neighbour,
 * min/max ignore one NaN, .ftz and .sat, and the .approx functions within their bounds with the
 * right special values.
 */
class FloatOpsTest extends SnippetTests {

    @FunctionalInterface
    interface F2 {
        float apply(float a, float b);
    }

    @FunctionalInterface
    interface D2 {
        double apply(double a, double b);
    }

    private static long[][] floatPairs() {
        float[] v = floats();
        List<long[]> t = new ArrayList<>();
        for (float a : v) {
            for (float b : v) t.add(new long[] {f32(a), f32(b)});
        }
        return t.toArray(long[][]::new);
    }

    private static long[][] doublePairs() {
        double[] v = doubles();
        List<long[]> t = new ArrayList<>();
        for (double a : v) {
            for (double b : v) t.add(new long[] {f64(a), f64(b)});
        }
        return t.toArray(long[][]::new);
    }

    private void checkF32(String instruction, F2 expected) throws Exception {
        long[][] in = floatPairs();
        long[] got = snippet(instruction, F32, F32, F32).run(in);
        for (int i = 0; i < in.length; i++) {
            float want = expected.apply(asF32(in[i][0]), asF32(in[i][1]));
            assertSame(instruction + " of " + asF32(in[i][0]) + ", " + asF32(in[i][1]), asF32(got[i]), want);
        }
    }

    private void checkF64(String instruction, D2 expected) throws Exception {
        long[][] in = doublePairs();
        long[] got = snippet(instruction, F64, F64, F64).run(in);
        for (int i = 0; i < in.length; i++) {
            double want = expected.apply(asF64(in[i][0]), asF64(in[i][1]));
            double g = asF64(got[i]);
            assertThat(Double.isNaN(g) ? "NaN" : Long.toHexString(f64(g))).as(instruction + " of " + asF64(in[i][0]) + ", " + asF64(in[i][1]))
                    .isEqualTo(Double.isNaN(want) ? "NaN" : Long.toHexString(f64(want)));
        }
    }

    /** Equal bits, any NaN equal to any NaN. */
    private static void assertSame(String what, float got, float want) {
        assertThat(Float.isNaN(got) ? "NaN" : Integer.toHexString(Float.floatToRawIntBits(got))).as(what)
                .isEqualTo(Float.isNaN(want) ? "NaN" : Integer.toHexString(Float.floatToRawIntBits(want)));
    }

    @Test
    void roundToNearestIsJavaArithmetic() throws Exception {
        checkF32("add.rn.f32 %d, %a, %b;", Float::sum);
        checkF32("sub.rn.f32 %d, %a, %b;", (a, b) -> a - b);
        checkF32("mul.rn.f32 %d, %a, %b;", (a, b) -> a * b);
        checkF32("div.rn.f32 %d, %a, %b;", (a, b) -> a / b);
        checkF32("add.f32 %d, %a, %b;", Float::sum);
        checkF64("add.rn.f64 %d, %a, %b;", Double::sum);
        checkF64("mul.rn.f64 %d, %a, %b;", (a, b) -> a * b);
        checkF64("div.rn.f64 %d, %a, %b;", (a, b) -> a / b);
    }

    @Test
    void fmaRoundsOnce() throws Exception {
        float a = 1 + 0x1p-12f;
        float b = 1 - 0x1p-12f;
        long[][] in = {{f32(a), f32(b), f32(-1f)}, {f32(3f), f32(0.1f), f32(-0.3f)}, {f32(1e30f), f32(1e10f), f32(Float.NEGATIVE_INFINITY)}};
        long[] fma = snippet("fma.rn.f32 %d, %a, %b, %c;", F32, F32, F32, F32).run(in);
        long[] mad = snippet("mad.rn.f32 %d, %a, %b, %c;", F32, F32, F32, F32).run(in);
        for (int i = 0; i < in.length; i++) {
            float want = Math.fma(asF32(in[i][0]), asF32(in[i][1]), asF32(in[i][2]));
            assertSame("fma", asF32(fma[i]), want);
            assertSame("mad", asF32(mad[i]), want);
        }
        // a * b = 1 - 2^-24 exactly; rounding the product first would give 1 and a sum of 0
        assertThat(asF32(fma[0])).isEqualTo(-0x1p-24f);
        long[] d = snippet("fma.rn.f64 %d, %a, %b, %c;", F64, F64, F64, F64)
                .run(new long[] {f64(1 + 0x1p-30), f64(1 - 0x1p-30), f64(-1)});
        assertThat(asF64(d[0])).isEqualTo(-0x1p-60);
    }

    @Test
    void directedRoundingStepsToTheRightNeighbour() throws Exception {
        long[][] in = {{f32(1f), f32(0x1p-30f)}, {f32(-1f), f32(-0x1p-30f)}, {f32(1f), f32(3f)}, {f32(1f), f32(1f)}};
        long[] addRz = snippet("add.rz.f32 %d, %a, %b;", F32, F32, F32).run(in);
        long[] addRp = snippet("add.rp.f32 %d, %a, %b;", F32, F32, F32).run(in);
        long[] addRm = snippet("add.rm.f32 %d, %a, %b;", F32, F32, F32).run(in);
        long[] divRz = snippet("div.rz.f32 %d, %a, %b;", F32, F32, F32).run(in);
        long[] divRp = snippet("div.rp.f32 %d, %a, %b;", F32, F32, F32).run(in);
        assertThat(asF32(addRz[0])).isEqualTo(1f);
        assertThat(asF32(addRp[0])).isEqualTo(Math.nextUp(1f));
        assertThat(asF32(addRm[0])).isEqualTo(1f);
        assertThat(asF32(addRz[1])).isEqualTo(-1f);
        assertThat(asF32(addRm[1])).isEqualTo(Math.nextDown(-1f));
        assertThat(asF32(addRp[1])).isEqualTo(-1f);
        float third = 1f / 3f; // round to nearest is above 1/3
        assertThat(asF32(divRz[2])).isEqualTo(Math.nextDown(third));
        assertThat(asF32(divRp[2])).isEqualTo(third);
        assertThat(asF32(divRz[3])).isEqualTo(1f);
        assertThat(asF32(divRp[3])).isEqualTo(1f);
        // overflow: rz gives the largest finite value, rp infinity
        long[][] big = {{f32(Float.MAX_VALUE), f32(Float.MAX_VALUE)}};
        assertThat(asF32(snippet("add.rz.f32 %d, %a, %b;", F32, F32, F32).run(big)[0])).isEqualTo(Float.MAX_VALUE);
        assertThat(asF32(snippet("mul.rp.f32 %d, %a, %b;", F32, F32, F32).run(big)[0])).isEqualTo(Float.POSITIVE_INFINITY);
        // x + (-x) is -0 rounding down, +0 otherwise
        long[][] cancel = {{f32(2f), f32(-2f)}};
        assertThat(f32(asF32(snippet("add.rm.f32 %d, %a, %b;", F32, F32, F32).run(cancel)[0]))).isEqualTo(f32(-0f));
        assertThat(f32(asF32(snippet("sub.rn.f32 %d, %a, %a;", F32, F32, F32).run(cancel)[0]))).isEqualTo(f32(0f));
        long[] dz = snippet("mul.rz.f64 %d, %a, %b;", F64, F64, F64).run(new long[] {f64(1d / 3), f64(3)});
        assertThat(asF64(dz[0])).isEqualTo(Math.nextDown(1d));
    }

    @Test
    void minAndMaxIgnoreOneNaNAndOrderZeros() throws Exception {
        checkF32("min.f32 %d, %a, %b;", (a, b) -> Float.isNaN(a) ? b : Float.isNaN(b) ? a : Math.min(a, b));
        checkF32("max.f32 %d, %a, %b;", (a, b) -> Float.isNaN(a) ? b : Float.isNaN(b) ? a : Math.max(a, b));
        checkF32("max.NaN.f32 %d, %a, %b;", (a, b) -> Float.isNaN(a) || Float.isNaN(b) ? Float.NaN : Math.max(a, b));
        checkF64("min.f64 %d, %a, %b;", (a, b) -> Double.isNaN(a) ? b : Double.isNaN(b) ? a : Math.min(a, b));
        long[] m = snippet("max.f32 %d, %a, %b;", F32, F32, F32).run(new long[] {f32(-0f), f32(0f)}, new long[] {f32(Float.NaN), f32(Float.NaN)});
        assertThat(m[0]).isEqualTo(f32(0f));
        assertThat(m[1]).as("both NaN gives the canonical NaN").isEqualTo(0x7fffffffL);
    }

    @Test
    void absNegFlipOnlyTheSign() throws Exception {
        float[] v = floats();
        long[][] in = new long[v.length][];
        for (int i = 0; i < v.length; i++) in[i] = new long[] {f32(v[i])};
        long[] abs = snippet("abs.f32 %d, %a;", F32, F32).run(in);
        long[] neg = snippet("neg.f32 %d, %a;", F32, F32).run(in);
        for (int i = 0; i < v.length; i++) {
            if (Float.isNaN(v[i])) continue;
            assertThat(abs[i]).isEqualTo(f32(Math.abs(v[i])));
            assertThat(neg[i]).isEqualTo(f32(-v[i]));
        }
    }

    @Test
    void squareRootAndReciprocalAreCorrectlyRounded() throws Exception {
        float[] v = floats();
        long[][] in = new long[v.length][];
        for (int i = 0; i < v.length; i++) in[i] = new long[] {f32(v[i])};
        long[] sqrt = snippet("sqrt.rn.f32 %d, %a;", F32, F32).run(in);
        long[] rcp = snippet("rcp.rn.f32 %d, %a;", F32, F32).run(in);
        for (int i = 0; i < v.length; i++) {
            assertSame("sqrt " + v[i], asF32(sqrt[i]), (float) Math.sqrt(v[i]));
            assertSame("rcp " + v[i], asF32(rcp[i]), 1f / v[i]);
        }
    }

    @Test
    void approximateFunctionsAreWithinTheirBoundsWithExactSpecialValues() throws Exception {
        float[] xs = {0f, -0f, 1f, -1f, 0.5f, 10f, -10f, 100f, -150f, 127.5f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, 3e-39f};
        long[][] in = new long[xs.length][];
        for (int i = 0; i < xs.length; i++) in[i] = new long[] {f32(xs[i])};
        long[] ex2 = snippet("ex2.approx.f32 %d, %a;", F32, F32).run(in);
        long[] lg2 = snippet("lg2.approx.f32 %d, %a;", F32, F32).run(in);
        long[] rsqrt = snippet("rsqrt.approx.f32 %d, %a;", F32, F32).run(in);
        long[] ex2ftz = snippet("ex2.approx.ftz.f32 %d, %a;", F32, F32).run(in);
        for (int i = 0; i < xs.length; i++) {
            float x = xs[i];
            assertClose("ex2 " + x, asF32(ex2[i]), Math.pow(2, x));
            assertClose("lg2 " + x, asF32(lg2[i]), x == 0 ? Double.NEGATIVE_INFINITY : Math.log(x) / Math.log(2));
            assertClose("rsqrt " + x, asF32(rsqrt[i]), 1 / Math.sqrt(x));
        }
        assertThat(asF32(lg2[1])).isEqualTo(Float.NEGATIVE_INFINITY);
        assertThat(asF32(lg2[3])).isNaN();
        assertThat(asF32(ex2[11])).isEqualTo(0f);
        assertThat(asF32(rsqrt[0])).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(asF32(rsqrt[1])).isEqualTo(Float.NEGATIVE_INFINITY);
        assertThat(asF32(ex2[8])).as("2^-150 is subnormal territory: rounds to 0 or the smallest subnormal").isLessThanOrEqualTo(Float.MIN_VALUE);
        assertThat(asF32(ex2ftz[13])).as("ftz: a subnormal input is 0, so 2^0").isEqualTo(1f);
    }

    /** Within 2 ulps of the exact value (the PTX bounds are about 2 ulps for these), same special values. */
    private static void assertClose(String what, float got, double exact) {
        if (Double.isNaN(exact)) {
            assertThat(got).as(what).isNaN();
            return;
        }
        if (Double.isInfinite(exact)) {
            assertThat(got).as(what).isEqualTo((float) exact);
            return;
        }
        assertThat((double) got).as(what).isCloseTo(exact, org.assertj.core.data.Offset.offset(2 * Math.ulp((float) exact) + 1e-45));
    }

    @Test
    void flushToZeroAndSaturate() throws Exception {
        long[][] in = {{f32(1e-39f), f32(1f)}, {f32(0.75f), f32(0.5f)}, {f32(-3f), f32(1f)}, {f32(Float.NaN), f32(1f)}, {f32(1e-20f), f32(1e-20f)}};
        long[] ftz = snippet("mul.rn.ftz.f32 %d, %a, %b;", F32, F32, F32).run(in);
        long[] sat = snippet("add.rn.sat.f32 %d, %a, %b;", F32, F32, F32).run(in);
        assertThat(asF32(ftz[0])).isEqualTo(0f);
        assertThat(asF32(ftz[4])).as("a subnormal product flushes to zero").isEqualTo(0f);
        assertThat(asF32(sat[1])).isEqualTo(1f);
        assertThat(asF32(sat[2])).isEqualTo(0f);
        assertThat(asF32(sat[3])).as("NaN saturates to +0").isEqualTo(0f);
    }
}
