package tessera.grammar;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import tessera.ir.Diagnostic;
import tessera.ir.DiagnosticRenderer;

/**
 * The corpus of broken programs in src/test/resources/errors: each file ends with
 * {@code // expect: line:col: message} lines, exactly the diagnostics it must produce, in order.
 * A {@code // dims: N=4, M=5} line fixes dims as {@code --dim} would. Regenerate the expectations
 * with {@code -Dtessera.regen=true} (then read the diff!).
 */
class DiagnosticsCorpusTest {
    private static final Path DIR = Path.of("src/test/resources/errors");
    private static final String EXPECT = "// expect: ";

    static List<Path> corpus() throws IOException {
        try (Stream<Path> s = Files.list(DIR)) {
            return s.filter(p -> p.toString().endsWith(".tsr")).sorted().toList();
        }
    }

    static List<Diagnostic> diagnose(String name, String text) {
        Map<String, Long> dims = new LinkedHashMap<>();
        for (String line : text.lines().toList()) {
            if (line.startsWith("// dims: ")) {
                for (String kv : line.substring(9).split(",")) {
                    String[] p = kv.trim().split("=");
                    dims.put(p[0], Long.parseLong(p[1]));
                }
            }
        }
        Loader.Unit u = Loader.loadSource(name, text, DIR);
        if (!u.diagnostics().isEmpty()) return u.diagnostics();
        return Resolver.resolve(u.files(), dims).diagnostics();
    }

    @Test
    void corpusIsLargeEnough() throws IOException {
        assertThat(corpus()).hasSizeGreaterThanOrEqualTo(40);
    }

    @TestFactory
    Stream<DynamicTest> eachBrokenProgramGetsItsDiagnostics() throws IOException {
        boolean regen = Boolean.getBoolean("tessera.regen");
        return corpus().stream().map(file -> DynamicTest.dynamicTest(file.getFileName().toString(), () -> {
            String name = file.getFileName().toString();
            String text = Files.readString(file);
            String program = text.lines().filter(l -> !l.startsWith(EXPECT)).reduce("", (a, b) -> a + b + "\n");
            List<Diagnostic> ds = diagnose(name, program);
            List<String> actual = new ArrayList<>();
            for (Diagnostic d : ds) actual.add(d.headline().substring(name.length() + 1));
            if (regen) {
                StringBuilder out = new StringBuilder(program);
                for (String a : actual) out.append(EXPECT).append(a).append('\n');
                Files.writeString(file, out.toString());
                return;
            }
            List<String> expected = text.lines().filter(l -> l.startsWith(EXPECT)).map(l -> l.substring(EXPECT.length())).toList();
            assertThat(expected).as("expectations in " + name).isNotEmpty();
            assertThat(actual).as("diagnostics of " + name + ":\n" + new DiagnosticRenderer(Map.of(name, program)).renderAll(ds))
                    .containsExactlyElementsOf(expected);
            // Every diagnostic is located and renders with its source line and a caret.
            for (Diagnostic d : ds) {
                assertThat(d.span().isKnown()).as(d.headline()).isTrue();
                assertThat(new DiagnosticRenderer(Map.of(name, program)).render(d)).contains("^");
            }
        }));
    }
}
