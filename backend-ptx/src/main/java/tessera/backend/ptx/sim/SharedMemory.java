package tessera.backend.ptx.sim;

import java.util.Arrays;
import java.util.List;

/**
 * One CTA's shared memory, with the checks a GPU does not make. Variable {@code i} lives at
 * {@code (i + 1) * 2^21 + 2^20}, alone in its region, so an access outside every variable is
 * reported against the nearest one. For every byte it remembers whether it was written, and the
 * last writer and reader (thread, barrier epoch, warp-sync epoch, pc): a read of a byte never
 * written is an {@link FaultKind#UNINITIALISED_READ}; two threads touching a byte, one of them
 * writing, in the same barrier interval (and, within a warp, the same {@code bar.warp.sync}
 * interval) is a {@link FaultKind#SHARED_RACE}. Atomics are exempt from the race check with each
 * other but must read initialised bytes.
 */
final class SharedMemory {
    static final int REGION_SHIFT = 21;
    static final long HALF_REGION = 1L << (REGION_SHIFT - 1);
    private static final int NONE = -1;

    /** One shared variable's bytes and shadow state. */
    private static final class Var {
        final String name;
        final byte[] data;
        final boolean[] init;
        final int[] wTid;
        final int[] wEpoch;
        final int[] wWarpEpoch;
        final int[] wPc;
        final int[] rTid;
        final int[] rEpoch;
        final int[] rWarpEpoch;
        final int[] rPc;
        /** Whether threads other than {@code rTid} also read the byte since its last write. */
        final boolean[] rMany;

        Var(String name, int size) {
            this.name = name;
            data = new byte[size];
            init = new boolean[size];
            wTid = new int[size];
            wEpoch = new int[size];
            wWarpEpoch = new int[size];
            wPc = new int[size];
            rTid = new int[size];
            rEpoch = new int[size];
            rWarpEpoch = new int[size];
            rPc = new int[size];
            rMany = new boolean[size];
            Arrays.fill(wTid, NONE);
            Arrays.fill(rTid, NONE);
        }
    }

    private final Var[] vars;
    private final boolean checks;
    private final Cta cta;

    SharedMemory(Cta cta, List<DecodedKernel.SharedVar> layout, int dynamicBytes, boolean checks) {
        this.cta = cta;
        this.checks = checks;
        this.vars = new Var[layout.size()];
        for (int i = 0; i < vars.length; i++) {
            DecodedKernel.SharedVar v = layout.get(i);
            vars[i] = new Var(v.name(), v.dynamic() ? dynamicBytes : v.bytes());
        }
    }

    static long address(int index) {
        return ((long) (index + 1) << REGION_SHIFT) + HALF_REGION;
    }

    private Var var(long address, int size, String what) {
        long k = (address >>> REGION_SHIFT) - 1;
        if (address < 0 || k < 0 || k >= vars.length) {
            throw new Trap(FaultKind.OUT_OF_BOUNDS, what + " of " + size + " bytes at shared address 0x" + Long.toHexString(address)
                    + " which is in no shared variable", address);
        }
        Var v = vars[(int) k];
        long off = address - address((int) k);
        if (off < 0 || off + size > v.data.length) {
            String where = off < 0 ? "is before the start" : "is past the end";
            throw new Trap(FaultKind.OUT_OF_BOUNDS, what + " of " + size + " bytes at shared address 0x" + Long.toHexString(address)
                    + ": byte offset " + off + " " + where + " of '" + v.name + "' (" + v.data.length + " bytes)", address);
        }
        if ((address & (size - 1)) != 0) {
            throw new Trap(FaultKind.MISALIGNED, what + " of " + size + " bytes at shared address 0x" + Long.toHexString(address)
                    + " is not aligned to " + size + " ('" + v.name + "' + " + off + ")", address);
        }
        return v;
    }

    private static int offset(long address) {
        return (int) (address - address((int) ((address >>> REGION_SHIFT) - 1)));
    }

    long load(SimThread t, long address, int size, int pc) {
        Var v = var(address, size, "read");
        int off = offset(address);
        if (checks) {
            for (int i = off; i < off + size; i++) checkRead(v, i, t, pc, address);
        }
        return Bytes.get(v.data, off, size);
    }

