package tessera.ir;

import java.util.Optional;

/**
 * A problem in the user's program or input, as a value: where, what, and what to do about it.
 * Rendered by {@link DiagnosticRenderer}; never thrown.
 */
public record Diagnostic(Severity severity, SourceSpan span, String message, Optional<String> hint) {
    public enum Severity { ERROR, WARNING, NOTE;
        public String label() { return name().toLowerCase(java.util.Locale.ROOT); }
    }

    public Diagnostic {
        if (severity == null || span == null || message == null || hint == null) throw new IllegalArgumentException("null field");
    }

    public static Diagnostic error(SourceSpan span, String message) {
        return new Diagnostic(Severity.ERROR, span, message, Optional.empty());
    }

    public static Diagnostic error(SourceSpan span, String message, String hint) {
        return new Diagnostic(Severity.ERROR, span, message, Optional.ofNullable(hint));
    }

    public boolean isError() {
        return severity == Severity.ERROR;
    }

    /** The first line of the rendered form: {@code file:line:col: error: message}. */
    public String headline() {
        return (span.isKnown() ? span.location() + ": " : "") + severity.label() + ": " + message;
    }
}
