package tessera.runtime;

/**
 * The Philox4x32-10 counter-based random number generator (Salmon, Moraes, Dror and Shaw,
 * "Parallel Random Numbers: As Easy as 1, 2, 3", SC'11), bit-for-bit as in the Random123
 * library.
 *
 * <p>A counter-based generator is a pure function of (key, counter): every element of a kernel
 * can draw its own numbers without shared state, and every backend (JVM, PTX, OpenCL) that
 * implements the same function produces the same stream. One block maps a 128-bit counter and
 * a 64-bit key to 128 random bits through ten rounds of
 * <pre>
 *   (hi0, lo0) = 0xD2511F53 * c0      (hi1, lo1) = 0xCD9E8D57 * c2    (32x32 -&gt; 64 bit)
 *   c = (hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0)
 * </pre>
 * with the key bumped by the Weyl constants {@code (0x9E3779B9, 0xBB67AE85)} between rounds.
 *
 * <p>{@link #bits(long, long, long)} and {@link #uniform(long, long, long)} fix the convention
 * Tessera uses to turn (seed, a, b) into a counter and key, so generated code only needs those.
 */
public final class Philox {

    private static final int ROUNDS = 10;
    private static final long M0 = 0xD2511F53L;
    private static final long M1 = 0xCD9E8D57L;
    private static final int W0 = 0x9E3779B9;
    private static final int W1 = 0xBB67AE85;
    private static final long LOW32 = 0xFFFF_FFFFL;

    private Philox() {
    }

    /**
     * Computes one Philox4x32-10 block.
     *
     * @param counter four 32-bit words, {@code counter[0]} first (not modified)
     * @param key     two 32-bit words (not modified)
     * @return four fresh output words
     * @throws IllegalArgumentException if the arrays do not have 4 and 2 elements
     */
    public static int[] block(int[] counter, int[] key) {
        if (counter.length != 4 || key.length != 2) {
            throw new IllegalArgumentException("Philox4x32 needs a 4-word counter and a 2-word key, got "
                    + counter.length + " and " + key.length);
        }
        return block(counter[0], counter[1], counter[2], counter[3], key[0], key[1]);
    }

    /**
     * Returns 32 random bits for (seed, a, b): the first output word of the block with key
     * {@code {low32(seed), high32(seed)}} and counter
     * {@code {low32(a), high32(a), low32(b), high32(b)}}.
     *
     * @param seed the stream's seed
     * @param a    first counter half (e.g. an element index)
     * @param b    second counter half (e.g. a call-site or draw number)
     * @return an unsigned value in {@code [0, 2^32)}
     */
    public static long bits(long seed, long a, long b) {
        int[] out = block((int) a, (int) (a >>> 32), (int) b, (int) (b >>> 32), (int) seed, (int) (seed >>> 32));
        return out[0] & LOW32;
    }

    /**
     * Returns a uniform value in {@code [0, 1)}: the top 24 of {@link #bits(long, long, long)}
     * times 2^-24. Every result is exactly representable as a float, so float and double
     * kernels agree bit for bit.
     *
     * @param seed the stream's seed
     * @param a    first counter half
     * @param b    second counter half
     * @return a multiple of 2^-24 in {@code [0, 1 - 2^-24]}
     */
    public static double uniform(long seed, long a, long b) {
        return (bits(seed, a, b) >>> 8) * 0x1.0p-24;
    }

    private static int[] block(int c0, int c1, int c2, int c3, int k0, int k1) {
        for (int round = 0; round < ROUNDS; round++) {
            if (round > 0) {
                k0 += W0;
                k1 += W1;
            }
            // Both operands are below 2^32, so the 64-bit products are exact (mod 2^64).
            long p0 = M0 * (c0 & LOW32);
            long p1 = M1 * (c2 & LOW32);
            int n0 = (int) (p1 >>> 32) ^ c1 ^ k0;
            int n2 = (int) (p0 >>> 32) ^ c3 ^ k1;
            c1 = (int) p1;
            c3 = (int) p0;
            c0 = n0;
            c2 = n2;
        }
        return new int[] {c0, c1, c2, c3};
    }
}
