package tessera.compiler;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import tessera.ir.tensor.Printer;
import tessera.ir.tensor.Program;
import tessera.ir.tensor.Stmt;
import tessera.ir.tensor.Verifier;
import tessera.passes.PassManager;

/**
 * FlashFusion: what it recognises (by the IR's shape, whatever things are called), what the fused
 * node holds, and what it must leave alone. Results before and after are compared on every
 * backend by FlashAttentionProperties and CrossBackendProperties.
 */
class FlashFusionTest {
    static Program fused(String src) {
        Compilation c = Tessera.compileSource("t.tsr", src, CompileOptions.defaults());
        assertThat(c.renderDiagnostics()).isEmpty();
        Compilation.Kernel k = c.kernels().getFirst();
        Program p = k.trace().stream().filter(s -> s.pass().equals("flash-fusion")).map(PassManager.Step::program).findFirst().orElseThrow();
        assertThat(Verifier.check(p)).isEmpty();
        return p;
    }

    static List<Stmt.Attention> attentions(Program p) {
        return p.body().stream().filter(s -> s instanceof Stmt.Attention).map(s -> (Stmt.Attention) s).toList();
    }

    static final String FLASH = """
            kernel f(q: f32[B, H, N, D], k: f32[B, H, M, D], v: f32[B, H, M, E], causal: bool = true)
                -> (o: f32[B, H, N, E], lse: f32[B, H, N])
            {
                s[b, h, i, j] = rsqrt(float(D)) * sum[d](q[b, h, i, d] * k[b, h, j, d]) if !causal || j <= i + M - N;
                lse[b, h, i] = logsumexp[j](s[b, h, i, j]);
                o[b, h, i, e] = sum[j](softmax[j](s[b, h, i, j]) * v[b, h, j, e]);
            }
            """;

    @Test
    void contractionSoftmaxContractionBecomesOneNode() {
        Program p = fused(FLASH);
        String text = Printer.print(p);
        assertThat(text).doesNotContain("temp   s");
        assertThat(text).containsSubsequence(
                "o[b, h, i, e], lse[b, h, i] (logsumexp) = attention[j](s = rsqrt(float(D)) * sum[d](q[b, h, i, d] * k[b, h, j, d])",
                "if !causal || j <= i + M - N; value v[b, h, j, e])",
                "fused (online softmax, no s stored)");
        Stmt.Attention a = attentions(p).getFirst();
        assertThat(a.row().name()).isEqualTo("i");
        assertThat(a.key().name()).isEqualTo("j");
        assertThat(a.outer()).extracting(v -> v.name()).containsExactly("b", "h");
        assertThat(a.q().tensor()).isEqualTo("q");
        assertThat(a.k().tensor()).isEqualTo("k");
        assertThat(p.body()).hasSize(1);
    }

    @Test
    void namesDoNotMatterOnlyTheShape() {
        Program p = fused("""
                kernel whatever(a: f32[X, T, C], bb: f32[X, U, C], w: f32[X, U, F]) -> (out: f32[X, T, F], top: f32[X, T]) {
                    logits[x, t, u] = sum[c](bb[x, u, c] * a[x, t, c]) * 0.5 + 1.0;
                    top[x, t] = max[u](logits[x, t, u]);
                    out[x, t, f] = sum[u](w[x, u, f] * softmax[u](logits[x, t, u]));
                }
                """);
        Stmt.Attention a = attentions(p).getFirst();
        assertThat(a.q().tensor()).isEqualTo("a");
        assertThat(a.k().tensor()).isEqualTo("bb");
        assertThat(a.max()).contains("top");
        assertThat(a.out().orElseThrow().tensor()).isEqualTo("out");
        assertThat(Printer.print(p)).contains("out[x, t, f], top[x, t] (max) = attention[u](logits = ");
    }

    @Test
    void consumersWithOtherVariableNamesAreRenamed() {
        Program p = fused("""
                kernel f(q: f32[N, D], k: f32[M, D], v: f32[M, E]) -> (o: f32[N, E], lse: f32[N]) {
                    s[i, j] = sum[d](q[i, d] * k[j, d]);
                    lse[r] = logsumexp[c](s[r, c]);
                    o[r, e] = sum[c](softmax[c](s[r, c]) * v[c, e]);
                }
                """);
        assertThat(Printer.print(p)).contains("o[i, e], lse[i] (logsumexp) = attention[j](s = sum[d](q[i, d] * k[j, d]); value v[j, e])");
    }

