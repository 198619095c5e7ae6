package tessera.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.ForkJoinPool;
import java.util.stream.IntStream;
import tessera.compiler.Backends;
import tessera.compiler.CompileOptions;
import tessera.compiler.Compilation;
import tessera.compiler.Tessera;
import tessera.ir.loop.Device;
import tessera.ir.loop.Module;
import tessera.ir.loop.PlanRunner;
import tessera.ir.tensor.Interpreter;
import tessera.runtime.DType;
import tessera.runtime.Tensor;
import tessera.stdlib.Stdlib;

/**
 * Attention side by side, in one run (issue 6's table): fp32 q, k, v of shape [1, H, L, 64],
 * non-causal and causal, on a fixed number of threads: Tessera's Java backend, a straightforward
 * Java loop, ONNX Runtime's CPU execution of ../shared/peers/attention.onnx (non-causal only),
 * Tessera's OpenCL backend (PoCL here), and the machine's peak FMA rate measured by a Vector API
 * loop. Reports milliseconds (best of the repetitions), GFLOP/s on the nominal 4·L²·64·H flops,
 * and each time as a multiple of ONNX Runtime's. Every system's output is compared with ONNX
 * Runtime's (or the plain loop's, for causal) so a fast wrong answer shows.
 */
public final class AttentionBench {
    private final int heads;
    private final int length;
    private final int dim;
    private final int threads;
    private final int reps;
    private final Path onnx;

    private AttentionBench(int heads, int length, int dim, int threads, int reps, Path onnx) {
        this.heads = heads;
        this.length = length;
        this.dim = dim;
        this.threads = threads;
        this.reps = reps;
        this.onnx = onnx;
    }

    /** One system's result for one mask. */
    private record Timing(String system, double ms, float[] output, String note) {}

    /** {@code --skip opencl}: leave Tessera opencl out (it takes most of the run on PoCL). */
    private static boolean SKIP_OPENCL;

    public static void main(String[] args) throws Exception {
        int heads = 8;
        int length = 2048;
        int threads = 2;
        int reps = 5;
        Path onnx = Path.of("../shared/peers/attention.onnx");
        java.util.Set<String> skip = new java.util.HashSet<>();
        for (int a = 0; a < args.length; a++) {
            switch (args[a]) {
                case "--length" -> length = Integer.parseInt(args[++a]);
                case "--heads" -> heads = Integer.parseInt(args[++a]);
                case "--threads" -> threads = Integer.parseInt(args[++a]);
                case "--reps" -> reps = Integer.parseInt(args[++a]);
                case "--onnx" -> onnx = Path.of(args[++a]);
                case "--skip" -> skip.addAll(List.of(args[++a].split(",")));
                default -> {
                    System.err.println("usage: AttentionBench [--length L] [--heads H] [--threads T] [--reps R] [--onnx FILE] [--skip ort,opencl]");
                    System.exit(2);
                }
            }
        }
        if (skip.contains("ort")) onnx = Path.of("/nonexistent/skipped.onnx");
        SKIP_OPENCL = skip.contains("opencl");
        new AttentionBench(heads, length, 64, threads, reps, onnx).run();
    }

    private double gflops(double ms) {
        return 4.0 * length * length * dim * heads / (ms * 1e6);
    }

