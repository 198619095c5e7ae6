package tessera.backend.ptx.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import tessera.ir.loop.Device.DeviceException;
import tessera.ir.loop.Kernel;

/**
 * Kernel arguments as {@code cuLaunchKernel} takes them: a {@code void*[]} with one entry per
 * kernel parameter, in the Loop IR kernel's parameter order, each pointing at the argument's value.
 * The driver copies as many bytes from each as the PTX {@code .param} declares, so the value's
 * size must match the emitter's parameter types: buffers are 64-bit device addresses
 * ({@code .u64}), {@code i32} 4 bytes, {@code i64} 8, {@code f32} 4, {@code f64} 8, {@code bool}
 * one byte holding 0 or 1 ({@code .u8}); all in the host's byte order (little-endian on every
 * host CUDA supports).
 */
final class KernelArgs {
    private KernelArgs() {}

    /**
     * One argument's bytes. Package-private and never mutated after construction.
     *
     * @param name  the parameter's name, for messages
     * @param bytes the value, 1, 4 or 8 bytes; also its alignment
     */
    record Arg(String name, byte[] bytes) {}

    /** A buffer argument: the 64-bit device address. */
    static Arg pointer(String name, long address) {
        return new Arg(name, order(ByteBuffer.allocate(8)).putLong(address).array());
    }

    /**
     * A scalar argument from the host's double (as {@code PlanRunner} passes scalars): integers
     * truncate as a Java cast does, {@code f32} rounds to nearest, {@code bool} is 1 for any
     * non-zero value.
     *
     * @throws DeviceException when the value is missing or the type has no scalar form (f16, bf16)
     */
    static Arg scalar(Kernel kernel, Kernel.ScalarParam p, Double given) throws DeviceException {
        if (given == null) {
            throw new DeviceException("kernel " + kernel.name() + ": no value for scalar parameter '" + p.name() + "'");
        }
        double v = given;
        ByteBuffer b = switch (p.type()) {
            case BOOL -> ByteBuffer.allocate(1).put((byte) (v != 0 ? 1 : 0));
            case I32 -> order(ByteBuffer.allocate(4)).putInt((int) v);
            case I64 -> order(ByteBuffer.allocate(8)).putLong((long) v);
            case F32 -> order(ByteBuffer.allocate(4)).putFloat((float) v);
            case F64 -> order(ByteBuffer.allocate(8)).putDouble(v);
            case F16, BF16 -> throw new DeviceException("kernel " + kernel.name() + ": scalar parameter '" + p.name()
                    + "' has the storage-only type " + p.type().sourceName());
        };
        return new Arg(p.name(), b.array());
    }

    /**
     * Copies each value into {@code arena}, aligned to its size, and returns the array of
     * pointers to them ({@link MemorySegment#NULL} for a kernel without parameters). Both live as
     * long as the arena, which must outlive the launch call.
     */
    static MemorySegment pack(Arena arena, List<Arg> args) {
        if (args.isEmpty()) return MemorySegment.NULL;
        MemorySegment pointers = arena.allocate(ADDRESS, args.size());
        for (int i = 0; i < args.size(); i++) {
            byte[] bytes = args.get(i).bytes();
            MemorySegment value = arena.allocate(bytes.length, bytes.length);
            value.copyFrom(MemorySegment.ofArray(bytes));
            pointers.setAtIndex(ADDRESS, i, value);
        }
        return pointers;
    }

    private static ByteBuffer order(ByteBuffer b) {
        return b.order(ByteOrder.nativeOrder());
    }
}
