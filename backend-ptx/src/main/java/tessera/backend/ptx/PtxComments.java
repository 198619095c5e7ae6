package tessera.backend.ptx;

import java.util.List;
import java.util.Map;

/**
 * Text as PTX {@code //} comment lines: printable ASCII only (common symbols of source text and
 * compiler comments are spelled out, others become {@code ?}), one comment line per text line.
 */
final class PtxComments {
    private static final Map<Character, String> ASCII = Map.ofEntries(
            Map.entry('\u2014', "-"), Map.entry('\u2013', "-"), Map.entry('\u2212', "-"), Map.entry('\u00b7', "."),
            Map.entry('\u2264', "<="), Map.entry('\u2265', ">="), Map.entry('\u2260', "!="), Map.entry('\u2192', "->"),
            Map.entry('\u00d7', "x"), Map.entry('\u2026', "..."), Map.entry('\u2018', "'"), Map.entry('\u2019', "'"),
            Map.entry('\u201c', "\""), Map.entry('\u201d', "\""), Map.entry('\u00a7', "section "));

    private PtxComments() {}

    /** One {@code // } line per line of {@code text}; none for blank text. */
    static List<String> lines(String text) {
        if (text == null || text.isBlank()) return List.of();
        return text.strip().lines().map(l -> {
            String s = ascii(l).stripTrailing();
            return s.isEmpty() ? "//" : "// " + s;
        }).toList();
    }

    /** {@code text} with every character outside printable ASCII spelled out or replaced by {@code ?}. */
    static String ascii(String text) {
        StringBuilder b = new StringBuilder(text.length());
        text.chars().forEach(c -> b.append(c >= 0x20 && c < 0x7f ? String.valueOf((char) c)
                : ASCII.getOrDefault((char) c, "?")));
        return b.toString();
    }
}
