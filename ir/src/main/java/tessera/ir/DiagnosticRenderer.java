package tessera.ir;

import java.util.List;
import java.util.Map;

/**
 * The one renderer of diagnostics for the CLI, the Maven plugin and tests:
 * <pre>
 * flash.tsr:7:38: error: index 'j' has no range
 *     s[b, h, i, j] = q[b, h, i, d];
 *                ^
 *   hint: use it to index a tensor or bind it in a reduction
 * </pre>
 */
public final class DiagnosticRenderer {
    private final Map<String, String> sources;

    /** @param sources file name to its text, for quoting the offending line */
    public DiagnosticRenderer(Map<String, String> sources) {
        this.sources = Map.copyOf(sources);
    }

    public String render(Diagnostic d) {
        StringBuilder out = new StringBuilder(d.headline()).append('\n');
        SourceSpan s = d.span();
        String text = sources.get(s.file());
        if (s.isKnown() && text != null) {
            List<String> lines = text.lines().toList();
            int lineNo = s.line();
            int column = s.column();
            if (lineNo - 1 >= lines.size() && !lines.isEmpty()) {
                // Past the last line (end of file): point just after the last line's text.
                lineNo = lines.size();
                column = lines.getLast().length() + 1;
            }
            if (lineNo - 1 < lines.size()) {
                String line = lines.get(lineNo - 1).replace('\t', ' ');
                out.append("    ").append(line).append('\n');
                int start = Math.max(1, column);
                int end = lineNo == s.line() && s.endLine() == s.line() ? Math.max(start, s.endColumn()) : start;
                end = Math.min(end, Math.max(start, line.length()));
                out.append("    ").append(" ".repeat(start - 1)).append('^');
                if (end > start) out.append("~".repeat(end - start));
                out.append('\n');
            }
        }
        d.hint().ifPresent(h -> out.append("  hint: ").append(h).append('\n'));
        return out.toString();
    }

    public String renderAll(List<Diagnostic> ds) {
        StringBuilder out = new StringBuilder();
        for (Diagnostic d : ds) out.append(render(d));
        return out.toString();
    }
}
