package tessera.compiler;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import tessera.ir.loop.LoopInterpreter;
import tessera.ir.loop.LoopPrinter;
import tessera.ir.loop.LoopVerifier;
import tessera.ir.loop.Module;
import tessera.ir.loop.PlanRunner;
import tessera.ir.tensor.Interpreter;
import tessera.passes.Lower;
import tessera.passes.LoopPass;
import tessera.passes.Pipeline;
import tessera.passes.Target;

/**
 * Lower: what it must produce (lines in order on printed Loop IR) and that what it produces
 * computes what the reference computes, run on the Loop IR interpreter (so lowering bugs show
 * apart from emitter bugs).
 */
class LowerTest {
    static final Path STDLIB = Path.of(System.getProperty("tessera.repoRoot", "..")).resolve("stdlib-attention/src/main/tessera");

    static Module lowered(Compilation.Kernel k) {
        Lower.Result r = Lower.lower(k.program(), Target.java());
        assertThat(r.diagnostics()).isEmpty();
        Module m = r.module().orElseThrow();
        assertThat(LoopVerifier.check(m)).as("after lower").isEmpty();
        for (LoopPass p : Pipeline.loopPasses()) {
            m = p.apply(m, Target.java());
            assertThat(LoopVerifier.check(m)).as("after " + p.name()).isEmpty();
        }
        return m;
    }

    static Compilation.Kernel compile(String src) {
        return compile(src, true);
    }

    static Compilation.Kernel compile(String src, boolean fuse) {
        Compilation c = Tessera.compileSource("t.tsr", src, CompileOptions.defaults().withFusion(fuse));
        assertThat(c.renderDiagnostics()).isEmpty();
        return c.kernels().getFirst();
    }

    static void assertLinesInOrder(String text, String... lines) {
        int at = 0;
        for (String l : lines) {
            int found = text.indexOf(l, at);
            assertThat(found).as("'" + l + "' after position " + at + " in:\n" + text).isGreaterThanOrEqualTo(0);
            at = found + l.length();
        }
    }

    /** Runs the lowered module on the Loop IR interpreter and the resolved program on the reference. */
    static void agrees(Compilation.Kernel k, Map<String, Long> dims, Map<String, Double> scalars, long seed) {
        Module m = lowered(k);
        RandomInputs.Inputs in = RandomInputs.make(k.program(), dims, Map.of(), scalars, seed);
        Interpreter.Outcome ref = Interpreter.run(k.trace().getFirst().program(), in.tensors(), scalars);
        Interpreter.Outcome got = PlanRunner.run(m, new LoopInterpreter(), in.tensors(), scalars);
        assertThat(ref).as("reference").isInstanceOf(Interpreter.Outcome.Ok.class);
        assertThat(got).as("loop interpreter: %s", got).isInstanceOf(Interpreter.Outcome.Ok.class);
        List<Compare.Diff> diffs = Compare.outputs(((Interpreter.Outcome.Ok) got).outputs(), ((Interpreter.Outcome.Ok) ref).outputs());
        for (Compare.Diff d : diffs) assertThat(d.ok()).as(k.name() + " " + dims + ": " + d.summary()).isTrue();
    }

    @Test
    void fusedFlashAttentionIsABlockMaskKeysTransposedAndOneTiledKernel() {
        String text = LoopPrinter.print(lowered(compile(read(STDLIB.resolve("flash_attention.tsr")))));
        assertLinesInOrder(text,
                "temp   o__blocks: i32[(N + 95) / 96]", "temp   o__block_index", "temp   o__block_full", "temp   o__kt: f32[B, H, D, ",
                "launch o__blocks (qb__ < (N + 95) / 96)", "launch o__kt (b < B, h < H, kb__ < ", "launch o__flash (b < B, h < H, qb__ < (N + 95) / 96)",
                "kernel o__blocks(", "empty__", "full__", "o__blocks[qb__] = count__",
                "kernel o__flash(", "private q__tile", "private s__tile: f32[6144]",
                "for (n__ = 0; n__ < o__blocks[qb__]; n__++)", "matmul s__tile{@0, 64, 1} = q__tile",
                "if (full_block__)", "vectorized for (c__ = 0; c__ < cols__; c__++)", "exp(sp__ - m_use__)",
                "matmul acc__tile", "o[", "lse[");
        // The score matrix never exists, and no launch of a generic statement kernel remains.
        assertThat(text).doesNotContain("temp   s:").doesNotContain("launch s (").doesNotContain("present__s");
    }

