package tessera.backend.ptx.sim;

import java.util.List;

/**
 * A warp-collective instruction ({@code shfl.sync}, {@code vote.sync}, {@code bar.warp.sync}):
 * a thread that reaches it records its membermask and waits; when every non-exited lane of the
 * mask waits at a collective with the same {@link #key()} and mask, the warp scheduler calls
 * {@link #complete} once for the group, which writes every member's results.
 */
abstract class Collective implements Exec {
    private final int maskSlot;

    Collective(int maskSlot) {
        this.maskSlot = maskSlot;
    }

    /** The instruction and qualifiers that must match across the group, e.g. {@code shfl.sync.bfly.b32}. */
    abstract String key();

    /**
     * Completes the collective for {@code group} (the waiting members, by lane order);
     * {@code lanes} holds every lane of the warp (null past the CTA's end) and {@code mask} the
     * membermask.
     */
    abstract void complete(List<SimThread> group, SimThread[] lanes, int mask);

    @Override
    public final int run(SimThread t, int pc) {
        t.waitMask = (int) t.r[maskSlot];
        t.pc = pc;
        t.state = SimThread.State.COLLECTIVE;
        return -1;
    }

    /** The collective at the pc where {@code t} waits. */
    static Collective at(SimThread t) {
        return t.cta.launch.kernel.collectives()[t.pc];
    }
}
