package tessera.backend.opencl;

import java.util.List;
import java.util.Map;

/**
 * Text as {@code //} comment lines that cannot change the code around them: printable ASCII
 * only (drivers differ on other characters; common symbols are spelled out, others become
 * {@code ?}), no trigraph ({@code ??/} is a backslash in C99), and no backslash at a line's end
 * (which would splice the next line into the comment).
 */
final class Comments {
    /** ASCII spellings of symbols that occur in source text and compiler comments. */
    private static final Map<Character, String> ASCII = Map.ofEntries(
            Map.entry('\u2014', "-"), Map.entry('\u2013', "-"), Map.entry('\u2212', "-"), Map.entry('\u00b7', "."),
            Map.entry('\u2264', "<="), Map.entry('\u2265', ">="), Map.entry('\u2260', "!="), Map.entry('\u2192', "->"),
            Map.entry('\u00d7', "x"), Map.entry('\u2026', "..."), Map.entry('\u2018', "'"), Map.entry('\u2019', "'"),
            Map.entry('\u201c', "\""), Map.entry('\u201d', "\""), Map.entry('\u00a7', "section "));

    private Comments() {}

    /** One {@code // } line per line of {@code text}; none for blank text. */
    static List<String> lines(String text) {
        if (text == null || text.isBlank()) return List.of();
        return text.strip().lines().map(Comments::line).toList();
    }

    private static String line(String raw) {
        StringBuilder b = new StringBuilder(raw.length());
        raw.chars().forEach(c -> b.append(c >= 0x20 && c < 0x7f ? String.valueOf((char) c)
                : ASCII.getOrDefault((char) c, "?")));
        String s = b.toString().stripTrailing();
        while (s.contains("??")) s = s.replace("??", "? ?");
        if (s.endsWith("\\")) s += ".";
        return s.isEmpty() ? "//" : "// " + s;
    }
}
