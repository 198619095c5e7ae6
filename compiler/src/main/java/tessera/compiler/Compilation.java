package tessera.compiler;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import tessera.ir.Diagnostic;
import tessera.ir.DiagnosticRenderer;
import tessera.ir.tensor.Program;
import tessera.passes.PassManager;

/**
 * What a compilation produced: each kernel after the pipeline, with the IR after every pass, and
 * every diagnostic. {@link #ok()} is false when any diagnostic is an error; kernels that resolved
 * are still present then, so tools can show what they can.
 */
public record Compilation(List<Kernel> kernels, List<Diagnostic> diagnostics, Map<String, String> sources) {
    public Compilation {
        kernels = List.copyOf(kernels);
        diagnostics = List.copyOf(diagnostics);
        sources = Map.copyOf(sources);
    }

    /** One kernel: its final Tensor IR and the steps that led to it. */
    public record Kernel(String name, Program program, List<PassManager.Step> trace) {
        public Kernel {
            trace = List.copyOf(trace);
        }
    }

    public boolean ok() {
        return diagnostics.stream().noneMatch(Diagnostic::isError);
    }

    public Optional<Program> kernel(String name) {
        return kernels.stream().filter(k -> k.name().equals(name)).map(Kernel::program).findFirst();
    }

    public Optional<Kernel> kernelResult(String name) {
        return kernels.stream().filter(k -> k.name().equals(name)).findFirst();
    }

    public List<String> kernelNames() {
        return kernels.stream().map(Kernel::name).toList();
    }

    /** Every diagnostic, rendered with its source line and caret. */
    public String renderDiagnostics() {
        return new DiagnosticRenderer(sources).renderAll(diagnostics);
    }
}
