package tessera.grammar;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tessera.ir.Diagnostic;
import tessera.ir.tensor.Printer;
import tessera.ir.tensor.Program;
import tessera.ir.tensor.Schedule;
import tessera.ir.tensor.Verifier;

/** What the resolver builds from good programs: ranges, statement kinds, types, dims; checked on printed IR. */
class ResolverTest {
    static Program one(String src) {
        return one(src, Map.of());
    }

    static Program one(String src, Map<String, Long> dims) {
        Loader.Unit u = Loader.loadSource("t.tsr", src, Path.of("."));
        assertThat(u.diagnostics()).isEmpty();
        Resolver.Result r = Resolver.resolve(u.files(), dims);
        assertThat(r.diagnostics()).extracting(Diagnostic::headline).isEmpty();
        assertThat(r.programs()).hasSize(1);
        Program p = r.programs().getFirst();
        assertThat(Verifier.check(p)).isEmpty();
        return p;
    }

    static List<Diagnostic> errors(String src) {
        Loader.Unit u = Loader.loadSource("t.tsr", src, Path.of("."));
        if (!u.diagnostics().isEmpty()) return u.diagnostics();
        return Resolver.resolve(u.files(), Map.of()).diagnostics();
    }

    @Test
    void rangesComeFromDirectUsesAndOutputShapes() {
        Program p = one("""
                kernel f(a: f32[N, K], x: f32[K]) -> (y: f32[N], z: f32[N, 3]) {
                    y[i] = sum[k](a[i, k] * x[k]);
                    z[i, c] = y[i] * float(c);
                }
                """);
        String text = Printer.print(p);
        assertThat(text).contains("y[i] = sum[k](a[i, k] * x[k])  // i < N, k < K");
        assertThat(text).contains("z[i, c] = y[i] * float(c)  // i < N, c < 3");
    }

    @Test
    void temporariesTakeTheirTypeAndShapeFromTheirDefinition() {
        Program p = one("""
                kernel f(x: f32[N], n: i32[N]) -> (y: f32[N]) {
                    t[i, j] = x[i] * x[j];
                    m[i] = n[i] > 2;
                    c[i] = n[i] * 2;
                    y[i] = sum[j](t[i, j]) if m[i] && c[i] > 0;
                }
                """);
        assertThat(Printer.print(p)).contains("temp   t: f32[N, N]", "temp   m: bool[N]", "temp   c: i32[N]");
    }

    @Test
    void rangesMayBeDeclaredInPlace() {
        Program p = one("""
                kernel f(x: f32[N], seed: i64 = 7) -> (y: f32[N]) {
                    let U = 3;
                    r[i < N, u < U] = uniform(seed, i, u);
                    y[i] = x[i] * sum[u](r[i, u]) + sum[t < 2](float(t));
                }
                """);
        String text = Printer.print(p);
        assertThat(text).contains("temp   r: f32[N, U]").contains("// i < N, u < U").contains("t < 2");
    }

    @Test
    void topkGetsItsAxisFromTheUnusedLeftHandVariableAndDerivesOutputDims() {
        Program p = one("""
                kernel f(m: f32[B, L], factor: i32 = 2) -> (top: i32[B, U]) {
                    let u = min(factor * 2, L);
                    top[b, r] = topk[i, u](m[b, i]);
                }
                """);
        String text = Printer.print(p);
        assertThat(text).contains("top[b, r] = topk[i, u](m[b, i])");
        assertThat(text).contains("U = u (derived)");
    }

    @Test
    void scatterVariablesAreTheNewNamesOnTheLeft() {
        Program p = one("""
                kernel f(x: f32[B, R, D], top: i32[B, R], base: f32[B, L, D]) -> (o: f32[B, L, D]) {
                    o[b, i, d] = base[b, i, d];
                    o[b, top[b, r], d] = x[b, r, d] * 2.0;
                }
                """);
        assertThat(Printer.print(p)).contains("o[b, top[b, r], d] = x[b, r, d] * 2.0  // scatter over b < B, r < R, d < D");
    }

    @Test
    void softmaxAndReductionsBindTheirVariables() {
        Program p = one("""
                kernel f(s: f32[N, M], v: f32[M, E]) -> (o: f32[N, E], l: f32[N], mx: f32[N], mn: f32[N], me: f32[N]) {
                    o[i, e] = sum[j](softmax[j](s[i, j]) * v[j, e]);
                    l[i] = logsumexp[j](s[i, j]);
                    mx[i] = max[j | j <= i](s[i, j]);
                    mn[i] = min[j](s[i, j]);
                    me[i] = mean[j](s[i, j]);
                }
                """);
        assertThat(Printer.print(p)).contains("sum[j](softmax[j](s[i, j]) * v[j, e])", "max[j | j <= i](s[i, j])", "mean[j](s[i, j])");
    }

