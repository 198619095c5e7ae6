package tessera.backend.ptx.sim;

/**
 * Thrown by an executing instruction; the launcher catches it and adds the kernel, line and
 * thread to make a {@link SimFault}. No stack trace: it is a value, not a bug.
 */
final class Trap extends RuntimeException {
    private static final long serialVersionUID = 1L;

    final FaultKind kind;
    /** The address involved, or -1. */
    final long address;

    Trap(FaultKind kind, String message) {
        this(kind, message, -1);
    }

    Trap(FaultKind kind, String message, long address) {
        super(message, null, false, false);
        this.kind = kind;
        this.address = address;
    }
}