    void store(SimThread t, long address, int size, long bits, int pc) {
        Var v = var(address, size, "write");
        int off = offset(address);
        if (checks) {
            for (int i = off; i < off + size; i++) checkWrite(v, i, t, pc, address);
        }
        Bytes.set(v.data, off, size, bits);
    }

    /** An atomic read-modify-write's old value; {@link #atomicStore} writes the new one. */
    long atomicLoad(long address, int size) {
        Var v = var(address, size, "atomic");
        int off = offset(address);
        if (checks) {
            for (int i = off; i < off + size; i++) {
                if (!v.init[i]) throw uninitialised(v, address, size);
            }
        }
        return Bytes.get(v.data, off, size);
    }

    void atomicStore(long address, int size, long bits) {
        Var v = var(address, size, "atomic");
        int off = offset(address);
        Bytes.set(v.data, off, size, bits);
        for (int i = off; i < off + size; i++) v.init[i] = true;
    }

    private Trap uninitialised(Var v, long address, int size) {
        return new Trap(FaultKind.UNINITIALISED_READ, "read of " + size + " bytes of uninitialised shared memory '" + v.name + "' + "
                + offset(address) + " (no thread of this CTA wrote it)", address);
    }

    private boolean ordered(int otherTid, int otherEpoch, int otherWarpEpoch, SimThread t) {
        if (otherTid == t.tid || otherEpoch != cta.epoch) return true;
        return (otherTid >>> 5) == t.warp && otherWarpEpoch != cta.warpEpoch[t.warp];
    }

    private void checkRead(Var v, int i, SimThread t, int pc, long address) {
        if (!v.init[i]) throw uninitialised(v, address, 1);
        if (v.wTid[i] != NONE && !ordered(v.wTid[i], v.wEpoch[i], v.wWarpEpoch[i], t)) {
            throw race(v, address, t, "reads", "written", v.wTid[i], v.wPc[i]);
        }
        int r = v.rTid[i];
        if (r == NONE || ordered(r, v.rEpoch[i], v.rWarpEpoch[i], t) && (r == t.tid ? v.rEpoch[i] != cta.epoch : true)) {
            v.rTid[i] = t.tid;
            v.rPc[i] = pc;
            v.rMany[i] = false;
        } else if (r != t.tid) {
            v.rMany[i] = true;
        }
        v.rEpoch[i] = cta.epoch;
        v.rWarpEpoch[i] = cta.warpEpoch[t.warp];
    }

    private void checkWrite(Var v, int i, SimThread t, int pc, long address) {
        if (v.wTid[i] != NONE && !ordered(v.wTid[i], v.wEpoch[i], v.wWarpEpoch[i], t)) {
            throw race(v, address, t, "writes", "written", v.wTid[i], v.wPc[i]);
        }
        int r = v.rTid[i];
        if (r != NONE && !ordered(r, v.rEpoch[i], v.rWarpEpoch[i], t)) {
            throw race(v, address, t, "writes", "read", r, v.rPc[i]);
        }
        if (r == t.tid && v.rMany[i] && v.rEpoch[i] == cta.epoch) {
            throw race(v, address, t, "writes", "read by other threads", -1, -1);
        }
        v.init[i] = true;
        v.wTid[i] = t.tid;
        v.wEpoch[i] = cta.epoch;
        v.wWarpEpoch[i] = cta.warpEpoch[t.warp];
        v.wPc[i] = pc;
        v.rTid[i] = NONE;
        v.rMany[i] = false;
    }

    private Trap race(Var v, long address, SimThread t, String verb, String what, int otherTid, int otherPc) {
        String other = otherTid < 0 ? "" : " by thread " + cta.tidText(otherTid) + " at PTX line " + cta.line(otherPc);
        return new Trap(FaultKind.SHARED_RACE, "this thread " + verb + " '" + v.name + "' + " + offset(address)
                + " (0x" + Long.toHexString(address) + "), " + what + other
                + " with no barrier between", address);
    }
}
