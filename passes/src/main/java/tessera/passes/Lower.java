package tessera.passes;

import java.util.List;
import java.util.Optional;
import tessera.ir.Diagnostic;
import tessera.ir.loop.Module;
import tessera.ir.tensor.Program;
import tessera.ir.tensor.Stmt;

/**
 * Lowers a Tensor IR program to Loop IR: one kernel per statement (its left-hand variables are
 * the grid; reductions become serial loops with accumulators; filters and domains become guards;
 * a softmax reads row statistics computed by a kernel of its own; topk runs k selection passes;
 * scatter writes through computed indices), presence masks for tensors whose entries may be
 * absent, lets that are formulas of dims and parameters computed on the host, and the launch plan.
 * This is the generic lowering: correct for every valid program, slow where a pattern pass (such
 * as flash fusion, to come) would do better. Run {@link FuseElementwise} first so elementwise
 * temporaries never reach memory.
 */
public final class Lower {
    private Lower() {}

    /** The module, or diagnostics for programs this lowering cannot handle (data-dependent sizes). */
    public record Result(Optional<Module> module, List<Diagnostic> diagnostics) {
        public Result {
            diagnostics = List.copyOf(diagnostics);
        }
    }

    /** Lowers for the Loop IR interpreter's shape of machine: one lane per group. */
    public static Result lower(Program program) {
        return lower(program, Target.interpreter());
    }

    /** Lowers for {@code target}; only fused attention (FlashFusion) takes a shape from it (lanes per group, tiles, fast memory). */
    public static Result lower(Program program, Target target) {
        return new tessera.passes.lower.LoweringEntry(program, target).run();
    }

    /** Rows and keys per block of fused attention on {@code target}: {@code {rows, keys}}. */
    public static int[] attentionTile(Target target) {
        return tessera.passes.lower.LoweringEntry.attentionTile(target);
    }

    /** A readable stem for compiler-made buffers of a statement: its tensor's name. */
    public static String bufferBase(Stmt s) {
        return switch (s) {
            case Stmt.Let l -> l.name();
            case Stmt.Define d -> d.tensor();
            case Stmt.Scatter sc -> sc.tensor();
            case Stmt.TopK t -> t.tensor();
            case Stmt.Attention a -> a.out().map(Stmt.Output::tensor).or(a::lse).or(a::max).orElse(a.scores());
        };
    }
}
