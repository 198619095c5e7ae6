package tessera.compiler;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Generic programs (beside the stdlib) that every backend must run: one construct each, so a
 * failure names the construct.
 */
final class Programs {
    private Programs() {}

    static final Map<String, String> ALL = new LinkedHashMap<>();

    static {
        ALL.put("matmul", """
                kernel matmul(a: f32[N, K], b: f32[K, M]) -> (c: f32[N, M]) {
                    c[i, j] = sum[k](a[i, k] * b[k, j]);
                }
                """);
        ALL.put("softmax", """
                kernel softmax_rows(x: f32[N, M]) -> (y: f32[N, M]) {
                    y[i, j] = softmax[j](x[i, j]);
                }
                """);
        ALL.put("layernorm", """
                kernel layernorm(x: f32[N, D], gamma: f32[D], beta: f32[D], eps: f32 = 1e-5) -> (y: f32[N, D]) {
                    mu[i] = mean[d](x[i, d]);
                    var[i] = mean[d]((x[i, d] - mu[i]) * (x[i, d] - mu[i]));
                    y[i, d] = (x[i, d] - mu[i]) * rsqrt(var[i] + eps) * gamma[d] + beta[d];
                }
                """);
        ALL.put("masked", """
                kernel masked(x: f32[N, M], keep: bool[N, M]) -> (mx: f32[N], total: f32[N], lse: f32[N], lo: f32[N]) {
                    y[i, j] = x[i, j] if keep[i, j];
                    mx[i] = max[j](y[i, j]);
                    total[i] = sum[j | j <= i](y[i, j]);
                    lse[i] = logsumexp[j](y[i, j]);
                    lo[i] = min[j](y[i, j]) if mx[i] > 0.0;
                }
                """);
        ALL.put("gather", """
                kernel gather(table: f32[V, D], ids: i32[N]) -> (y: f32[N, D]) {
                    y[i, d] = table[ids[i], d] * 2.0 - float(ids[i]);
                }
                """);
        ALL.put("scatter", """
                kernel scatter_rows(x: f32[N, D], score: f32[N]) -> (y: f32[N, D]) {
                    let kk = min(3, N);
                    top[r < kk] = topk[i, kk](score[i]);
                    y[i, d] = x[i, d];
                    y[top[r], d] = -x[top[r], d] * 2.0 if r % 2 == 0;
                }
                """);
        ALL.put("topk", """
                kernel top_rows(x: f32[B, N], k: i32 = 3) -> (top: i32[B, K], best: f32[B, K]) {
                    let kk = min(k, N);
                    top[b, r] = topk[i, kk](float(int(x[b, i] * 4.0)));
                    best[b, r] = x[b, top[b, r]];
                }
                """);
        ALL.put("lets_and_philox", """
                kernel noise(x: f32[N], seed: i64 = 11, p: f32 = 0.25) -> (y: f32[N], z: f32[N]) {
                    let peak = max[i](abs(x[i]));
                    let half = N / 2;
                    y[i] = (uniform(seed, i, half) >= p ? x[i] / (1.0 - p) : 0.0) / peak;
                    z[i] = float(philox(seed, i, 0) % 1000) + (i < half ? 1.0 : -1.0);
                }
                """);
    }
}
