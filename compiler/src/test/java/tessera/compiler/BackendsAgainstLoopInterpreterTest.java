package tessera.compiler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import tessera.ir.loop.Device;
import tessera.ir.loop.LoopInterpreter;
import tessera.ir.loop.Module;
import tessera.ir.loop.PlanRunner;
import tessera.ir.tensor.Interpreter.Outcome;
import tessera.passes.LoopPassManager;

/**
 * Every compiled backend end to end: every stdlib kernel and every generic program of
 * {@link Programs}, lowered for the backend's target, runs on its device and agrees with the Loop
 * IR interpreter running the same module (so a failure here is an emitter or device bug, not a
 * lowering bug), at small sizes, sizes that are not multiples of vector widths or work-group
 * sizes, and all-ones dims. A backend unavailable here (no OpenCL) is skipped with the message
 * saying what to install, except under {@code CI=true}, where it fails.
 */
class BackendsAgainstLoopInterpreterTest {
    private static final List<String> BACKENDS = List.of("java", "opencl", "ptx-sim");
    private static final Map<String, Device> OPEN = new LinkedHashMap<>();

    private static Device device(String backend) throws Device.DeviceException {
        Device d = OPEN.get(backend);
        if (d == null) {
            Optional<String> why = Backends.whyUnavailable(backend);
            if (why.isPresent()) {
                if ("true".equals(System.getenv("CI"))) fail(backend + ": " + why.get());
                Assumptions.abort(backend + ": " + why.get());
            }
            d = Backends.open(backend);
            OPEN.put(backend, d);
        }
        return d;
    }

    @AfterAll
    static void close() {
        OPEN.values().forEach(Device::close);
        OPEN.clear();
    }

    static void agrees(String backend, Compilation.Kernel k, Map<String, Long> dims, long seed) throws Device.DeviceException {
        Device device = device(backend);
        LoopPassManager.Result lowered = Tessera.lower(k.program(), Backends.target(backend));
        assertThat(lowered.diagnostics()).as(k.name()).isEmpty();
        Module m = lowered.module().orElseThrow();
        var inputs = RandomInputs.make(k.program(), dims, Map.of(), Map.of(), seed).tensors();
        Outcome want = PlanRunner.run(m, new LoopInterpreter(), inputs, Map.of());
        Outcome got = PlanRunner.run(m, device, inputs, Map.of());
        assertThat(want).as("loop interpreter: %s", want).isInstanceOf(Outcome.Ok.class);
        assertThat(got).as("%s: %s", backend, got).isInstanceOf(Outcome.Ok.class);
        for (Compare.Diff d : Compare.outputs(((Outcome.Ok) got).outputs(), ((Outcome.Ok) want).outputs())) {
            assertThat(d.ok()).as(backend + " " + k.name() + " " + dims + ": " + d.summary()).isTrue();
        }
    }

    private static List<Compilation.Kernel> stdlib() throws IOException {
        List<Compilation.Kernel> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(LowerTest.STDLIB)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".tsr")).sorted().toList()) {
                Compilation c = Tessera.compile(f, CompileOptions.defaults());
                assertThat(c.renderDiagnostics()).isEmpty();
                out.addAll(c.kernels());
            }
        }
        return out;
    }

    @TestFactory
    Stream<DynamicContainer> everyStdlibKernelAgrees() throws IOException {
        List<Compilation.Kernel> kernels = stdlib();
        return BACKENDS.stream().map(b -> DynamicContainer.dynamicContainer(b, kernels.stream().map(k ->
                DynamicTest.dynamicTest(k.name(), () -> {
                    agrees(b, k, Map.of("N", 5L, "M", 7L, "L", 6L, "S", 6L, "D", 3L, "E", 2L), 1);
                    agrees(b, k, Map.of("N", 9L, "M", 17L, "D", 17L, "E", 9L), 2);
                    agrees(b, k, LowerTest.ones(), 3);
                }))));
    }

    @TestFactory
    Stream<DynamicContainer> everyGenericProgramAgrees() {
        return BACKENDS.stream().map(b -> DynamicContainer.dynamicContainer(b, Programs.ALL.entrySet().stream().map(e ->
                DynamicTest.dynamicTest(e.getKey(), () -> {
                    Compilation.Kernel k = LowerTest.compile(e.getValue());
                    agrees(b, k, Map.of("N", 6L, "M", 5L), 4);
                    agrees(b, k, Map.of("N", 17L, "M", 33L, "D", 9L, "K", 13L), 5);
                    agrees(b, k, LowerTest.ones(), 6);
                }))));
    }
}
