package tessera.backend.ptx.sim;

/** One simulated thread: its registers, program counter and where it stands. */
final class SimThread {
    enum State { RUNNING, BARRIER, COLLECTIVE, EXITED }

    /** Registers, constants and special registers by slot (see {@link DecodedKernel}). */
    final long[] r;
    /** Linear thread index in the CTA, its lane and warp. */
    final int tid;
    final int lane;
    final int warp;
    final int x;
    final int y;
    final int z;
    /** Per-thread .local memory. */
    final byte[] local;
    final Cta cta;

    int pc;
    State state = State.RUNNING;
    /** The membermask a thread waiting at a warp-collective instruction gave. */
    int waitMask;
    long backwardBranches;

    SimThread(Cta cta, long[] template, int tid, int x, int y, int z, int localBytes) {
        this.cta = cta;
        this.r = template.clone();
        this.tid = tid;
        this.lane = tid & 31;
        this.warp = tid >>> 5;
        this.x = x;
        this.y = y;
        this.z = z;
        this.local = new byte[localBytes];
    }

    /** {@code tid (x,y,z)}. */
    String tidText() {
        return "tid (" + x + "," + y + "," + z + ")";
    }
}
