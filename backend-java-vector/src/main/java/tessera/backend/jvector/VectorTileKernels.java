package tessera.backend.jvector;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register-blocked matrix multiply that vectorised generated code calls for a Loop IR
 * {@code MatMul}; same contract and same results, bit for bit, as {@link TileKernels} (each
 * element's terms are added in order of depth with fused multiply-adds, only many elements at
 * once).
 *
 * <p>When C's and B's column strides are 1 (rows of C and B are contiguous) it walks C in blocks
 * of 6 rows by {@value #VECTORS} vectors of the preferred species (64 f32 columns with AVX-512):
 * the block's 24 accumulators stay in registers for the whole depth loop, which per step loads
 * {@value #VECTORS} vectors of B's row, broadcasts one element of A per row and issues 24 FMAs
 * (AVX-512 has 32 vector registers; 6 rows measured about 15% faster than 4). Columns left over
 * are done a vector at a time (the last under a mask); 4 rows left over get a 4-row block, fewer
 * go one at a time. A's strides are free (its elements are broadcast one by one). Any other
 * stride goes to {@link TileKernels}. Needs {@code jdk.incubator.vector}.
 */
public final class VectorTileKernels {
    private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Double> DOUBLES = DoubleVector.SPECIES_PREFERRED;
    /** Vectors of columns of C per register block. */
    static final int VECTORS = 4;

    private VectorTileKernels() {}

    /** {@code C = (accumulate ? C : 0) + A x B} on a {@code rows x cols} block of f32 C (see {@link TileKernels}). */
    public static void matmul(float[] c, int cOff, int cRs, int cCs, float[] a, int aOff, int aRs, int aCs,
                              float[] b, int bOff, int bRs, int bCs, int rows, int cols, int depth, boolean accumulate) {
        if (cCs != 1 || bCs != 1) {
            TileKernels.matmul(c, cOff, cRs, cCs, a, aOff, aRs, aCs, b, bOff, bRs, bCs, rows, cols, depth, accumulate);
            return;
        }
        int lanes = FLOATS.length();
        int wide = VECTORS * lanes;
        int r = 0;
        for (; r + 6 <= rows; r += 6) {
            int ci = cOff + r * cRs;
            int ai = aOff + r * aRs;
            int q = 0;
            for (; q + wide <= cols; q += wide) {
                block6x4(c, ci + q, cRs, a, ai, aRs, aCs, b, bOff + q, bRs, depth, accumulate);
            }
            for (; q < cols; q += lanes) {
                block6x1(c, ci + q, cRs, a, ai, aRs, aCs, b, bOff + q, bRs, depth, accumulate, FLOATS.indexInRange(q, cols));
            }
        }
        if (r + 4 <= rows) {
            int ci = cOff + r * cRs;
            int ai = aOff + r * aRs;
            int q = 0;
            for (; q + wide <= cols; q += wide) {
                block4x4(c, ci + q, cRs, a, ai, aRs, aCs, b, bOff + q, bRs, depth, accumulate);
            }
            for (; q < cols; q += lanes) {
                block4x1(c, ci + q, cRs, a, ai, aRs, aCs, b, bOff + q, bRs, depth, accumulate, FLOATS.indexInRange(q, cols));
            }
            r += 4;
        }
        for (; r < rows; r++) {
            int ci = cOff + r * cRs;
            int ai = aOff + r * aRs;
            int q = 0;
            for (; q + wide <= cols; q += wide) {
                block1x4(c, ci + q, a, ai, aCs, b, bOff + q, bRs, depth, accumulate);
            }
            for (; q < cols; q += lanes) {
                block1x1(c, ci + q, a, ai, aCs, b, bOff + q, bRs, depth, accumulate, FLOATS.indexInRange(q, cols));
            }
        }
    }

    /** Six rows by four full vectors of C from {@code c[ci]}: 24 accumulators in registers. */
    private static void block6x4(float[] c, int ci, int cRs, float[] a, int ai, int aRs, int aCs,
                                 float[] b, int bi, int bRs, int depth, boolean accumulate) {
        int l = FLOATS.length();
        int c0 = ci;
        int c1 = c0 + cRs;
        int c2 = c1 + cRs;
        int c3 = c2 + cRs;
        int c4 = c3 + cRs;
        int c5 = c4 + cRs;
        FloatVector s00, s01, s02, s03, s10, s11, s12, s13, s20, s21, s22, s23, s30, s31, s32, s33, s40, s41, s42, s43, s50, s51, s52, s53;
        if (accumulate) {
            s00 = FloatVector.fromArray(FLOATS, c, c0);
            s01 = FloatVector.fromArray(FLOATS, c, c0 + l);
            s02 = FloatVector.fromArray(FLOATS, c, c0 + 2 * l);
            s03 = FloatVector.fromArray(FLOATS, c, c0 + 3 * l);
            s10 = FloatVector.fromArray(FLOATS, c, c1);
            s11 = FloatVector.fromArray(FLOATS, c, c1 + l);
            s12 = FloatVector.fromArray(FLOATS, c, c1 + 2 * l);
            s13 = FloatVector.fromArray(FLOATS, c, c1 + 3 * l);
            s20 = FloatVector.fromArray(FLOATS, c, c2);
            s21 = FloatVector.fromArray(FLOATS, c, c2 + l);
            s22 = FloatVector.fromArray(FLOATS, c, c2 + 2 * l);
            s23 = FloatVector.fromArray(FLOATS, c, c2 + 3 * l);
            s30 = FloatVector.fromArray(FLOATS, c, c3);
            s31 = FloatVector.fromArray(FLOATS, c, c3 + l);
            s32 = FloatVector.fromArray(FLOATS, c, c3 + 2 * l);
            s33 = FloatVector.fromArray(FLOATS, c, c3 + 3 * l);
            s40 = FloatVector.fromArray(FLOATS, c, c4);
            s41 = FloatVector.fromArray(FLOATS, c, c4 + l);
            s42 = FloatVector.fromArray(FLOATS, c, c4 + 2 * l);
            s43 = FloatVector.fromArray(FLOATS, c, c4 + 3 * l);
            s50 = FloatVector.fromArray(FLOATS, c, c5);
            s51 = FloatVector.fromArray(FLOATS, c, c5 + l);
            s52 = FloatVector.fromArray(FLOATS, c, c5 + 2 * l);
            s53 = FloatVector.fromArray(FLOATS, c, c5 + 3 * l);
        } else {
            FloatVector zero = FloatVector.zero(FLOATS);
            s00 = s01 = s02 = s03 = zero;
            s10 = s11 = s12 = s13 = zero;
            s20 = s21 = s22 = s23 = zero;
            s30 = s31 = s32 = s33 = zero;
            s40 = s41 = s42 = s43 = zero;
            s50 = s51 = s52 = s53 = zero;
        }
        int a1 = aRs;
        int a2 = 2 * aRs;
        int a3 = 3 * aRs;
        int a4 = 4 * aRs;
        int a5 = 5 * aRs;
        for (int p = 0; p < depth; p++, ai += aCs, bi += bRs) {
            FloatVector b0 = FloatVector.fromArray(FLOATS, b, bi);
            FloatVector b1 = FloatVector.fromArray(FLOATS, b, bi + l);
            FloatVector b2 = FloatVector.fromArray(FLOATS, b, bi + 2 * l);
            FloatVector b3 = FloatVector.fromArray(FLOATS, b, bi + 3 * l);
            FloatVector x = FloatVector.broadcast(FLOATS, a[ai]);
            s00 = x.fma(b0, s00);
            s01 = x.fma(b1, s01);
            s02 = x.fma(b2, s02);
            s03 = x.fma(b3, s03);
            x = FloatVector.broadcast(FLOATS, a[ai + a1]);
            s10 = x.fma(b0, s10);
            s11 = x.fma(b1, s11);
            s12 = x.fma(b2, s12);
            s13 = x.fma(b3, s13);
            x = FloatVector.broadcast(FLOATS, a[ai + a2]);
            s20 = x.fma(b0, s20);
            s21 = x.fma(b1, s21);
            s22 = x.fma(b2, s22);
            s23 = x.fma(b3, s23);
            x = FloatVector.broadcast(FLOATS, a[ai + a3]);
            s30 = x.fma(b0, s30);
            s31 = x.fma(b1, s31);
            s32 = x.fma(b2, s32);
            s33 = x.fma(b3, s33);
            x = FloatVector.broadcast(FLOATS, a[ai + a4]);
            s40 = x.fma(b0, s40);
            s41 = x.fma(b1, s41);
            s42 = x.fma(b2, s42);
            s43 = x.fma(b3, s43);
            x = FloatVector.broadcast(FLOATS, a[ai + a5]);
            s50 = x.fma(b0, s50);
            s51 = x.fma(b1, s51);
            s52 = x.fma(b2, s52);
            s53 = x.fma(b3, s53);
        }
        s00.intoArray(c, c0);
        s01.intoArray(c, c0 + l);
        s02.intoArray(c, c0 + 2 * l);
        s03.intoArray(c, c0 + 3 * l);
        s10.intoArray(c, c1);
        s11.intoArray(c, c1 + l);
        s12.intoArray(c, c1 + 2 * l);
        s13.intoArray(c, c1 + 3 * l);
        s20.intoArray(c, c2);
        s21.intoArray(c, c2 + l);
        s22.intoArray(c, c2 + 2 * l);
        s23.intoArray(c, c2 + 3 * l);
        s30.intoArray(c, c3);
        s31.intoArray(c, c3 + l);
        s32.intoArray(c, c3 + 2 * l);
        s33.intoArray(c, c3 + 3 * l);
        s40.intoArray(c, c4);
        s41.intoArray(c, c4 + l);
        s42.intoArray(c, c4 + 2 * l);
        s43.intoArray(c, c4 + 3 * l);
        s50.intoArray(c, c5);
        s51.intoArray(c, c5 + l);
        s52.intoArray(c, c5 + 2 * l);
        s53.intoArray(c, c5 + 3 * l);
    }

    /** Six rows by one vector of C, the lanes of {@code m} only. */
    private static void block6x1(float[] c, int ci, int cRs, float[] a, int ai, int aRs, int aCs,
                                 float[] b, int bi, int bRs, int depth, boolean accumulate, VectorMask<Float> m) {
        int c0 = ci;
        int c1 = c0 + cRs;
        int c2 = c1 + cRs;
        int c3 = c2 + cRs;
        int c4 = c3 + cRs;
        int c5 = c4 + cRs;
        FloatVector s0, s1, s2, s3, s4, s5;
        if (accumulate) {
            s0 = FloatVector.fromArray(FLOATS, c, c0, m);
            s1 = FloatVector.fromArray(FLOATS, c, c1, m);
            s2 = FloatVector.fromArray(FLOATS, c, c2, m);
            s3 = FloatVector.fromArray(FLOATS, c, c3, m);
            s4 = FloatVector.fromArray(FLOATS, c, c4, m);
            s5 = FloatVector.fromArray(FLOATS, c, c5, m);
        } else {
            s0 = s1 = s2 = s3 = s4 = s5 = FloatVector.zero(FLOATS);
        }
        int a1 = aRs;
        int a2 = 2 * aRs;
        int a3 = 3 * aRs;
        int a4 = 4 * aRs;
        int a5 = 5 * aRs;
        for (int p = 0; p < depth; p++, ai += aCs, bi += bRs) {
            FloatVector y = FloatVector.fromArray(FLOATS, b, bi, m);
            s0 = FloatVector.broadcast(FLOATS, a[ai]).fma(y, s0);
            s1 = FloatVector.broadcast(FLOATS, a[ai + a1]).fma(y, s1);
            s2 = FloatVector.broadcast(FLOATS, a[ai + a2]).fma(y, s2);
            s3 = FloatVector.broadcast(FLOATS, a[ai + a3]).fma(y, s3);
            s4 = FloatVector.broadcast(FLOATS, a[ai + a4]).fma(y, s4);
            s5 = FloatVector.broadcast(FLOATS, a[ai + a5]).fma(y, s5);
        }
        s0.intoArray(c, c0, m);
        s1.intoArray(c, c1, m);
        s2.intoArray(c, c2, m);
        s3.intoArray(c, c3, m);
        s4.intoArray(c, c4, m);
        s5.intoArray(c, c5, m);
    }

    /** Four rows by four full vectors of C from {@code c[ci]}; A's rows from {@code a[ai]}, B's from {@code b[bi]}. */
    private static void block4x4(float[] c, int ci, int cRs, float[] a, int ai, int aRs, int aCs,
                                 float[] b, int bi, int bRs, int depth, boolean accumulate) {
        int l = FLOATS.length();
        int c1 = ci + cRs;
        int c2 = c1 + cRs;
        int c3 = c2 + cRs;
        FloatVector s00, s01, s02, s03, s10, s11, s12, s13, s20, s21, s22, s23, s30, s31, s32, s33;
        if (accumulate) {
            s00 = FloatVector.fromArray(FLOATS, c, ci);
            s01 = FloatVector.fromArray(FLOATS, c, ci + l);
            s02 = FloatVector.fromArray(FLOATS, c, ci + 2 * l);
            s03 = FloatVector.fromArray(FLOATS, c, ci + 3 * l);
            s10 = FloatVector.fromArray(FLOATS, c, c1);
            s11 = FloatVector.fromArray(FLOATS, c, c1 + l);
            s12 = FloatVector.fromArray(FLOATS, c, c1 + 2 * l);
            s13 = FloatVector.fromArray(FLOATS, c, c1 + 3 * l);
            s20 = FloatVector.fromArray(FLOATS, c, c2);
            s21 = FloatVector.fromArray(FLOATS, c, c2 + l);
            s22 = FloatVector.fromArray(FLOATS, c, c2 + 2 * l);
            s23 = FloatVector.fromArray(FLOATS, c, c2 + 3 * l);
            s30 = FloatVector.fromArray(FLOATS, c, c3);
            s31 = FloatVector.fromArray(FLOATS, c, c3 + l);
            s32 = FloatVector.fromArray(FLOATS, c, c3 + 2 * l);
            s33 = FloatVector.fromArray(FLOATS, c, c3 + 3 * l);
        } else {
            FloatVector zero = FloatVector.zero(FLOATS);
            s00 = s01 = s02 = s03 = s10 = s11 = s12 = s13 = zero;
            s20 = s21 = s22 = s23 = s30 = s31 = s32 = s33 = zero;
        }
        int a1 = aRs;
        int a2 = 2 * aRs;
        int a3 = 3 * aRs;
        for (int p = 0; p < depth; p++, ai += aCs, bi += bRs) {
            FloatVector b0 = FloatVector.fromArray(FLOATS, b, bi);
            FloatVector b1 = FloatVector.fromArray(FLOATS, b, bi + l);
            FloatVector b2 = FloatVector.fromArray(FLOATS, b, bi + 2 * l);
            FloatVector b3 = FloatVector.fromArray(FLOATS, b, bi + 3 * l);
            FloatVector x = FloatVector.broadcast(FLOATS, a[ai]);
            s00 = x.fma(b0, s00);
            s01 = x.fma(b1, s01);
            s02 = x.fma(b2, s02);
            s03 = x.fma(b3, s03);
            x = FloatVector.broadcast(FLOATS, a[ai + a1]);
            s10 = x.fma(b0, s10);
            s11 = x.fma(b1, s11);
            s12 = x.fma(b2, s12);
            s13 = x.fma(b3, s13);
            x = FloatVector.broadcast(FLOATS, a[ai + a2]);
            s20 = x.fma(b0, s20);
            s21 = x.fma(b1, s21);
            s22 = x.fma(b2, s22);
            s23 = x.fma(b3, s23);
            x = FloatVector.broadcast(FLOATS, a[ai + a3]);
            s30 = x.fma(b0, s30);
            s31 = x.fma(b1, s31);
            s32 = x.fma(b2, s32);
            s33 = x.fma(b3, s33);
        }
        s00.intoArray(c, ci);
        s01.intoArray(c, ci + l);
        s02.intoArray(c, ci + 2 * l);
        s03.intoArray(c, ci + 3 * l);
        s10.intoArray(c, c1);
        s11.intoArray(c, c1 + l);
        s12.intoArray(c, c1 + 2 * l);
        s13.intoArray(c, c1 + 3 * l);
        s20.intoArray(c, c2);
        s21.intoArray(c, c2 + l);
        s22.intoArray(c, c2 + 2 * l);
        s23.intoArray(c, c2 + 3 * l);
        s30.intoArray(c, c3);
        s31.intoArray(c, c3 + l);
        s32.intoArray(c, c3 + 2 * l);
        s33.intoArray(c, c3 + 3 * l);
    }

    /** Four rows by one vector of C, the lanes of {@code m} only. */
    private static void block4x1(float[] c, int ci, int cRs, float[] a, int ai, int aRs, int aCs,
                                 float[] b, int bi, int bRs, int depth, boolean accumulate, VectorMask<Float> m) {
        int c1 = ci + cRs;
        int c2 = c1 + cRs;
        int c3 = c2 + cRs;
        FloatVector s0, s1, s2, s3;
        if (accumulate) {
            s0 = FloatVector.fromArray(FLOATS, c, ci, m);
            s1 = FloatVector.fromArray(FLOATS, c, c1, m);
            s2 = FloatVector.fromArray(FLOATS, c, c2, m);
            s3 = FloatVector.fromArray(FLOATS, c, c3, m);
        } else {
            s0 = s1 = s2 = s3 = FloatVector.zero(FLOATS);
        }
        int a1 = aRs;
        int a2 = 2 * aRs;
        int a3 = 3 * aRs;
        for (int p = 0; p < depth; p++, ai += aCs, bi += bRs) {
            FloatVector y = FloatVector.fromArray(FLOATS, b, bi, m);
            s0 = FloatVector.broadcast(FLOATS, a[ai]).fma(y, s0);
            s1 = FloatVector.broadcast(FLOATS, a[ai + a1]).fma(y, s1);
            s2 = FloatVector.broadcast(FLOATS, a[ai + a2]).fma(y, s2);
            s3 = FloatVector.broadcast(FLOATS, a[ai + a3]).fma(y, s3);
        }
        s0.intoArray(c, ci, m);
        s1.intoArray(c, c1, m);
        s2.intoArray(c, c2, m);
        s3.intoArray(c, c3, m);
    }

    /** One row by four full vectors of C. */
    private static void block1x4(float[] c, int ci, float[] a, int ai, int aCs, float[] b, int bi, int bRs, int depth,
                                 boolean accumulate) {
        int l = FLOATS.length();
        FloatVector s0, s1, s2, s3;
        if (accumulate) {
            s0 = FloatVector.fromArray(FLOATS, c, ci);
            s1 = FloatVector.fromArray(FLOATS, c, ci + l);
            s2 = FloatVector.fromArray(FLOATS, c, ci + 2 * l);
            s3 = FloatVector.fromArray(FLOATS, c, ci + 3 * l);
        } else {
            s0 = s1 = s2 = s3 = FloatVector.zero(FLOATS);
        }
        for (int p = 0; p < depth; p++, ai += aCs, bi += bRs) {
            FloatVector x = FloatVector.broadcast(FLOATS, a[ai]);
            s0 = x.fma(FloatVector.fromArray(FLOATS, b, bi), s0);
            s1 = x.fma(FloatVector.fromArray(FLOATS, b, bi + l), s1);
            s2 = x.fma(FloatVector.fromArray(FLOATS, b, bi + 2 * l), s2);
            s3 = x.fma(FloatVector.fromArray(FLOATS, b, bi + 3 * l), s3);
        }
        s0.intoArray(c, ci);
        s1.intoArray(c, ci + l);
        s2.intoArray(c, ci + 2 * l);
        s3.intoArray(c, ci + 3 * l);
    }

    /** One row by one vector of C, the lanes of {@code m} only. */
    private static void block1x1(float[] c, int ci, float[] a, int ai, int aCs, float[] b, int bi, int bRs, int depth,
                                 boolean accumulate, VectorMask<Float> m) {
        FloatVector s = accumulate ? FloatVector.fromArray(FLOATS, c, ci, m) : FloatVector.zero(FLOATS);
        for (int p = 0; p < depth; p++, ai += aCs, bi += bRs) {
            s = FloatVector.broadcast(FLOATS, a[ai]).fma(FloatVector.fromArray(FLOATS, b, bi, m), s);
        }
        s.intoArray(c, ci, m);
    }

    /** {@code C = (accumulate ? C : 0) + A x B} on a {@code rows x cols} block of f64 C (see {@link TileKernels}). */
    public static void matmul(double[] c, int cOff, int cRs, int cCs, double[] a, int aOff, int aRs, int aCs,
                              double[] b, int bOff, int bRs, int bCs, int rows, int cols, int depth, boolean accumulate) {
        if (cCs != 1 || bCs != 1) {
            TileKernels.matmul(c, cOff, cRs, cCs, a, aOff, aRs, aCs, b, bOff, bRs, bCs, rows, cols, depth, accumulate);
            return;
        }
        int lanes = DOUBLES.length();
        int wide = VECTORS * lanes;
        int r = 0;
        for (; r + 6 <= rows; r += 6) {
            int ci = cOff + r * cRs;
            int ai = aOff + r * aRs;
            int q = 0;
            for (; q + wide <= cols; q += wide) {
                block6x4(c, ci + q, cRs, a, ai, aRs, aCs, b, bOff + q, bRs, depth, accumulate);
            }
            for (; q < cols; q += lanes) {
                block6x1(c, ci + q, cRs, a, ai, aRs, aCs, b, bOff + q, bRs, depth, accumulate, DOUBLES.indexInRange(q, cols));
            }
        }
        if (r + 4 <= rows) {
            int ci = cOff + r * cRs;
            int ai = aOff + r * aRs;
            int q = 0;
            for (; q + wide <= cols; q += wide) {
                block4x4(c, ci + q, cRs, a, ai, aRs, aCs, b, bOff + q, bRs, depth, accumulate);
            }
            for (; q < cols; q += lanes) {
                block4x1(c, ci + q, cRs, a, ai, aRs, aCs, b, bOff + q, bRs, depth, accumulate, DOUBLES.indexInRange(q, cols));
            }
            r += 4;
        }
        for (; r < rows; r++) {
            int ci = cOff + r * cRs;
            int ai = aOff + r * aRs;
            int q = 0;
            for (; q + wide <= cols; q += wide) {
                block1x4(c, ci + q, a, ai, aCs, b, bOff + q, bRs, depth, accumulate);
            }
            for (; q < cols; q += lanes) {
                block1x1(c, ci + q, a, ai, aCs, b, bOff + q, bRs, depth, accumulate, DOUBLES.indexInRange(q, cols));
            }
        }
    }

    /** Six rows by four full vectors of f64 C from {@code c[ci]}: 24 accumulators in registers. */
    private static void block6x4(double[] c, int ci, int cRs, double[] a, int ai, int aRs, int aCs,
                                 double[] b, int bi, int bRs, int depth, boolean accumulate) {
        int l = DOUBLES.length();
        int c0 = ci;
        int c1 = c0 + cRs;
        int c2 = c1 + cRs;
        int c3 = c2 + cRs;
        int c4 = c3 + cRs;
        int c5 = c4 + cRs;
        DoubleVector s00, s01, s02, s03, s10, s11, s12, s13, s20, s21, s22, s23, s30, s31, s32, s33, s40, s41, s42, s43, s50, s51, s52, s53;
        if (accumulate) {
            s00 = DoubleVector.fromArray(DOUBLES, c, c0);
            s01 = DoubleVector.fromArray(DOUBLES, c, c0 + l);
            s02 = DoubleVector.fromArray(DOUBLES, c, c0 + 2 * l);
            s03 = DoubleVector.fromArray(DOUBLES, c, c0 + 3 * l);
            s10 = DoubleVector.fromArray(DOUBLES, c, c1);
            s11 = DoubleVector.fromArray(DOUBLES, c, c1 + l);
            s12 = DoubleVector.fromArray(DOUBLES, c, c1 + 2 * l);
            s13 = DoubleVector.fromArray(DOUBLES, c, c1 + 3 * l);
            s20 = DoubleVector.fromArray(DOUBLES, c, c2);
            s21 = DoubleVector.fromArray(DOUBLES, c, c2 + l);
            s22 = DoubleVector.fromArray(DOUBLES, c, c2 + 2 * l);
            s23 = DoubleVector.fromArray(DOUBLES, c, c2 + 3 * l);
            s30 = DoubleVector.fromArray(DOUBLES, c, c3);
            s31 = DoubleVector.fromArray(DOUBLES, c, c3 + l);
            s32 = DoubleVector.fromArray(DOUBLES, c, c3 + 2 * l);
            s33 = DoubleVector.fromArray(DOUBLES, c, c3 + 3 * l);
            s40 = DoubleVector.fromArray(DOUBLES, c, c4);
            s41 = DoubleVector.fromArray(DOUBLES, c, c4 + l);
            s42 = DoubleVector.fromArray(DOUBLES, c, c4 + 2 * l);
            s43 = DoubleVector.fromArray(DOUBLES, c, c4 + 3 * l);
            s50 = DoubleVector.fromArray(DOUBLES, c, c5);
            s51 = DoubleVector.fromArray(DOUBLES, c, c5 + l);
            s52 = DoubleVector.fromArray(DOUBLES, c, c5 + 2 * l);
            s53 = DoubleVector.fromArray(DOUBLES, c, c5 + 3 * l);
        } else {
            DoubleVector zero = DoubleVector.zero(DOUBLES);
            s00 = s01 = s02 = s03 = zero;
            s10 = s11 = s12 = s13 = zero;
            s20 = s21 = s22 = s23 = zero;
            s30 = s31 = s32 = s33 = zero;
            s40 = s41 = s42 = s43 = zero;
            s50 = s51 = s52 = s53 = zero;
        }
        int a1 = aRs;
        int a2 = 2 * aRs;
        int a3 = 3 * aRs;
        int a4 = 4 * aRs;
        int a5 = 5 * aRs;
        for (int p = 0; p < depth; p++, ai += aCs, bi += bRs) {
            DoubleVector b0 = DoubleVector.fromArray(DOUBLES, b, bi);
            DoubleVector b1 = DoubleVector.fromArray(DOUBLES, b, bi + l);
            DoubleVector b2 = DoubleVector.fromArray(DOUBLES, b, bi + 2 * l);
            DoubleVector b3 = DoubleVector.fromArray(DOUBLES, b, bi + 3 * l);
            DoubleVector x = DoubleVector.broadcast(DOUBLES, a[ai]);
            s00 = x.fma(b0, s00);
            s01 = x.fma(b1, s01);
            s02 = x.fma(b2, s02);
            s03 = x.fma(b3, s03);
            x = DoubleVector.broadcast(DOUBLES, a[ai + a1]);
            s10 = x.fma(b0, s10);
            s11 = x.fma(b1, s11);
            s12 = x.fma(b2, s12);
            s13 = x.fma(b3, s13);
            x = DoubleVector.broadcast(DOUBLES, a[ai + a2]);
            s20 = x.fma(b0, s20);
            s21 = x.fma(b1, s21);
            s22 = x.fma(b2, s22);
            s23 = x.fma(b3, s23);
            x = DoubleVector.broadcast(DOUBLES, a[ai + a3]);
            s30 = x.fma(b0, s30);
            s31 = x.fma(b1, s31);
            s32 = x.fma(b2, s32);
            s33 = x.fma(b3, s33);
            x = DoubleVector.broadcast(DOUBLES, a[ai + a4]);
            s40 = x.fma(b0, s40);
            s41 = x.fma(b1, s41);
            s42 = x.fma(b2, s42);
            s43 = x.fma(b3, s43);
            x = DoubleVector.broadcast(DOUBLES, a[ai + a5]);
            s50 = x.fma(b0, s50);
            s51 = x.fma(b1, s51);
            s52 = x.fma(b2, s52);
            s53 = x.fma(b3, s53);
        }
        s00.intoArray(c, c0);
        s01.intoArray(c, c0 + l);
        s02.intoArray(c, c0 + 2 * l);
        s03.intoArray(c, c0 + 3 * l);
        s10.intoArray(c, c1);
        s11.intoArray(c, c1 + l);
        s12.intoArray(c, c1 + 2 * l);
        s13.intoArray(c, c1 + 3 * l);
        s20.intoArray(c, c2);
        s21.intoArray(c, c2 + l);
        s22.intoArray(c, c2 + 2 * l);
        s23.intoArray(c, c2 + 3 * l);
        s30.intoArray(c, c3);
        s31.intoArray(c, c3 + l);
        s32.intoArray(c, c3 + 2 * l);
        s33.intoArray(c, c3 + 3 * l);
        s40.intoArray(c, c4);
        s41.intoArray(c, c4 + l);
        s42.intoArray(c, c4 + 2 * l);
        s43.intoArray(c, c4 + 3 * l);
        s50.intoArray(c, c5);
        s51.intoArray(c, c5 + l);
        s52.intoArray(c, c5 + 2 * l);
        s53.intoArray(c, c5 + 3 * l);
    }

    /** Six rows by one vector of f64 C, the lanes of {@code m} only. */
    private static void block6x1(double[] c, int ci, int cRs, double[] a, int ai, int aRs, int aCs,
                                 double[] b, int bi, int bRs, int depth, boolean accumulate, VectorMask<Double> m) {
        int c0 = ci;
        int c1 = c0 + cRs;
        int c2 = c1 + cRs;
        int c3 = c2 + cRs;
        int c4 = c3 + cRs;
        int c5 = c4 + cRs;
        DoubleVector s0, s1, s2, s3, s4, s5;
        if (accumulate) {
            s0 = DoubleVector.fromArray(DOUBLES, c, c0, m);
            s1 = DoubleVector.fromArray(DOUBLES, c, c1, m);
            s2 = DoubleVector.fromArray(DOUBLES, c, c2, m);
            s3 = DoubleVector.fromArray(DOUBLES, c, c3, m);
            s4 = DoubleVector.fromArray(DOUBLES, c, c4, m);
            s5 = DoubleVector.fromArray(DOUBLES, c, c5, m);
        } else {
            s0 = s1 = s2 = s3 = s4 = s5 = DoubleVector.zero(DOUBLES);
        }
        int a1 = aRs;
        int a2 = 2 * aRs;
        int a3 = 3 * aRs;
        int a4 = 4 * aRs;
        int a5 = 5 * aRs;
        for (int p = 0; p < depth; p++, ai += aCs, bi += bRs) {
            DoubleVector y = DoubleVector.fromArray(DOUBLES, b, bi, m);
            s0 = DoubleVector.broadcast(DOUBLES, a[ai]).fma(y, s0);
            s1 = DoubleVector.broadcast(DOUBLES, a[ai + a1]).fma(y, s1);
            s2 = DoubleVector.broadcast(DOUBLES, a[ai + a2]).fma(y, s2);
            s3 = DoubleVector.broadcast(DOUBLES, a[ai + a3]).fma(y, s3);
            s4 = DoubleVector.broadcast(DOUBLES, a[ai + a4]).fma(y, s4);
            s5 = DoubleVector.broadcast(DOUBLES, a[ai + a5]).fma(y, s5);
        }
        s0.intoArray(c, c0, m);
        s1.intoArray(c, c1, m);
        s2.intoArray(c, c2, m);
        s3.intoArray(c, c3, m);
        s4.intoArray(c, c4, m);
        s5.intoArray(c, c5, m);
    }

    /** Four rows by four full vectors of f64 C. */
    private static void block4x4(double[] c, int ci, int cRs, double[] a, int ai, int aRs, int aCs,
                                 double[] b, int bi, int bRs, int depth, boolean accumulate) {
        int l = DOUBLES.length();
        int c1 = ci + cRs;
        int c2 = c1 + cRs;
        int c3 = c2 + cRs;
        DoubleVector s00, s01, s02, s03, s10, s11, s12, s13, s20, s21, s22, s23, s30, s31, s32, s33;
        if (accumulate) {
            s00 = DoubleVector.fromArray(DOUBLES, c, ci);
            s01 = DoubleVector.fromArray(DOUBLES, c, ci + l);
            s02 = DoubleVector.fromArray(DOUBLES, c, ci + 2 * l);
            s03 = DoubleVector.fromArray(DOUBLES, c, ci + 3 * l);
            s10 = DoubleVector.fromArray(DOUBLES, c, c1);
            s11 = DoubleVector.fromArray(DOUBLES, c, c1 + l);
            s12 = DoubleVector.fromArray(DOUBLES, c, c1 + 2 * l);
            s13 = DoubleVector.fromArray(DOUBLES, c, c1 + 3 * l);
            s20 = DoubleVector.fromArray(DOUBLES, c, c2);
            s21 = DoubleVector.fromArray(DOUBLES, c, c2 + l);
            s22 = DoubleVector.fromArray(DOUBLES, c, c2 + 2 * l);
            s23 = DoubleVector.fromArray(DOUBLES, c, c2 + 3 * l);
            s30 = DoubleVector.fromArray(DOUBLES, c, c3);
            s31 = DoubleVector.fromArray(DOUBLES, c, c3 + l);
            s32 = DoubleVector.fromArray(DOUBLES, c, c3 + 2 * l);
            s33 = DoubleVector.fromArray(DOUBLES, c, c3 + 3 * l);
        } else {
            DoubleVector zero = DoubleVector.zero(DOUBLES);
            s00 = s01 = s02 = s03 = s10 = s11 = s12 = s13 = zero;
            s20 = s21 = s22 = s23 = s30 = s31 = s32 = s33 = zero;
        }
        int a1 = aRs;
        int a2 = 2 * aRs;
        int a3 = 3 * aRs;
        for (int p = 0; p < depth; p++, ai += aCs, bi += bRs) {
            DoubleVector b0 = DoubleVector.fromArray(DOUBLES, b, bi);
            DoubleVector b1 = DoubleVector.fromArray(DOUBLES, b, bi + l);
            DoubleVector b2 = DoubleVector.fromArray(DOUBLES, b, bi + 2 * l);
            DoubleVector b3 = DoubleVector.fromArray(DOUBLES, b, bi + 3 * l);
            DoubleVector x = DoubleVector.broadcast(DOUBLES, a[ai]);
            s00 = x.fma(b0, s00);
            s01 = x.fma(b1, s01);
            s02 = x.fma(b2, s02);
            s03 = x.fma(b3, s03);
            x = DoubleVector.broadcast(DOUBLES, a[ai + a1]);
            s10 = x.fma(b0, s10);
            s11 = x.fma(b1, s11);
            s12 = x.fma(b2, s12);
            s13 = x.fma(b3, s13);
            x = DoubleVector.broadcast(DOUBLES, a[ai + a2]);
            s20 = x.fma(b0, s20);
            s21 = x.fma(b1, s21);
            s22 = x.fma(b2, s22);
            s23 = x.fma(b3, s23);
            x = DoubleVector.broadcast(DOUBLES, a[ai + a3]);
            s30 = x.fma(b0, s30);
            s31 = x.fma(b1, s31);
            s32 = x.fma(b2, s32);
            s33 = x.fma(b3, s33);
        }
        s00.intoArray(c, ci);
        s01.intoArray(c, ci + l);
        s02.intoArray(c, ci + 2 * l);
        s03.intoArray(c, ci + 3 * l);
        s10.intoArray(c, c1);
        s11.intoArray(c, c1 + l);
        s12.intoArray(c, c1 + 2 * l);
        s13.intoArray(c, c1 + 3 * l);
        s20.intoArray(c, c2);
        s21.intoArray(c, c2 + l);
        s22.intoArray(c, c2 + 2 * l);
        s23.intoArray(c, c2 + 3 * l);
        s30.intoArray(c, c3);
        s31.intoArray(c, c3 + l);
        s32.intoArray(c, c3 + 2 * l);
        s33.intoArray(c, c3 + 3 * l);
    }

    /** Four rows by one vector of f64 C, the lanes of {@code m} only. */
    private static void block4x1(double[] c, int ci, int cRs, double[] a, int ai, int aRs, int aCs,
                                 double[] b, int bi, int bRs, int depth, boolean accumulate, VectorMask<Double> m) {
        int c1 = ci + cRs;
        int c2 = c1 + cRs;
        int c3 = c2 + cRs;
        DoubleVector s0, s1, s2, s3;
        if (accumulate) {
            s0 = DoubleVector.fromArray(DOUBLES, c, ci, m);
            s1 = DoubleVector.fromArray(DOUBLES, c, c1, m);
            s2 = DoubleVector.fromArray(DOUBLES, c, c2, m);
            s3 = DoubleVector.fromArray(DOUBLES, c, c3, m);
        } else {
            s0 = s1 = s2 = s3 = DoubleVector.zero(DOUBLES);
        }
        int a1 = aRs;
        int a2 = 2 * aRs;
        int a3 = 3 * aRs;
        for (int p = 0; p < depth; p++, ai += aCs, bi += bRs) {
            DoubleVector y = DoubleVector.fromArray(DOUBLES, b, bi, m);
            s0 = DoubleVector.broadcast(DOUBLES, a[ai]).fma(y, s0);
            s1 = DoubleVector.broadcast(DOUBLES, a[ai + a1]).fma(y, s1);
            s2 = DoubleVector.broadcast(DOUBLES, a[ai + a2]).fma(y, s2);
            s3 = DoubleVector.broadcast(DOUBLES, a[ai + a3]).fma(y, s3);
        }
        s0.intoArray(c, ci, m);
        s1.intoArray(c, c1, m);
        s2.intoArray(c, c2, m);
        s3.intoArray(c, c3, m);
    }

    /** One row by four full vectors of f64 C. */
    private static void block1x4(double[] c, int ci, double[] a, int ai, int aCs, double[] b, int bi, int bRs, int depth,
                                 boolean accumulate) {
        int l = DOUBLES.length();
        DoubleVector s0, s1, s2, s3;
        if (accumulate) {
            s0 = DoubleVector.fromArray(DOUBLES, c, ci);
            s1 = DoubleVector.fromArray(DOUBLES, c, ci + l);
            s2 = DoubleVector.fromArray(DOUBLES, c, ci + 2 * l);
            s3 = DoubleVector.fromArray(DOUBLES, c, ci + 3 * l);
        } else {
            s0 = s1 = s2 = s3 = DoubleVector.zero(DOUBLES);
        }
        for (int p = 0; p < depth; p++, ai += aCs, bi += bRs) {
            DoubleVector x = DoubleVector.broadcast(DOUBLES, a[ai]);
            s0 = x.fma(DoubleVector.fromArray(DOUBLES, b, bi), s0);
            s1 = x.fma(DoubleVector.fromArray(DOUBLES, b, bi + l), s1);
            s2 = x.fma(DoubleVector.fromArray(DOUBLES, b, bi + 2 * l), s2);
            s3 = x.fma(DoubleVector.fromArray(DOUBLES, b, bi + 3 * l), s3);
        }
        s0.intoArray(c, ci);
        s1.intoArray(c, ci + l);
        s2.intoArray(c, ci + 2 * l);
        s3.intoArray(c, ci + 3 * l);
    }

    /** One row by one vector of f64 C, the lanes of {@code m} only. */
    private static void block1x1(double[] c, int ci, double[] a, int ai, int aCs, double[] b, int bi, int bRs, int depth,
                                 boolean accumulate, VectorMask<Double> m) {
        DoubleVector s = accumulate ? DoubleVector.fromArray(DOUBLES, c, ci, m) : DoubleVector.zero(DOUBLES);
        for (int p = 0; p < depth; p++, ai += aCs, bi += bRs) {
            s = DoubleVector.broadcast(DOUBLES, a[ai]).fma(DoubleVector.fromArray(DOUBLES, b, bi, m), s);
        }
        s.intoArray(c, ci, m);
    }
}
