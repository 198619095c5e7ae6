package tessera.stdlib;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import tessera.runtime.Philox;

/**
 * Straightforward double-precision implementations of the stdlib kernels, written from the math
 * in docs/ALGORITHMS.md (the section is named on each method), not from the .tsr sources. Plain
 * loops, everything materialised; slow on purpose and easy to read.
 */
final class Reference {
    private Reference() {}

    /** Which keys a query row may see; {@code b, h} are the query's batch and (query) head. */
    @FunctionalInterface
    interface Allowed {
        boolean test(int b, int h, int i, int j);
    }

    /** Attention outputs: o [B, H, N, E] and the row log-sum-exp lse [B, H, N]. */
    record Attention(Nd o, Nd lse) {}

    /**
     * §1.1 / §1.3: masked softmax attention. q [B, H, N, D], k [B, KH, M, D], v [B, KH, M, E];
     * query head h reads key/value head h / (H / KH). s_ij = scale q_i.k_j where allowed,
     * m = max s, l = sum e^(s - m), o = sum e^(s - m) v / l, lse = m + ln l. A row with no
     * allowed key: o = 0 and lse = -inf (the Tessera convention; FA2 writes +inf).
     */
    static Attention attention(Nd q, Nd k, Nd v, double scale, Allowed allowed) {
        int bs = q.shape[0], hs = q.shape[1], n = q.shape[2], dd = q.shape[3];
        int kh = k.shape[1], m = k.shape[2], ee = v.shape[3];
        int group = hs / kh;
        Nd o = new Nd(bs, hs, n, ee);
        Nd lse = new Nd(bs, hs, n);
        double[] s = new double[m];
        for (int b = 0; b < bs; b++) {
            for (int h = 0; h < hs; h++) {
                int hk = h / group;
                for (int i = 0; i < n; i++) {
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < m; j++) {
                        if (!allowed.test(b, h, i, j)) {
                            s[j] = Double.NEGATIVE_INFINITY;
                            continue;
                        }
                        double dot = 0;
                        for (int d = 0; d < dd; d++) dot += q.get(b, h, i, d) * k.get(b, hk, j, d);
                        s[j] = scale * dot;
                        max = Math.max(max, s[j]);
                    }
                    if (max == Double.NEGATIVE_INFINITY) {
                        lse.set(Double.NEGATIVE_INFINITY, b, h, i);
                        continue; // o stays 0
                    }
                    double l = 0;
                    for (int j = 0; j < m; j++) if (s[j] != Double.NEGATIVE_INFINITY) l += Math.exp(s[j] - max);
                    lse.set(max + Math.log(l), b, h, i);
                    for (int e = 0; e < ee; e++) {
                        double acc = 0;
                        for (int j = 0; j < m; j++) {
                            if (s[j] != Double.NEGATIVE_INFINITY) acc += Math.exp(s[j] - max) * v.get(b, hk, j, e);
                        }
                        o.set(acc / l, b, h, i, e);
                    }
                }
            }
        }
        return new Attention(o, lse);
    }

    static double defaultScale(Nd q) {
        return 1 / Math.sqrt(q.shape[3]);
    }

    // ---------------------------------------------------------------------------------------
    // §1 and §2: flash and lean attention

    /** §1.1: causal is aligned to the bottom-right corner, j <= i + (Lk - Lq). */
    static Attention flash(Nd q, Nd k, Nd v, boolean causal) {
        int n = q.shape[2], m = k.shape[2];
        return attention(q, k, v, defaultScale(q), (b, h, i, j) -> !causal || j <= i + (m - n));
    }

    /**
     * §2.4: the §1.3 oracle per batch entry with that sequence's own context length ctx_b:
     * keys j < ctx_b, and with causal the rows are the last N positions of that context.
     */
    static Attention lean(Nd q, Nd k, Nd v, int[] ctx, boolean causal) {
        int n = q.shape[2];
        return attention(q, k, v, defaultScale(q),
                (b, h, i, j) -> j < ctx[b] && (!causal || j <= i + (ctx[b] - n)));
    }

    // ---------------------------------------------------------------------------------------
    // §3: ProbSparse

    /** Informer's u (or U_part): min(c * ceil(ln len), len). */
    static int informerCount(int factor, int len) {
        return (int) Math.min((long) factor * (long) Math.ceil(Math.log(len)), len);
    }

    /** The sampled measure and the chosen rows of one (b, h), kept for the tests' tie checks. */
    record ProbSparse(Nd out, Nd measure, int u) {}

    /**
     * §3.1, line by line: QKs unscaled over the sampled keys, M = max_t - (sum_t) / L_K, top-u
     * rows (ties to the smaller index), exact softmax attention with scale 1/sqrt(D) for them
     * (masked: keys j <= top[r]), mean of V (or, masked, its cumulative sum) for the others.
     * q [B, H, LQ, D], k [B, H, LK, D], v [B, H, LK, E], idx [LQ, UP].
     */
    static ProbSparse probSparse(Nd q, Nd k, Nd v, int[][] idx, int factor, boolean masked) {
        int bs = q.shape[0], hs = q.shape[1], lq = q.shape[2], dd = q.shape[3];
        int lk = k.shape[2], ee = v.shape[3];
        int u = informerCount(factor, lq);
        double scale = 1 / Math.sqrt(dd);
        Nd ctx = new Nd(bs, hs, lq, ee);
        Nd measure = new Nd(bs, hs, lq);
        for (int b = 0; b < bs; b++) {
            for (int h = 0; h < hs; h++) {
                // the sparsity measurement on the sampled keys
                for (int i = 0; i < lq; i++) {
                    double max = Double.NEGATIVE_INFINITY, sum = 0;
                    for (int t = 0; t < idx[i].length; t++) {
                        double dot = 0;
                        for (int d = 0; d < dd; d++) dot += q.get(b, h, i, d) * k.get(b, h, idx[i][t], d);
                        max = Math.max(max, dot);
                        sum += dot;
                    }
                    measure.set(max - sum / lk, b, h, i);
                }
                int[] top = topIndices(measure, b, h, u);
                // the lazy rows
                for (int i = 0; i < lq; i++) {
                    for (int e = 0; e < ee; e++) {
                        double acc = 0;
                        if (masked) {
                            for (int j = 0; j <= i && j < lk; j++) acc += v.get(b, h, j, e);
                        } else {
                            for (int j = 0; j < lk; j++) acc += v.get(b, h, j, e);
                            acc /= lk;
                        }
                        ctx.set(acc, b, h, i, e);
                    }
                }
                // the active rows overwrite them
                for (int row : top) {
                    double[] s = new double[lk];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < lk; j++) {
                        if (masked && j > row) {
                            s[j] = Double.NEGATIVE_INFINITY;
                            continue;
                        }
                        double dot = 0;
                        for (int d = 0; d < dd; d++) dot += q.get(b, h, row, d) * k.get(b, h, j, d);
                        s[j] = scale * dot;
                        max = Math.max(max, s[j]);
                    }
                    double l = 0;
                    for (int j = 0; j < lk; j++) if (s[j] != Double.NEGATIVE_INFINITY) l += Math.exp(s[j] - max);
                    for (int e = 0; e < ee; e++) {
                        double acc = 0;
                        for (int j = 0; j < lk; j++) {
                            if (s[j] != Double.NEGATIVE_INFINITY) acc += Math.exp(s[j] - max) * v.get(b, h, j, e);
                        }
                        ctx.set(l == 0 ? 0 : acc / l, b, h, row, e);
                    }
                }
            }
        }
        return new ProbSparse(ctx, measure, u);
    }

    /** The u rows of measure[b, h, :] with the largest values, largest first, ties to the smaller row. */
    static int[] topIndices(Nd measure, int b, int h, int u) {
        int lq = measure.shape[2];
        List<Integer> rows = new ArrayList<>();
        for (int i = 0; i < lq; i++) rows.add(i);
        rows.sort(Comparator.<Integer>comparingDouble(i -> measure.get(b, h, i)).reversed()
                .thenComparingInt(i -> i));
        int[] top = new int[u];
        for (int r = 0; r < u; r++) top[r] = rows.get(r);
        return top;
    }

    /**
     * Whether the top-u choice of every (b, h) is clear of floating-point near-ties: the u-th and
     * (u+1)-th largest measures differ by more than 1e-4 relative, or are exactly equal because
     * every measure is (then both sides break ties by index).
     */
    static boolean topChoiceIsClear(Nd measure, int u) {
        int bs = measure.shape[0], hs = measure.shape[1], lq = measure.shape[2];
        if (u == 0 || u == lq) return true;
        for (int b = 0; b < bs; b++) {
            for (int h = 0; h < hs; h++) {
                boolean allEqual = true;
                for (int i = 1; i < lq; i++) allEqual &= measure.get(b, h, i) == measure.get(b, h, 0);
                if (allEqual) continue;
                int[] order = topIndices(measure, b, h, u + 1);
                double a = measure.get(b, h, order[u - 1]), c = measure.get(b, h, order[u]);
                if (!(a - c > 1e-4 * (1 + Math.abs(a)))) return false;
            }
        }
        return true;
    }

    /** §3.3 with Philox in place of torch.randint: idx[i, t] = floor(uniform(seed, i, t) * L_K), t < U_part. */
    static int[][] philoxSamples(long seed, int lq, int lk, int factor) {
        int up = informerCount(factor, lk);
        int[][] idx = new int[lq][up];
        for (int i = 0; i < lq; i++) {
            for (int t = 0; t < up; t++) {
                double uniform = Philox.uniform(seed, i, t);
                idx[i][t] = Math.min((int) (uniform * lk), lk - 1);
            }
        }
        return idx;
    }

    // ---------------------------------------------------------------------------------------
    // §4: kernelized attention with RPE

    /**
     * §4.1 feature map: phi(x)_f = F^-1/2 (exp(w_f.x' - |x'|^2/2 - stab) + 1e-4), x' = x D^-1/4.
     * For queries stab is the row's max_f w_f.x'; for keys the max over every (j, f) of the (b, h).
     * x [B, H, N, D], w [F, D]; returns [B, H, N, F].
     */
    static Nd performerFeatures(Nd x, Nd w, boolean isQuery) {
        int bs = x.shape[0], hs = x.shape[1], n = x.shape[2], dd = x.shape[3], ff = w.shape[0];
        double xs = Math.pow(dd, -0.25);
        Nd proj = new Nd(bs, hs, n, ff);
        Nd half = new Nd(bs, hs, n);
        for (int b = 0; b < bs; b++) for (int h = 0; h < hs; h++) for (int i = 0; i < n; i++) {
            double norm2 = 0;
            for (int d = 0; d < dd; d++) norm2 += (x.get(b, h, i, d) * xs) * (x.get(b, h, i, d) * xs);
            half.set(norm2 / 2, b, h, i);
            for (int f = 0; f < ff; f++) {
                double dot = 0;
                for (int d = 0; d < dd; d++) dot += w.get(f, d) * (x.get(b, h, i, d) * xs);
                proj.set(dot, b, h, i, f);
            }
        }
        Nd phi = new Nd(bs, hs, n, ff);
        for (int b = 0; b < bs; b++) for (int h = 0; h < hs; h++) {
            double headMax = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < n; i++) for (int f = 0; f < ff; f++) headMax = Math.max(headMax, proj.get(b, h, i, f));
            for (int i = 0; i < n; i++) {
                double stab = headMax;
                if (isQuery) {
                    stab = Double.NEGATIVE_INFINITY;
                    for (int f = 0; f < ff; f++) stab = Math.max(stab, proj.get(b, h, i, f));
                }
                for (int f = 0; f < ff; f++) {
                    double value = Math.exp(proj.get(b, h, i, f) - half.get(b, h, i) - stab) + 1e-4;
                    phi.set(value / Math.sqrt(ff), b, h, i, f);
                }
            }
        }
        return phi;
    }

    /**
     * §4.3: build the Toeplitz C explicitly (C[i, j] = exp(b[j - i + n - 1]), zero for j > i when
     * causal), A = (phiQ phiK^T) (.) C, z = A V / (A 1).
     */
    static Nd rpeKernelized(Nd q, Nd k, Nd v, Nd w, Nd rpe, boolean causal) {
        int bs = q.shape[0], hs = q.shape[1], n = q.shape[2], ee = v.shape[3], ff = w.shape[0];
        Nd phiQ = performerFeatures(q, w, true);
        Nd phiK = performerFeatures(k, w, false);
        Nd z = new Nd(bs, hs, n, ee);
        for (int b = 0; b < bs; b++) for (int h = 0; h < hs; h++) {
            double[][] a = new double[n][n];
            for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) {
                double c = causal && j > i ? 0 : Math.exp(rpe.get(h, j - i + n - 1));
                double kernel = 0;
                for (int f = 0; f < ff; f++) kernel += phiQ.get(b, h, i, f) * phiK.get(b, h, j, f);
                a[i][j] = kernel * c;
            }
            for (int i = 0; i < n; i++) {
                double rowSum = 0;
                for (int j = 0; j < n; j++) rowSum += a[i][j];
                for (int e = 0; e < ee; e++) {
                    double acc = 0;
                    for (int j = 0; j < n; j++) acc += a[i][j] * v.get(b, h, j, e);
                    z.set(acc / rowSum, b, h, i, e);
                }
            }
        }
        return z;
    }

    // ---------------------------------------------------------------------------------------
    // §5: long convolutions

    /** §5.5 oracle: y[t] = sum_(s <= t) k[s] u[t - s] + D u[t], per (b, c, h). u [B,H,L], k [C,H,L], skip [C,H]. */
    static Nd causalConv(Nd u, Nd k, Nd skip) {
        int bs = u.shape[0], hs = u.shape[1], len = u.shape[2], cs = k.shape[0];
        Nd y = new Nd(bs, cs, hs, len);
        for (int b = 0; b < bs; b++) for (int c = 0; c < cs; c++) for (int h = 0; h < hs; h++) {
            for (int t = 0; t < len; t++) {
                double acc = skip.get(c, h) * u.get(b, h, t);
                for (int s = 0; s <= t; s++) acc += k.get(c, h, s) * u.get(b, h, t - s);
                y.set(acc, b, c, h, t);
            }
        }
        return y;
    }

    /**
     * §5.1 bidirectional form, evaluated as the length-2L circular convolution directly (no FFT):
     * kfull = pad(k0, (0, L)) + pad(flip(k1), (L, 0)), y[t] = sum_s kfull[(t - s) mod 2L] u_pad[s]
     * for t < L, plus the skip term.
     */
    static Nd bidirectionalConv(Nd u, Nd k0, Nd k1, Nd skip) {
        int bs = u.shape[0], hs = u.shape[1], len = u.shape[2], cs = k0.shape[0];
        int n2 = 2 * len;
        Nd y = new Nd(bs, cs, hs, len);
        for (int c = 0; c < cs; c++) for (int h = 0; h < hs; h++) {
            double[] kfull = new double[n2];
            for (int t = 0; t < len; t++) kfull[t] += k0.get(c, h, t);          // pad(k0, (0, L))
            for (int t = 0; t < len; t++) kfull[len + t] += k1.get(c, h, len - 1 - t); // pad(flip(k1), (L, 0))
            for (int b = 0; b < bs; b++) {
                double[] upad = new double[n2];
                for (int t = 0; t < len; t++) upad[t] = u.get(b, h, t);
                for (int t = 0; t < len; t++) {
                    double acc = 0;
                    for (int s = 0; s < n2; s++) acc += kfull[Math.floorMod(t - s, n2)] * upad[s];
                    y.set(acc + skip.get(c, h) * u.get(b, h, t), b, c, h, t);
                }
            }
        }
        return y;
    }

    // ---------------------------------------------------------------------------------------
    // §6: block-sparse patterns, each the §1.3 oracle with a dense boolean mask

    /** §1.1 local attention: i + Lk - Lq - wl <= j <= i + Lk - Lq + wr. */
    static Attention slidingWindow(Nd q, Nd k, Nd v, int left, int right) {
        int shift = k.shape[2] - q.shape[2];
        return attention(q, k, v, defaultScale(q),
                (b, h, i, j) -> i + shift - left <= j && j <= i + shift + right);
    }

    /**
     * §6.1 A-shape (stream_llm), causal and bottom-right aligned: with p = i + Lk - Lq,
     * allowed = j <= p and (j < n_init or 0 <= p - j < n_local).
     */
    static Attention streaming(Nd q, Nd k, Nd v, int sinks, int window) {
        int shift = k.shape[2] - q.shape[2];
        return attention(q, k, v, defaultScale(q), (b, h, i, j) -> {
            int p = i + shift;
            return j <= p && (j < sinks || p - j < window);
        });
    }

    /** §6.1 Longformer: |i - j| <= w/2 or g(i) or g(j). */
    static Attention longformer(Nd q, Nd k, Nd v, boolean[] global, int window) {
        return attention(q, k, v, defaultScale(q),
                (b, h, i, j) -> Math.abs(i - j) <= window / 2 || global[i] || global[j]);
    }

    /**
     * §6.1 BigBird ITC at block level: the set of key blocks of each (head, query block) is
     * built first (global query blocks: all; others: the global blocks {0, nb-1}, the window
     * {qb-1, qb, qb+1} and R(qb)), then expanded to tokens.
     */
    static Attention bigBird(Nd q, Nd k, Nd v, int[][][] rnd, int blk) {
        int hs = q.shape[1], n = q.shape[2];
        int nb = (n + blk - 1) / blk;
        List<List<Set<Integer>>> blocks = new ArrayList<>();
        for (int h = 0; h < hs; h++) {
            List<Set<Integer>> perQuery = new ArrayList<>();
            for (int qb = 0; qb < nb; qb++) {
                Set<Integer> kbs = new HashSet<>();
                if (qb == 0 || qb == nb - 1) {
                    for (int kb = 0; kb < nb; kb++) kbs.add(kb);
                } else {
                    kbs.add(0);
                    kbs.add(nb - 1);
                    kbs.add(qb - 1);
                    kbs.add(qb);
                    kbs.add(qb + 1);
                    for (int r : rnd[h][qb]) kbs.add(r);
                }
                perQuery.add(kbs);
            }
            blocks.add(perQuery);
        }
        return attention(q, k, v, defaultScale(q),
                (b, h, i, j) -> blocks.get(h).get(i / blk).contains(j / blk));
    }

    /** §6.2 test oracle: expand the block layout to a dense mask. */
    static Attention blockSparse(Nd q, Nd k, Nd v, boolean[][][] layout, int blk) {
        int n = q.shape[2], m = k.shape[2], hs = q.shape[1];
        boolean[][][] dense = new boolean[hs][n][m];
        for (int h = 0; h < hs; h++) for (int i = 0; i < n; i++) for (int j = 0; j < m; j++) {
            dense[h][i][j] = layout[h][i / blk][j / blk];
        }
        return attention(q, k, v, defaultScale(q), (b, h, i, j) -> dense[h][i][j]);
    }

    // ---------------------------------------------------------------------------------------
    // Post-softmax dropout and extra-logit sinks

    /**
     * Flash attention with dropout on the probabilities: o_i = sum_j p_ij keep_ij v_j with
     * keep_ij = 1/(1 - pDrop) when Philox's uniform(seed, (b H + h) N + i, j) >= pDrop, else 0;
     * lse is dropout's input's (unchanged).
     */
    static Attention dropout(Nd q, Nd k, Nd v, boolean causal, double pDrop, long seed) {
        int bs = q.shape[0], hs = q.shape[1], n = q.shape[2], dd = q.shape[3];
        int kh = k.shape[1], m = k.shape[2], ee = v.shape[3];
        int group = hs / kh;
        double scale = defaultScale(q);
        double keep = (float) (1.0 / (1.0 - (float) pDrop));
        Attention plain = flash(q, k, v, causal);
        Nd o = new Nd(bs, hs, n, ee);
        for (int b = 0; b < bs; b++) {
            for (int h = 0; h < hs; h++) {
                for (int i = 0; i < n; i++) {
                    double lse = plain.lse().get(b, h, i);
                    if (lse == Double.NEGATIVE_INFINITY) continue;
                    for (int e = 0; e < ee; e++) {
                        double acc = 0;
                        for (int j = 0; j < m; j++) {
                            if (causal && j > i + m - n) continue;
                            double dot = 0;
                            for (int d = 0; d < dd; d++) dot += q.get(b, h, i, d) * k.get(b, h / group, j, d);
                            double u = tessera.runtime.Philox.uniform(seed, ((long) b * hs + h) * n + i, j);
                            double w = u >= (float) pDrop ? keep : 0;
                            acc += Math.exp(scale * dot - lse) * w * v.get(b, h / group, j, e);
                        }
                        o.set(acc, b, h, i, e);
                    }
                }
            }
        }
        return new Attention(o, plain.lse());
    }

    /**
     * Attention with a sink logit per head: the softmax runs over the allowed keys plus sink[h],
     * which has no value; lse includes it. With causal, key j is allowed when j <= i + M - N.
     */
    static Attention sink(Nd q, Nd k, Nd v, double[] sink, boolean causal) {
        int bs = q.shape[0], hs = q.shape[1], n = q.shape[2], dd = q.shape[3];
        int m = k.shape[2], ee = v.shape[3];
        double scale = defaultScale(q);
        Nd o = new Nd(bs, hs, n, ee);
        Nd lse = new Nd(bs, hs, n);
        for (int b = 0; b < bs; b++) {
            for (int h = 0; h < hs; h++) {
                for (int i = 0; i < n; i++) {
                    double[] s = new double[m];
                    double max = sink[h];
                    for (int j = 0; j < m; j++) {
                        if (causal && j > i + m - n) {
                            s[j] = Double.NEGATIVE_INFINITY;
                            continue;
                        }
                        double dot = 0;
                        for (int d = 0; d < dd; d++) dot += q.get(b, h, i, d) * k.get(b, h, j, d);
                        s[j] = scale * dot;
                        max = Math.max(max, s[j]);
                    }
                    double l = Math.exp(sink[h] - max);
                    for (int j = 0; j < m; j++) l += Math.exp(s[j] - max);
                    lse.set(max + Math.log(l), b, h, i);
                    for (int e = 0; e < ee; e++) {
                        double acc = 0;
                        for (int j = 0; j < m; j++) acc += Math.exp(s[j] - max) * v.get(b, h, j, e);
                        o.set(acc / l, b, h, i, e);
                    }
                }
            }
        }
        return new Attention(o, lse);
    }
}
