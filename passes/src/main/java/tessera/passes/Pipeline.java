package tessera.passes;

import java.util.List;

/** The passes, in order. Nothing is found by scanning: this list is the pipeline. */
public final class Pipeline {
    private Pipeline() {}

    /** Tensor level: what is computed. */
    public static List<Pass> tensorPasses() {
        return tensorPasses(true);
    }

    /** @param flash whether attention is fused (false: the generic path, for comparison) */
    public static List<Pass> tensorPasses(boolean flash) {
        if (!flash) {
            return List.of(
                    new Canonicalize(),
                    new FuseElementwise());
        }
        return List.of(
                new Canonicalize(),     // fold constants and fixed dims, inline constant lets
                new FuseElementwise(),  // elementwise temporaries into their consumers
                new FlashFusion(),      // contraction -> softmax -> contraction into one online-softmax node
                new BlockSparsity()     // which blocks of a fused node's mask are empty, full or partial
        );
    }

    /** Loop level, after {@link Lower}: how it is computed on one target. */
    public static List<LoopPass> loopPasses() {
        return List.of(
                new Simplify(),         // fold, drop dead lets and constant branches
                new MapToTarget(),      // unit-stride reductions onto vector lanes (per Target)
                new Tile()              // the two innermost grid loops in tiles (one-lane targets)
        );
    }
}
