package tessera.backend.opencl;

import java.util.List;

/**
 * Text as {@code //} comment lines that cannot change the code around them: printable ASCII
 * only (drivers differ on other characters), no trigraph ({@code ??/} is a backslash in C99), and
 * no backslash at a line's end (which would splice the next line into the comment).
 */
final class Comments {
    private Comments() {}

    /** One {@code // } line per line of {@code text}; none for blank text. */
    static List<String> lines(String text) {
        if (text == null || text.isBlank()) return List.of();
        return text.strip().lines().map(Comments::line).toList();
    }

    private static String line(String raw) {
        StringBuilder b = new StringBuilder(raw.length());
        raw.chars().forEach(c -> b.append(c >= 0x20 && c < 0x7f ? (char) c : '?'));
        String s = b.toString().stripTrailing();
        while (s.contains("??")) s = s.replace("??", "? ?");
        if (s.endsWith("\\")) s += ".";
        return s.isEmpty() ? "//" : "// " + s;
    }
}
