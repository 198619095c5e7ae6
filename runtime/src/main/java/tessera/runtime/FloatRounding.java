package tessera.runtime;

/**
 * Correctly rounded conversions into the narrow floating-point formats (f16 and bf16).
 *
 * <p>Rounding a {@code double} first to {@code float} and then to a 16-bit format can round
 * twice and miss the nearest value (for example {@code 1 + 2^-11 + 2^-40} would become
 * {@code 1.0} in f16 instead of {@code 1 + 2^-10}). To avoid that, the first step rounds
 * <em>to odd</em> (the inexact result gets its lowest significand bit forced to 1), which keeps
 * the information "the value was above/below a tie" in a bit that the second, round-to-nearest-
 * even step still sees. Because {@code float} has at least two more significand bits than f16
 * and bf16, the composition equals a single correct rounding (Boldo and Melquiond, "Emulation of
 * FMA and correctly rounded sums: proved algorithms using rounding to odd", IEEE TC 2008).
 */
final class FloatRounding {

    private static final long TWO_POW_53 = 1L << 53;

    private FloatRounding() {
    }

    /**
     * Rounds {@code v} to f16 (round to nearest, ties to even), returning the raw bits.
     *
     * @param v any double, including infinities and NaN
     * @return f16 bits as produced by {@link Float#floatToFloat16(float)}
     */
    static short toF16Bits(double v) {
        return Float.floatToFloat16(toFloatRoundToOdd(v));
    }

    /**
     * Rounds {@code v} to bf16 (round to nearest, ties to even), returning the raw bits.
     *
     * @param v any double, including infinities and NaN; NaN stays a (quiet) NaN
     * @return bf16 bits, i.e. the upper half of a binary32
     */
    static short toBf16Bits(double v) {
        return floatToBf16Bits(toFloatRoundToOdd(v));
    }

    /**
     * Rounds a float to bf16 (round to nearest, ties to even).
     *
     * @param f any float
     * @return bf16 bits
     */
    static short floatToBf16Bits(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) {
            // Keep sign and the top payload bits, force the quiet bit so it cannot become inf.
            return (short) ((bits >>> 16) | 0x0040);
        }
        int bias = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + bias) >>> 16);
    }

    /**
     * Widens bf16 bits to the float they denote (exact).
     *
     * @param bits bf16 bits
     * @return the value
     */
    static float bf16BitsToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /**
     * Rounds a double to float with the round-to-odd rule: exact values are kept, inexact ones
     * become whichever of the two bracketing floats has an odd significand. Overflow yields
     * {@code ±Float.MAX_VALUE}, underflow below the smallest subnormal yields
     * {@code ±Float.MIN_VALUE}; both still round correctly in the second step.
     *
     * @param v any double
     * @return the round-to-odd float
     */
    static float toFloatRoundToOdd(double v) {
        float f = (float) v;
        if (Double.isNaN(v) || (double) f == v) {
            return f;
        }
        if ((Float.floatToRawIntBits(f) & 1) == 0) {
            // v lies strictly between f and its neighbour towards v, which is odd.
            f = (double) f < v ? Math.nextUp(f) : Math.nextDown(f);
        }
        return f;
    }

    /**
     * Converts a long to a double with the round-to-odd rule (exact below 2^53 in magnitude).
     * Rounding this result once more, to float or narrower with round-to-nearest-even, gives
     * the correctly rounded value of the original long.
     *
     * @param v any long
     * @return the round-to-odd double
     */
    static double longToDoubleRoundToOdd(long v) {
        if (v >= -TWO_POW_53 && v <= TWO_POW_53) {
            return v;
        }
        boolean negative = v < 0;
        long magnitude = negative ? -v : v; // Long.MIN_VALUE stays 2^63 read as unsigned
        int shift = (64 - Long.numberOfLeadingZeros(magnitude)) - 53;
        long kept = magnitude >>> shift;
        if ((magnitude & ((1L << shift) - 1)) != 0) {
            kept |= 1;
        }
        double result = Math.scalb((double) kept, shift);
        return negative ? -result : result;
    }
}
