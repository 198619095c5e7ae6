package tessera.backend.ptx.sim;

/** Thrown while decoding an instruction the simulator does not implement; becomes a {@link FaultKind#UNSUPPORTED} fault if it runs. */
final class Unsupported extends Exception {
    private static final long serialVersionUID = 1L;

    Unsupported(String message) {
        super(message, null, false, false);
    }
}
