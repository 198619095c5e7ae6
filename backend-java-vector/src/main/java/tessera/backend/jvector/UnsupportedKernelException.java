package tessera.backend.jvector;

import java.io.Serial;

/**
 * A kernel the Java backend does not run (a group kernel, with shared arrays and barriers): the
 * module's limitation, not a bug of the emitter. The message names the kernel.
 */
public final class UnsupportedKernelException extends IllegalArgumentException {
    @Serial
    private static final long serialVersionUID = 1L;

    UnsupportedKernelException(String message) {
        super(message);
    }
}
