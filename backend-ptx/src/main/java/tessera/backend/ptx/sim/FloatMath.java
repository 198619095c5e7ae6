package tessera.backend.ptx.sim;

import java.math.BigDecimal;
import java.math.BigInteger;

/**
 * Floating-point semantics of PTX on the JVM. Round-to-nearest-even ({@code .rn}) is Java's own
 * float and double arithmetic, which is IEEE 754; the directed modes ({@code .rz}, {@code .rm},
 * {@code .rp}) take the round-to-nearest result and step to the neighbour on the right side of
 * the exact value, which is compared exactly with {@link BigDecimal}. The {@code .approx}
 * instructions are computed in double precision and rounded once, which is within their
 * documented error bounds. {@code .f16}/{@code .bf16} conversions round to nearest even from the
 * exact value.
 */
final class FloatMath {
    private FloatMath() {}

    /** The IEEE rounding modes of float arithmetic and conversions. */
    enum Rnd { RN, RZ, RM, RP }

    /** The integer rounding modes of conversions to integers or to integral floats. */
    enum IntRnd { RNI, RZI, RMI, RPI }

    /** The canonical NaN a GPU produces for f32. */
    static final int CANONICAL_NAN_F32 = 0x7fffffff;

    static float f(long bits) {
        return Float.intBitsToFloat((int) bits);
    }

    static double d(long bits) {
        return Double.longBitsToDouble(bits);
    }

    /** A float result's register bits; NaN becomes the canonical NaN. */
    static long bits(float x) {
        return x != x ? CANONICAL_NAN_F32 : Float.floatToRawIntBits(x) & 0xffffffffL;
    }

    static long bits(double x) {
        return Double.doubleToRawLongBits(x);
    }

    /** Flushes a subnormal to zero of the same sign ({@code .ftz}). */
    static float ftz(float x) {
        return Math.abs(x) < Float.MIN_NORMAL ? Math.copySign(0f, x) : x;
    }

    /** Clamps to [0, 1], NaN to +0 ({@code .sat}). */
    static float sat(float x) {
        return x != x ? 0f : x <= 0f ? 0f : Math.min(x, 1f);
    }

    static double sat(double x) {
        return x != x ? 0d : x <= 0d ? 0d : Math.min(x, 1d);
    }

    // ---- directed rounding ----

    /** The sign of {@code candidate - exact}, computed exactly. */
    @FunctionalInterface
    interface Exact {
        int compare(double candidate);
    }

    /**
     * The result in {@code mode}, given the round-to-nearest result {@code rn} of an operation on
     * finite operands and the exact comparison. {@code single} rounds to float.
     */
    static double directed(double rn, Exact exact, Rnd mode, boolean single) {
        if (mode == Rnd.RN || Double.isNaN(rn)) return rn;
        if (Double.isInfinite(rn)) {
            double max = single ? Float.MAX_VALUE : Double.MAX_VALUE;
            boolean positive = rn > 0;
            return switch (mode) {
                case RZ -> positive ? max : -max;
                case RM -> positive ? max : rn;
                case RP -> positive ? rn : -max;
                case RN -> rn;
            };
        }
        int c = exact.compare(rn);
        if (c == 0) return rn;
        double floor = c > 0 ? down(rn, single) : rn;
        double ceil = c > 0 ? rn : up(rn, single);
        boolean positive = floor >= 0;
        return switch (mode) {
            case RZ -> positive ? floor : ceil;
            case RM -> floor;
            case RP -> ceil;
            case RN -> rn;
        };
    }

    private static double up(double x, boolean single) {
        return single ? Math.nextUp((float) x) : Math.nextUp(x);
    }

    private static double down(double x, boolean single) {
        return single ? Math.nextDown((float) x) : Math.nextDown(x);
    }

    private static BigDecimal exact(double x) {
        return new BigDecimal(x);
    }

    private static boolean finite(double... xs) {
        for (double x : xs) {
            if (!Double.isFinite(x)) return false;
        }
        return true;
    }

    /** The sign of an exact zero sum {@code a + b} in {@code mode} (IEEE 754 section 6.3). */
    private static double zeroSum(double a, double b, double rn, Rnd mode) {
        if (mode != Rnd.RM) return rn;
        boolean bothPositiveZero = Double.doubleToRawLongBits(a) == 0 && Double.doubleToRawLongBits(b) == 0;
        return bothPositiveZero ? 0d : -0d;
    }

