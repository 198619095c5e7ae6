package tessera.compiler;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import tessera.ir.loop.Device;
import tessera.ir.loop.Module;
import tessera.ir.loop.PlanRunner;
import tessera.ir.tensor.ExprWalker;
import tessera.ir.tensor.Interpreter;
import tessera.ir.tensor.Program;
import tessera.ir.tensor.Stmt;
import tessera.runtime.DType;
import tessera.runtime.Tensor;

/**
 * Every stdlib kernel and generic program, at random shapes (dims from 1 up to ~70 on sequence
 * axes, never aligned to vector widths or work-group sizes on purpose), random scalar parameters
 * (masks on and off, windows, block sizes) and random inputs (sometimes with NaN and ±inf), gives
 * the reference interpreter's result on every Loop IR backend available here, within
 * {@link Compare}'s tolerance. OpenCL runs when a platform exists (under CI=true its absence
 * fails the OpenCL tests in backend-opencl); PTX runs on backend-ptx's simulator.
 */
class CrossBackendProperties {
    private static final Path STDLIB = Path.of(System.getProperty("tessera.repoRoot", "..")).resolve("stdlib-attention/src/main/tessera");
    private static final Map<String, Compilation.Kernel> KERNELS = kernels();
    private static final Map<String, Device> DEVICES = new LinkedHashMap<>();

    @BeforeContainer
    static void open() throws Device.DeviceException {
        DEVICES.put("java", Backends.open("java"));
        if (Backends.whyUnavailable("opencl").isEmpty()) DEVICES.put("opencl", Backends.open("opencl"));
        // The PTX the ptx target gets, run on backend-ptx's simulator (no GPU needed).
        DEVICES.put("ptx-sim", Backends.open("ptx-sim"));
    }

    @AfterContainer
    static void close() {
        DEVICES.values().forEach(Device::close);
        DEVICES.clear();
    }

