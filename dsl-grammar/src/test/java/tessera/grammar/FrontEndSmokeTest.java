package tessera.grammar;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tessera.ir.DiagnosticRenderer;

class FrontEndSmokeTest {
    static final String FLASH = """
            kernel flash_attention(
                q: f32[B, H, N, D],
                k: f32[B, KH, M, D],
                v: f32[B, KH, M, E],
                causal: bool = false
            ) -> (o: f32[B, H, N, E], lse: f32[B, H, N])
            where H % KH == 0
            {
                let scale = rsqrt(float(D));
                let g = H / KH;
                s[b, h, i, j] = scale * sum[d](q[b, h, i, d] * k[b, h / g, j, d])
                    if !causal || j <= i + M - N;
                lse[b, h, i] = logsumexp[j](s[b, h, i, j]);
                o[b, h, i, e] = sum[j](softmax[j](s[b, h, i, j]) * v[b, h / g, j, e]);
                schedule { tile i 64, j 64; }
            }
            """;

    static Resolver.Result resolve(String src) {
        Loader.Unit u = Loader.loadSource("t.tsr", src, Path.of("."));
        if (!u.diagnostics().isEmpty()) return new Resolver.Result(java.util.List.of(), u.diagnostics());
        return Resolver.resolve(u.files(), Map.of());
    }

    @Test
    void flashAttentionResolves() {
        Resolver.Result r = resolve(FLASH);
        assertThat(new DiagnosticRenderer(Map.of("t.tsr", FLASH)).renderAll(r.diagnostics())).isEmpty();
        assertThat(r.programs()).hasSize(1);
        System.out.println(r.programs().getFirst());
    }

    @Test
    void unboundIndexIsReported() {
        String src = "kernel f(x: f32[N, D]) -> (y: f32[N]) { y[i] = x[i, d]; }";
        Resolver.Result r = resolve(src);
        String text = new DiagnosticRenderer(Map.of("t.tsr", src)).renderAll(r.diagnostics());
        System.out.println(text);
        assertThat(text).contains("t.tsr:1:53: error: index 'd' is not bound");
    }
}
