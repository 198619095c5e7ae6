package tessera.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tessera.compiler.CompileOptions;
import tessera.compiler.Compilation;
import tessera.compiler.Tessera;
import tessera.ir.tensor.Printer;
import tessera.compiler.Backends;
import tessera.ir.loop.LoopPrinter;
import tessera.passes.LoopPass;
import tessera.passes.LoopPassManager;
import tessera.passes.PassManager;
import tessera.passes.Pipeline;

/** {@code tessera explain FILE}: the IR after each pass. */
@Command(name = "explain", mixinStandardHelpOptions = true,
        description = "Print a kernel's Tensor IR after each tensor pass, then its Loop IR after each loop pass for one target.")
final class ExplainCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE", description = "A Tessera source file.")
    Path file;

    @Option(names = "--kernel", paramLabel = "NAME", description = "The kernel to show (default: every kernel in the file).")
    Optional<String> kernel;

    @Option(names = "--pass", paramLabel = "NAME", description = "Show only the IR after this pass (e.g. resolve, canonicalize).")
    Optional<String> pass;

    @Option(names = "--target", paramLabel = "NAME", defaultValue = "java",
            description = "The target whose Loop IR to show: java, opencl or loop-interp. Default: ${DEFAULT-VALUE}.")
    String target;

    @Mixin
    Common.Dims dims;

    @Option(names = "--param", paramLabel = "NAME=VALUE",
            description = "A scalar parameter for the block summary of fused attention, e.g. --param causal=true (repeatable; defaults otherwise).")
    List<String> params = List.of();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Compilation c = Tessera.compile(file, dims.options(spec.commandLine()));
        err.print(c.renderDiagnostics());
        if (!c.ok()) return Main.ERROR;
        if (kernel.isPresent() && c.kernelResult(kernel.get()).isEmpty()) {
            err.println("tessera: no kernel '" + kernel.get() + "' in " + file + "; it has: " + String.join(", ", c.kernelNames()));
            return Main.ERROR;
        }
        boolean shown = false;
        for (Compilation.Kernel k : c.kernels()) {
            if (kernel.isPresent() && !kernel.get().equals(k.name())) continue;
            for (PassManager.Step s : k.trace()) {
                if (pass.isPresent() && !pass.get().equals(s.pass())) continue;
                shown = true;
                out.println("// ===== " + k.name() + " after " + s.pass() + (s.changed() ? "" : " (unchanged)") + " =====");
                if (s.changed() || pass.isPresent()) out.println(Printer.print(s.program()));
            }
            for (tessera.ir.tensor.Stmt st : k.program().body()) {
                if (!(st instanceof tessera.ir.tensor.Stmt.Attention a) || pass.isPresent() && !pass.get().equals("flash-fusion")) continue;
                int[] tile = tessera.passes.Lower.attentionTile(Backends.target(target));
                out.println("// flash: " + a.scores() + " is never stored; " + tessera.compiler.BlockSummary.describe(k.program(), a, tile[0], tile[1],
                        Common.params(params, spec.commandLine()))
                        + " on " + target);
                out.println();
            }
            LoopPassManager.Result lowered = Tessera.lower(k.program(), Backends.target(target));
            if (lowered.module().isEmpty()) {
                err.print(new tessera.ir.DiagnosticRenderer(c.sources()).renderAll(lowered.diagnostics()));
                return Main.ERROR;
            }
            for (LoopPassManager.Step s : lowered.steps()) {
                if (pass.isPresent() && !pass.get().equals(s.pass())) continue;
                shown = true;
                out.println("// ===== " + k.name() + " after " + s.pass() + " for " + target + (s.changed() ? "" : " (unchanged)") + " =====");
                if (s.changed() || pass.isPresent()) out.println(LoopPrinter.print(s.module()));
            }
        }
        if (!shown && pass.isPresent()) {
            err.println("tessera: no pass '" + pass.get() + "'; the passes are: "
                    + String.join(", ", c.kernels().getFirst().trace().stream().map(PassManager.Step::pass).toList())
                    + ", lower, " + String.join(", ", Pipeline.loopPasses().stream().map(LoopPass::name).toList()));
            return Main.ERROR;
        }
        return Main.OK;
    }
}
