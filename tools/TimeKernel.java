import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import tessera.compiler.Backends;
import tessera.compiler.Compilation;
import tessera.compiler.CompileOptions;
import tessera.compiler.RandomInputs;
import tessera.compiler.Tessera;
import tessera.ir.loop.Device;
import tessera.ir.loop.Kernel;
import tessera.ir.loop.Module;
import tessera.ir.loop.PlanRunner;
import tessera.ir.tensor.Interpreter;
import tessera.ir.tensor.Program;
import tessera.passes.LoopPassManager;
import tessera.runtime.DType;
import tessera.runtime.Npy;
import tessera.runtime.Tensor;

/**
 * Times one kernel on one backend, for {@code tools/gpu-check}: compiles the file, lowers it for
 * the backend, prepares the device once, then runs the launch plan {@code --warmup} times untimed
 * and {@code --repeat} times timed. It reports the median of the time spent in kernel launches
 * (each launch returns when its kernel has finished, so this is device time plus launch overhead)
 * and of the whole run (transfers included). With {@code --out DIR} it writes the outputs of the
 * last run as {@code .npy}. A source-file program, run against the CLI's jar:
 *
 * <pre>
 * java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
 *      -cp cli/target/tessera.jar tools/TimeKernel.java FILE [--kernel K] [--backend ptx]
 *      [--dim N=1024]... [--param causal=true]... [--input q=q.npy]... [--random SEED]
 *      [--warmup 2] [--repeat 10] [--out DIR]
 * </pre>
 *
 * The last line of its output is machine-readable:
 * {@code TIMING kernel_ms=… run_ms=… prepare_ms=… launches=… device=…}. Exit status 0, or 1 with a
 * one-line reason on stderr. Buffers are not freed between runs (PlanRunner leaves that to the
 * device's close), so memory grows by one run's buffers per repetition.
 */
public final class TimeKernel {
    private TimeKernel() {}

    /** The parsed command line. */
    private record Options(Path file, Optional<String> kernel, String backend, Map<String, Long> dims,
                           Map<String, Double> params, Map<String, Path> inputs, long seed, int warmup, int repeat,
                           Optional<Path> out) {}

    /** A device that adds up the time its launches take; everything else is passed through. */
    private static final class TimedDevice implements Device {
        private final Device device;
        private long launchNanos;
        private int launches;

        TimedDevice(Device device) {
            this.device = device;
        }

        @Override
        public String name() {
            return device.name();
        }

        @Override
        public void prepare(Module module) throws DeviceException {
            device.prepare(module);
        }

        @Override
        public DeviceBuffer allocate(DType type, long elements) throws DeviceException {
            return device.allocate(type, elements);
        }

        @Override
        public void write(DeviceBuffer dst, Tensor src) throws DeviceException {
            device.write(dst, src);
        }

        @Override
        public Tensor read(DeviceBuffer src, long[] shape) throws DeviceException {
            return device.read(src, shape);
        }

        @Override
        public void launch(Kernel kernel, long[] grid, Map<String, DeviceBuffer> buffers, Map<String, Double> scalars)
                throws DeviceException {
            long t0 = System.nanoTime();
            device.launch(kernel, grid, buffers, scalars);
            launchNanos += System.nanoTime() - t0;
            launches++;
        }
    }

    /** A failure with a one-line reason. */
    private static final class Failure extends Exception {
        Failure(String message) {
            super(message);
        }
    }

    public static void main(String[] args) throws InterruptedException {
        int[] status = {1};
        // Compiling recurses over expression trees; the CLI runs on a thread with a big stack too.
        Thread worker = new Thread(null, () -> {
            try {
                run(parse(args));
                status[0] = 0;
            } catch (Failure e) {
                System.err.println("TimeKernel: " + e.getMessage());
            }
        }, "time-kernel", 512L << 20);
        worker.start();
        worker.join();
        System.exit(status[0]);
    }

