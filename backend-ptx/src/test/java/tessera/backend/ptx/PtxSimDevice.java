package tessera.backend.ptx;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import tessera.ir.loop.Device;
import tessera.ir.loop.Kernel;
import tessera.ir.loop.Module;
import tessera.runtime.DType;
import tessera.runtime.Tensor;

/**
 * A {@link Device} that emits a module with {@link PtxEmitter} and runs the PTX on the
 * {@link PtxSimulator}: the PTX backend's semantics, checked without a GPU. Launches round the
 * thread count up to whole blocks of 128 (at least one block), as a CUDA launcher would. Public
 * for compiler's tests (through this module's test jar).
 */
public final class PtxSimDevice implements Device {
    static final int BLOCK = 128;

    private record SimBuffer(DType type, long elements, long base) implements DeviceBuffer {}

    private final PtxOptions options;
    private final PtxSimulator.Memory memory = new PtxSimulator.Memory();
    private PtxSimulator simulator;
    private Map<String, String> entries = Map.of();

    public PtxSimDevice(PtxOptions options) {
        this.options = options;
    }

    @Override
    public String name() {
        return "ptx-sim (" + options.target() + ")";
    }

    @Override
    public void prepare(Module module) throws DeviceException {
        PtxEmitter emitter = new PtxEmitter();
        var problems = emitter.check(module, options);
        if (!problems.isEmpty()) throw new DeviceException(problems.getFirst().render());
        PtxProgram p = emitter.emit(module, options);
        simulator = new PtxSimulator(p.text());
        entries = p.entryNames();
    }

    @Override
    public DeviceBuffer allocate(DType type, long elements) {
        return new SimBuffer(type, elements, memory.allocate(Math.toIntExact(elements * type.byteSize())));
    }

    @Override
    public void write(DeviceBuffer dst, Tensor src) {
        SimBuffer b = (SimBuffer) dst;
        ByteBuffer bytes = memory.bytes(b.base());
        MemorySegment.ofBuffer(bytes).copyFrom(src.data());
    }

    @Override
    public Tensor read(DeviceBuffer src, long[] shape) {
        SimBuffer b = (SimBuffer) src;
        Tensor t = Tensor.zeros(b.type(), shape);
        t.data().copyFrom(MemorySegment.ofBuffer(memory.bytes(b.base())).asSlice(0, t.data().byteSize()));
        return t;
    }

    @Override
    public void launch(Kernel kernel, long[] grid, Map<String, DeviceBuffer> buffers, Map<String, Double> scalars)
            throws DeviceException {
        Map<String, Long> args = new HashMap<>();
        for (Kernel.Param p : kernel.params()) {
            String name = KernelEmitter.paramName(p.name());
            switch (p) {
                case Kernel.BufferParam bp -> args.put(name, ((SimBuffer) buffers.get(bp.name())).base());
                case Kernel.ScalarParam sp -> args.put(name, bits(sp.type(), scalars.get(sp.name())));
            }
        }
        long points = 1;
        for (long g : grid) points *= Math.max(g, 0);
        long threads = Math.max(1, (points + BLOCK - 1) / BLOCK) * BLOCK;
        try {
            simulator.launch(entries.get(kernel.name()), args, memory, threads, BLOCK);
        } catch (PtxSimulator.Fault f) {
            throw new DeviceException("kernel " + kernel.name() + ": " + f.getMessage(), f);
        }
    }

    private static long bits(DType t, double v) {
        return switch (t) {
            case BOOL -> v != 0 ? 1 : 0;
            case I32 -> (int) v & 0xFFFF_FFFFL;
            case I64 -> (long) v;
            case F32 -> Float.floatToRawIntBits((float) v) & 0xFFFF_FFFFL;
            case F64 -> Double.doubleToRawLongBits(v);
            case F16, BF16 -> throw new IllegalArgumentException("a scalar of storage-only " + t.sourceName());
        };
    }
}
