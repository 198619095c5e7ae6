package tessera.passes;

import java.util.List;

/** The passes, in order. Tensor level only for now; loop-level passes come with the backends. */
public final class Pipeline {
    private Pipeline() {}

    public static List<Pass> tensorPasses() {
        return List.of(
                new Canonicalize(),     // fold constants and fixed dims, inline constant lets
                new FuseElementwise()   // elementwise temporaries into their consumers
        );
    }
}