    static double add(double a, double b, Rnd mode, boolean single) {
        double rn = single ? (float) a + (float) b : a + b;
        if (mode == Rnd.RN || !finite(a, b)) return rn;
        BigDecimal e = exact(a).add(exact(b));
        if (e.signum() == 0) return zeroSum(a, b, rn, mode);
        return directed(rn, x -> exact(x).compareTo(e), mode, single);
    }

    static double mul(double a, double b, Rnd mode, boolean single) {
        double rn = single ? (float) a * (float) b : a * b;
        if (mode == Rnd.RN || !finite(a, b) || a == 0 || b == 0) return rn;
        BigDecimal e = exact(a).multiply(exact(b));
        return directed(rn, x -> exact(x).compareTo(e), mode, single);
    }

    static double fma(double a, double b, double c, Rnd mode, boolean single) {
        double rn = single ? Math.fma((float) a, (float) b, (float) c) : Math.fma(a, b, c);
        if (mode == Rnd.RN || !finite(a, b, c)) return rn;
        BigDecimal e = exact(a).multiply(exact(b)).add(exact(c));
        if (e.signum() == 0) return zeroSum(a * b == 0 ? Math.copySign(0d, a) * Math.copySign(1d, b) : a * b, c, rn, mode);
        return directed(rn, x -> exact(x).compareTo(e), mode, single);
    }

    static double div(double a, double b, Rnd mode, boolean single) {
        double rn = single ? (float) a / (float) b : a / b;
        if (mode == Rnd.RN || !finite(a, b) || a == 0 || b == 0) return rn;
        BigDecimal ea = exact(a);
        BigDecimal eb = exact(b);
        int sb = eb.signum();
        return directed(rn, x -> exact(x).multiply(eb).compareTo(ea) * sb, mode, single);
    }

    static double sqrt(double a, Rnd mode, boolean single) {
        double rn = single ? (float) Math.sqrt((float) a) : Math.sqrt(a);
        if (mode == Rnd.RN || !finite(a) || a <= 0) return rn;
        BigDecimal ea = exact(a);
        return directed(rn, x -> exact(x).multiply(exact(x)).compareTo(ea), mode, single);
    }

    // ---- min and max ----

    /** PTX {@code max}: a NaN operand is ignored unless both are NaN ({@code nan}: any NaN gives NaN); +0 > -0. */
    static double max(double a, double b, boolean nan) {
        if (a != a || b != b) {
            if (nan || a != a && b != b) return Double.NaN;
            return a != a ? b : a;
        }
        return Math.max(a, b);
    }

    static double min(double a, double b, boolean nan) {
        if (a != a || b != b) {
            if (nan || a != a && b != b) return Double.NaN;
            return a != a ? b : a;
        }
        return Math.min(a, b);
    }

    // ---- approximate functions, computed exactly ----

    private static final double LN2 = Math.log(2);

    /** 2^x, in double precision (relative error about 1e-15) rounded once to float. */
    static float ex2(float x) {
        return (float) Math.exp(x * LN2);
    }

    /** log2, with log2(±0) = -inf and log2 of a negative number NaN. */
    static float lg2(float x) {
        if (x == 0) return Float.NEGATIVE_INFINITY;
        double d = x;
        int e = Math.getExponent(d);
        if (e > Double.MIN_EXPONENT && e <= Double.MAX_EXPONENT && d > 0 && d == Math.scalb(1d, e)) return e;
        return (float) (Math.log(d) / Math.log(2));
    }

    static double rsqrt(double x) {
        return 1 / Math.sqrt(x);
    }

    // ---- conversions ----

    /** An integer (signed, or unsigned 64-bit when {@code unsigned}) to float or double in {@code mode}. */
    static double fromInteger(long v, boolean unsigned, Rnd mode, boolean single) {
        double rn;
        BigDecimal e;
        if (unsigned && v < 0) {
            long half = (v >>> 1) | (v & 1);
            rn = single ? (double) ((float) half * 2f) : (double) half * 2d;
            e = new BigDecimal(new BigInteger(Long.toUnsignedString(v)));
        } else {
            rn = single ? (float) v : (double) v;
            e = BigDecimal.valueOf(v);
        }
        if (mode == Rnd.RN) return rn;
        return directed(rn, x -> exact(x).compareTo(e), mode, single);
    }

