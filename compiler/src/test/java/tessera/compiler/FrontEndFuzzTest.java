package tessera.compiler;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import tessera.ir.Diagnostic;

/**
 * No input may make the compiler throw: random token soups and mutations of real programs
 * (the stdlib files and the diagnostics corpus) with tokens deleted, duplicated and swapped must
 * give a program or located diagnostics.
 */
class FrontEndFuzzTest {
    private static final Pattern TOKEN = Pattern.compile("\\s+|//[^\\n]*|[A-Za-z_][A-Za-z0-9_]*|[0-9]+(\\.[0-9]*)?([eE][+-]?[0-9]+)?|\"[^\"]*\"|->|<=|>=|==|!=|&&|\\|\\||.", Pattern.DOTALL);
    private static final List<String> SEEDS = seeds();

    private static List<String> seeds() {
        List<String> out = new ArrayList<>();
        Path root = Path.of(System.getProperty("tessera.repoRoot", ".."));
        for (Path dir : List.of(root.resolve("stdlib-attention/src/main/tessera"), root.resolve("dsl-grammar/src/test/resources/errors"))) {
            if (!Files.isDirectory(dir)) continue;
            try (Stream<Path> s = Files.list(dir)) {
                for (Path p : s.filter(f -> f.toString().endsWith(".tsr")).sorted().toList()) out.add(Files.readString(p));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
        out.add("""
                kernel flash(q: f32[B, H, N, D], k: f32[B, KH, M, D], v: f32[B, KH, M, E], causal: bool = false)
                    -> (o: f32[B, H, N, E], lse: f32[B, H, N]) where H % KH == 0 {
                  let g = H / KH;
                  s[b, h, i, j] = rsqrt(float(D)) * sum[d](q[b, h, i, d] * k[b, h / g, j, d]) if !causal || j <= i + M - N;
                  lse[b, h, i] = logsumexp[j](s[b, h, i, j]);
                  o[b, h, i, e] = sum[j](softmax[j](s[b, h, i, j]) * v[b, h / g, j, e]);
                  top[b, h, r] = topk[i, 2](lse[b, h, i]);
                  o[b, h, top[b, h, r], e] = 0.0;
                  schedule { tile i 64, j 64; split j streamk; }
                }
                """);
        return List.copyOf(out);
    }

    static List<String> tokens(String src) {
        List<String> out = new ArrayList<>();
        Matcher m = TOKEN.matcher(src);
        while (m.find()) out.add(m.group());
        return out;
    }

    static void compileMustNotThrow(String src) {
        Compilation c = Tessera.compileSource("fuzz.tsr", src, CompileOptions.defaults());
        for (Diagnostic d : c.diagnostics()) {
            assertThat(d.headline()).isNotBlank();
        }
        // Rendering must not throw either, whatever the spans say.
        assertThat(c.renderDiagnostics()).isNotNull();
    }

    @Provide
    Arbitrary<String> mutated() {
        Arbitrary<Integer> seed = Arbitraries.integers().between(0, SEEDS.size() - 1);
        Arbitrary<List<int[]>> edits = Arbitraries.integers().between(0, 2)
                .flatMap(kind -> Arbitraries.integers().between(0, 100_000).tuple2()
                        .map(t -> new int[] {kind, t.get1(), t.get2()}))
                .list().ofMinSize(1).ofMaxSize(4);
        return Combinators.combine(seed, edits).as((s, es) -> {
            List<String> toks = tokens(SEEDS.get(s));
            for (int[] e : es) {
                if (toks.isEmpty()) break;
                int a = e[1] % toks.size();
                int b = e[2] % toks.size();
                switch (e[0]) {
                    case 0 -> toks.remove(a);
                    case 1 -> toks.add(a, toks.get(a));
                    default -> {
                        String t = toks.get(a);
                        toks.set(a, toks.get(b));
                        toks.set(b, t);
                    }
                }
            }
            return String.join("", toks);
        });
    }

    @Property(tries = 2000)
    void mutatedProgramsGiveDiagnosticsOrAProgram(@ForAll("mutated") String src) {
        compileMustNotThrow(src);
    }

    @Provide
    Arbitrary<String> soup() {
        List<String> vocabulary = new ArrayList<>();
        for (String seed : SEEDS) for (String t : tokens(seed)) if (!t.isBlank()) vocabulary.add(t);
        vocabulary.addAll(List.of("kernel", "(", ")", "[", "]", "{", "}", ";", "=", "if", "->", "where", "sum", "softmax",
                "topk", "let", "def", "import", "\"x.tsr\"", "schedule", "?", ":", "|", "<", "1e400", "-", "inf", "$", "\""));
        return Arbitraries.of(List.copyOf(new java.util.LinkedHashSet<>(vocabulary))).list().ofMaxSize(60)
                .map(ts -> String.join(" ", ts));
    }

    @Property(tries = 500)
    void tokenSoupsGiveDiagnosticsOrAProgram(@ForAll("soup") String src) {
        compileMustNotThrow(src);
    }

    @Property(tries = 200)
    void arbitraryTextGivesDiagnostics(@ForAll String src) {
        compileMustNotThrow(src);
    }

    @org.junit.jupiter.api.Test
    void longChainsCompileOrGiveADiagnostic() {
        String src = "kernel f(x: f32[N]) -> (y: f32[N]) { y[i] = x[i]" + " + x[i]".repeat(20_000) + "; }";
        Compilation c = Tessera.compileSource("long.tsr", src, CompileOptions.defaults());
        if (!c.ok()) assertThat(c.diagnostics().getFirst().headline()).contains("nested too deeply");
    }

    @org.junit.jupiter.api.Test
    void deepNestingIsADiagnostic() {
        String src = "kernel f(x: f32[N]) -> (y: f32[N]) { y[i] = " + "(".repeat(20000) + "x[i]" + ")".repeat(20000) + "; }";
        Compilation c = Tessera.compileSource("deep.tsr", src, CompileOptions.defaults());
        assertThat(c.ok()).isFalse();
        assertThat(c.diagnostics().getFirst().headline()).contains("nested too deeply");
    }
}
