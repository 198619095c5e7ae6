package tessera.backend.jvector;

/**
 * The scalar matrix multiply that generated code calls for a Loop IR {@code MatMul} when it runs
 * without the Vector API, and that {@link VectorTileKernels} falls back on when strides do not
 * allow its vector path. It is the definition of the statement, as the loop interpreter runs it:
 * for every {@code r < rows, q < cols}, {@code C(r, q)} starts at its old value (or 0 when not
 * accumulating) and adds {@code A(r, p) * B(p, q)} for {@code p = 0, 1, ...} in order, each step
 * a fused multiply-add rounded to C's type. Element {@code (r, q)} of an operand {@code X} is
 * {@code x[xOff + r * xRs + q * xCs]}. Non-positive sizes do nothing (depth 0 still zeroes C when
 * not accumulating). Uses nothing beyond {@code java.base}, so it runs on any JVM.
 */
public final class TileKernels {
    private TileKernels() {}

    /** {@code C = (accumulate ? C : 0) + A x B} on a {@code rows x cols} block of f32 C. */
    public static void matmul(float[] c, int cOff, int cRs, int cCs, float[] a, int aOff, int aRs, int aCs,
                              float[] b, int bOff, int bRs, int bCs, int rows, int cols, int depth, boolean accumulate) {
        for (int r = 0; r < rows; r++) {
            for (int q = 0; q < cols; q++) {
                int ci = cOff + r * cRs + q * cCs;
                float sum = accumulate ? c[ci] : 0f;
                int ai = aOff + r * aRs;
                int bi = bOff + q * bCs;
                for (int p = 0; p < depth; p++, ai += aCs, bi += bRs) {
                    sum = Math.fma(a[ai], b[bi], sum);
                }
                c[ci] = sum;
            }
        }
    }

    /** {@code C = (accumulate ? C : 0) + A x B} on a {@code rows x cols} block of f64 C. */
    public static void matmul(double[] c, int cOff, int cRs, int cCs, double[] a, int aOff, int aRs, int aCs,
                              double[] b, int bOff, int bRs, int bCs, int rows, int cols, int depth, boolean accumulate) {
        for (int r = 0; r < rows; r++) {
            for (int q = 0; q < cols; q++) {
                int ci = cOff + r * cRs + q * cCs;
                double sum = accumulate ? c[ci] : 0.0;
                int ai = aOff + r * aRs;
                int bi = bOff + q * bCs;
                for (int p = 0; p < depth; p++, ai += aCs, bi += bRs) {
                    sum = Math.fma(a[ai], b[bi], sum);
                }
                c[ci] = sum;
            }
        }
    }
}