    /** A double to float in {@code mode}. */
    static float toFloat(double v, Rnd mode) {
        float rn = (float) v;
        if (mode == Rnd.RN || !Double.isFinite(v)) return rn;
        BigDecimal e = exact(v);
        return (float) directed(rn, x -> exact(x).compareTo(e), mode, true);
    }

    /** Rounds to an integral value in {@code mode}. */
    static double integral(double v, IntRnd mode) {
        return switch (mode) {
            case RNI -> Math.rint(v);
            case RZI -> v < 0 ? Math.ceil(v) : Math.floor(v);
            case RMI -> Math.floor(v);
            case RPI -> Math.ceil(v);
        };
    }

    /**
     * A float to an integer type in {@code mode}: clamped to the type's range; NaN gives 0,
     * except from .f64 or to a 64-bit type, where it gives {@code 1 << (bits - 1)}.
     */
    static long toInteger(double v, IntRnd mode, PtxType dst, boolean fromF64) {
        if (v != v) return (!fromF64 && dst.bits < 64) ? 0 : dst.norm(1L << (dst.bits - 1));
        double r = integral(v, mode);
        boolean signed = dst.isSigned();
        if (dst.bits == 64 && !signed) {
            if (r <= 0) return 0;
            if (r >= 0x1p64) return -1L;
            if (r >= 0x1p63) return (long) (r - 0x1p63) ^ Long.MIN_VALUE;
            return (long) r;
        }
        if (dst.bits == 64) return (long) r; // Java's cast saturates
        long min = signed ? -(1L << (dst.bits - 1)) : 0;
        long max = signed ? (1L << (dst.bits - 1)) - 1 : (1L << dst.bits) - 1;
        if (r <= min) return dst.norm(min);
        if (r >= max) return dst.norm(max);
        return dst.norm((long) r);
    }

    static double fromHalf(long bits) {
        return Float.float16ToFloat((short) bits);
    }

    static double fromBf16(long bits) {
        return Float.intBitsToFloat((int) ((bits & 0xffff) << 16));
    }

    /** A double rounded to nearest even f16 (bits); NaN gives the canonical 0x7fff. */
    static long toHalf(double v) {
        if (v != v) return 0x7fff;
        long candidate = Float.floatToFloat16((float) v) & 0xffff;
        return nearest(v, candidate, 0x7c00, 0x1p16);
    }

    /** A double rounded to nearest even bf16 (bits); NaN gives the canonical 0x7fff. */
    static long toBf16(double v) {
        if (v != v) return 0x7fff;
        int fb = Float.floatToRawIntBits((float) v);
        long candidate = (fb & 0x7f800000) == 0x7f800000 ? (fb >>> 16) & 0xffff : ((fb + 0x7fff + ((fb >>> 16) & 1)) >>> 16) & 0xffff;
        return nearest(v, candidate, 0x7f80, 0x1p128);
    }

    /**
     * Corrects a 16-bit candidate (found through float, so possibly rounded twice) to the value
     * nearest {@code v}, ties to the even pattern: compares it with its neighbours in
     * sign-magnitude order. Infinity ({@code infinity} pattern) counts as {@code beyond}, the next
     * value past the largest finite one, so overflow rounds as IEEE 754 says.
     */
    private static long nearest(double v, long candidate, long infinity, double beyond) {
        long best = candidate;
        double bestErr = Math.abs(value(best, infinity, beyond) - v);
        long sign = candidate & 0x8000;
        long mag = candidate & 0x7fff;
        long[] neighbours = {mag < infinity ? sign | (mag + 1) : -1, mag > 0 ? sign | (mag - 1) : -1};
        for (long n : neighbours) {
            if (n < 0) continue;
            double err = Math.abs(value(n, infinity, beyond) - v);
            if (err < bestErr || err == bestErr && (n & 1) == 0) {
                best = n;
                bestErr = err;
            }
        }
        return best;
    }

    private static double value(long bits, long infinity, double beyond) {
        long mag = bits & 0x7fff;
        double sign = (bits & 0x8000) != 0 ? -1 : 1;
        if (mag == infinity) return sign * beyond;
        return infinity == 0x7c00 ? fromHalf(bits) : fromBf16(bits);
    }
}
