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
import tessera.compiler.CompileOptions;
import tessera.compiler.Compilation;
import tessera.compiler.RandomInputs;
import tessera.compiler.Tessera;
import tessera.ir.tensor.Interpreter;
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
            description = "Where to run: interp (the reference interpreter). Default: ${DEFAULT-VALUE}.")
    String backend;

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
        if (!backend.equals("interp")) {
            throw new CommandLine.ParameterException(cl, "unknown backend '" + backend + "'; available here: interp");
        }
        Map<String, Long> fixed = dims.parse(cl);
        Map<String, Double> scalars = parseParams(cl);
        Compilation c = Tessera.compile(file, CompileOptions.defaults().withFixedDims(fixed));
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

        long start = System.nanoTime();
        Interpreter.Outcome outcome = Interpreter.run(p, all, scalars);
        double ms = (System.nanoTime() - start) / 1e6;
        return switch (outcome) {
            case Interpreter.Outcome.Failed f -> {
                err.println("tessera: " + f.error().oneLine());
                yield Main.ERROR;
            }
            case Interpreter.Outcome.Ok ok -> {
                summary(o, p, shownDims, ok.outputs(), ms);
                yield write(err, o, ok.outputs()) ? Main.OK : Main.ERROR;
            }
        };
    }

    private Map<String, Double> parseParams(CommandLine cl) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (String s : params) {
            String[] kv = s.split("=", 2);
            if (kv.length != 2 || kv[0].isBlank()) throw new CommandLine.ParameterException(cl, "--param expects NAME=VALUE, got '" + s + "'");
            String v = kv[1].trim();
            double value;
            if (v.equals("true")) value = 1;
            else if (v.equals("false")) value = 0;
            else {
                try {
                    value = Double.parseDouble(v);
                } catch (NumberFormatException e) {
                    throw new CommandLine.ParameterException(cl, "--param " + kv[0] + ": '" + v + "' is not a number, true or false");
                }
            }
            out.put(kv[0].trim(), value);
        }
        return out;
    }

    private void summary(PrintWriter o, Program p, Map<String, Long> dims, Map<String, Tensor> outputs, double ms) {
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
        int[] w = new int[6];
        for (String[] r : rows) for (int i = 0; i < 6; i++) w[i] = Math.max(w[i], r[i].length());
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder("  ");
            for (int i = 0; i < 6; i++) line.append(String.format(Locale.ROOT, i < 2 ? "%-" + w[i] + "s  " : "%" + w[i] + "s  ", r[i]));
            o.println(line.toString().stripTrailing());
        }
        o.println(String.format(Locale.ROOT, "time: %.1f ms", ms));
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