    private static Map<String, Compilation.Kernel> kernels() {
        Map<String, Compilation.Kernel> out = new LinkedHashMap<>();
        try (Stream<Path> files = Files.list(STDLIB)) {
            for (Path f : files.sorted().toList()) {
                Compilation c = Tessera.compile(f, CompileOptions.defaults());
                if (!c.ok()) throw new IllegalStateException(c.renderDiagnostics());
                c.kernels().forEach(k -> out.put(k.name(), k));
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        Programs.ALL.forEach((name, src) -> {
            Compilation c = Tessera.compileSource(name + ".tsr", src, CompileOptions.defaults());
            if (!c.ok()) throw new IllegalStateException(c.renderDiagnostics());
            out.put(name, c.kernels().getFirst());
        });
        return out;
    }

    /** One random case: a kernel, sizes, scalar parameters and an input seed. */
    record Case(String kernel, Map<String, Long> dims, Map<String, Double> scalars, long seed, boolean specials) {
        @Override public String toString() {
            return kernel + " dims=" + dims + " scalars=" + scalars + " seed=" + seed + (specials ? " with NaN/inf" : "");
        }
    }

    private static boolean usesTopk(Program p) {
        return p.body().stream().anyMatch(s -> s instanceof Stmt.TopK);
    }

    @Provide
    Arbitrary<Case> cases() {
        Arbitrary<String> kernel = Arbitraries.of(List.copyOf(KERNELS.keySet()));
        Arbitrary<Long> seed = Arbitraries.longs().between(0, 1_000_000);
        Arbitrary<Integer> dimSeed = Arbitraries.integers().between(0, Integer.MAX_VALUE);
        Arbitrary<Boolean> specials = Arbitraries.integers().between(0, 9).map(x -> x == 0);
        return Combinators.combine(kernel, seed, dimSeed, specials).as((k, s, ds, sp) -> {
            Random r = new Random(ds);
            Program p = KERNELS.get(k).program();
            Map<String, Long> dims = new HashMap<>();
            long kh = 1 + r.nextInt(2);
            dims.put("KH", kh);
            dims.put("H", kh * (1 + r.nextInt(2)));
            dims.put("B", 1L + r.nextInt(2));
            dims.put("C", 1L + r.nextInt(2));
            for (String seq : List.of("N", "M", "L", "S", "K", "V")) dims.put(seq, 1L + r.nextInt(70));
            for (String feat : List.of("D", "E", "F", "R")) dims.put(feat, 1L + r.nextInt(17));
            if (k.startsWith("rpe")) {
                dims.put("N", 1L + r.nextInt(24));
                dims.remove("R"); // where R == 2 * N - 1 gives it
            }
            if (k.startsWith("probsparse")) {
                // u = min(factor * ceil(ln L), L) = L up to L = 8: every row active, so the top set cannot hinge
                // on a rounding-level tie between f32 and f64 measures.
                dims.put("L", 1L + r.nextInt(8));
                dims.put("UP", 1L + r.nextInt(6));
            }
            if (k.startsWith("bigbird") || k.startsWith("block_sparse")) {
                dims.put("NB", 1L + r.nextInt(9));
                dims.put("NBQ", 1L + r.nextInt(9));
                dims.put("NBK", 1L + r.nextInt(9));
            }
            if (k.startsWith("longformer") || k.startsWith("bigbird")) dims.put("M", dims.get("N"));
            Map<String, Double> scalars = new HashMap<>();
            for (Program.ScalarParam sp2 : p.scalars()) {
                switch (sp2.name()) {
                    case "causal", "masked" -> scalars.put(sp2.name(), r.nextBoolean() ? 1.0 : 0.0);
                    case "window", "window_left", "window_right", "sinks" -> scalars.put(sp2.name(), (double) r.nextInt(12));
                    case "blk" -> scalars.put(sp2.name(), (double) (1 + r.nextInt(16)));
                    case "seed" -> scalars.put(sp2.name(), (double) r.nextInt(1000));
                    default -> { }
                }
            }
            // Blocks must cover the sequence for the block tables' shapes.
            if (scalars.containsKey("blk")) {
                long blk = scalars.get("blk").longValue();
                long n = dims.get("N");
                if (k.startsWith("bigbird")) dims.put("NB", (n + blk - 1) / blk);
                if (k.startsWith("block_sparse")) {
                    dims.put("NBQ", (n + blk - 1) / blk);
                    dims.put("NBK", (dims.get("M") + blk - 1) / blk);
                }
            }
            boolean withSpecials = sp && !usesTopk(p);
            return new Case(k, dims, scalars, s, withSpecials);
        });
    }

    static Map<String, Tensor> inputs(Compilation.Kernel k, Case c) {
        Map<String, Long> used = new HashMap<>();
        for (Program.Dim d : k.program().dims()) if (c.dims().containsKey(d.name())) used.put(d.name(), c.dims().get(d.name()));
        Map<String, Tensor> in = new LinkedHashMap<>(RandomInputs.make(k.program(), used, Map.of(), c.scalars(), c.seed()).tensors());
        if (c.specials()) {
            Random r = new Random(c.seed());
            double[] specials = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};
            for (Map.Entry<String, Tensor> e : in.entrySet()) {
                Tensor t = e.getValue();
                if (!t.dtype().isFloat() || t.size() == 0) continue;
                for (int n = 0; n < 2; n++) t.setDouble(r.nextInt((int) t.size()), specials[r.nextInt(3)]);
            }
        }
        return in;
    }

    @Property(tries = 160)
    void everyBackendAgreesWithTheReference(@ForAll("cases") Case c) throws Device.DeviceException {
        Compilation.Kernel k = KERNELS.get(c.kernel());
        Map<String, Tensor> in = inputs(k, c);
        Interpreter.Outcome ref = Interpreter.run(k.trace().getFirst().program(), in, c.scalars());
        assertThat(ref).as("the reference must accept the generated case %s", c).isInstanceOf(Interpreter.Outcome.Ok.class);
        Map<String, Tensor> expected = ((Interpreter.Outcome.Ok) ref).outputs();
        for (Map.Entry<String, Device> d : DEVICES.entrySet()) {
            Module m = Tessera.lower(k.program(), Backends.target(d.getKey())).module().orElseThrow();
            Interpreter.Outcome got = PlanRunner.run(m, d.getValue(), in, c.scalars());
            assertThat(got).as("%s on %s", c, d.getKey()).isInstanceOf(Interpreter.Outcome.Ok.class);
            List<String> bad = new ArrayList<>();
            for (Compare.Diff diff : Compare.outputs(((Interpreter.Outcome.Ok) got).outputs(), expected)) {
                if (!diff.ok()) bad.add(diff.summary());
            }
            assertThat(bad).as("%s on %s", c, d.getKey()).isEmpty();
        }
    }

    /** Reads of a kernel that the property is meant to cover: a sanity check of the case generator. */
    @net.jqwik.api.Example
    void theGeneratorCoversEveryKernel() {
        assertThat(KERNELS).hasSizeGreaterThanOrEqualTo(20);
        long withTopk = KERNELS.values().stream().filter(k -> usesTopk(k.program())).count();
        assertThat(withTopk).isGreaterThanOrEqualTo(3);
        assertThat(DEVICES).containsKey("java");
        boolean[] readsMask = {false};
        KERNELS.values().forEach(k -> k.program().body().forEach(s -> {
            if (s instanceof Stmt.Define d && d.domain().isPresent()) ExprWalker.walk(d.domain().get(), x -> readsMask[0] = true);
        }));
        assertThat(readsMask[0]).isTrue();
        assertThat(DType.F32.isFloat()).isTrue();
    }
}
