package tessera.ir.loop;

import java.util.List;
import tessera.runtime.DType;

/** A Loop IR statement, executed by one work item of a kernel. */
public sealed interface LStmt {
    /** An immutable local. */
    record Let(String name, LExpr value) implements LStmt {}

    /** A mutable local with its initial value. */
    record Var(String name, DType type, LExpr init) implements LStmt {}

    /** Assigns a {@link Var}. */
    record Assign(String name, LExpr value) implements LStmt {}

    /** Writes element {@code index} of a buffer (converted to the buffer's element type). */
    record Store(String buffer, LExpr index, LExpr value) implements LStmt {}

    /**
     * How a loop may run. SERIAL: in order. UNROLLED: in order, unrolled by the backend.
     * VECTORIZED (set by MapToTarget): the body is straight-line {@link Let}s and {@link Assign}s
     * that accumulate into {@link Var}s declared before the loop with {@code acc = acc + e},
     * {@code acc = max(acc, e)} or {@code acc = min(acc, e)}; every load's index is the loop
     * variable plus something invariant (unit stride) or invariant; a backend may run it across
     * vector lanes with a masked tail and combine the lanes at the end. Running it serially is
     * always correct.
     */
    enum LoopKind { SERIAL, UNROLLED, VECTORIZED }

    /** {@code for (var = lo; var < hi; var++)}; the var is I32. */
    record For(String var, LExpr lo, LExpr hi, LoopKind kind, List<LStmt> body) implements LStmt {
        public For {
            body = List.copyOf(body);
        }
    }

    record If(LExpr cond, List<LStmt> then, List<LStmt> otherwise) implements LStmt {
        public If {
            then = List.copyOf(then);
            otherwise = List.copyOf(otherwise);
        }
    }

    /** Says which source statement and pass produced the code that follows; backends emit it as a comment. */
    record Comment(String text) implements LStmt {}
}
