package tessera.ir.tensor;

import tessera.ir.SourceSpan;

/**
 * Why a run of the {@link Interpreter} failed: a one-line message naming the parameter, tensor or
 * statement at fault, and where in the source, when known. Line breaks in the message (from a
 * constraint's source text, say) become spaces.
 */
public record RunError(String message, SourceSpan span) {
    public RunError {
        if (message == null) throw new IllegalArgumentException("message");
        message = message.replace("\r\n", " ").replace('\n', ' ').replace('\r', ' ');
        if (span == null) span = SourceSpan.NONE;
    }

    /** {@code "file:line:col: error: message"}, or {@code "error: message"} when the span is unknown. */
    public String oneLine() {
        return (span.isKnown() ? span.location() + ": " : "") + "error: " + message;
    }
}
