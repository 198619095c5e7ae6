package tessera.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tessera.compiler.Backends;
import tessera.compiler.Compare;
import tessera.compiler.CompileOptions;
import tessera.compiler.Compilation;
import tessera.compiler.RandomInputs;
import tessera.compiler.Tessera;
import tessera.ir.SourceSpan;
import tessera.ir.loop.Device;
import tessera.ir.loop.Module;
import tessera.ir.loop.PlanRunner;
import tessera.ir.tensor.Interpreter;
import tessera.ir.tensor.RunError;
import tessera.passes.LoopPassManager;
import tessera.ir.tensor.Printer;
import tessera.ir.tensor.Program;
import tessera.runtime.Npy;
import tessera.runtime.NpyException;
import tessera.runtime.Tensor;

/** {@code tessera run FILE --kernel K --backend interp ...}: run a kernel and summarise its outputs. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run a kernel on inputs from .npy files or random ones, print a summary, and optionally write the outputs as .npy.")
final class RunCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE", description = "A Tessera source file.")
    Path file;

    @Option(names = "--kernel", paramLabel = "NAME", description = "The kernel to run (may be left out when the file has one).")
    Optional<String> kernel;

    @Option(names = "--backend", paramLabel = "NAME", defaultValue = "interp",
            description = "Where to run: interp (the reference interpreter), loop-interp, java, opencl, or all "
                    + "(every backend available here, compared with the reference). Default: ${DEFAULT-VALUE}.")
    String backend;

    @Option(names = "--check", description = "Also run the reference interpreter and print each output's max abs and relative error; exit 1 if any is outside the tolerance.")
    boolean check;

    @Option(names = "--input", paramLabel = "NAME=FILE.npy", description = "An input tensor from a .npy file (repeatable).")
    List<String> inputs = List.of();

    @Option(names = "--param", paramLabel = "NAME=VALUE", description = "A scalar parameter, e.g. --param causal=true (repeatable).")
    List<String> params = List.of();

    @Option(names = "--random", paramLabel = "SEED", description = "Fill inputs not given with --input with seeded random values.")
    Optional<Long> seed;

    @Option(names = "--out", paramLabel = "DIR", description = "Write each output to DIR/NAME.npy.")
    Optional<Path> out;

    @Mixin
    Common.Dims dims;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        CommandLine cl = spec.commandLine();
        PrintWriter o = cl.getOut();
        PrintWriter err = cl.getErr();
        if (!backend.equals("all") && !Backends.names().contains(backend)) {
            throw new CommandLine.ParameterException(cl, "unknown backend '" + backend + "'; known: "
                    + String.join(", ", Backends.names()) + ", all");
        }
        Map<String, Long> fixed = dims.parse(cl);
        Map<String, Double> scalars = parseParams(cl);
        Compilation c = Tessera.compile(file, dims.options(spec.commandLine()));
        err.print(c.renderDiagnostics());
        if (!c.ok()) return Main.ERROR;
        Program p;
        if (kernel.isPresent()) {
            Optional<Program> k = c.kernel(kernel.get());
            if (k.isEmpty()) {
                err.println("tessera: no kernel '" + kernel.get() + "' in " + file + "; it has: " + String.join(", ", c.kernelNames()));
                return Main.ERROR;
            }
            p = k.get();
        } else if (c.kernels().size() == 1) {
            p = c.kernels().getFirst().program();
        } else {
            throw new CommandLine.ParameterException(cl, file + " has " + c.kernels().size() + " kernels; choose one with --kernel: "
                    + String.join(", ", c.kernelNames()));
        }

        Map<String, Tensor> given = new LinkedHashMap<>();
        for (String spec : inputs) {
            String[] kv = spec.split("=", 2);
            if (kv.length != 2 || kv[0].isBlank()) throw new CommandLine.ParameterException(cl, "--input expects NAME=FILE.npy, got '" + spec + "'");
            String name = kv[0].trim();
            Optional<Program.TensorDecl> decl = p.tensor(name).filter(t -> t.role() == Program.Role.INPUT);
            if (decl.isEmpty()) {
                err.println("tessera: kernel " + p.name() + " has no input '" + name + "'; its inputs are: "
                        + String.join(", ", p.inputs().stream().map(Program.TensorDecl::name).toList()));
                return Main.ERROR;
            }
            try {
                given.put(name, Npy.read(Path.of(kv[1])));
            } catch (NpyException e) {
                err.println("tessera: input '" + name + "': " + kv[1] + ": " + e.getMessage());
                return Main.ERROR;
            }
        }
        Map<String, Tensor> all = given;
        Map<String, Long> shownDims = fixed;
        if (seed.isPresent()) {
            RandomInputs.Inputs r = RandomInputs.make(p, fixed, given, scalars, seed.get());
            all = r.tensors();
            shownDims = r.dims();
        } else {
            for (Program.TensorDecl t : p.inputs()) {
                if (!given.containsKey(t.name())) {
                    err.println("tessera: missing input '" + t.name() + "' (" + Printer.type(t)
                            + "); pass --input " + t.name() + "=FILE.npy, or --random SEED for random inputs");
                    return Main.ERROR;
                }
            }
        }

        Compilation.Kernel kernel = c.kernelResult(p.name()).orElseThrow();
        if (backend.equals("all") || check) return compare(o, err, kernel, shownDims, all, scalars);
        Optional<String> why = Backends.whyUnavailable(backend);
        if (why.isPresent()) {
            err.println("tessera: backend " + backend + " is not available here: " + why.get());
            return Main.ERROR;
        }
        Timed run = runOn(backend, kernel, all, scalars);
        return switch (run.outcome()) {
            case Interpreter.Outcome.Failed f -> {
                err.println("tessera: " + f.error().oneLine());
                yield Main.ERROR;
            }
            case Interpreter.Outcome.Ok ok -> {
                summary(o, p, shownDims, ok.outputs(), run);
                yield write(err, o, ok.outputs()) ? Main.OK : Main.ERROR;
            }
        };
    }

    /** An outcome with the milliseconds spent preparing (compiling) and running. */
    record Timed(Interpreter.Outcome outcome, double compileMs, double runMs) {}

    /** Runs the kernel on one backend: the reference on Tensor IR, the others on the module lowered for them. */
    static Timed runOn(String backend, Compilation.Kernel kernel, Map<String, Tensor> inputs, Map<String, Double> scalars) {
        long t0 = System.nanoTime();
        if (backend.equals(Backends.INTERP)) {
            Interpreter.Outcome out = Interpreter.run(kernel.trace().getFirst().program(), inputs, scalars);
            return new Timed(out, 0, (System.nanoTime() - t0) / 1e6);
        }
        LoopPassManager.Result lowered = Tessera.lower(kernel.program(), Backends.target(backend));
        if (lowered.module().isEmpty()) {
            String why = lowered.diagnostics().stream().map(d -> d.headline()).reduce((x, y) -> x + "; " + y).orElse("cannot lower");
            return new Timed(new Interpreter.Outcome.Failed(new RunError("cannot lower for " + backend + ": " + why, SourceSpan.NONE)), 0, 0);
        }
        Module module = lowered.module().get();
        try (Device device = Backends.open(backend)) {
            device.prepare(module);
            long t1 = System.nanoTime();
            Interpreter.Outcome out = PlanRunner.run(module, device, inputs, scalars);
            return new Timed(out, (t1 - t0) / 1e6, (System.nanoTime() - t1) / 1e6);
        } catch (Device.DeviceException e) {
            return new Timed(new Interpreter.Outcome.Failed(new RunError(backend + ": " + e.getMessage().lines().findFirst().orElse(""),
                    SourceSpan.NONE)), 0, 0);
        }
    }

    /** Runs the reference and each chosen backend, and prints a table of errors and times. */
    private int compare(PrintWriter o, PrintWriter err, Compilation.Kernel kernel, Map<String, Long> shownDims,
                        Map<String, Tensor> inputs, Map<String, Double> scalars) {
        List<String> chosen = backend.equals("all") ? Backends.names() : List.of(backend);
        Timed reference = runOn(Backends.INTERP, kernel, inputs, scalars);
        if (reference.outcome() instanceof Interpreter.Outcome.Failed f) {
            err.println("tessera: " + f.error().oneLine());
            return Main.ERROR;
        }
        Map<String, Tensor> expected = ((Interpreter.Outcome.Ok) reference.outcome()).outputs();
        List<String> ds = new ArrayList<>();
        shownDims.forEach((k, v) -> ds.add(k + "=" + v));
        o.println("kernel " + kernel.name() + (ds.isEmpty() ? "" : " (" + String.join(", ", ds) + ")")
                + seed.map(s -> ", random inputs with seed " + s).orElse("") + ", checked against the reference interpreter");
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"backend", "result", "max abs err", "max rel err", "compile ms", "run ms"});
        boolean allOk = true;
        List<String> notes = new ArrayList<>();
        Map<String, Tensor> lastOutputs = expected;
        for (String b : chosen) {
            Optional<String> why = Backends.whyUnavailable(b);
            if (why.isPresent()) {
                rows.add(new String[] {b, "unavailable", "", "", "", ""});
                notes.add(b + ": " + why.get());
                if (!backend.equals("all")) allOk = false;
                continue;
            }
            Timed t = b.equals(Backends.INTERP) ? reference : runOn(b, kernel, inputs, scalars);
            switch (t.outcome()) {
                case Interpreter.Outcome.Failed f -> {
                    rows.add(new String[] {b, "error: " + f.error().message(), "", "", "", ""});
                    allOk = false;
                }
                case Interpreter.Outcome.Ok ok -> {
                    List<Compare.Diff> diffs = Compare.outputs(ok.outputs(), expected);
                    double abs = diffs.stream().mapToDouble(Compare.Diff::maxAbs).max().orElse(0);
                    double rel = diffs.stream().mapToDouble(Compare.Diff::maxRel).max().orElse(0);
                    boolean ok1 = diffs.stream().allMatch(Compare.Diff::ok);
                    allOk &= ok1;
                    rows.add(new String[] {b, b.equals(Backends.INTERP) ? "reference" : ok1 ? "ok" : "MISMATCH",
                            num(abs), num(rel), String.format(Locale.ROOT, "%.1f", t.compileMs()), String.format(Locale.ROOT, "%.1f", t.runMs())});
                    if (!ok1) diffs.stream().filter(d -> !d.ok()).forEach(d -> err.println("tessera: " + b + ": " + d.summary()));
                    if (check && !backend.equals("all")) {
                        for (Compare.Diff d : diffs) o.println("  " + d.summary());
                    }
                    lastOutputs = ok.outputs();
                }
            }
        }
        table(o, rows);
        for (String n : notes) o.println("  " + n);
        return allOk && write(err, o, lastOutputs) ? Main.OK : Main.ERROR;
    }

    private static void table(PrintWriter o, List<String[]> rows) {
        int cols = rows.getFirst().length;
        int[] w = new int[cols];
        for (String[] r : rows) for (int i = 0; i < cols; i++) w[i] = Math.max(w[i], r[i].length());
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder("  ");
            for (int i = 0; i < cols; i++) line.append(String.format(Locale.ROOT, i < 2 ? "%-" + w[i] + "s  " : "%" + w[i] + "s  ", r[i]));
            o.println(line.toString().stripTrailing());
        }
    }

    private Map<String, Double> parseParams(CommandLine cl) {
        return Common.params(params, cl);
    }

    private void summary(PrintWriter o, Program p, Map<String, Long> dims, Map<String, Tensor> outputs, Timed run) {
        List<String> ds = new ArrayList<>();
        dims.forEach((k, v) -> ds.add(k + "=" + v));
        o.println("kernel " + p.name() + " on " + backend + (ds.isEmpty() ? "" : " (" + String.join(", ", ds) + ")")
                + seed.map(s -> ", random inputs with seed " + s).orElse(""));
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"output", "shape", "min", "max", "mean", "nan"});
        for (Map.Entry<String, Tensor> e : outputs.entrySet()) {
            double[] v = e.getValue().toDoubleArray();
            double min = Double.POSITIVE_INFINITY;
            double max = Double.NEGATIVE_INFINITY;
            double sum = 0;
            long nan = 0;
            long n = 0;
            for (double x : v) {
                if (Double.isNaN(x)) { nan++; continue; }
                min = Math.min(min, x);
                max = Math.max(max, x);
                if (Double.isFinite(x)) { sum += x; n++; }
            }
            rows.add(new String[] {e.getKey(), e.getValue().shapeString(), num(min), num(max), n == 0 ? "-" : num(sum / n), Long.toString(nan)});
        }
        table(o, rows);
        o.println(run.compileMs() > 0 ? String.format(Locale.ROOT, "time: %.1f ms (compile %.1f ms)", run.runMs(), run.compileMs())
                : String.format(Locale.ROOT, "time: %.1f ms", run.runMs()));
    }

    private static String num(double x) {
        if (Double.isInfinite(x)) return x > 0 ? "inf" : "-inf";
        return String.format(Locale.ROOT, "%.6g", x);
    }

    private boolean write(PrintWriter err, PrintWriter o, Map<String, Tensor> outputs) {
        if (out.isEmpty()) return true;
        Path dir = out.get();
        try {
            Files.createDirectories(dir);
            for (Map.Entry<String, Tensor> e : outputs.entrySet()) {
                Path f = dir.resolve(e.getKey() + ".npy");
                Npy.write(f, e.getValue());
                o.println("wrote " + f);
            }
            return true;
        } catch (IOException e) {
            err.println("tessera: cannot write outputs to " + dir + ": " + e.getMessage());
            return false;
        }
    }
}
