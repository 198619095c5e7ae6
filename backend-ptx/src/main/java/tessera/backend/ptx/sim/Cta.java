package tessera.backend.ptx.sim;

import java.util.ArrayList;
import java.util.List;

/**
 * One CTA of a launch, run to completion. Threads run one at a time, each until it exits or
 * waits at a barrier or warp-collective instruction; a warp's collectives complete when every
 * non-exited member waits at one with the same qualifiers and mask; when every thread waits at a
 * barrier or has exited, the barrier is checked (all waiting threads at the same {@code bar.sync}
 * and none exited) and released. This order is one a GPU may take, and the shared-memory checks
 * catch programs whose result depends on the order.
 */
final class Cta {
    final Launch launch;
    final SimThread[] threads;
    /** This CTA's index in the grid; the object is reused for every CTA of a launch. */
    int x;
    int y;
    int z;
    SharedMemory shared;
    /** Completed CTA barriers. */
    int epoch;
    /** Completed bar.warp.sync per warp. */
    final int[] warpEpoch;

    Cta(Launch launch) {
        this.launch = launch;
        Dim3 block = launch.config.block();
        int n = (int) block.count();
        this.threads = new SimThread[n];
        this.warpEpoch = new int[(n + 31) / 32];
        int i = 0;
        for (int tz = 0; tz < block.z(); tz++) {
            for (int ty = 0; ty < block.y(); ty++) {
                for (int tx = 0; tx < block.x(); tx++, i++) threads[i] = new SimThread(this, launch.template, i, tx, ty, tz, launch.kernel.localBytes());
            }
        }
    }

    /** Runs CTA {@code (x, y, z)} to completion: fresh registers, shared and local memory. */
    void run(int x, int y, int z) throws SimFault {
        this.x = x;
        this.y = y;
        this.z = z;
        this.epoch = 0;
        java.util.Arrays.fill(warpEpoch, 0);
        this.shared = new SharedMemory(this, launch.kernel.shared(), launch.config.dynamicSharedBytes(), launch.options.sharedChecks());
        long[] template = launch.template;
        for (SimThread t : threads) {
            long[] r = t.r;
            System.arraycopy(template, 0, r, 0, r.length);
            r[DecodedKernel.CTAID] = x;
            r[DecodedKernel.CTAID + 1] = y;
            r[DecodedKernel.CTAID + 2] = z;
            r[DecodedKernel.TID] = t.x;
            r[DecodedKernel.TID + 1] = t.y;
            r[DecodedKernel.TID + 2] = t.z;
            r[DecodedKernel.LANEID] = t.lane;
            r[DecodedKernel.WARPID] = t.warp;
            r[DecodedKernel.LANEMASK_EQ] = 1L << t.lane;
            r[DecodedKernel.LANEMASK_LT] = (1L << t.lane) - 1;
            r[DecodedKernel.LANEMASK_LE] = (2L << t.lane) - 1;
            r[DecodedKernel.LANEMASK_GT] = 0xffffffffL & ~((2L << t.lane) - 1);
            r[DecodedKernel.LANEMASK_GE] = 0xffffffffL & ~((1L << t.lane) - 1);
            java.util.Arrays.fill(t.local, (byte) 0);
            t.pc = 0;
            t.state = SimThread.State.RUNNING;
            t.waitMask = 0;
            t.backwardBranches = 0;
        }
        run();
    }

    int size() {
        return threads.length;
    }

    int line(int pc) {
        return launch.kernel.line(pc);
    }

    String tidText(int tid) {
        Dim3 b = launch.config.block();
        return "tid (" + tid % b.x() + "," + tid / b.x() % b.y() + "," + tid / (b.x() * b.y()) + ")";
    }

    private String where(SimThread t) {
        return "ctaid (" + x + "," + y + "," + z + ") " + t.tidText();
    }

    SimFault fault(Trap e, SimThread t, int pc) {
        return new SimFault(e.kind, launch.kernel.name(), line(pc), launch.kernel.text(pc), where(t), e.address, e.kind.label() + ": " + e.getMessage());
    }

    private SimFault fault(FaultKind kind, SimThread t, String detail) {
        return new SimFault(kind, launch.kernel.name(), line(t.pc), launch.kernel.text(t.pc), where(t), -1, kind.label() + ": " + detail);
    }

