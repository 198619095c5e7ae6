package tessera.backend.ptx.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.TestInstance;

/**
 * A base for instruction tests: snippets made through {@link #snippet} are assembled with ptxas
 * after the class's tests (one ptxas run), where ptxas is installed, so every form the tests run
 * is valid PTX.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class SnippetTests {
    private final List<Snippet> used = new ArrayList<>();

    Snippet snippet(String instruction, PtxType d, PtxType... sources) {
        Snippet s = Snippet.of(instruction, d, sources);
        used.add(s);
        return s;
    }

    Snippet snippet2(String instruction, PtxType d, PtxType q, PtxType... sources) {
        Snippet s = Snippet.of2(instruction, d, q, sources);
        used.add(s);
        return s;
    }

    @AfterAll
    void everySnippetAssembles() {
        Snippet.assertAssemble(used);
    }

    /** Corner cases and seeded random values of 32-bit integers. */
    static long[] ints32() {
        List<Long> v = new ArrayList<>(List.of(0L, 1L, -1L, 2L, -2L, 7L, -7L, 31L, 32L, 33L, 0x7fffL, 0x8000L, 0xffffL,
                (long) Integer.MAX_VALUE, (long) Integer.MIN_VALUE, Integer.MAX_VALUE - 1L, Integer.MIN_VALUE + 1L, 0xdeadbeefL, 123456789L, -987654321L));
        Random r = new Random(5);
        for (int i = 0; i < 12; i++) v.add((long) r.nextInt());
        return v.stream().mapToLong(Long::longValue).toArray();
    }

    /** Corner cases and seeded random values of 64-bit integers. */
    static long[] ints64() {
        List<Long> v = new ArrayList<>(List.of(0L, 1L, -1L, 2L, -2L, 63L, 64L, 65L, (long) Integer.MAX_VALUE, (long) Integer.MIN_VALUE,
                0xffffffffL, 0x100000000L, Long.MAX_VALUE, Long.MIN_VALUE, Long.MAX_VALUE - 1, Long.MIN_VALUE + 1, 0xdeadbeefcafef00dL));
        Random r = new Random(6);
        for (int i = 0; i < 12; i++) v.add(r.nextLong());
        return v.stream().mapToLong(Long::longValue).toArray();
    }

    /** Corner cases and seeded random floats (as doubles holding float values). */
    static float[] floats() {
        List<Float> v = new ArrayList<>(List.of(0f, -0f, 1f, -1f, 0.5f, -2.5f, 3f, 1e-3f, 1e30f, -1e30f, Float.MAX_VALUE, -Float.MAX_VALUE,
                Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, 1.17e-39f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN,
                16777217f, 0.1f, (float) Math.PI));
        Random r = new Random(7);
        for (int i = 0; i < 10; i++) v.add((float) (r.nextGaussian() * Math.pow(10, r.nextInt(8) - 4)));
        float[] out = new float[v.size()];
        for (int i = 0; i < out.length; i++) out[i] = v.get(i);
        return out;
    }

    static double[] doubles() {
        List<Double> v = new ArrayList<>(List.of(0d, -0d, 1d, -1d, 0.5d, -2.5d, 3d, 1e-300, 1e300, -1e300, Double.MAX_VALUE, Double.MIN_VALUE,
                Double.MIN_NORMAL, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NaN, 0.1d, Math.PI, 9007199254740993d, 1e10));
        Random r = new Random(8);
        for (int i = 0; i < 10; i++) v.add(r.nextGaussian() * Math.pow(10, r.nextInt(20) - 10));
        return v.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** Every pair of {@code xs}, as operand tuples. */
    static long[][] pairs(long[] xs) {
        long[][] t = new long[xs.length * xs.length][];
        int k = 0;
        for (long a : xs) {
            for (long b : xs) t[k++] = new long[] {a, b};
        }
        return t;
    }

    static long[][] singles(long[] xs) {
        long[][] t = new long[xs.length][];
        for (int i = 0; i < xs.length; i++) t[i] = new long[] {xs[i]};
        return t;
    }
}
