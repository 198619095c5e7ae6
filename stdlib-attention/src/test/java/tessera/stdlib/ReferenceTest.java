package tessera.stdlib;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The Java references checked against each other and against facts from ALGORITHMS.md, so that
 * a disagreement with a kernel points at the kernel and not at the oracle.
 */
class ReferenceTest {
    static void assertClose(Nd expected, Nd actual, double tol) {
        assertThat(actual.shape).containsExactly(expected.shape);
        for (int n = 0; n < expected.size(); n++) {
            if (Double.isInfinite(expected.data[n])) {
                assertThat(actual.data[n]).isEqualTo(expected.data[n]);
            } else {
                assertThat(actual.data[n]).as("entry %d", n).isCloseTo(expected.data[n], offset(tol));
            }
        }
    }

    @Test
    void attentionWithZeroQueriesAveragesTheVisibleValues() {
        Random rnd = new Random(1);
        Nd q = new Nd(1, 1, 4, 3);
        Nd k = Nd.gaussian(rnd, 1, 1, 1, 4, 3);
        Nd v = Nd.gaussian(rnd, 1, 1, 1, 4, 2);
        Reference.Attention a = Reference.flash(q, k, v, true);
        for (int i = 0; i < 4; i++) {
            assertThat(a.lse().get(0, 0, i)).isCloseTo(Math.log(i + 1), offset(1e-12));
            for (int e = 0; e < 2; e++) {
                double mean = 0;
                for (int j = 0; j <= i; j++) mean += v.get(0, 0, j, e) / (i + 1);
                assertThat(a.o().get(0, 0, i, e)).isCloseTo(mean, offset(1e-12));
            }
        }
    }

    @Test
    void bottomRightCausalMaskMatchesTheFlashDocstring() {
        // Lq = 2, Lk = 5 gives rows 11110 / 11111.
        Nd q = new Nd(1, 1, 2, 1);
        Nd k = new Nd(1, 1, 5, 1);
        Nd v = new Nd(1, 1, 5, 1);
        Reference.Attention a = Reference.flash(q, k, v, true);
        assertThat(a.lse().get(0, 0, 0)).isCloseTo(Math.log(4), offset(1e-12));
        assertThat(a.lse().get(0, 0, 1)).isCloseTo(Math.log(5), offset(1e-12));
    }

    @Test
    void probSparseWithEveryRowActiveIsFullAttention() {
        Random rnd = new Random(2);
        Nd q = Nd.gaussian(rnd, 1, 2, 2, 8, 3);
        Nd k = Nd.gaussian(rnd, 1, 2, 2, 8, 3);
        Nd v = Nd.gaussian(rnd, 1, 2, 2, 8, 4);
        int[][] idx = Reference.philoxSamples(9, 8, 8, 5);
        for (boolean masked : new boolean[] {false, true}) {
            Reference.ProbSparse p = Reference.probSparse(q, k, v, idx, 5, masked);
            assertThat(p.u()).isEqualTo(8);
            assertClose(Reference.flash(q, k, v, masked).o(), p.out(), 1e-12);
        }
    }

    @Test
    void probSparseLazyRowsAreTheMeanOrTheCumulativeSum() {
        Random rnd = new Random(3);
        int lq = 20;
        Nd q = Nd.gaussian(rnd, 1, 1, 1, lq, 3);
        Nd k = Nd.gaussian(rnd, 1, 1, 1, lq, 3);
        Nd v = Nd.gaussian(rnd, 1, 1, 1, lq, 2);
        int[][] idx = Reference.philoxSamples(4, lq, lq, 1);
        for (boolean masked : new boolean[] {false, true}) {
            Reference.ProbSparse p = Reference.probSparse(q, k, v, idx, 1, masked);
            assertThat(p.u()).isEqualTo(3); // ceil(ln 20) = 3
            Set<Integer> top = new HashSet<>();
            for (int r : Reference.topIndices(p.measure(), 0, 0, p.u())) top.add(r);
            for (int i = 0; i < lq; i++) {
                if (top.contains(i)) continue;
                for (int e = 0; e < 2; e++) {
                    double expected = 0;
                    for (int j = 0; j < lq; j++) if (!masked || j <= i) expected += v.get(0, 0, j, e);
                    if (!masked) expected /= lq;
                    assertThat(p.out().get(0, 0, i, e)).isCloseTo(expected, offset(1e-12));
                }
            }
        }
    }

    @Test
    void informerCountsMatchTheWorkedExample() {
        assertThat(Reference.informerCount(5, 96)).isEqualTo(25); // ceil(4.56) = 5
        assertThat(Reference.informerCount(5, 8)).isEqualTo(8);   // 15 clamped to 8
        assertThat(Reference.informerCount(5, 1)).isZero();
    }

    @Test
    void topIndicesBreakTiesTowardTheSmallerRow() {
        Nd m = new Nd(1, 1, 5);
        m.data[0] = 1; m.data[1] = 3; m.data[2] = 3; m.data[3] = 2; m.data[4] = 3;
        assertThat(Reference.topIndices(m, 0, 0, 4)).containsExactly(1, 2, 4, 3);
        assertThat(Reference.topChoiceIsClear(m, 2)).isFalse();
        assertThat(Reference.topChoiceIsClear(m, 3)).isTrue();
    }

