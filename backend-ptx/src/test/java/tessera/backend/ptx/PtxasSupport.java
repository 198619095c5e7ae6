package tessera.backend.ptx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Optional;
import org.junit.jupiter.api.Assumptions;

/** Running ptxas from tests: skipped with the reason where it is missing, except under {@code CI=true}, where that fails. */
final class PtxasSupport {
    private PtxasSupport() {}

    /** Aborts (or, under CI=true, fails) the calling test when ptxas is not on the PATH. */
    static void requirePtxas() {
        Optional<String> why = Ptxas.whyUnavailable();
        if (why.isEmpty()) return;
        if ("true".equals(System.getenv("CI"))) fail(why.get());
        Assumptions.abort(why.get());
    }

    /** Asserts that ptxas assembles {@code ptx} for {@code sm_<sm>} without errors or warnings. */
    static void assertAssembles(String what, String ptx, int sm) {
        requirePtxas();
        Ptxas.Result r = Ptxas.check(ptx, sm);
        assertThat(r.ok()).as("ptxas -arch=sm_%d on %s:%n%s%n%s", sm, what, r.output(), numbered(ptx)).isTrue();
        assertThat(r.output()).as("ptxas warnings for %s at sm_%d", what, sm).isEmpty();
    }

    private static String numbered(String text) {
        StringBuilder b = new StringBuilder();
        int n = 1;
        for (String line : text.split("\n", -1)) b.append(String.format("%4d  %s%n", n++, line));
        return b.toString();
    }
}
