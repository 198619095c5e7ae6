package tessera.passes;

import java.util.ArrayList;
import java.util.List;
import tessera.ir.tensor.Program;
import tessera.ir.tensor.Verifier;

/**
 * Runs passes in order, verifying the IR after each one, and keeps what each produced so
 * {@code tessera explain} can show it.
 */
public final class PassManager {
    /** The program after one pass, and whether the pass changed it. */
    public record Step(String pass, Program program, boolean changed) {}

    private final List<Pass> passes;

    public PassManager(List<Pass> passes) {
        this.passes = List.copyOf(passes);
    }

    /**
     * Runs every pass. A verifier failure is a compiler bug, reported as an
     * {@link IllegalStateException} naming the pass.
     *
     * @return the input as step "resolve", then one step per pass
     */
    public List<Step> run(Program input) {
        List<Step> steps = new ArrayList<>();
        check("resolve", input);
        steps.add(new Step("resolve", input, true));
        Program current = input;
        for (Pass p : passes) {
            Program next = p.apply(current);
            check(p.name(), next);
            steps.add(new Step(p.name(), next, !next.equals(current)));
            current = next;
        }
        return steps;
    }

    private static void check(String pass, Program p) {
        List<String> problems = Verifier.check(p);
        if (!problems.isEmpty()) {
            throw new IllegalStateException("internal error: the IR after '" + pass + "' of kernel '" + p.name()
                    + "' is invalid:\n  " + String.join("\n  ", problems));
        }
    }
}