    @Test
    void philoxSamplesAreInRange() {
        int[][] idx = Reference.philoxSamples(77, 30, 13, 2);
        assertThat(idx).hasNumberOfRows(30);
        for (int[] row : idx) {
            assertThat(row).hasSize(Reference.informerCount(2, 13));
            for (int s : row) assertThat(s).isBetween(0, 12);
        }
    }

    @Test
    void rpeOutputsAreConvexCombinationsOfValues() {
        Random rnd = new Random(5);
        int n = 7;
        Nd q = Nd.gaussian(rnd, 1, 1, 2, n, 3);
        Nd k = Nd.gaussian(rnd, 1, 1, 2, n, 3);
        Nd v = Nd.gaussian(rnd, 1, 1, 2, n, 2);
        Nd w = Nd.gaussian(rnd, 1, 6, 3);
        Nd rpe = Nd.gaussian(rnd, 4, 2, 2 * n - 1);
        for (boolean causal : new boolean[] {false, true}) {
            Nd z = Reference.rpeKernelized(q, k, v, w, rpe, causal);
            for (int h = 0; h < 2; h++) for (int i = 0; i < n; i++) for (int e = 0; e < 2; e++) {
                double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < (causal ? i + 1 : n); j++) {
                    lo = Math.min(lo, v.get(0, h, j, e));
                    hi = Math.max(hi, v.get(0, h, j, e));
                }
                assertThat(z.get(0, h, i, e)).isBetween(lo - 1e-12, hi + 1e-12);
            }
            if (causal) for (int e = 0; e < 2; e++) assertThat(z.get(0, 0, 0, e)).isCloseTo(v.get(0, 0, 0, e), offset(1e-12));
        }
    }

    @Test
    void rpeFeaturesApproximateTheSoftmaxKernel() {
        // With many random features, phi(q).phi(k) / sum_j phi(q).phi(k_j) approaches the softmax weights.
        Random rnd = new Random(6);
        int dd = 2, ff = 20000, n = 3;
        Nd q = Nd.gaussian(rnd, 0.5, 1, 1, n, dd);
        Nd k = Nd.gaussian(rnd, 0.5, 1, 1, n, dd);
        Nd v = Nd.gaussian(rnd, 1, 1, 1, n, 1);
        Nd w = Nd.gaussian(rnd, 1, ff, dd);
        Nd zeroBias = new Nd(1, 2 * n - 1);
        Nd z = Reference.rpeKernelized(q, k, v, w, zeroBias, false);
        Nd exact = Reference.flash(q, k, v, false).o();
        for (int i = 0; i < n; i++) assertThat(z.get(0, 0, i, 0)).isCloseTo(exact.get(0, 0, i, 0), offset(0.05));
    }

    @Test
    void bidirectionalConvolutionIsTheTwoSidedSum() {
        Random rnd = new Random(7);
        int len = 9;
        Nd u = Nd.gaussian(rnd, 1, 2, 2, len);
        Nd k0 = Nd.gaussian(rnd, 1, 3, 2, len);
        Nd k1 = Nd.gaussian(rnd, 1, 3, 2, len);
        Nd skip = Nd.gaussian(rnd, 1, 3, 2);
        Nd circular = Reference.bidirectionalConv(u, k0, k1, skip);
        Nd twoSided = new Nd(2, 3, 2, len);
        for (int b = 0; b < 2; b++) for (int c = 0; c < 3; c++) for (int h = 0; h < 2; h++) for (int t = 0; t < len; t++) {
            double acc = skip.get(c, h) * u.get(b, h, t);
            for (int s = 0; s < len; s++) {
                acc += s <= t ? k0.get(c, h, t - s) * u.get(b, h, s) : k1.get(c, h, s - t - 1) * u.get(b, h, s);
            }
            twoSided.set(acc, b, c, h, t);
        }
        assertClose(twoSided, circular, 1e-12);
        assertClose(Reference.causalConv(u, k0, skip), Reference.bidirectionalConv(u, k0, new Nd(3, 2, len), skip), 1e-12);
    }

    @Test
    void bigBirdWithAtMostThreeBlocksIsDense() {
        Random rnd = new Random(8);
        Nd q = Nd.gaussian(rnd, 1, 1, 2, 9, 2);
        Nd k = Nd.gaussian(rnd, 1, 1, 2, 9, 2);
        Nd v = Nd.gaussian(rnd, 1, 1, 2, 9, 2);
        int[][][] rndBlocks = {{{1}, {1}, {1}}, {{0}, {0}, {0}}};
        assertClose(Reference.flash(q, k, v, false).o(), Reference.bigBird(q, k, v, rndBlocks, 3).o(), 1e-12);
    }

    @Test
    void slidingWindowAndStreamingCoverTheirSpecialCases() {
        Random rnd = new Random(9);
        Nd q = Nd.gaussian(rnd, 1, 1, 1, 4, 2);
        Nd k = Nd.gaussian(rnd, 1, 1, 1, 7, 2);
        Nd v = Nd.gaussian(rnd, 1, 1, 1, 7, 2);
        Reference.Attention causal = Reference.flash(q, k, v, true);
        assertClose(causal.o(), Reference.slidingWindow(q, k, v, 7, 0).o(), 1e-12);
        assertClose(causal.o(), Reference.streaming(q, k, v, 0, 7).o(), 1e-12);
        assertClose(causal.o(), Reference.streaming(q, k, v, 7, 0).o(), 1e-12);
        assertClose(Reference.flash(q, k, v, false).o(), Reference.slidingWindow(q, k, v, 7, 7).o(), 1e-12);
    }
}
