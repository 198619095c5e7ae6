package tessera.compiler;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import tessera.ir.loop.Device;
import tessera.ir.loop.Module;
import tessera.ir.loop.PlanRunner;
import tessera.ir.tensor.Interpreter;
import tessera.ir.tensor.Stmt;
import tessera.runtime.Tensor;

/**
 * Attention written many ways (score modifiers: scale, a bias tensor, soft-capping, ALiBi; masks:
 * none, causal, window, sinks + window, a block layout tensor, ragged lengths, Longformer-style
 * global tokens; dropout; GQA; with and without lse and row-max outputs), at random shapes (N != M,
 * sizes that are not multiples of any tile) with random inputs, sometimes holding NaN and ±inf:
 * FlashFusion must fire, and the fused kernels on every backend must agree with the reference
 * interpreter and with the generic (unfused) path.
 */
class FlashAttentionProperties {
    private static final Map<String, Device> DEVICES = new LinkedHashMap<>();

    @BeforeContainer
    static void open() throws Device.DeviceException {
        DEVICES.put("loop-interp", Backends.open("loop-interp"));
        DEVICES.put("java", Backends.open("java"));
        if (Backends.whyUnavailable("opencl").isEmpty()) DEVICES.put("opencl", Backends.open("opencl"));
        DEVICES.put("ptx-sim", Backends.open("ptx-sim"));
    }

    @AfterContainer
    static void close() {
        DEVICES.values().forEach(Device::close);
        DEVICES.clear();
    }

    /** One generated attention kernel and its run. */
    record Case(String source, Map<String, Long> dims, Map<String, Double> scalars, long seed, boolean specials) {
        @Override public String toString() {
            return "dims=" + dims + " scalars=" + scalars + " seed=" + seed + (specials ? " with NaN/inf" : "") + "\n" + source;
        }
    }

    static final List<String> SCORES = List.of(
            "scale * DOT",
            "scale * DOT + bias[i, j]",
            "cap * tanh(scale * DOT / cap)",
            "scale * DOT - slope[h] * float(i - j)");

    static final List<String> MASKS = List.of(
            "",
            "j <= i + M - N",
            "j <= i + M - N && i + M - N - j < w",
            "j <= i + M - N && (j < 2 || i + M - N - j < w)",
            "layout[i / blk, j / blk]",
            "j < kv_len[b]",
            "(i - j <= w && j - i <= w) || global[j]");

    static final List<String> FACTORS = List.of(
            "",
            " * (uniform(seed, (b * H + h) * N + i, j) >= p_drop ? 1.0 / (1.0 - p_drop) : 0.0)",
            " * sigmoid(bias[i, j])");

    static String source(Random r) {
        String score = SCORES.get(r.nextInt(SCORES.size())).replace("DOT", "sum[d](q[b, h, i, d] * k[b, h / g, j, d])");
        String mask = MASKS.get(r.nextInt(MASKS.size()));
        String factor = FACTORS.get(r.nextInt(FACTORS.size()));
        boolean withOut = r.nextInt(8) != 0;
        boolean lse = r.nextBoolean() || !withOut;
        boolean max = r.nextInt(3) == 0;
        String all = score + " " + mask + " " + factor;
        List<String> params = new ArrayList<>(List.of("q: f32[B, H, N, D]", "k: f32[B, KH, M, D]", "v: f32[B, KH, M, E]"));
        if (all.contains("bias[")) params.add("bias: f32[N, M]");
        if (all.contains("slope[")) params.add("slope: f32[H]");
        if (all.contains("layout[")) params.add("layout: bool[NBQ, NBK]");
        if (all.contains("kv_len[")) params.add("kv_len: i32[B]");
        if (all.contains("global[")) params.add("global: bool[M]");
        params.addAll(List.of("p_drop: f32 = 0.25", "seed: i64 = 3", "w: i32 = 5", "blk: i32 = 8", "cap: f32 = 2.5"));
        List<String> outs = new ArrayList<>();
        if (withOut) outs.add("o: f32[B, H, N, E]");
        if (lse) outs.add("lse: f32[B, H, N]");
        if (max) outs.add("mx: f32[B, H, N]");
        StringBuilder b = new StringBuilder("kernel attn(\n    ").append(String.join(",\n    ", params)).append("\n) -> (")
                .append(String.join(", ", outs)).append(")\nwhere H % KH == 0\n{\n")
                .append("    let scale = rsqrt(float(D));\n    let g = H / KH;\n")
                .append("    s[b, h, i, j] = ").append(score).append(mask.isEmpty() ? "" : "\n        if " + mask).append(";\n");
        if (lse) b.append("    lse[b, h, i] = logsumexp[j](s[b, h, i, j]);\n");
        if (max) b.append("    mx[b, h, i] = max[j](s[b, h, i, j]);\n");
        if (withOut) b.append("    o[b, h, i, e] = sum[j](softmax[j](s[b, h, i, j])").append(factor).append(" * v[b, h / g, j, e]);\n");
        b.append("}\n");
        return b.toString();
    }

