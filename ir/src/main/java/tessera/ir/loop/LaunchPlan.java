package tessera.ir.loop;

import java.util.List;
import tessera.runtime.DType;

/**
 * How to run a module, target-neutral and serialisable beside the emitted code: which scalars
 * the host computes (in order), which buffers exist, and the launches in order.
 *
 * <p>Host scalars are evaluated in order before any launch: dims (from input shapes), scalar
 * parameters (given or default), and lets that are plain formulas. Their expressions use only
 * earlier host scalars, so any host can evaluate them (see {@link HostEval}).
 */
public record LaunchPlan(List<HostScalar> scalars, List<Check> checks, List<Buffer> buffers, List<Launch> launches) {
    public LaunchPlan {
        scalars = List.copyOf(scalars);
        checks = List.copyOf(checks);
        buffers = List.copyOf(buffers);
        launches = List.copyOf(launches);
    }

    public enum ScalarSource { DIM, PARAM, COMPUTED }

    /**
     * A scalar the host knows before launching. DIM: bound from {@code input}'s axis {@code axis};
     * PARAM: given by the caller, else {@code value} (the default, if any); COMPUTED: {@code value}.
     */
    public record HostScalar(String name, DType type, ScalarSource source, java.util.Optional<LExpr> value,
                             String input, int axis) {}

    /** A {@code where} constraint the host checks after binding scalars, with its source text. */
    public record Check(LExpr predicate, String text) {}

    public enum Role { INPUT, OUTPUT, TEMP }

    /**
     * A buffer: {@code shape} as expressions of host scalars. Inputs and outputs carry the user's
     * names; temporaries are the compiler's (row statistics, presence masks, lets read from data).
     * Outputs are zero-filled before the first launch; so are temporaries.
     */
    public record Buffer(String name, DType type, Role role, List<LExpr> shape) {
        public Buffer {
            shape = List.copyOf(shape);
        }
    }

    /** Runs kernel {@code kernel}; buffer and scalar parameters bind to plan entries of the same name. */
    public record Launch(String kernel) {}
}
