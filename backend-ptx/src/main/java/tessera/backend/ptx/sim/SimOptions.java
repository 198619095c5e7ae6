package tessera.backend.ptx.sim;

/**
 * How the simulator runs.
 *
 * @param sharedChecks        check shared memory for uninitialised reads and races (costs some speed)
 * @param maxBackwardBranches backward branches one thread may take before the launch is stopped
 *                            as an infinite loop
 */
public record SimOptions(boolean sharedChecks, long maxBackwardBranches) {
    public SimOptions {
        if (maxBackwardBranches < 1) throw new IllegalArgumentException("maxBackwardBranches must be positive");
    }

    /** Every check on; a thread may loop 2^31 times. */
    public static SimOptions defaults() {
        return new SimOptions(true, 1L << 31);
    }
}
