package tessera.backend.ptx.sim;

/** PTX text the simulator cannot read: the message names the 1-based line. */
public final class PtxSyntaxException extends Exception {
    private static final long serialVersionUID = 1L;

    private final int line;

    public PtxSyntaxException(int line, String message) {
        super("PTX line " + line + ": " + message);
        this.line = line;
    }

    /** The 1-based line of the problem. */
    public int line() {
        return line;
    }
}
