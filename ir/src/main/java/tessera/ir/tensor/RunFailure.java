package tessera.ir.tensor;

import tessera.ir.SourceSpan;

/**
 * Carries a {@link RunError} out of the depths of an evaluation to {@link Interpreter#run}, which
 * turns it into a failed outcome. Never escapes the package; has no stack trace.
 */
final class RunFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient RunError error;

    RunFailure(String message, SourceSpan span) {
        super(message, null, false, false);
        this.error = new RunError(message, span);
    }

    RunError error() {
        return error;
    }
}
