package tessera.backend.opencl;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The identifiers of one scope of emitted code (a kernel's locals and parameters, or the
 * program's functions). A source name keeps its spelling unless the language reserves it; then it
 * becomes {@code name_} (or {@code v_name} when the prefix is what is reserved), with more
 * underscores until it is free. Names the emitter invents come from {@link #fresh}.
 *
 * <p>Source names should all be {@linkplain #declare declared} before any {@link #fresh} name is
 * made, so that an invented name never takes a spelling the source uses.
 */
final class CNames {
    private final CDialect dialect;
    private final Map<String, String> bySource = new HashMap<>();
    private final Set<String> taken = new HashSet<>();

    CNames(CDialect dialect) {
        this.dialect = dialect;
    }

    /** Reserves {@code source}'s spelling (or its mangled form) for it; declaring twice is harmless. */
    void declare(String source) {
        of(source);
    }

    /** The identifier for a source name, declaring it if it is new. */
    String of(String source) {
        String known = bySource.get(source);
        if (known != null) return known;
        String id = source;
        if (dialect.isReserved(id) || taken.contains(id)) {
            id = source + "_";
            if (dialect.isReserved(id)) id = "v_" + source;
            while (dialect.isReserved(id) || taken.contains(id) || bySource.containsKey(id)) id += "_";
        }
        bySource.put(source, id);
        taken.add(id);
        return id;
    }

    /** A new identifier like {@code hint} that no source name and no earlier fresh name has. */
    String fresh(String hint) {
        String id = hint;
        for (int n = 1; dialect.isReserved(id) || taken.contains(id) || bySource.containsKey(id); n++) {
            id = hint + n;
        }
        taken.add(id);
        return id;
    }
}