    private void run() throws Exception {
        System.out.printf(Locale.ROOT, "attention fp32, B=1, H=%d, N=M=%d, D=%d, %d threads, best of %d%n", heads, length, dim, threads, reps);
        SplittableRandom rng = new SplittableRandom(42);
        float[] q = random(rng);
        float[] k = random(rng);
        float[] v = random(rng);
        double peak = peakFmaGflops();
        List<Timing> plain = List.of(loop(q, k, v, false), loop(q, k, v, true));
        Optional<Timing> ort = onnxRuntime(q, k, v);
        List<Timing> java = tessera("java", q, k, v);
        List<Timing> opencl = !SKIP_OPENCL && Backends.whyUnavailable("opencl").isEmpty() ? tessera("opencl", q, k, v) : List.of();

        float[] refNonCausal = ort.map(Timing::output).orElse(plain.get(0).output());
        float[] refCausal = plain.get(1).output();
        double ortMs = ort.map(Timing::ms).orElse(Double.NaN);
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"system", "non-causal ms", "GFLOP/s", "x ORT time", "causal ms", "causal/non-causal", "max err"});
        rows.add(row("Tessera java", java, ortMs, refNonCausal, refCausal));
        rows.add(row("Java loop (plain)", plain, ortMs, refNonCausal, refCausal));
        ort.ifPresent(o -> rows.add(new String[] {"ONNX Runtime (CPU)", ms(o.ms()), num(gflops(o.ms())), "1.00", "-", "-", "reference"}));
        if (!opencl.isEmpty()) rows.add(row("Tessera opencl (PoCL)", opencl, ortMs, refNonCausal, refCausal));
        rows.add(new String[] {"peak FMA (Vector API)", "-", num(peak), "-", "-", "-", "-"});
        print(rows);
        if (ort.isEmpty()) System.out.println("ONNX Runtime: model not found at " + onnx + " (pass --onnx FILE); errors are against the plain loop");
        if (opencl.isEmpty()) System.out.println("opencl: " + (SKIP_OPENCL ? "skipped (--skip opencl)" : Backends.whyUnavailable("opencl").orElse("")));
        System.out.printf(Locale.ROOT, "Tessera java reaches %.2fx ONNX Runtime's speed and %.1f%% of peak FMA; causal takes %.2fx its non-causal time.%n",
                ortMs / java.get(0).ms(), 100 * gflops(java.get(0).ms()) / peak, java.get(1).ms() / java.get(0).ms());
    }

    private String[] row(String name, List<Timing> t, double ortMs, float[] refNonCausal, float[] refCausal) {
        double err = Math.max(maxError(t.get(0).output(), refNonCausal), maxError(t.get(1).output(), refCausal));
        return new String[] {name, ms(t.get(0).ms()), num(gflops(t.get(0).ms())), num(t.get(0).ms() / ortMs),
                ms(t.get(1).ms()), num(t.get(1).ms() / t.get(0).ms()), String.format(Locale.ROOT, "%.1e", err)};
    }

    private float[] random(SplittableRandom rng) {
        float[] x = new float[heads * length * dim];
        for (int i = 0; i < x.length; i++) x[i] = (float) (rng.nextDouble() * 2 - 1);
        return x;
    }

    private static double maxError(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
        return m;
    }

    /** Untimed runs before the timed ones. */
    private static final int WARMUPS = 3;

    private interface Body {
        float[] run() throws Exception;
    }

    private Timing best(String system, Body body) throws Exception {
        // Warm-up: kernel builds, then enough runs for the JIT to compile the hot code with C2.
        float[] out = body.run();
        for (int w = 1; w < WARMUPS; w++) body.run();
        double best = Double.MAX_VALUE;
        for (int r = 0; r < reps; r++) {
            long t0 = System.nanoTime();
            out = body.run();
            best = Math.min(best, (System.nanoTime() - t0) / 1e6);
        }
        return new Timing(system, best, out, "");
    }

    /** Straightforward attention: for each head and row, scores, softmax, weighted sum; heads in parallel. */
    private Timing loop(float[] q, float[] k, float[] v, boolean causal) throws Exception {
        ForkJoinPool pool = new ForkJoinPool(threads);
        try {
            return best("plain", () -> {
                float[] o = new float[q.length];
                float scale = (float) (1 / Math.sqrt(dim));
                pool.submit(() -> IntStream.range(0, heads * length).parallel().forEach(row -> {
                    int h = row / length;
                    int i = row % length;
                    float[] s = new float[length];
                    float max = Float.NEGATIVE_INFINITY;
                    int end = causal ? i + 1 : length;
                    for (int j = 0; j < end; j++) {
                        float dot = 0;
                        for (int d = 0; d < dim; d++) dot += q[(h * length + i) * dim + d] * k[(h * length + j) * dim + d];
                        s[j] = dot * scale;
                        max = Math.max(max, s[j]);
                    }
                    float sum = 0;
                    for (int j = 0; j < end; j++) {
                        s[j] = (float) Math.exp(s[j] - max);
                        sum += s[j];
                    }
                    for (int j = 0; j < end; j++) {
                        float p = s[j] / sum;
                        for (int d = 0; d < dim; d++) o[(h * length + i) * dim + d] += p * v[(h * length + j) * dim + d];
                    }
                })).get();
                return o;
            });
        } finally {
            pool.shutdown();
        }
    }

    private Optional<Timing> onnxRuntime(float[] q, float[] k, float[] v) throws OrtException, Exception {
        if (!Files.exists(onnx)) return Optional.empty();
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(threads);
            options.setInterOpNumThreads(1);
            try (OrtSession session = env.createSession(onnx.toString(), options)) {
                long[] shape = {1, heads, length, dim};
                try (OnnxTensor tq = OnnxTensor.createTensor(env, FloatBuffer.wrap(q), shape);
                     OnnxTensor tk = OnnxTensor.createTensor(env, FloatBuffer.wrap(k), shape);
                     OnnxTensor tv = OnnxTensor.createTensor(env, FloatBuffer.wrap(v), shape)) {
                    return Optional.of(best("onnxruntime", () -> {
                        try (OrtSession.Result r = session.run(Map.of("q", tq, "k", tk, "v", tv))) {
                            FloatBuffer fb = ((OnnxTensor) r.get(0)).getFloatBuffer();
                            float[] out = new float[fb.remaining()];
                            fb.get(out);
                            return out;
                        }
                    }));
                }
            }
        }
    }

    /** The stdlib's flash_attention on a Tessera backend, non-causal then causal. */
    private List<Timing> tessera(String backend, float[] q, float[] k, float[] v) throws Exception {
        Compilation c = Tessera.compileSource("flash_attention.tsr", Stdlib.source("flash_attention.tsr"), CompileOptions.defaults());
        Module m = Tessera.lower(c.kernel("flash_attention").orElseThrow(), Backends.target(backend)).module().orElseThrow();
        long[] shape = {1, heads, length, dim};
        Map<String, Tensor> in = Map.of("q", tensor(q, shape), "k", tensor(k, shape), "v", tensor(v, shape));
        List<Timing> out = new ArrayList<>();
        try (Device d = backend.equals("java")
                ? new tessera.backend.jvector.JavaDevice(tessera.backend.jvector.JavaOptions.defaults().withThreads(threads))
                : Backends.open(backend)) {
            for (double causal : new double[] {0, 1}) {
                out.add(best(backend, () -> {
                    Interpreter.Outcome r = PlanRunner.run(m, d, in, Map.of("causal", causal));
                    if (r instanceof Interpreter.Outcome.Failed f) throw new IllegalStateException(f.error().oneLine());
                    double[] o = ((Interpreter.Outcome.Ok) r).outputs().get("o").toDoubleArray();
                    float[] f = new float[o.length];
                    for (int i = 0; i < o.length; i++) f[i] = (float) o[i];
                    return f;
                }));
            }
        }
        return out;
    }

    private static Tensor tensor(float[] x, long[] shape) {
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) d[i] = x[i];
        return Tensor.fromDoubles(DType.F32, shape, d);
    }

    /** Peak f32 FMA rate: independent Vector API FMA chains on every thread, nothing from memory. */
    private double peakFmaGflops() throws Exception {
        int lanes = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length();
        int rounds = 2_000_000;
        for (int w = 0; w < 20; w++) fmaChains(1.0f, 20_000); // compile fmaChains with C2 before timing
        ForkJoinPool pool = new ForkJoinPool(threads);
        try {
            double best = 0;
            for (int r = 0; r < 3; r++) {
                long t0 = System.nanoTime();
                double sink = pool.submit(() -> IntStream.range(0, threads).parallel()
                        .mapToDouble(t -> fmaChains(1.0f + t, rounds)).sum()).get();
                double seconds = (System.nanoTime() - t0) / 1e9;
                if (sink == 42) System.out.print("");
                // 8 chains x lanes FMAs of 2 flops per round, per thread
                best = Math.max(best, 2.0 * 8 * lanes * (double) rounds * threads / seconds / 1e9);
            }
            return best;
        } finally {
            pool.shutdown();
        }
    }

    /** Eight independent FMA chains for {@code rounds} rounds; the sum keeps them alive. */
    private static double fmaChains(float seed, int rounds) {
        var species = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED;
        var a = jdk.incubator.vector.FloatVector.broadcast(species, seed);
        var b = jdk.incubator.vector.FloatVector.broadcast(species, 0.999999f);
        var x0 = a;
        var x1 = a.add(1f);
        var x2 = a.add(2f);
        var x3 = a.add(3f);
        var x4 = a.add(4f);
        var x5 = a.add(5f);
        var x6 = a.add(6f);
        var x7 = a.add(7f);
        for (int n = 0; n < rounds; n++) {
            x0 = x0.fma(b, a);
            x1 = x1.fma(b, a);
            x2 = x2.fma(b, a);
            x3 = x3.fma(b, a);
            x4 = x4.fma(b, a);
            x5 = x5.fma(b, a);
            x6 = x6.fma(b, a);
            x7 = x7.fma(b, a);
        }
        return x0.add(x1).add(x2).add(x3).add(x4).add(x5).add(x6).add(x7).reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
    }

    private static String ms(double ms) {
        return String.format(Locale.ROOT, "%.1f", ms);
    }

    private static String num(double x) {
        return Double.isNaN(x) ? "-" : String.format(Locale.ROOT, "%.2f", x);
    }

    private static void print(List<String[]> rows) {
        int cols = rows.getFirst().length;
        int[] w = new int[cols];
        for (String[] r : rows) for (int i = 0; i < cols; i++) w[i] = Math.max(w[i], r[i].length());
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder("  ");
            for (int i = 0; i < cols; i++) line.append(String.format(Locale.ROOT, i == 0 ? "%-" + w[i] + "s  " : "%" + w[i] + "s  ", r[i]));
            System.out.println(line.toString().stripTrailing());
        }
    }
}
