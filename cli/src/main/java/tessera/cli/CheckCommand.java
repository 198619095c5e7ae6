package tessera.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import tessera.compiler.CompileOptions;
import tessera.compiler.Compilation;
import tessera.compiler.Tessera;

/** {@code tessera check FILE...}: diagnostics only. */
@Command(name = "check", mixinStandardHelpOptions = true,
        description = "Check source files and print their diagnostics. Exit 1 if any has an error.")
final class CheckCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE", arity = "1..*", description = "Tessera source files (.tsr).")
    List<Path> files;

    @Mixin
    Common.Dims dims;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        CompileOptions options = dims.options(spec.commandLine());
        int errors = 0;
        for (Path f : files) {
            Compilation c = Tessera.compile(f, options);
            spec.commandLine().getErr().print(c.renderDiagnostics());
            if (c.ok()) {
                spec.commandLine().getOut().println(f + ": ok (" + c.kernelNames().size() + " kernel"
                        + (c.kernelNames().size() == 1 ? "" : "s") + ": " + String.join(", ", c.kernelNames()) + ")");
            } else {
                errors++;
            }
        }
        return errors == 0 ? Main.OK : Main.ERROR;
    }
}
