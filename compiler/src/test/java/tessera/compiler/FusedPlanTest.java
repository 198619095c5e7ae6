package tessera.compiler;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tessera.ir.loop.HostEval;
import tessera.ir.loop.LExpr;
import tessera.ir.loop.LaunchPlan;
import tessera.ir.loop.Module;
import tessera.ir.tensor.Stmt;

/**
 * The fused path's launch plans: for every stdlib kernel FlashFusion fuses, on every target, no
 * buffer in the plan has anywhere near N x M elements, and the temporaries are O(N D) (plus the
 * block lists, one entry per block). Shapes are evaluated at long sequences (N = M = 8192, head
 * dims 64), where an N x M buffer would be 67 million elements.
 */
class FusedPlanTest {
    private static final Path STDLIB = Path.of(System.getProperty("tessera.repoRoot", "..")).resolve("stdlib-attention/src/main/tessera");
    private static final long SEQ = 8192;
    private static final long HEAD = 64;

    static List<Compilation.Kernel> fused() throws IOException {
        List<Compilation.Kernel> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(STDLIB)) {
            for (Path f : files.sorted().toList()) {
                Compilation c = Tessera.compile(f, CompileOptions.defaults());
                for (Compilation.Kernel k : c.kernels()) {
                    if (k.program().body().stream().anyMatch(s -> s instanceof Stmt.Attention)) out.add(k);
                }
            }
        }
        return out;
    }

    static Stream<String> targets() {
        return Stream.of("java", "opencl", "ptx", "loop-interp");
    }

    @Test
    void everyAttentionKernelOfTheStdlibFuses() throws IOException {
        List<String> names = fused().stream().map(Compilation.Kernel::name).toList();
        assertThat(names).contains("flash_attention", "flash_attention_dropout", "sink_attention", "lean_attention",
                "sliding_window_attention", "streaming_attention", "longformer_attention", "bigbird_attention",
                "block_sparse_attention", "probsparse_attention", "probsparse_attention_philox");
    }

    @ParameterizedTest
    @MethodSource("targets")
    void noBufferHoldsTheScoreMatrix(String target) throws Exception {
        for (Compilation.Kernel k : fused()) {
            Module m = Tessera.lower(k.program(), Backends.target(target)).module().orElseThrow();
            Map<String, Double> scalars = scalars(m.plan());
            long temps = 0;
            for (LaunchPlan.Buffer b : m.plan().buffers()) {
                long n = 1;
                for (LExpr e : b.shape()) n *= (long) HostEval.eval(e, scalars);
                assertThat(n).as("%s on %s: buffer %s", k.name(), target, b.name()).isLessThan(SEQ * SEQ / 8);
                if (b.role() == LaunchPlan.Role.TEMP) temps += n;
            }
            // O(N D): a few rows of head dims per row, and the block lists.
            assertThat(temps).as("%s on %s: temporaries", k.name(), target).isLessThanOrEqualTo(16 * SEQ * HEAD);
        }
    }

    /** On GPU targets a lane holds its row's q and accumulator: head dims beyond the limit stop the run with a message. */
    @Test
    void gpuShapeSaysWhichHeadDimsItHolds() throws Exception {
        Compilation c = Tessera.compile(STDLIB.resolve("flash_attention.tsr"), CompileOptions.defaults());
        Compilation.Kernel k = c.kernels().getFirst();
        Module m = Tessera.lower(k.program(), Backends.target("opencl")).module().orElseThrow();
        Map<String, Long> dims = Map.of("B", 1L, "H", 1L, "KH", 1L, "N", 2L, "M", 2L, "D", 129L, "E", 4L);
        Map<String, tessera.runtime.Tensor> in = RandomInputs.make(k.program(), dims, Map.of(), Map.of(), 1).tensors();
        tessera.ir.tensor.Interpreter.Outcome out = tessera.ir.loop.PlanRunner.run(m, new tessera.ir.loop.LoopInterpreter(), in, Map.of());
        assertThat(out).isInstanceOf(tessera.ir.tensor.Interpreter.Outcome.Failed.class);
        assertThat(((tessera.ir.tensor.Interpreter.Outcome.Failed) out).error().message())
                .contains("head dims d and e at most 128: the fused attention of 'o' on opencl keeps a row's q and accumulator in one lane");
        // The same module runs at D = 128.
        Map<String, Long> ok = new java.util.HashMap<>(dims);
        ok.put("D", 128L);
        Map<String, tessera.runtime.Tensor> in2 = RandomInputs.make(k.program(), ok, Map.of(), Map.of(), 1).tensors();
        assertThat(tessera.ir.loop.PlanRunner.run(m, new tessera.ir.loop.LoopInterpreter(), in2, Map.of()))
                .isInstanceOf(tessera.ir.tensor.Interpreter.Outcome.Ok.class);
    }

    /** The check would catch the score matrix: without fusion, flash attention's plan has it. */
    @Test
    void theGenericPathHasTheScoreMatrix() throws Exception {
        Compilation c = Tessera.compile(STDLIB.resolve("flash_attention.tsr"), CompileOptions.defaults().withFusion(false));
        Module m = Tessera.lower(c.kernels().getFirst().program(), Backends.target("java")).module().orElseThrow();
        Map<String, Double> scalars = scalars(m.plan());
        long largest = 0;
        for (LaunchPlan.Buffer b : m.plan().buffers()) {
            long n = 1;
            for (LExpr e : b.shape()) n *= (long) HostEval.eval(e, scalars);
            largest = Math.max(largest, n);
        }
        assertThat(largest).isGreaterThanOrEqualTo(SEQ * SEQ);
    }

    /** Every dim at a long-sequence value, block and window parameters at their defaults. */
    private static Map<String, Double> scalars(LaunchPlan plan) throws HostEval.EvalException {
        Map<String, Double> s = new HashMap<>();
        for (LaunchPlan.HostScalar h : plan.scalars()) {
            double v = switch (h.source()) {
                case DIM -> switch (h.name()) {
                    case "N", "M", "L", "S" -> SEQ;
                    case "D", "E" -> HEAD;
                    case "NB", "NBQ", "NBK" -> SEQ / 64;
                    case "B" -> 1;
                    case "H", "KH" -> 8;
                    default -> 4;
                };
                case PARAM -> h.value().isPresent() ? HostEval.eval(h.value().get(), s) : 1;
                case COMPUTED -> HostEval.eval(h.value().orElseThrow(), s);
            };
            s.put(h.name(), v);
        }
        return s;
    }
}
