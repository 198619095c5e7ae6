package tessera.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Checks the f16/bf16 conversions against a slow exact reference: the nearest of the two
 * representable neighbours, compared with BigDecimal, ties to the even bit pattern.
 */
class FloatRoundingTest {

    /** Which 16-bit format, as a monotone map from non-negative bit patterns to values. */
    private enum Format {
        F16(0x7C00, 0x1p16) {
            @Override
            double value(int bits) {
                return Float.float16ToFloat((short) bits);
            }

            @Override
            short convert(double v) {
                return FloatRounding.toF16Bits(v);
            }
        },
        BF16(0x7F80, 0x1p128) {
            @Override
            double value(int bits) {
                return FloatRounding.bf16BitsToFloat((short) bits);
            }

            @Override
            short convert(double v) {
                return FloatRounding.toBf16Bits(v);
            }
        };

        final int infinityBits;
        /** Where infinity sits for rounding purposes: the next power of two after the max. */
        final double infinityAsValue;

        Format(int infinityBits, double infinityAsValue) {
            this.infinityBits = infinityBits;
            this.infinityAsValue = infinityAsValue;
        }

        abstract double value(int bits);

        abstract short convert(double v);

        double rankValue(int bits) {
            return bits == infinityBits ? infinityAsValue : value(bits);
        }

        /** Correctly rounded bits of a non-negative finite v (ties to even). */
        int reference(double v) {
            if (v >= infinityAsValue) {
                return infinityBits;
            }
            int lo = 0;
            int hi = infinityBits; // invariant: rankValue(lo) <= v < rankValue(hi)
            while (hi - lo > 1) {
                int mid = (lo + hi) >>> 1;
                if (rankValue(mid) <= v) {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            BigDecimal x = new BigDecimal(v);
            int cmp = x.subtract(new BigDecimal(rankValue(lo)))
                    .compareTo(new BigDecimal(rankValue(hi)).subtract(x));
            if (cmp < 0) {
                return lo;
            }
            if (cmp > 0) {
                return hi;
            }
            return (lo & 1) == 0 ? lo : hi;
        }
    }

    @Property(tries = 400)
    void arbitraryDoublesRoundCorrectly(@ForAll("doubles") double v, @ForAll Format format) {
        check(format, v);
    }

    @Property(tries = 400)
    void nearTiesRoundCorrectly(@ForAll @IntRange(min = 0, max = 0x7F7E) int bits,
                                @ForAll @IntRange(min = -3, max = 3) int nudge,
                                @ForAll Format format) {
        if (bits >= format.infinityBits) {
            return;
        }
        double lo = format.value(bits);
        double hi = format.rankValue(bits + 1); // includes the tie between max and infinity
        double tie = (lo + hi) / 2; // exact in double
        double v = tie + nudge * Math.ulp(tie) * (Math.abs(nudge) == 3 ? 1 << 20 : 1);
        check(format, v);
    }

    @Property(tries = 200)
    void longsRoundLikeTheirExactValue(@ForAll long v) {
        double viaOdd = FloatRounding.longToDoubleRoundToOdd(v);
        BigDecimal error = new BigDecimal(viaOdd).subtract(BigDecimal.valueOf(v)).abs();
        if (error.signum() != 0) {
            // Inexact results are odd and within one ulp, i.e. one of v's two neighbours.
            assertThat(Double.doubleToRawLongBits(viaOdd) & 1).isEqualTo(1);
            assertThat(error).isLessThan(new BigDecimal(Math.ulp(viaOdd)));
        }
        assertThat((float) viaOdd).isEqualTo((float) v); // (float) long is correctly rounded
    }

    private static void check(Format format, double v) {
        if (!Double.isFinite(v)) {
            return;
        }
        int expected = format.reference(Math.abs(v)) | (v < 0 || (v == 0 && 1 / v < 0) ? 0x8000 : 0);
        assertThat(format.convert(v) & 0xFFFF)
                .as("%s of %s", format, v)
                .isEqualTo(expected);
    }

    @Provide
    Arbitrary<Double> doubles() {
        Arbitrary<Double> anyBits = Arbitraries.longs().map(Double::longBitsToDouble);
        Arbitrary<Double> moderate = Arbitraries.doubles().between(-70000, 70000);
        Arbitrary<Double> small = Arbitraries.integers().between(-30, 20)
                .flatMap(e -> Arbitraries.doubles().between(1, 2).map(m -> Math.scalb(m, e)));
        return Arbitraries.oneOf(anyBits, moderate, small);
    }

    @Property(tries = 50)
    void roundToOddKeepsExactFloats(@ForAll float f) {
        if (!Float.isNaN(f)) {
            assertThat(FloatRounding.toFloatRoundToOdd(f)).isEqualTo(f);
        }
    }
}
