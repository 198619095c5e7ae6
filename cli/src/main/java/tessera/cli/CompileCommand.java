package tessera.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tessera.backend.jvector.JavaEmitter;
import tessera.backend.jvector.JavaOptions;
import tessera.backend.opencl.OpenClEmitter;
import tessera.backend.opencl.OpenClProgram;
import tessera.backend.ptx.PtxOptions;
import tessera.backend.ptx.PtxProgram;
import tessera.backend.ptx.Ptxas;
import tessera.compiler.Backends;
import tessera.compiler.PtxImages;
import tessera.ir.loop.Device;
import tessera.compiler.CompileOptions;
import tessera.compiler.Compilation;
import tessera.compiler.Tessera;
import tessera.ir.loop.Module;
import tessera.ir.loop.PlanJson;
import tessera.passes.LoopPassManager;

/** {@code tessera compile FILE --target java|opencl -o DIR}: write the generated code. */
@Command(name = "compile", mixinStandardHelpOptions = true,
        description = "Compile kernels for a target and write the generated code: Java sources, or OpenCL C or PTX with the launch plan as JSON.")
final class CompileCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE", description = "A Tessera source file.")
    Path file;

    @Option(names = "--target", paramLabel = "NAME", required = true, description = "java, opencl or ptx.")
    String target;

    @Option(names = "--sm", paramLabel = "N", defaultValue = "80",
            description = "For --target ptx: the GPU architecture, 80 (default), 86, 89 or 90.")
    int sm;

    @Option(names = {"-o", "--out"}, paramLabel = "DIR", required = true, description = "Where to write the files.")
    Path out;

    @Option(names = "--kernel", paramLabel = "NAME", description = "Only this kernel (default: every kernel in the file).")
    Optional<String> kernel;

    @Mixin
    Common.Dims dims;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        CommandLine cl = spec.commandLine();
        if (!target.equals("java") && !target.equals("opencl") && !target.equals("ptx")) {
            throw new CommandLine.ParameterException(cl, "unknown target '" + target + "'; expected java, opencl or ptx");
        }
        if (target.equals("ptx") && !PtxOptions.SUPPORTED_SM.contains(sm)) {
            throw new CommandLine.ParameterException(cl, "--sm " + sm + " is not supported; expected one of "
                    + String.join(", ", PtxOptions.SUPPORTED_SM.stream().map(String::valueOf).toList()));
        }
        PrintWriter o = cl.getOut();
        PrintWriter err = cl.getErr();
        Compilation c = Tessera.compile(file, dims.options(cl));
        err.print(c.renderDiagnostics());
        if (!c.ok()) return Main.ERROR;
        if (kernel.isPresent() && c.kernelResult(kernel.get()).isEmpty()) {
            err.println("tessera: no kernel '" + kernel.get() + "' in " + file + "; it has: " + String.join(", ", c.kernelNames()));
            return Main.ERROR;
        }
        try {
            Files.createDirectories(out);
            for (Compilation.Kernel k : c.kernels()) {
                if (kernel.isPresent() && !kernel.get().equals(k.name())) continue;
                LoopPassManager.Result lowered = Tessera.lower(k.program(), Backends.target(target));
                if (lowered.module().isEmpty()) {
                    err.print(new tessera.ir.DiagnosticRenderer(c.sources()).renderAll(lowered.diagnostics()));
                    return Main.ERROR;
                }
                Module m = lowered.module().get();
                if (target.equals("java")) {
                    o.println("wrote " + new JavaEmitter(JavaOptions.defaults()).writeSources(m, out));
                } else if (target.equals("ptx")) {
                    PtxProgram program;
                    try {
                        program = PtxImages.program(m, sm);
                    } catch (Device.DeviceException e) {
                        e.getMessage().lines().forEach(l -> err.println(file + ": error: " + l));
                        return Main.ERROR;
                    }
                    Path ptx = out.resolve(k.name() + ".ptx");
                    Files.writeString(ptx, program.text());
                    Path plan = out.resolve(k.name() + ".plan.json");
                    Files.writeString(plan, PlanJson.write(m));
                    o.println("wrote " + ptx);
                    o.println("wrote " + plan);
                    if (Ptxas.whyUnavailable().isEmpty()) {
                        Ptxas.Result r = Ptxas.check(program.text(), sm);
                        if (!r.ok()) {
                            err.println("tessera: internal error: ptxas rejected the PTX for " + k.name() + " (a compiler bug):\n" + r.output());
                            return Main.ERROR;
                        }
                        o.println("ptxas -arch=sm_" + sm + ": ok");
                    }
                } else {
                    OpenClProgram program = new OpenClEmitter().emit(m);
                    Path cl1 = out.resolve(k.name() + ".cl");
                    Files.writeString(cl1, program.source());
                    Path plan = out.resolve(k.name() + ".plan.json");
                    Files.writeString(plan, PlanJson.write(m));
                    o.println("wrote " + cl1);
                    o.println("wrote " + plan);
                }
            }
        } catch (IOException e) {
            err.println("tessera: cannot write to " + out + ": " + e.getMessage());
            return Main.ERROR;
        }
        return Main.OK;
    }
}