    private static void run(Options o) throws Failure {
        Compilation c = Tessera.compile(o.file(), CompileOptions.defaults().withFixedDims(o.dims()));
        System.err.print(c.renderDiagnostics());
        if (!c.ok()) throw new Failure(o.file() + " does not compile");
        String name = o.kernel().orElseGet(() -> c.kernelNames().getFirst());
        Program p = c.kernel(name).orElseThrow(() -> new Failure("no kernel '" + name + "' in " + o.file()
                + "; it has: " + String.join(", ", c.kernelNames())));
        Map<String, Tensor> given = new LinkedHashMap<>();
        for (Map.Entry<String, Path> in : o.inputs().entrySet()) {
            try {
                given.put(in.getKey(), Npy.read(in.getValue()));
            } catch (Exception e) {
                throw new Failure("input " + in.getKey() + ": " + in.getValue() + ": " + e.getMessage());
            }
        }
        RandomInputs.Inputs inputs = RandomInputs.make(p, o.dims(), given, o.params(), o.seed());
        Optional<String> why = Backends.whyUnavailable(o.backend());
        if (why.isPresent()) throw new Failure("backend " + o.backend() + " is not available here: " + why.get());
        LoopPassManager.Result lowered = Tessera.lower(c.kernelResult(name).orElseThrow().program(), Backends.target(o.backend()));
        Module module = lowered.module().orElseThrow(() -> new Failure("cannot lower " + name + " for " + o.backend() + ": "
                + String.join("; ", lowered.diagnostics().stream().map(d -> d.headline()).toList())));

        try (Device device = Backends.open(o.backend())) {
            long t0 = System.nanoTime();
            device.prepare(module);
            double prepareMs = (System.nanoTime() - t0) / 1e6;
            TimedDevice timed = new TimedDevice(device);
            double[] kernelMs = new double[o.repeat()];
            double[] runMs = new double[o.repeat()];
            Map<String, Tensor> outputs = Map.of();
            for (int i = 0; i < o.warmup() + o.repeat(); i++) {
                timed.launchNanos = 0;
                timed.launches = 0;
                long start = System.nanoTime();
                Interpreter.Outcome outcome = PlanRunner.run(module, timed, inputs.tensors(), o.params());
                long wall = System.nanoTime() - start;
                switch (outcome) {
                    case Interpreter.Outcome.Failed f -> throw new Failure(f.error().oneLine());
                    case Interpreter.Outcome.Ok ok -> outputs = ok.outputs();
                }
                if (i >= o.warmup()) {
                    kernelMs[i - o.warmup()] = timed.launchNanos / 1e6;
                    runMs[i - o.warmup()] = wall / 1e6;
                }
            }
            List<String> ds = new ArrayList<>();
            inputs.dims().forEach((k, v) -> ds.add(k + "=" + v));
            System.out.printf(Locale.ROOT, "%s (%s) on %s: %d launches per run; kernels %.3f ms median (min %.3f), "
                            + "whole run %.3f ms median with transfers; prepare %.1f ms%n",
                    name, String.join(", ", ds), device.name(), timed.launches, median(kernelMs),
                    Arrays.stream(kernelMs).min().orElse(0), median(runMs), prepareMs);
            if (o.out().isPresent()) write(o.out().get(), outputs);
            System.out.printf(Locale.ROOT, "TIMING kernel_ms=%.4f run_ms=%.4f prepare_ms=%.1f launches=%d device=%s%n",
                    median(kernelMs), median(runMs), prepareMs, timed.launches, device.name());
        } catch (Device.DeviceException e) {
            throw new Failure(o.backend() + ": " + e.getMessage().lines().findFirst().orElse(""));
        }
    }

    private static void write(Path dir, Map<String, Tensor> outputs) throws Failure {
        try {
            Files.createDirectories(dir);
            for (Map.Entry<String, Tensor> e : outputs.entrySet()) Npy.write(dir.resolve(e.getKey() + ".npy"), e.getValue());
        } catch (IOException e) {
            throw new Failure("cannot write outputs to " + dir + ": " + e.getMessage());
        }
    }

    private static double median(double[] xs) {
        if (xs.length == 0) return Double.NaN;
        double[] s = xs.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static Options parse(String[] args) throws Failure {
        Path file = null;
        Optional<String> kernel = Optional.empty();
        String backend = "ptx";
        Map<String, Long> dims = new LinkedHashMap<>();
        Map<String, Double> params = new LinkedHashMap<>();
        Map<String, Path> inputs = new LinkedHashMap<>();
        long seed = 1;
        int warmup = 2;
        int repeat = 10;
        Optional<Path> out = Optional.empty();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) {
                if (file != null) throw new Failure("one FILE only; got " + file + " and " + a);
                file = Path.of(a);
                continue;
            }
            if (i + 1 >= args.length) throw new Failure(a + " needs a value");
            String v = args[++i];
            switch (a) {
                case "--kernel" -> kernel = Optional.of(v);
                case "--backend" -> backend = v;
                case "--dim" -> dims.put(key(a, v), number(a, value(a, v)).longValue());
                case "--param" -> params.put(key(a, v), scalar(a, value(a, v)));
                case "--input" -> inputs.put(key(a, v), Path.of(value(a, v)));
                case "--random" -> seed = number(a, v).longValue();
                case "--warmup" -> warmup = number(a, v).intValue();
                case "--repeat" -> repeat = Math.max(1, number(a, v).intValue());
                case "--out" -> out = Optional.of(Path.of(v));
                default -> throw new Failure("unknown option " + a);
            }
        }
        if (file == null) throw new Failure("usage: TimeKernel FILE [--kernel K] [--backend B] [--dim N=1024]... "
                + "[--param p=v]... [--input x=x.npy]... [--random SEED] [--warmup N] [--repeat N] [--out DIR]");
        return new Options(file, kernel, backend, dims, params, inputs, seed, warmup, repeat, out);
    }

    private static String key(String option, String kv) throws Failure {
        int eq = kv.indexOf('=');
        if (eq <= 0) throw new Failure(option + " expects NAME=VALUE, got '" + kv + "'");
        return kv.substring(0, eq).trim();
    }

    private static String value(String option, String kv) {
        return kv.substring(kv.indexOf('=') + 1).trim();
    }

    private static Double scalar(String option, String v) throws Failure {
        if (v.equals("true")) return 1.0;
        if (v.equals("false")) return 0.0;
        return number(option, v);
    }

    private static Double number(String option, String v) throws Failure {
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new Failure(option + ": '" + v + "' is not a number");
        }
    }
}
