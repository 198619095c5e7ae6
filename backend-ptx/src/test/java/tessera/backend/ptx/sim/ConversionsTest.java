package tessera.backend.ptx.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static tessera.backend.ptx.sim.PtxType.BF16;
import static tessera.backend.ptx.sim.PtxType.F16;
import static tessera.backend.ptx.sim.PtxType.F32;
import static tessera.backend.ptx.sim.PtxType.F64;
import static tessera.backend.ptx.sim.PtxType.S16;
import static tessera.backend.ptx.sim.PtxType.S32;
import static tessera.backend.ptx.sim.PtxType.S64;
import static tessera.backend.ptx.sim.PtxType.U16;
import static tessera.backend.ptx.sim.PtxType.U32;
import static tessera.backend.ptx.sim.PtxType.U64;
import static tessera.backend.ptx.sim.Snippet.asF32;
import static tessera.backend.ptx.sim.Snippet.asF64;
import static tessera.backend.ptx.sim.Snippet.f32;
import static tessera.backend.ptx.sim.Snippet.f64;

import java.math.BigDecimal;
import java.math.RoundingMode;
import org.junit.jupiter.api.Test;

/** {@code cvt} in every direction the emitter uses, with its rounding modes, saturation and NaN rules. */
class ConversionsTest extends SnippetTests {

    private static long[][] floatsIn() {
        float[] v = floats();
        long[][] in = new long[v.length + 6][];
        for (int i = 0; i < v.length; i++) in[i] = new long[] {f32(v[i])};
        float[] more = {2.5f, 3.5f, -2.5f, -0.5f, 2147483520f, -2147483904f};
        for (int i = 0; i < more.length; i++) in[v.length + i] = new long[] {f32(more[i])};
        return in;
    }

    @Test
    void floatToIntegerRoundsClampsAndMapsNaNToZero() throws Exception {
        long[][] in = floatsIn();
        long[] rzi = snippet("cvt.rzi.s32.f32 %d, %a;", S32, F32).run(in);
        long[] rni = snippet("cvt.rni.s32.f32 %d, %a;", S32, F32).run(in);
        long[] rmi = snippet("cvt.rmi.s32.f32 %d, %a;", S32, F32).run(in);
        long[] rpi = snippet("cvt.rpi.s32.f32 %d, %a;", S32, F32).run(in);
        long[] u32 = snippet("cvt.rzi.u32.f32 %d, %a;", U32, F32).run(in);
        long[] s64 = snippet("cvt.rzi.s64.f32 %d, %a;", S64, F32).run(in);
        for (int i = 0; i < in.length; i++) {
            float x = asF32(in[i][0]);
            assertThat(rzi[i]).as("rzi %s", x).isEqualTo((long) (int) x); // Java's cast truncates, clamps, NaN -> 0
            assertThat(rni[i]).as("rni %s", x).isEqualTo((long) (int) Math.rint(x));
            assertThat(rmi[i]).as("rmi %s", x).isEqualTo((long) (int) Math.floor(x));
            assertThat(rpi[i]).as("rpi %s", x).isEqualTo((long) (int) Math.ceil(x));
            long wantU = Float.isNaN(x) || x <= 0 ? 0 : x >= 0x1p32 ? 0xffffffffL : (long) x;
            assertThat(u32[i]).as("u32 %s", x).isEqualTo(wantU);
            assertThat(s64[i]).as("s64 %s", x).isEqualTo(Float.isNaN(x) ? Long.MIN_VALUE : (long) x);
        }
    }

    @Test
    void nanFromF64GivesTheMinimumInteger() throws Exception {
        long[][] in = {{f64(Double.NaN)}, {f64(1e300)}, {f64(-1e300)}, {f64(-7.9)}};
        long[] s32 = snippet("cvt.rzi.s32.f64 %d, %a;", S32, F64).run(in);
        long[] u32 = snippet("cvt.rzi.u32.f64 %d, %a;", U32, F64).run(in);
        assertThat(s32).containsExactly(Integer.MIN_VALUE, Integer.MAX_VALUE, Integer.MIN_VALUE, -7);
        assertThat(u32).containsExactly(0x80000000L, 0xffffffffL, 0, 0);
    }

