package tessera.backend.ptx.sim;

/** What went wrong in a simulated launch; each is something a GPU would not report (or not clearly). */
public enum FaultKind {
    /** A global or shared access outside every buffer or variable. */
    OUT_OF_BOUNDS("out-of-bounds access"),
    /** An access whose address is not a multiple of its size. */
    MISALIGNED("misaligned access"),
    /** A read of shared memory no thread of the CTA has written. */
    UNINITIALISED_READ("uninitialised shared-memory read"),
    /** Two threads of a CTA access the same shared byte, one writing, with no barrier between. */
    SHARED_RACE("shared-memory race"),
    /** Threads of a CTA wait at different barriers, or some wait while others exited. */
    BARRIER_DIVERGENCE("barrier divergence"),
    /** A warp-collective instruction (shfl.sync, vote.sync, bar.warp.sync) that cannot complete. */
    WARP_DIVERGENCE("warp divergence"),
    /** Integer division or remainder by zero (a GPU gives an unspecified value). */
    DIVISION_BY_ZERO("division by zero"),
    /** An instruction or modifier the simulator does not implement. */
    UNSUPPORTED("unsupported"),
    /** A thread took more backward branches than {@link SimOptions#maxBackwardBranches()} allows. */
    STEP_LIMIT("step limit"),
    /** The launch itself is wrong: unknown entry, arguments that do not match the parameters. */
    LAUNCH("bad launch");

    private final String label;

    FaultKind(String label) {
        this.label = label;
    }

    /** How messages name this kind, e.g. "shared-memory race". */
    public String label() {
        return label;
    }
}