    @Provide
    Arbitrary<Case> cases() {
        return Arbitraries.integers().between(0, Integer.MAX_VALUE).map(seed -> {
            Random r = new Random(seed);
            String src = source(r);
            Map<String, Long> dims = new HashMap<>();
            long kh = 1 + r.nextInt(2);
            dims.put("KH", kh);
            dims.put("H", kh * (1 + r.nextInt(2)));
            dims.put("B", 1L + r.nextInt(2));
            long n = 1 + r.nextInt(80);
            long m = r.nextInt(4) == 0 ? n : 1 + r.nextInt(80);
            dims.put("N", n);
            dims.put("M", m);
            dims.put("D", 1L + r.nextInt(20));
            dims.put("E", 1L + r.nextInt(20));
            long blk = 1 + r.nextInt(16);
            dims.put("NBQ", (n + blk - 1) / blk);
            dims.put("NBK", (m + blk - 1) / blk);
            Map<String, Double> scalars = new HashMap<>();
            scalars.put("blk", (double) blk);
            scalars.put("w", (double) r.nextInt(20));
            scalars.put("seed", (double) r.nextInt(100));
            scalars.put("p_drop", r.nextInt(4) * 0.25);
            return new Case(src, dims, scalars, r.nextLong(), r.nextInt(8) == 0);
        });
    }

    private static Compilation.Kernel compile(String src, boolean fuse) {
        Compilation c = Tessera.compileSource("attn.tsr", src, CompileOptions.defaults().withFusion(fuse));
        assertThat(c.ok()).as(c.renderDiagnostics() + "\n" + src).isTrue();
        return c.kernels().getFirst();
    }

    private static Map<String, Tensor> inputs(Compilation.Kernel k, Case c) {
        Map<String, Long> used = new HashMap<>();
        for (var d : k.program().dims()) if (c.dims().containsKey(d.name())) used.put(d.name(), c.dims().get(d.name()));
        Map<String, Tensor> in = new LinkedHashMap<>(RandomInputs.make(k.program(), used, Map.of(), c.scalars(), c.seed()).tensors());
        if (in.containsKey("kv_len")) {
            Tensor t = in.get("kv_len");
            Random r = new Random(c.seed());
            for (long x = 0; x < t.size(); x++) t.setLong(x, r.nextInt((int) (c.dims().get("M") + 3)) - 1);
        }
        if (c.specials()) {
            Random r = new Random(c.seed() + 1);
            double[] specials = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};
            for (String name : List.of("q", "k", "v", "bias")) {
                Tensor t = in.get(name);
                if (t == null || t.size() == 0) continue;
                t.setDouble(r.nextInt((int) t.size()), specials[r.nextInt(3)]);
            }
        }
        return in;
    }

    private static Map<String, Tensor> run(Module m, Device d, Map<String, Tensor> in, Map<String, Double> scalars, String what) {
        Interpreter.Outcome got = PlanRunner.run(m, d, in, scalars);
        assertThat(got).as(what).isInstanceOf(Interpreter.Outcome.Ok.class);
        return ((Interpreter.Outcome.Ok) got).outputs();
    }

    private static void agree(Map<String, Tensor> got, Map<String, Tensor> want, String what) {
        List<String> bad = new ArrayList<>();
        for (Compare.Diff diff : Compare.outputs(got, want)) if (!diff.ok()) bad.add(diff.summary());
        assertThat(bad).as(what).isEmpty();
    }

    @Property(tries = 60)
    void fusedAttentionAgreesWithTheReferenceAndTheGenericPath(@ForAll("cases") Case c) throws Device.DeviceException {
        Compilation.Kernel fused = compile(c.source(), true);
        Compilation.Kernel generic = compile(c.source(), false);
        assertThat(fused.program().body()).as("FlashFusion fires on %s", c).anyMatch(s -> s instanceof Stmt.Attention);
        assertThat(generic.program().body()).noneMatch(s -> s instanceof Stmt.Attention);
        Map<String, Tensor> in = inputs(fused, c);
        Interpreter.Outcome ref = Interpreter.run(fused.trace().getFirst().program(), in, c.scalars());
        assertThat(ref).as("the reference accepts %s", c).isInstanceOf(Interpreter.Outcome.Ok.class);
        Map<String, Tensor> expected = ((Interpreter.Outcome.Ok) ref).outputs();
        // The fused Tensor IR on the reference interpreter is the unfused program, exactly.
        Interpreter.Outcome fusedRef = Interpreter.run(fused.program(), in, c.scalars());
        agree(((Interpreter.Outcome.Ok) fusedRef).outputs(), expected, "the fused Tensor IR, " + c);

        Module genericModule = Tessera.lower(generic.program(), Backends.target("loop-interp")).module().orElseThrow();
        Map<String, Tensor> genericOut = run(genericModule, DEVICES.get("loop-interp"), in, c.scalars(), "generic path, " + c);
        agree(genericOut, expected, "the generic path against the reference, " + c);
        for (Map.Entry<String, Device> d : DEVICES.entrySet()) {
            Module m = Tessera.lower(fused.program(), Backends.target(d.getKey())).module().orElseThrow();
            String what = "fused on " + d.getKey() + ", " + c;
            Map<String, Tensor> got = run(m, d.getValue(), in, c.scalars(), what);
            agree(got, expected, what + " against the reference");
            agree(got, genericOut, what + " against the generic path");
        }
    }
}