    @Test
    void integerToFloatRoundsInEachMode() throws Exception {
        long[][] in = {{16777217}, {-16777217}, {Integer.MAX_VALUE}, {3}, {-1}};
        long[] rn = snippet("cvt.rn.f32.s32 %d, %a;", F32, S32).run(in);
        long[] rz = snippet("cvt.rz.f32.s32 %d, %a;", F32, S32).run(in);
        long[] rm = snippet("cvt.rm.f32.s32 %d, %a;", F32, S32).run(in);
        long[] rp = snippet("cvt.rp.f32.s32 %d, %a;", F32, S32).run(in);
        for (int i = 0; i < in.length; i++) {
            int v = (int) in[i][0];
            BigDecimal exact = BigDecimal.valueOf(v);
            assertThat(asF32(rn[i])).isEqualTo((float) v);
            assertThat(asF32(rz[i])).as("rz %d", v).isEqualTo(toward(exact, RoundingMode.DOWN));
            assertThat(asF32(rm[i])).as("rm %d", v).isEqualTo(toward(exact, RoundingMode.FLOOR));
            assertThat(asF32(rp[i])).as("rp %d", v).isEqualTo(toward(exact, RoundingMode.CEILING));
        }
        long[] big = snippet("cvt.rn.f32.u64 %d, %a;", F32, U64).run(new long[] {-1L}, new long[] {Long.MIN_VALUE + 1}, new long[] {(1L << 40) + 1});
        assertThat(asF32(big[0])).isEqualTo(0x1p64f);
        assertThat(asF32(big[1])).isEqualTo(0x1p63f);
        assertThat(asF32(big[2])).isEqualTo(0x1p40f);
        long[] d = snippet("cvt.rn.f64.s64 %d, %a;", F64, S64).run(new long[] {Long.MAX_VALUE}, new long[] {(1L << 53) + 1});
        assertThat(asF64(d[0])).isEqualTo((double) Long.MAX_VALUE);
        assertThat(asF64(d[1])).isEqualTo(0x1p53);
    }

    /** The float nearest the exact value in the direction of {@code mode}, found without the simulator's method. */
    private static float toward(BigDecimal exact, RoundingMode mode) {
        float f = exact.floatValue();
        BigDecimal ef = new BigDecimal(f);
        int c = ef.compareTo(exact);
        boolean up = switch (mode) {
            case CEILING -> true;
            case FLOOR -> false;
            default -> exact.signum() < 0;
        };
        if (c == 0) return f;
        if (up && c < 0) return Math.nextUp(f);
        if (!up && c > 0) return Math.nextDown(f);
        return f;
    }

