package tessera.ir.tensor;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tessera.runtime.Tensor;

/**
 * The reference interpreter: runs a {@link Program} exactly as docs/language.md defines it, in
 * double precision, materialising every tensor. It is the oracle every backend is checked against,
 * so it is written for clarity first and only fast enough (each statement is compiled once into a
 * tree of small nodes over a slot array; softmax rows are computed once).
 *
 * <p>Semantics in brief: inputs, dims, scalar parameters and {@code where} clauses are bound and
 * checked first; then the statements run in order. Every tensor is a double array plus a presence
 * map; absence propagates up to the nearest reduction or softmax (which skip the term) or to the
 * statement (whose entry is then absent). Outputs are converted to their declared element type
 * only when returned, absent entries as 0.
 *
 * <p>Never throws for bad input: a program that breaks the IR's invariants ({@link Verifier}), a
 * missing or misshapen input, an index out of range, an integer division by zero, a duplicate
 * scatter, a topk without enough values... each gives a {@link Outcome.Failed} with a one-line
 * message.
 */
public final class Interpreter {
    private Interpreter() {}

    /** The result of a run. */
    public sealed interface Outcome {
        /** The outputs, in signature order. */
        record Ok(Map<String, Tensor> outputs) implements Outcome {
            public Ok {
                outputs = Collections.unmodifiableMap(new LinkedHashMap<>(outputs));
            }
        }

        /** Why the run stopped. */
        record Failed(RunError error) implements Outcome {}
    }

    /**
     * Runs {@code p}.
     *
     * @param inputs a tensor for every input, by name, with the declared rank and element type
     * @param scalars values for scalar parameters by name (bool as 0/1); parameters not given take
     *     their defaults
     */
    public static Outcome run(Program p, Map<String, Tensor> inputs, Map<String, Double> scalars) {
        if (p == null) return new Outcome.Failed(new RunError("no program", null));
        List<String> problems = Verifier.check(p);
        if (!problems.isEmpty()) {
            String more = problems.size() == 1 ? "" : " (and " + (problems.size() - 1) + " more)";
            return new Outcome.Failed(new RunError("invalid program '" + p.name() + "': " + problems.get(0) + more, p.span()));
        }
        try {
            return new Outcome.Ok(new KernelRun(p).execute(
                    inputs == null ? Map.of() : inputs, scalars == null ? Map.of() : scalars));
        } catch (RunFailure e) {
            return new Outcome.Failed(e.error());
        } catch (RuntimeException | StackOverflowError e) {
            return new Outcome.Failed(new RunError("internal error in the reference interpreter: " + e, p.span()));
        }
    }
}
