package tessera.backend.ptx.sim;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Simulated global memory: the buffers a host allocated. Buffer {@code k} (from 1) starts at
 * {@code k * 2^40 + 2^39}, in the middle of its own region, so any address names at most one
 * buffer and an offset of up to ±2^39 bytes is still reported against it. Every access is
 * bounds-checked and must be aligned to its size, as on a GPU.
 */
public final class GlobalMemory {
    static final int REGION_SHIFT = 40;
    static final long HALF_REGION = 1L << (REGION_SHIFT - 1);
    /** Generic addresses at and above this are shared or local windows, not global memory. */
    static final long GENERIC_WINDOWS = 1L << 62;

    private final List<SimBuffer> buffers = new ArrayList<>();
    /** Module-scope variables, allocated once per module image. */
    private final Map<SimModule, Map<String, SimBuffer>> moduleVariables = new HashMap<>();

    /** A zero-filled buffer of {@code bytes} bytes. */
    public SimBuffer allocate(long bytes) {
        return allocate(bytes, "buffer " + (buffers.size() + 1));
    }

    SimBuffer allocate(long bytes, String label) {
        if (bytes < 0 || bytes > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("cannot allocate " + bytes + " bytes in the PTX simulator");
        long k = buffers.size() + 1L;
        if (k >= (GENERIC_WINDOWS >>> REGION_SHIFT)) throw new IllegalStateException("too many buffers");
        SimBuffer b = new SimBuffer((k << REGION_SHIFT) + HALF_REGION, (int) bytes, label);
        buffers.add(b);
        return b;
    }

    /** Releases a buffer's memory; later accesses through its addresses are faults, and the address is not reused. */
    public void free(SimBuffer b) {
        b.free();
    }

    Map<String, SimBuffer> variables(SimModule module) {
        return moduleVariables.computeIfAbsent(module, m -> m.allocateVariables(this));
    }

    /** The buffer whose region holds {@code address}, or null. */
    SimBuffer region(long address) {
        if (address < 0 || address >= GENERIC_WINDOWS) return null;
        long k = address >>> REGION_SHIFT;
        if (k < 1 || k > buffers.size()) return null;
        return buffers.get((int) (k - 1));
    }

    /** The offset of an in-bounds, aligned access, or a {@link Trap} saying what is wrong. */
    int offset(long address, int size, boolean write, Namer namer) {
        SimBuffer b = region(address);
        if (b == null) {
            throw new Trap(FaultKind.OUT_OF_BOUNDS, (write ? "write" : "read") + " of " + size + " bytes at 0x" + Long.toHexString(address)
                    + " which is in no buffer (a null or garbage pointer?)", address);
        }
        long off = address - b.address();
        if (b.freed()) {
            throw new Trap(FaultKind.OUT_OF_BOUNDS, (write ? "write" : "read") + " of " + size + " bytes at 0x" + Long.toHexString(address)
                    + " in " + namer.name(b) + ", which has been freed", address);
        }
        if (off < 0 || off + size > b.size()) {
            String where = off < 0 ? "is before the start" : "is past the end";
            throw new Trap(FaultKind.OUT_OF_BOUNDS, (write ? "write" : "read") + " of " + size + " bytes at 0x" + Long.toHexString(address)
                    + ": byte offset " + off + " " + where + " of " + namer.name(b) + " (" + b.size() + " bytes)", address);
        }
        if ((address & (size - 1)) != 0) {
            throw new Trap(FaultKind.MISALIGNED, (write ? "write" : "read") + " of " + size + " bytes at 0x" + Long.toHexString(address)
                    + " is not aligned to " + size + " (" + namer.name(b) + ", byte offset " + off + ")", address);
        }
        return (int) off;
    }

    long load(long address, int size, Namer namer) {
        SimBuffer b = region(address);
        long off = b == null ? -1 : address - b.address();
        if (off < 0 || off + size > b.size() || (address & (size - 1)) != 0) offset(address, size, false, namer);
        return Bytes.get(b.data(), (int) off, size);
    }

    void store(long address, int size, long bits, Namer namer) {
        SimBuffer b = region(address);
        long off = b == null ? -1 : address - b.address();
        if (off < 0 || off + size > b.size() || (address & (size - 1)) != 0) offset(address, size, true, namer);
        Bytes.set(b.data(), (int) off, size, bits);
    }

    /** Names a buffer for a message: which kernel parameters it is bound to in this launch. */
    @FunctionalInterface
    interface Namer {
        String name(SimBuffer b);
    }
}