    @Test
    void defsAreInlinedAndLocalDefsShadowGlobalOnes() {
        Program p = one("""
                def sq(a) = a * a;
                def twice(a) = 2.0 * a;
                kernel f(x: f32[N]) -> (y: f32[N]) {
                    def twice(a) = 3.0 * a;
                    y[i] = twice(sq(x[i]));
                }
                """);
        assertThat(Printer.print(p)).contains("y[i] = 3.0 * (x[i] * x[i])");
    }

    @Test
    void typesPromoteAndIntegerArithmeticStaysInteger() {
        Program p = one("""
                kernel f(x: f64[N], n: i32[N]) -> (y: f64[N], k: i32[N]) {
                    y[i] = x[i] * 2.0 + float(n[i] / 2);
                    k[i] = n[i] / 2 + n[i] % 3;
                }
                """);
        String text = Printer.print(p);
        assertThat(text).contains("output y: f64[N]", "output k: i32[N]");
    }

    @Test
    void whereHoldsForFixedDimsAndIsKept() {
        Program p = one("""
                kernel f(q: f32[H, D], k: f32[KH, D]) -> (y: f32[H]) where H % KH == 0, D <= 256 {
                    y[h] = sum[d](q[h, d] * k[h / (H / KH), d]);
                }
                """, Map.of("H", 8L, "KH", 2L));
        assertThat(p.constraints()).hasSize(2);
        assertThat(p.dim("H").orElseThrow().fixed()).hasValue(8);
    }

    @Test
    void schedulesAreKept() {
        Program p = one("""
                kernel f(s: f32[N, M]) -> (y: f32[N]) {
                    y[i] = sum[j](s[i, j]);
                    schedule { tile i 64, j 32; split j streamk; }
                    schedule ptx { split j 8; fft j; direct j; }
                }
                """);
        assertThat(p.schedules()).hasSize(2);
        assertThat(p.schedules().get(0).directives()).hasSize(2);
        assertThat(((Schedule.Split) p.schedules().get(0).directives().get(1)).streamK()).isTrue();
        assertThat(p.schedules().get(1).target()).hasValue("ptx");
        assertThat(((Schedule.Split) p.schedules().get(1).directives().get(0)).count()).hasValue(8);
    }

    @Test
    void severalErrorsAreReportedInOneRun() {
        List<Diagnostic> ds = errors("""
                kernel f(x: f32[N]) -> (y: f32[N], z: f32[N]) {
                    t[i] = x[i] + nope;
                    y[i] = t[i] * 2.0;
                    z[i] = x[q];
                }
                """);
        assertThat(ds).extracting(Diagnostic::headline)
                .containsExactly("t.tsr:2:19: error: unknown name 'nope'", "t.tsr:4:14: error: index 'q' is not bound");
    }

    @Test
    void importsBringDefsAndKernels(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("lib.tsr"), "def sq(a) = a * a;\nkernel helper(x: f32[N]) -> (y: f32[N]) { y[i] = sq(x[i]); }\n");
        Files.createDirectories(dir.resolve("sub"));
        Files.writeString(dir.resolve("sub/main.tsr"), "import \"../lib.tsr\";\nkernel f(x: f32[N]) -> (y: f32[N]) { y[i] = sq(x[i]) + 1.0; }\n");
        Loader.Unit u = Loader.load(dir.resolve("sub/main.tsr"));
        assertThat(u.diagnostics()).isEmpty();
        Resolver.Result r = Resolver.resolve(u.files(), Map.of());
        assertThat(r.diagnostics()).isEmpty();
        assertThat(r.programs()).extracting(Program::name).containsExactly("helper", "f");
    }

    @Test
    void importCyclesAreReportedAtTheImport(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("a.tsr"), "import \"b.tsr\";\n");
        Files.writeString(dir.resolve("b.tsr"), "import \"a.tsr\";\n");
        Loader.Unit u = Loader.load(dir.resolve("a.tsr"));
        assertThat(u.diagnostics()).extracting(Diagnostic::message).singleElement().asString().contains("import cycle");
        assertThat(u.diagnostics().getFirst().span().line()).isEqualTo(1);
    }
}
