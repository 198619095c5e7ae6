package tessera.compiler;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import tessera.grammar.Loader;
import tessera.grammar.Resolver;
import tessera.ir.Diagnostic;
import tessera.ir.tensor.Program;
import tessera.passes.LoopPassManager;
import tessera.passes.PassManager;
import tessera.passes.Target;
import tessera.passes.Pipeline;

/**
 * The compiler driver: source to Tensor IR through the front end and the pass pipeline. The CLI,
 * the Maven plugin and tests all call this; none of them repeats its steps.
 */
public final class Tessera {
    private Tessera() {}

    /** Compiles a file and what it imports. Never throws for bad input: problems are diagnostics. */
    public static Compilation compile(Path file, CompileOptions options) {
        return finish(Loader.load(file), options);
    }

    /** Compiles source text held in memory, named {@code fileName} in diagnostics; imports resolve against the working directory. */
    public static Compilation compileSource(String fileName, String source, CompileOptions options) {
        return finish(Loader.loadSource(fileName, source, Path.of("").toAbsolutePath()), options);
    }

    /**
     * Lowers a compiled kernel to Loop IR for a target and runs the loop passes. Programs the
     * generic lowering cannot handle (sizes that depend on tensor data) give diagnostics.
     */
    public static LoopPassManager.Result lower(Program program, Target target) {
        return new LoopPassManager(Pipeline.loopPasses()).run(program, target);
    }

    private static Compilation finish(Loader.Unit unit, CompileOptions options) {
        List<Diagnostic> diagnostics = new ArrayList<>(unit.diagnostics());
        List<Compilation.Kernel> kernels = new ArrayList<>();
        if (diagnostics.stream().noneMatch(Diagnostic::isError)) {
            Resolver.Result r = Resolver.resolve(unit.files(), options.fixedDims());
            diagnostics.addAll(r.diagnostics());
            PassManager pm = new PassManager(Pipeline.tensorPasses(options.fuseAttention()));
            for (Program p : r.programs()) {
                try {
                    List<PassManager.Step> steps = pm.run(p);
                    kernels.add(new Compilation.Kernel(p.name(), steps.getLast().program(), steps));
                } catch (StackOverflowError e) {
                    diagnostics.add(Diagnostic.error(p.span(), "kernel '" + p.name() + "' has expressions nested too deeply to compile",
                            "split long expressions with let or intermediate tensors"));
                }
            }
        }
        return new Compilation(kernels, diagnostics, unit.sources());
    }
}
