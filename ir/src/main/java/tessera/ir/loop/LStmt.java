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
     * VECTORIZED (set by MapToTarget): the body is straight-line {@link Let}s, {@link Store}s and
     * {@link Assign}s that accumulate into {@link Var}s declared before the loop with
     * {@code acc = acc + e}, {@code acc = max(acc, e)} or {@code acc = min(acc, e)}; every load's
     * index is the loop variable plus something invariant (unit stride) or invariant, and so is
     * every store's (into a buffer or a local array). A store may only write the element the same
     * iteration reads, or one nothing in the loop reads, and no two iterations write the same
     * element: no value passes from one iteration to another except through the accumulators.
     * A backend may run it across vector lanes with a masked tail and combine the lanes at the
     * end. Running it serially is always correct.
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

    /**
     * Where an {@link Alloc}'d array lives. PRIVATE: one array per work item. SHARED: one array
     * per group of a group kernel ({@link Kernel#group()}), seen by all its work items (CUDA
     * {@code __shared__}, OpenCL {@code __local}).
     */
    enum Space { PRIVATE, SHARED }

    /**
     * A local array of {@code size} elements of {@code type}, in scope for the rest of the block
     * that declares it; {@link LExpr.Load} and {@link Store} name it like a buffer (flat index,
     * bounds [0, size)). A PRIVATE array starts zero-filled each time its declaration runs. A
     * SHARED array is declared at the top level of a group kernel's body, has a constant size and
     * starts undefined: reading an element no work item of the group has written is an error.
     * {@code size} is an I32 expression of kernel scalars; GPU targets need a {@link LExpr.Const}.
     */
    record Alloc(String name, DType type, LExpr size, Space space) implements LStmt {}

    /**
     * Every work item of the group reaches this point before any passes it; SHARED writes before
     * it are seen by reads after it. Only in group kernels, and only where every work item of the
     * group takes the same path (uniform control flow).
     */
    record Barrier() implements LStmt {}

    /**
     * A matrix operand of {@link MatMul}: element {@code (r, c)} is
     * {@code array[offset + r * rowStride + c * colStride]}; {@code array} is a buffer parameter
     * or an {@link Alloc}'d array. Offset and strides are I32 expressions.
     */
    record Operand(String array, LExpr offset, LExpr rowStride, LExpr colStride) {}

    /**
     * {@code C = (accumulate ? C : 0) + A x B} on a {@code rows x cols} block of C: for every
     * {@code r < rows, c < cols}, {@code C(r, c)} gets its old value (or 0) plus
     * {@code sum_{p < depth} A(r, p) * B(p, c)}, the terms added in order of p (a backend may
     * fuse each multiply-add). The element types are C's; A and B are read as that type. C must
     * not overlap A or B. Backends make this a register-blocked micro-kernel where they can; it
     * is always correct to run it as the three loops.
     */
    record MatMul(Operand c, Operand a, Operand b, LExpr rows, LExpr cols, LExpr depth, boolean accumulate)
            implements LStmt {}
}
