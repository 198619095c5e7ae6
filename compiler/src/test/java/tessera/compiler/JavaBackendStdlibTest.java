package tessera.compiler;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import tessera.backend.jvector.JavaDevice;
import tessera.backend.jvector.JavaOptions;
import tessera.ir.loop.LoopInterpreter;
import tessera.ir.loop.Module;
import tessera.ir.loop.PlanRunner;
import tessera.ir.tensor.Interpreter.Outcome;
import tessera.passes.LoopPass;
import tessera.passes.Lower;
import tessera.passes.Pipeline;
import tessera.passes.Target;

/**
 * Every stdlib kernel, lowered and mapped to the java target, runs on the Java backend and agrees
 * with the Loop IR interpreter within docs/testing.md's tolerance (vector code when the JVM has
 * {@code jdk.incubator.vector}, scalar code otherwise).
 */
class JavaBackendStdlibTest {
    @Test
    void everyStdlibKernelAgreesWithTheLoopInterpreter() throws Exception {
        Path dir = Path.of(System.getProperty("tessera.repoRoot"), "stdlib-attention/src/main/tessera");
        List<String> problems = new ArrayList<>();
        int checked = 0;
        try (JavaDevice java = new JavaDevice(JavaOptions.defaults().withThreads(2));
             Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".tsr")).sorted().toList()) {
                Compilation c = Tessera.compile(f, CompileOptions.defaults());
                assertThat(c.renderDiagnostics()).as(f.toString()).isEmpty();
                for (Compilation.Kernel k : c.kernels()) {
                    Lower.Result lowered = Lower.lower(k.program());
                    assertThat(lowered.diagnostics()).as(k.name()).isEmpty();
                    Module m = lowered.module().orElseThrow();
                    for (LoopPass p : Pipeline.loopPasses()) {
                        m = p.apply(m, Target.java());
                    }
                    var inputs = RandomInputs.make(k.program(), Map.of(), Map.of(), Map.of(), 42).tensors();
                    Outcome want = PlanRunner.run(m, new LoopInterpreter(), inputs, Map.of());
                    Outcome got = PlanRunner.run(m, java, inputs, Map.of());
                    if (want instanceof Outcome.Ok w && got instanceof Outcome.Ok g) {
                        for (Compare.Diff d : Compare.outputs(g.outputs(), w.outputs())) {
                            if (!d.ok()) problems.add(k.name() + " " + d.summary());
                        }
                        checked++;
                    } else {
                        problems.add(k.name() + ": interpreter " + want + ", java " + got);
                    }
                }
            }
        }
        assertThat(problems).isEmpty();
        assertThat(checked).isGreaterThanOrEqualTo(10);
    }
}
