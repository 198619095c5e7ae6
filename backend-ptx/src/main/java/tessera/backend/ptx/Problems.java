package tessera.backend.ptx;

import java.util.ArrayList;
import java.util.List;

/**
 * What the emitter could not emit in one kernel, each naming the source statement: the latest
 * {@code Comment} passed in the kernel's body (which says what produced the code after it), or the
 * kernel's origin before any.
 */
final class Problems {
    private final String kernel;
    private final List<PtxProblem> found = new ArrayList<>();
    private String statement;

    Problems(String kernel, String origin) {
        this.kernel = kernel;
        this.statement = firstLine(origin);
    }

    /** Notes that the code from here on comes from the statement a comment names. */
    void at(String comment) {
        String line = firstLine(comment);
        if (!line.isEmpty()) statement = line;
    }

    void unsupported(String message) {
        found.add(new PtxProblem(kernel, statement, message));
    }

    List<PtxProblem> list() {
        return List.copyOf(found);
    }

    private static String firstLine(String text) {
        return text == null ? "" : text.strip().lines().findFirst().orElse("");
    }
}
