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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import tessera.backend.opencl.OpenClDevice;
import tessera.ir.loop.Device.DeviceException;
import tessera.ir.loop.LoopInterpreter;
import tessera.ir.loop.Module;
import tessera.ir.loop.PlanRunner;
import tessera.ir.tensor.Interpreter.Outcome;
import tessera.passes.LoopPassManager;
import tessera.passes.Target;

/**
 * The OpenCL backend end to end: every stdlib kernel and every generic program of
 * {@link Programs}, lowered for the opencl target, runs on {@link OpenClDevice} (PoCL in CI) and
 * agrees with the Loop IR interpreter within docs/testing.md's tolerance, at small sizes, sizes
 * that are not multiples of the work-group size, and all-ones dims. Without OpenCL the tests are
 * skipped with the message saying what to install, except under {@code CI=true}, where they fail.
 */
class OpenClBackendTest {
    private static OpenClDevice opencl;

    /** The device, opened on first use; aborts or fails the calling test when there is no OpenCL. */
    private static OpenClDevice device() throws DeviceException {
        if (opencl == null) {
            Optional<String> why = OpenClDevice.whyUnavailable();
            if (why.isPresent()) {
                if ("true".equals(System.getenv("CI"))) fail(why.get());
                Assumptions.abort(why.get());
            }
            opencl = new OpenClDevice();
        }
        return opencl;
    }

    @AfterAll
    static void close() {
        if (opencl != null) opencl.close();
    }

    static void agrees(Compilation.Kernel k, Map<String, Long> dims, long seed) throws DeviceException {
        OpenClDevice device = device();
        LoopPassManager.Result lowered = Tessera.lower(k.program(), Target.opencl());
        assertThat(lowered.diagnostics()).as(k.name()).isEmpty();
        Module m = lowered.module().orElseThrow();
        var inputs = RandomInputs.make(k.program(), dims, Map.of(), Map.of(), seed).tensors();
        Outcome want = PlanRunner.run(m, new LoopInterpreter(), inputs, Map.of());
        Outcome got = PlanRunner.run(m, device, inputs, Map.of());
        assertThat(want).as("loop interpreter: %s", want).isInstanceOf(Outcome.Ok.class);
        assertThat(got).as("opencl: %s", got).isInstanceOf(Outcome.Ok.class);
        for (Compare.Diff d : Compare.outputs(((Outcome.Ok) got).outputs(), ((Outcome.Ok) want).outputs())) {
            assertThat(d.ok()).as(k.name() + " " + dims + ": " + d.summary()).isTrue();
        }
    }

    @TestFactory
    Stream<DynamicTest> everyStdlibKernelAgreesWithTheLoopInterpreter() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        try (Stream<Path> files = Files.list(LowerTest.STDLIB)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".tsr")).sorted().toList()) {
                Compilation c = Tessera.compile(f, CompileOptions.defaults());
                assertThat(c.renderDiagnostics()).isEmpty();
                for (Compilation.Kernel k : c.kernels()) {
                    tests.add(DynamicTest.dynamicTest(k.name(), () -> {
                        agrees(k, Map.of("N", 5L, "M", 7L, "L", 6L, "S", 6L, "D", 3L, "E", 2L), 1);
                        agrees(k, Map.of("N", 9L, "M", 17L, "D", 17L, "E", 9L), 2);
                        agrees(k, LowerTest.ones(), 3);
                    }));
                }
            }
        }
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> everyGenericProgramAgreesWithTheLoopInterpreter() {
        return Programs.ALL.entrySet().stream().map(e -> DynamicTest.dynamicTest(e.getKey(), () -> {
            Compilation.Kernel k = LowerTest.compile(e.getValue());
            agrees(k, Map.of("N", 6L, "M", 5L), 4);
            agrees(k, Map.of("N", 17L, "M", 33L), 5);
            agrees(k, LowerTest.ones(), 6);
        }));
    }
}
