package tessera.backend.ptx;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import tessera.runtime.DType;

/**
 * The registers that hold a kernel's named values, block by block: scalar parameters and grid
 * variables outermost, then lets, vars and loop variables as their blocks open; and the local
 * arrays ({@link ExprEmitter.Array}) declared in those blocks. Names may be reused by sibling
 * blocks, as the Loop IR allows.
 */
final class Scope {
    /** A name's register and type; {@code mutable} for vars and loop variables, which later code may overwrite. */
    record Binding(Operand.Reg reg, DType type, boolean mutable) {}

    private final Deque<Map<String, Binding>> blocks = new ArrayDeque<>();
    private final Deque<Map<String, ExprEmitter.Array>> arrays = new ArrayDeque<>();

    Scope() {
        open();
    }

    void open() {
        blocks.push(new HashMap<>());
        arrays.push(new HashMap<>());
    }

    void close() {
        blocks.pop();
        arrays.pop();
    }

    /** Declares a local array in the innermost block. */
    void bindArray(ExprEmitter.Array array) {
        arrays.peek().put(array.name(), array);
    }

    /** The local array {@code name} in scope, or null when the name is not one (it is a buffer parameter). */
    ExprEmitter.Array array(String name) {
        for (Map<String, ExprEmitter.Array> b : arrays) {
            ExprEmitter.Array found = b.get(name);
            if (found != null) return found;
        }
        return null;
    }

    void bind(String name, Operand.Reg reg, DType type, boolean mutable) {
        blocks.peek().put(name, new Binding(reg, type, mutable));
    }

    /** The binding of {@code name}; the IR is verified, so a missing name is a bug in the caller. */
    Binding lookup(String name) {
        for (Map<String, Binding> b : blocks) {
            Binding found = b.get(name);
            if (found != null) return found;
        }
        throw new IllegalArgumentException("'" + name + "' is not declared here");
    }

    /** Whether {@code r} is the register of a var or loop variable in scope (so a let must copy it). */
    boolean isMutable(Operand.Reg r) {
        return blocks.stream().flatMap(b -> b.values().stream()).anyMatch(b -> b.mutable() && b.reg().equals(r));
    }
}
