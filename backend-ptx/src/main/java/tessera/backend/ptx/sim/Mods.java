package tessera.backend.ptx.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * An instruction's modifiers, consumed as a decoder recognises them; whatever is left at
 * {@link #done()} is not understood, and the instruction is unsupported rather than run with a
 * modifier silently ignored.
 */
final class Mods {
    /** Cache, eviction and memory-order hints that do not change what a sequential simulation computes. */
    private static final Set<String> HINTS = Set.of("ca", "cg", "cs", "lu", "cv", "wb", "wt", "nc", "volatile", "weak",
            "relaxed", "acquire", "release", "acq_rel", "sc", "cta", "gpu", "sys", "cluster", "uni", "aligned");

    private final String mnemonic;
    private final List<String> left;

    Mods(Ptx.Instruction ins) {
        this.mnemonic = ins.mnemonic();
        this.left = new ArrayList<>(ins.modifiers());
    }

    boolean take(String m) {
        return left.remove(m);
    }

    /** The first of {@code options} present (removed), or null. */
    String takeAny(String... options) {
        for (String o : options) {
            if (left.remove(o)) return o;
        }
        return null;
    }

    /** Removes the memory-order, scope and cache hints. */
    void dropHints() {
        left.removeIf(m -> HINTS.contains(m) || m.startsWith("L1::") || m.startsWith("L2::") || m.startsWith("level::"));
    }

    /** Removes and returns the first type modifier. */
    PtxType type() throws Unsupported {
        return optType().orElseThrow(() -> new Unsupported(mnemonic + " needs a type modifier"));
    }

    Optional<PtxType> optType() {
        for (int i = 0; i < left.size(); i++) {
            Optional<PtxType> t = PtxType.of(left.get(i));
            if (t.isPresent()) {
                left.remove(i);
                return t;
            }
        }
        return Optional.empty();
    }

    /** Fails if a modifier was not consumed. */
    void done() throws Unsupported {
        if (!left.isEmpty()) throw new Unsupported("modifier ." + String.join(".", left) + " of " + mnemonic + " is not supported");
    }
}
