package tessera.backend.ptx.sim;

import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Mangled PTX (characters deleted, duplicated or swapped in hand-written kernels) gives a module
 * or a {@link PtxSyntaxException}, never another exception: the parser and decoder treat text as
 * input, not as something already checked.
 */
class PtxParserFuzzTest {
    private static final List<String> SOURCES = List.of(Programs.blockSum(false), Programs.WARP_SUM);

    @Property(tries = 400)
    void mangledTextParsesOrGivesASyntaxError(@ForAll @IntRange(min = 0, max = 1) int which, @ForAll @IntRange(min = 0, max = 100_000) int at,
                                              @ForAll @IntRange(min = 1, max = 12) int length, @ForAll @IntRange(min = 0, max = 2) int how) {
        String src = SOURCES.get(which);
        int from = at % src.length();
        int to = Math.min(src.length(), from + length);
        String piece = src.substring(from, to);
        String mangled = switch (how) {
            case 0 -> src.substring(0, from) + src.substring(to);
            case 1 -> src.substring(0, to) + piece + src.substring(to);
            default -> {
                int other = (from * 7 + 13) % src.length();
                yield other < from ? src.substring(0, other) + piece + src.substring(other, from) + src.substring(to)
                        : src.substring(0, from) + src.substring(to, Math.max(to, other)) + piece + src.substring(Math.max(to, other));
            }
        };
        try {
            SimModule.parse(mangled);
        } catch (PtxSyntaxException e) {
            // a located error is the expected outcome for most mangling
        }
    }
}