    @Test
    void integerToIntegerWrapsOrSaturates() throws Exception {
        long[] v = ints64();
        long[] wrap = snippet("cvt.s32.s64 %d, %a;", S32, S64).run(singles(v));
        long[] sat = snippet("cvt.sat.s32.s64 %d, %a;", S32, S64).run(singles(v));
        long[] satU = snippet("cvt.sat.u32.s64 %d, %a;", U32, S64).run(singles(v));
        long[] widen = snippet("cvt.s64.s32 %d, %a;", S64, S32).run(singles(v));
        long[] widenU = snippet("cvt.u64.u32 %d, %a;", U64, U32).run(singles(v));
        long[] narrow16 = snippet("cvt.sat.s16.s32 %d, %a;", S16, S32).run(singles(v));
        long[] u16 = snippet("cvt.u16.u32 %d, %a;", U16, U32).run(singles(v));
        for (int i = 0; i < v.length; i++) {
            long x = v[i];
            assertThat(wrap[i]).isEqualTo((int) x);
            assertThat(sat[i]).isEqualTo(Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, x)));
            assertThat(satU[i]).isEqualTo(Math.max(0, Math.min(0xffffffffL, x)));
            assertThat(widen[i]).isEqualTo((int) x);
            assertThat(widenU[i]).isEqualTo(x & 0xffffffffL);
            assertThat(narrow16[i]).isEqualTo(Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, (int) x)));
            assertThat(u16[i]).isEqualTo(x & 0xffff);
        }
        long[] satFromU64 = snippet("cvt.sat.s64.u64 %d, %a;", S64, U64).run(new long[] {-1L}, new long[] {5});
        assertThat(satFromU64).containsExactly(Long.MAX_VALUE, 5);
    }

    @Test
    void floatToFloatNarrowsInEachModeAndRoundsToIntegral() throws Exception {
        double[] v = doubles();
        long[] rn = snippet("cvt.rn.f32.f64 %d, %a;", F32, F64).run(doubleSingles(v));
        long[] rz = snippet("cvt.rz.f32.f64 %d, %a;", F32, F64).run(doubleSingles(v));
        for (int i = 0; i < v.length; i++) {
            assertThat(Float.isNaN(asF32(rn[i])) ? "NaN" : Float.toString(asF32(rn[i]))).isEqualTo(Float.isNaN((float) v[i]) ? "NaN" : Float.toString((float) v[i]));
            if (Double.isFinite(v[i]) && Math.abs(v[i]) < Float.MAX_VALUE) {
                assertThat(Math.abs((double) asF32(rz[i]))).as("rz %s", v[i]).isLessThanOrEqualTo(Math.abs(v[i]));
            }
        }
        assertThat(asF32(rz[10])).as("rz of an overflow is the largest float").isEqualTo(Float.MAX_VALUE);
        long[] widen = snippet("cvt.f64.f32 %d, %a;", F64, F32).run(new long[] {f32(0.1f)});
        assertThat(asF64(widen[0])).isEqualTo((double) 0.1f);
        long[][] ties = {{f32(0.5f)}, {f32(1.5f)}, {f32(2.5f)}, {f32(-2.5f)}, {f32(-0.4f)}};
        long[] rni = snippet("cvt.rni.f32.f32 %d, %a;", F32, F32).run(ties);
        long[] rzi = snippet("cvt.rzi.f32.f32 %d, %a;", F32, F32).run(ties);
        long[] rmi = snippet("cvt.rmi.f32.f32 %d, %a;", F32, F32).run(ties);
        assertThat(new float[] {asF32(rni[0]), asF32(rni[1]), asF32(rni[2]), asF32(rni[3])}).containsExactly(0f, 2f, 2f, -2f);
        assertThat(f32(asF32(rzi[4]))).as("-0.4 truncates to -0").isEqualTo(f32(-0f));
        assertThat(asF32(rmi[3])).isEqualTo(-3f);
    }

    private static long[][] doubleSingles(double[] v) {
        long[][] in = new long[v.length][];
        for (int i = 0; i < v.length; i++) in[i] = new long[] {f64(v[i])};
        return in;
    }

    @Test
    void halfAndBfloat16RoundToNearestEven() throws Exception {
        float[] v = floats();
        long[][] in = new long[v.length][];
        for (int i = 0; i < v.length; i++) in[i] = new long[] {f32(v[i])};
        long[] half = snippet("cvt.rn.f16.f32 %d, %a;", F16, F32).run(in);
        long[] bf = snippet("cvt.rn.bf16.f32 %d, %a;", BF16, F32).run(in);
        for (int i = 0; i < v.length; i++) {
            if (Float.isNaN(v[i])) continue;
            assertThat(half[i]).as("f16 of %s", v[i]).isEqualTo(Float.floatToFloat16(v[i]) & 0xffffL);
            assertThat(bf[i]).as("bf16 of %s", v[i]).isEqualTo(bf16(v[i]));
        }
        long[] back = snippet("cvt.f32.f16 %d, %a;", F32, F16).run(new long[] {0x3c00}, new long[] {0xfc00}, new long[] {0x0001});
        assertThat(new float[] {asF32(back[0]), asF32(back[1]), asF32(back[2])}).containsExactly(1f, Float.NEGATIVE_INFINITY, 0x1p-24f);
        // from f64, rounding once: 1 + 2^-11 + 2^-40 is just above a tie in f16, so it rounds up
        double above = 1 + 0x1p-11 + 0x1p-40;
        long[] h64 = snippet("cvt.rn.f16.f64 %d, %a;", F16, F64).run(new long[] {f64(above)}, new long[] {f64(65520)}, new long[] {f64(65519.99)});
        assertThat(h64).containsExactly(0x3c01L, 0x7c00L, 0x7bffL);
        long[] bfBack = snippet("cvt.f32.bf16 %d, %a;", F32, BF16).run(new long[] {0x3f80}, new long[] {0xc040});
        assertThat(new float[] {asF32(bfBack[0]), asF32(bfBack[1])}).containsExactly(1f, -3f);
    }

    /** bf16 by the textbook rounding of the float's bits (Java has no bf16). */
    private static long bf16(float x) {
        int b = Float.floatToRawIntBits(x);
        return ((b + 0x7fff + ((b >>> 16) & 1)) >>> 16) & 0xffff;
    }
}
