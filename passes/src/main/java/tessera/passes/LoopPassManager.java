package tessera.passes;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import tessera.ir.Diagnostic;
import tessera.ir.loop.LoopVerifier;
import tessera.ir.loop.Module;
import tessera.ir.tensor.Program;

/**
 * Lowers a program and runs the loop passes for one target, verifying the Loop IR after each step
 * and keeping every step for {@code tessera explain}. A verifier failure is a compiler bug
 * ({@link IllegalStateException} naming the step); a program this lowering cannot handle gives
 * diagnostics.
 */
public final class LoopPassManager {
    /** The module after one step, and whether the step changed it. */
    public record Step(String pass, Module module, boolean changed) {}

    /** The steps (lower first), or the diagnostics that stopped lowering. */
    public record Result(Optional<Module> module, List<Step> steps, List<Diagnostic> diagnostics) {
        public Result {
            steps = List.copyOf(steps);
            diagnostics = List.copyOf(diagnostics);
        }
    }

    private final List<LoopPass> passes;

    public LoopPassManager(List<LoopPass> passes) {
        this.passes = List.copyOf(passes);
    }

    public Result run(Program program, Target target) {
        Lower.Result lowered = Lower.lower(program, target);
        if (lowered.module().isEmpty()) return new Result(Optional.empty(), List.of(), lowered.diagnostics());
        List<Step> steps = new ArrayList<>();
        Module current = lowered.module().get();
        check("lower", current);
        steps.add(new Step("lower", current, true));
        for (LoopPass p : passes) {
            Module next = p.apply(current, target);
            check(p.name(), next);
            steps.add(new Step(p.name(), next, !next.equals(current)));
            current = next;
        }
        return new Result(Optional.of(current), steps, List.of());
    }

    private static void check(String pass, Module m) {
        List<String> problems = LoopVerifier.check(m);
        if (!problems.isEmpty()) {
            throw new IllegalStateException("internal error: the Loop IR after '" + pass + "' of '" + m.name()
                    + "' is invalid:\n  " + String.join("\n  ", problems));
        }
    }
}