    @Test
    void flashAttentionBecomesStatisticsThenNormalisedSum() {
        // The generic path (--no-fusion): what every program gets when no pattern pass applies.
        String text = LoopPrinter.print(lowered(compile(Files.exists(STDLIB) ? read(STDLIB.resolve("flash_attention.tsr")) : "", false)));
        assertLinesInOrder(text,
                "temp   s: f32[B, H, N, M]", "temp   present__s: bool[B, H, N, M]",
                // the JVM target tiles the two innermost grid loops 32 x 32
                "launch s (b < B, h < H, i__tile < (N + 31) / 32, j__tile < (M + 31) / 32)", "launch lse",
                "launch o__softmax (b < B, h__tile < (H + 31) / 32, i__tile < (N + 31) / 32)", "launch o__probabilities",
                "launch o (",
                "kernel s(", "let i: i32 = i__tile * 32 + i__in", "if (!causal || j <= i + M - N)",
                "vectorized for (d = 0; d < D; d++)", "present__s[",
                "kernel o__softmax(", "for (j = 0; j < M; j++)", "max__o0[", "sum__o0[",
                // o iterates e, which the softmax does not depend on: probabilities are computed once, not per e
                "kernel o__probabilities(", "= sum__o0[", "exp(s[",
                "kernel o(", "prob__o0[");
        assertThat(text.substring(text.indexOf("kernel o("))).doesNotContain("exp(");
    }

    @Test
    void topkRunsSelectionPassesAndScatterWritesThroughIndices() {
        String text = LoopPrinter.print(lowered(compile(Programs.ALL.get("topk"))));
        assertLinesInOrder(text, "kernel top__topk(", "for (r = 0; r < kk; r++)", "for (i = 0; i < N; i++)", "top[");
        String scatter = LoopPrinter.print(lowered(compile(Programs.ALL.get("scatter"))));
        assertLinesInOrder(scatter, "launch y (", "launch y__scatter (", "kernel y__scatter(", "if (r % 2 == 0)", "y[");
        assertLinesInOrder(text, "dim    B", "let    kk", "let    K: i32 = kk", "launch top__topk");
    }

    @Test
    void letsOfFormulasStayOnTheHostAndLetsOfDataGetAKernel() {
        String text = LoopPrinter.print(lowered(compile(Programs.ALL.get("lets_and_philox"))));
        assertLinesInOrder(text, "let    half: i32", "temp   let__peak: f32[1]", "launch peak__let", "launch y", "let__peak[0]");
    }

    @TestFactory
    Stream<DynamicTest> everyStdlibKernelAgreesWithTheReference() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        try (Stream<Path> files = Files.list(STDLIB)) {
            for (Path f : files.sorted().toList()) {
                Compilation c = Tessera.compile(f, CompileOptions.defaults());
                assertThat(c.renderDiagnostics()).isEmpty();
                for (Compilation.Kernel k : c.kernels()) {
                    tests.add(DynamicTest.dynamicTest(k.name(), () -> {
                        agrees(k, Map.of("N", 5L, "M", 7L, "L", 6L, "S", 6L, "D", 3L, "E", 2L), Map.of(), 1);
                        agrees(k, ones(), Map.of(), 2);
                    }));
                }
            }
        }
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> everyGenericProgramAgreesWithTheReference() {
        return Programs.ALL.entrySet().stream().map(e -> DynamicTest.dynamicTest(e.getKey(), () -> {
            Compilation.Kernel k = compile(e.getValue());
            agrees(k, Map.of("N", 6L, "M", 5L), Map.of(), 3);
            agrees(k, ones(), Map.of(), 4);
        }));
    }

    @Test
    void fullyMaskedRowsGiveZerosAndMinusInfinity() {
        Compilation.Kernel k = compile(read(STDLIB.resolve("flash_attention.tsr")));
        // N > M with a causal mask aligned bottom-right leaves the first N - M rows empty.
        agrees(k, Map.of("B", 1L, "H", 2L, "KH", 1L, "N", 6L, "M", 3L, "D", 2L, "E", 2L), Map.of("causal", 1.0), 5);
    }

    /** Every dim of 1 (the sizes most likely to expose an off-by-one). */
    static Map<String, Long> ones() {
        Map<String, Long> m = new java.util.HashMap<>();
        for (String d : List.of("B", "H", "KH", "N", "M", "L", "S", "D", "E", "C", "F", "K", "R", "V")) m.put(d, 1L);
        return m;
    }

    static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
