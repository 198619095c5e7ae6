package tessera.ir;

/**
 * A range of source text: 1-based line and column of the first character, and of the last
 * character (inclusive). {@link #NONE} marks nodes the compiler made up.
 */
public record SourceSpan(String file, int line, int column, int endLine, int endColumn) {
    public static final SourceSpan NONE = new SourceSpan("<none>", 0, 0, 0, 0);

    public SourceSpan {
        if (file == null) throw new IllegalArgumentException("file");
    }

    public static SourceSpan at(String file, int line, int column) {
        return new SourceSpan(file, line, column, line, column);
    }

    public boolean isKnown() {
        return line > 0;
    }

    /** "file:line:col", the prefix of every diagnostic. */
    public String location() {
        return file + ":" + line + ":" + column;
    }

    /** The smallest span covering both. */
    public SourceSpan to(SourceSpan end) {
        if (!isKnown()) return end;
        if (!end.isKnown()) return this;
        return new SourceSpan(file, line, column, end.endLine, end.endColumn);
    }
}