    private void run() throws SimFault {
        while (true) {
            for (int w = 0; w < warpEpoch.length; w++) runWarp(w);
            SimThread waiting = null;
            SimThread exited = null;
            for (SimThread t : threads) {
                if (t.state == SimThread.State.EXITED) {
                    if (exited == null) exited = t;
                } else if (waiting == null) {
                    waiting = t;
                } else if (t.pc != waiting.pc || t.waitMask != waiting.waitMask) {
                    throw fault(FaultKind.BARRIER_DIVERGENCE, t, "this thread waits at barrier " + t.waitMask + " (PTX line " + line(t.pc)
                            + ") but thread " + waiting.tidText() + " waits at barrier " + waiting.waitMask + " (PTX line " + line(waiting.pc)
                            + "); bar.sync is aligned: every thread of the CTA must execute the same one");
                }
            }
            if (waiting == null) return;
            if (exited != null) {
                throw fault(FaultKind.BARRIER_DIVERGENCE, waiting, "this thread waits at barrier " + waiting.waitMask
                        + " but thread " + exited.tidText() + " has exited (PTX line " + line(exited.pc) + "); the barrier would never complete");
            }
            epoch++;
            for (SimThread t : threads) {
                t.pc++;
                t.state = SimThread.State.RUNNING;
            }
        }
    }

    /** Runs the threads of warp {@code w} until each has exited or waits at a CTA barrier. */
    private void runWarp(int w) throws SimFault {
        int first = w * 32;
        int end = Math.min(first + 32, threads.length);
        SimThread[] lanes = new SimThread[32];
        for (int i = first; i < end; i++) lanes[i - first] = threads[i];
        while (true) {
            for (int i = first; i < end; i++) {
                if (threads[i].state == SimThread.State.RUNNING) step(threads[i]);
            }
            boolean waiting = false;
            boolean progress = false;
            for (int i = first; i < end; i++) {
                SimThread t = threads[i];
                if (t.state != SimThread.State.COLLECTIVE) continue;
                waiting = true;
                List<SimThread> group = group(t, lanes);
                if (group == null) continue;
                try {
                    Collective.at(t).complete(group, lanes, t.waitMask);
                } catch (Trap e) {
                    throw fault(e, t, t.pc);
                }
                for (SimThread g : group) {
                    g.pc++;
                    g.state = SimThread.State.RUNNING;
                }
                progress = true;
            }
            if (!waiting) return;
            if (!progress) throw stuck(lanes);
        }
    }

    /** The members waiting with {@code t}, or null if some member is not there yet (or never will be). */
    private List<SimThread> group(SimThread t, SimThread[] lanes) throws SimFault {
        int mask = t.waitMask;
        if ((mask >>> t.lane & 1) == 0) {
            throw fault(FaultKind.WARP_DIVERGENCE, t, "lane " + t.lane + " executes " + Collective.at(t).key() + " with membermask 0x"
                    + Integer.toHexString(mask) + ", which does not include it (undefined on a GPU)");
        }
        String key = Collective.at(t).key();
        List<SimThread> group = new ArrayList<>();
        for (int l = 0; l < 32; l++) {
            if ((mask >>> l & 1) == 0) continue;
            SimThread m = lanes[l];
            if (m == null || m.state == SimThread.State.EXITED) continue;
            if (m.state != SimThread.State.COLLECTIVE || !Collective.at(m).key().equals(key) || m.waitMask != mask) return null;
            group.add(m);
        }
        return group;
    }

    /** Why no collective of the warp can complete. */
    private SimFault stuck(SimThread[] lanes) {
        for (SimThread t : lanes) {
            if (t == null || t.state != SimThread.State.COLLECTIVE) continue;
            String key = Collective.at(t).key();
            for (int l = 0; l < 32; l++) {
                SimThread m = lanes[l];
                if ((t.waitMask >>> l & 1) == 0 || m == null || m.state == SimThread.State.EXITED) continue;
                String other = switch (m.state) {
                    case BARRIER -> "waits at bar.sync (PTX line " + line(m.pc) + ")";
                    case COLLECTIVE -> "waits at " + Collective.at(m).key() + " with membermask 0x" + Integer.toHexString(m.waitMask)
                            + " (PTX line " + line(m.pc) + ")";
                    default -> "is running";
                };
                if (m.state != SimThread.State.COLLECTIVE || !Collective.at(m).key().equals(key) || m.waitMask != t.waitMask) {
                    return fault(FaultKind.WARP_DIVERGENCE, t, "lane " + t.lane + " waits at " + key + " with membermask 0x"
                            + Integer.toHexString(t.waitMask) + " but lane " + l + " " + other);
                }
            }
        }
        return fault(FaultKind.WARP_DIVERGENCE, threads[0], "a warp-collective instruction cannot complete");
    }

    /** Runs {@code t} until it stops. */
    private void step(SimThread t) throws SimFault {
        Exec[] code = launch.kernel.code();
        int pc = t.pc;
        int current = pc;
        try {
            while (pc >= 0) {
                current = pc;
                pc = code[pc].run(t, pc);
            }
        } catch (Trap e) {
            throw fault(e, t, current);
        }
    }
}
