package tessera.compiler;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import tessera.ir.tensor.Interpreter;
import tessera.ir.tensor.Printer;
import tessera.ir.tensor.Program;
import tessera.passes.PassManager;
import tessera.runtime.DType;
import tessera.runtime.Tensor;

/** FuseElementwise: which temporaries disappear, what their consumers read instead, and that results do not change. */
class FuseElementwiseTest {
    static Compilation.Kernel kernel(String src) {
        Compilation c = Tessera.compileSource("t.tsr", src, CompileOptions.defaults());
        assertThat(c.renderDiagnostics()).isEmpty();
        return c.kernels().getFirst();
    }

    static Program after(Compilation.Kernel k, String pass) {
        return k.trace().stream().filter(s -> s.pass().equals(pass)).map(PassManager.Step::program).findFirst().orElseThrow();
    }

    @Test
    void elementwiseChainsAreSubstitutedIntoTheirReaders() {
        Compilation.Kernel k = kernel("""
                kernel f(x: f32[N], y: f32[N]) -> (o: f32[N]) {
                    t[i] = x[i] * 2.0;
                    u[i] = t[i] + y[i];
                    o[i] = sum[j](u[j]) + u[i];
                }
                """);
        String text = Printer.print(after(k, "fuse-elementwise"));
        assertThat(text).doesNotContain("temp   t").doesNotContain("temp   u");
        assertThat(text).contains("o[i] = sum[j](x[j] * 2.0 + y[j]) + (x[i] * 2.0 + y[i])");
    }

    @Test
    void maskedScatteredReducingAndOutputTensorsStay() {
        Compilation.Kernel k = kernel("""
                kernel f(x: f32[N], idx: i32[N]) -> (o: f32[N], p: f32[N]) {
                    masked[i] = x[i] if i > 0;
                    reduced[i] = sum[j](x[j] * x[i]);
                    scattered[i] = x[i];
                    scattered[idx[i]] = 1.0;
                    p[i] = x[i] + 1.0;
                    o[i] = masked[i] + reduced[i] + scattered[i] + p[i];
                }
                """);
        String text = Printer.print(after(k, "fuse-elementwise"));
        assertThat(text).contains("temp   masked", "temp   reduced", "temp   scattered", "output p");
        assertThat(k.trace().stream().filter(s -> s.pass().equals("fuse-elementwise")).findFirst().orElseThrow().changed()).isFalse();
    }

    @Test
    void resultsAreTheSameBeforeAndAfter() {
        Compilation.Kernel k = kernel("""
                kernel f(q: f32[N, D], k: f32[M, D]) -> (o: f32[N]) {
                    qs[i, d] = q[i, d] * 0.5;
                    kk[j, d] = tanh(k[j, d]) - 1.0;
                    s[i, j] = sum[d](qs[i, d] * kk[j, d]);
                    o[i] = sum[j](softmax[j](s[i, j]) * float(j));
                }
                """);
        Random rnd = new Random(3);
        double[] q = rnd.doubles(5 * 3).toArray();
        double[] kv = rnd.doubles(4 * 3).toArray();
        Map<String, Tensor> in = Map.of("q", Tensor.fromDoubles(DType.F32, new long[] {5, 3}, q),
                "k", Tensor.fromDoubles(DType.F32, new long[] {4, 3}, kv));
        double[] before = ((Interpreter.Outcome.Ok) Interpreter.run(after(k, "resolve"), in, Map.of())).outputs().get("o").toDoubleArray();
        double[] fused = ((Interpreter.Outcome.Ok) Interpreter.run(k.program(), in, Map.of())).outputs().get("o").toDoubleArray();
        assertThat(Printer.print(k.program())).doesNotContain("temp   qs").doesNotContain("temp   kk");
        assertThat(fused).containsExactly(before);
    }
}
