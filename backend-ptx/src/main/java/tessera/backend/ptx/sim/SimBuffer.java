package tessera.backend.ptx.sim;

import java.lang.foreign.MemorySegment;

/**
 * A buffer in simulated global memory: {@link #size()} bytes at device address
 * {@link #address()}. Every buffer lives alone in a 2^40-byte region of the address space, so an
 * address computed from one buffer can never reach another, and an access outside it is reported
 * against the buffer it came from.
 */
public final class SimBuffer {
    private final long address;
    private final String label;
    private byte[] data;
    private boolean freed;

    SimBuffer(long address, int size, String label) {
        this.address = address;
        this.data = new byte[size];
        this.label = label;
    }

    /** The device address of the first byte. */
    public long address() {
        return address;
    }

    public int size() {
        return data.length;
    }

    /** A name for messages (a module variable's name, or "buffer N"). */
    public String label() {
        return label;
    }

    /** Whether {@link GlobalMemory#free} released it; every access to it is then a fault. */
    public boolean freed() {
        return freed;
    }

    void free() {
        data = new byte[0];
        freed = true;
    }

    /** The bytes, little-endian; reads and writes go straight to the simulated memory. */
    public MemorySegment segment() {
        return MemorySegment.ofArray(data);
    }

    byte[] data() {
        return data;
    }

    @Override
    public String toString() {
        return label + " (" + data.length + " bytes at 0x" + Long.toHexString(address) + ")";
    }
}
