package tessera.stdlib;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import tessera.compiler.CompileOptions;
import tessera.compiler.Compilation;
import tessera.compiler.Tessera;
import tessera.ir.tensor.Interpreter;
import tessera.ir.tensor.Program;
import tessera.runtime.Tensor;

/** Compiles the stdlib sources from src/main/tessera and runs their kernels on the reference interpreter. */
final class KernelRunner {
    private static final Map<String, Compilation> COMPILED = new ConcurrentHashMap<>();

    private KernelRunner() {}

    /** The module's source folder of .tsr files (surefire runs in the module directory). */
    static Path sourceDir() {
        Path inModule = Path.of("src", "main", "tessera");
        if (Files.isDirectory(inModule)) return inModule.toAbsolutePath();
        String root = System.getProperty("tessera.repoRoot");
        if (root != null) return Path.of(root, "stdlib-attention", "src", "main", "tessera");
        throw new IllegalStateException("cannot find stdlib-attention/src/main/tessera from " + Path.of("").toAbsolutePath());
    }

    static Compilation compile(String file) {
        return COMPILED.computeIfAbsent(file, f -> Tessera.compile(sourceDir().resolve(f), CompileOptions.defaults()));
    }

    /** The kernel, failing the test with the compiler's diagnostics if the file does not compile. */
    static Program kernel(String file, String name) {
        Compilation c = compile(file);
        if (!c.ok()) fail(file + " does not compile:\n" + c.renderDiagnostics());
        return c.kernel(name).orElseThrow(() -> new AssertionError(file + " has no kernel '" + name + "'"));
    }

    /** Runs the kernel and returns its outputs, failing the test with the interpreter's error. */
    static Map<String, Tensor> run(String file, String name, Map<String, Tensor> inputs, Map<String, Double> scalars) {
        Interpreter.Outcome outcome = Interpreter.run(kernel(file, name), inputs, scalars);
        if (outcome instanceof Interpreter.Outcome.Ok ok) return ok.outputs();
        if (outcome instanceof Interpreter.Outcome.Failed failed) {
            fail(name + " failed on the interpreter: " + failed.error().oneLine());
        }
        throw new AssertionError("unexpected outcome " + outcome);
    }

    /** Runs the kernel expecting a run-time error; returns its one-line message. */
    static String runExpectingError(String file, String name, Map<String, Tensor> inputs, Map<String, Double> scalars) {
        Interpreter.Outcome outcome = Interpreter.run(kernel(file, name), inputs, scalars);
        assertThat(outcome).as(name + " should fail").isInstanceOf(Interpreter.Outcome.Failed.class);
        return ((Interpreter.Outcome.Failed) outcome).error().oneLine();
    }
}
