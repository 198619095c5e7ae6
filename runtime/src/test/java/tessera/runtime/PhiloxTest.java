package tessera.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class PhiloxTest {

    // Known-answer vectors from Random123's kat_vectors file ("philox4x32 10" lines):
    // counter (4 words), key (2 words), expected output (4 words).
    @Test
    void knownAnswerAllZero() {
        assertThat(Philox.block(new int[] {0, 0, 0, 0}, new int[] {0, 0}))
                .containsExactly(0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8);
    }

    @Test
    void knownAnswerAllOnes() {
        assertThat(Philox.block(new int[] {-1, -1, -1, -1}, new int[] {-1, -1}))
                .containsExactly(0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd);
    }

    @Test
    void knownAnswerPiDigits() {
        assertThat(Philox.block(new int[] {0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
                new int[] {0xa4093822, 0x299f31d0}))
                .containsExactly(0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1);
    }

    @Test
    void bitsUsesTheDocumentedWordOrder() {
        assertThat(Philox.bits(0, 0, 0)).isEqualTo(0x6627e8d5L);
        assertThat(Philox.bits(-1L, -1L, -1L)).isEqualTo(0x408f276dL);
        assertThat(Philox.bits(0x299f31d0_a4093822L, 0x85a308d3_243f6a88L, 0x03707344_13198a2eL))
                .isEqualTo(0xd16cfe09L);
    }

    @Test
    void uniformIsTopBitsScaled() {
        assertThat(Philox.uniform(0, 0, 0)).isEqualTo((0x6627e8d5L >>> 8) * 0x1.0p-24);
        assertThat(Philox.uniform(-1L, -1L, -1L)).isEqualTo(0x408f27 / 16777216.0);
    }

    @Test
    void blockDoesNotModifyItsArguments() {
        int[] counter = {1, 2, 3, 4};
        int[] key = {5, 6};
        Philox.block(counter, key);
        assertThat(counter).containsExactly(1, 2, 3, 4);
        assertThat(key).containsExactly(5, 6);
    }

    @Test
    void blockRejectsWrongLengths() {
        assertThatThrownBy(() -> Philox.block(new int[3], new int[2]))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Philox.block(new int[4], new int[1]))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void distinctCountersGiveDistinctValues() {
        Set<Long> seen = new HashSet<>();
        for (long a = 0; a < 1000; a++) {
            seen.add(Philox.bits(42, a, 0));
        }
        for (long b = 1; b <= 1000; b++) {
            seen.add(Philox.bits(42, 0, b));
        }
        assertThat(seen).hasSize(2000);
        assertThat(Philox.bits(1, 0, 0)).isNotEqualTo(Philox.bits(2, 0, 0));
        assertThat(Philox.bits(1L << 32, 0, 0)).isNotEqualTo(Philox.bits(0, 0, 0));
    }

    @Test
    void uniformLooksUniform() {
        int n = 100_000;
        double sum = 0;
        int[] buckets = new int[10];
        for (int i = 0; i < n; i++) {
            double u = Philox.uniform(7, i, 3);
            sum += u;
            buckets[(int) (u * 10)]++;
        }
        assertThat(sum / n).isBetween(0.49, 0.51);
        for (int c : buckets) {
            assertThat(c).isBetween(9_500, 10_500);
        }
    }

    @Property(tries = 300)
    void bitsAreUnsigned32AndDeterministic(@ForAll long seed, @ForAll long a, @ForAll long b) {
        long r = Philox.bits(seed, a, b);
        assertThat(r).isBetween(0L, 0xFFFF_FFFFL);
        assertThat(Philox.bits(seed, a, b)).isEqualTo(r);
        int[] block = Philox.block(new int[] {(int) a, (int) (a >>> 32), (int) b, (int) (b >>> 32)},
                new int[] {(int) seed, (int) (seed >>> 32)});
        assertThat(r).isEqualTo(Integer.toUnsignedLong(block[0]));
    }

    @Property(tries = 300)
    void uniformIsInUnitIntervalAndFloatExact(@ForAll long seed, @ForAll long a, @ForAll long b) {
        double u = Philox.uniform(seed, a, b);
        assertThat(u).isGreaterThanOrEqualTo(0.0).isLessThan(1.0);
        assertThat((double) (float) u).isEqualTo(u);
        assertThat(u * 16777216.0).isEqualTo(Math.rint(u * 16777216.0));
    }
}
