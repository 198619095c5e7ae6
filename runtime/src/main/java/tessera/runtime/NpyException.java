package tessera.runtime;

import java.io.Serial;

/**
 * Thrown when a file cannot be read as a supported {@code .npy} array.
 *
 * <p>The message is a single line describing the problem (for example
 * {@code "truncated data: expected 24 bytes, found 16"}); it never contains the file's path,
 * which the caller is expected to add together with whatever the file was for.
 */
public final class NpyException extends Exception {

    @Serial
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message a one-line description without the file path
     */
    public NpyException(String message) {
        super(message);
    }

    /**
     * Creates the exception with an underlying cause.
     *
     * @param message a one-line description without the file path
     * @param cause   the exception that revealed the problem
     */
    public NpyException(String message, Throwable cause) {
        super(message, cause);
    }
}