    @Test
    void postSoftmaxFactorsAndSinksStayInside() {
        Program p = fused("""
                kernel f(q: f32[N, D], k: f32[M, D], v: f32[M, E], gate: f32[N, M], sink: f32[1]) -> (o: f32[N, E]) {
                    s[i, j < M + 1] = j < M ? sum[d](q[i, d] * k[min(j, M - 1), d]) : sink[0];
                    o[i, e] = sum[j](softmax[j](s[i, j]) * sigmoid(gate[i, min(j, M - 1)]) * (j < M ? v[min(j, M - 1), e] : 0.0));
                }
                """);
        Stmt.Attention a = attentions(p).getFirst();
        assertThat(a.sink()).isPresent();
        assertThat(a.key().extent()).hasToString("Scalar[name=M, kind=DIM, type=I32]");
        assertThat(Printer.expr(a.out().orElseThrow().factor().orElseThrow())).isEqualTo("sigmoid(gate[i, min(j, M - 1)])");
        assertThat(Printer.expr(a.out().orElseThrow().value())).isEqualTo("v[min(j, M - 1), e]");
    }

    @Test
    void rowStatisticsAloneFuseToo() {
        Program p = fused("""
                kernel f(q: f32[B, N, D], k: f32[B, M, D]) -> (lse: f32[B, N], mx: f32[B, N]) {
                    s[b, i, j] = sum[d](q[b, i, d] * k[b, j, d]) * 0.5 if j <= i;
                    lse[b, i] = logsumexp[j](s[b, i, j]);
                    mx[b, i] = max[j](s[b, i, j]);
                }
                """);
        Stmt.Attention a = attentions(p).getFirst();
        assertThat(a.out()).isEmpty();
        assertThat(a.lse()).contains("lse");
        assertThat(a.max()).contains("mx");
        assertThat(Printer.print(p)).doesNotContain("temp   s");
    }

    @Test
    void leavesAloneWhatItCannotFuse() {
        // The score matrix is an output.
        assertThat(attentions(fused("""
                kernel f(q: f32[N, D], k: f32[M, D], v: f32[M, E]) -> (o: f32[N, E], s: f32[N, M]) {
                    s[i, j] = sum[d](q[i, d] * k[j, d]);
                    o[i, e] = sum[j](softmax[j](s[i, j]) * v[j, e]);
                }
                """))).isEmpty();
        // Something else reads it.
        assertThat(attentions(fused("""
                kernel f(q: f32[N, D], k: f32[M, D], v: f32[M, E]) -> (o: f32[N, E], t: f32[N]) {
                    s[i, j] = sum[d](q[i, d] * k[j, d]);
                    o[i, e] = sum[j](softmax[j](s[i, j]) * v[j, e]);
                    t[i] = sum[j](s[i, j]);
                }
                """))).isEmpty();
        // The value depends on the query row: no tile of rows can share it.
        assertThat(attentions(fused("""
                kernel f(q: f32[N, D], k: f32[M, D], v: f32[N, M, E]) -> (o: f32[N, E]) {
                    s[i, j] = sum[d](q[i, d] * k[j, d]);
                    o[i, e] = sum[j](softmax[j](s[i, j]) * v[i, j, e]);
                }
                """))).isEmpty();
        // The score reads a tensor that may be absent.
        assertThat(attentions(fused("""
                kernel f(q: f32[N, D], k: f32[M, D], v: f32[M, E], x: f32[N]) -> (o: f32[N, E]) {
                    part[i] = x[i] if x[i] > 0.0;
                    s[i, j] = sum[d](q[i, d] * k[j, d]) + part[i];
                    o[i, e] = sum[j](softmax[j](s[i, j]) * v[j, e]);
                }
                """))).isEmpty();
        // No contraction of a row-only and a key-only factor.
        assertThat(attentions(fused("""
                kernel f(q: f32[N, M], v: f32[M, E]) -> (o: f32[N, E]) {
                    s[i, j] = q[i, j] * 2.0;
                    o[i, e] = sum[j](softmax[j](s[i, j]) * v[j, e]);
                }
                """))).isEmpty();
    }
}
