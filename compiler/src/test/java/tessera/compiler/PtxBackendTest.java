package tessera.compiler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import tessera.backend.ptx.PtxEmitter;
import tessera.backend.ptx.PtxOptions;
import tessera.backend.ptx.PtxProblem;
import tessera.backend.ptx.PtxProgram;
import tessera.backend.ptx.Ptxas;
import tessera.ir.loop.Device.DeviceException;
import tessera.ir.loop.LoopInterpreter;
import tessera.ir.loop.Module;
import tessera.ir.loop.PlanRunner;
import tessera.ir.tensor.Interpreter.Outcome;
import tessera.passes.LoopPassManager;
import tessera.passes.Target;

/**
 * The PTX backend end to end: every stdlib kernel and every generic program of {@link Programs},
 * lowered for the ptx target, emits PTX that ptxas assembles for sm_80 and sm_90 without errors
 * or warnings (that it computes what the Loop IR interpreter computes is checked on the PTX
 * simulator by {@link BackendsAgainstLoopInterpreterTest} and {@link CrossBackendProperties}).
 * Without ptxas the assembler tests are
 * skipped with the message saying what to install, except under {@code CI=true}, where they fail.
 * A program the backend cannot emit gets a problem naming its statement, never a ptxas error.
 */
class PtxBackendTest {
    private static final List<Integer> ARCHITECTURES = List.of(80, 90);

    private final PtxEmitter emitter = new PtxEmitter();

    private static void requirePtxas() {
        Optional<String> why = Ptxas.whyUnavailable();
        if (why.isEmpty()) return;
        if ("true".equals(System.getenv("CI"))) fail(why.get());
        Assumptions.abort(why.get());
    }

    private static Module lowered(Compilation.Kernel k) {
        LoopPassManager.Result lowered = Tessera.lower(k.program(), Backends.target("ptx"));
        assertThat(lowered.diagnostics()).as(k.name()).isEmpty();
        return lowered.module().orElseThrow();
    }

    private void assembles(Compilation.Kernel k) {
        requirePtxas();
        Module m = lowered(k);
        assertThat(emitter.check(m, PtxOptions.defaults())).as(k.name()).isEmpty();
        for (int sm : ARCHITECTURES) {
            PtxProgram p = emitter.emit(m, new PtxOptions(sm));
            Ptxas.Result r = Ptxas.check(p.text(), sm);
            assertThat(r.ok()).as("ptxas -arch=sm_%d on %s:%n%s%n%s", sm, k.name(), r.output(), p.text()).isTrue();
            assertThat(r.output()).as("ptxas warnings on %s at sm_%d", k.name(), sm).isEmpty();
        }
    }

    private static List<Compilation.Kernel> stdlib() throws IOException {
        List<Compilation.Kernel> kernels = new ArrayList<>();
        try (Stream<Path> files = Files.list(LowerTest.STDLIB)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".tsr")).sorted().toList()) {
                Compilation c = Tessera.compile(f, CompileOptions.defaults());
                assertThat(c.renderDiagnostics()).isEmpty();
                kernels.addAll(c.kernels());
            }
        }
        assertThat(kernels).hasSizeGreaterThanOrEqualTo(10);
        return kernels;
    }

    @TestFactory
    Stream<DynamicTest> everyStdlibKernelAssembles() throws IOException {
        return stdlib().stream().map(k -> DynamicTest.dynamicTest(k.name(), () -> assembles(k)));
    }

    @TestFactory
    Stream<DynamicTest> everyGenericProgramAssembles() {
        return Programs.ALL.entrySet().stream()
                .map(e -> DynamicTest.dynamicTest(e.getKey(), () -> assembles(LowerTest.compile(e.getValue()))));
    }

    @Test
    void theTargetIsPtx() {
        Target t = Backends.target("ptx");
        assertThat(t).isEqualTo(Target.ptx());
        assertThat(t.lanesPerGroup()).isEqualTo(128);
        assertThat(t.vectorLanes()).isEqualTo(1);
        assertThat(t.fastMemoryBytes()).isEqualTo(48 * 1024);
    }

    @Test
    void anF64ExpIsAProblemNamingTheSourceStatement() {
        Compilation.Kernel k = LowerTest.compile("""
                kernel decay(x: f64[N]) -> (y: f64[N]) {
                    y[i] = exp(-x[i]) + 1.0;
                }
                """);
        List<PtxProblem> problems = emitter.check(lowered(k), PtxOptions.defaults());
        assertThat(problems).hasSize(1);
        assertThat(problems.getFirst().kernel()).isEqualTo("y");
        assertThat(problems.getFirst().statement()).contains("y[i] = exp(-x[i]) + 1.0");
        assertThat(problems.getFirst().render()).isEqualTo("kernel 'y', statement 'y[i] = exp(-x[i]) + 1.0 (line 2) \u2014 lower: "
                + "generic': exp of an f64 value is not supported by the ptx backend yet (f64 exp, log, tanh, sigmoid and pow have "
                + "no PTX instruction), in exp(-x[i]); compute it in f32, or run this kernel on the java or opencl backend");
    }
}
