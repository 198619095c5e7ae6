package tessera.backend.ptx.sim;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import tessera.backend.ptx.PtxEmitter;
import tessera.backend.ptx.PtxProgram;
import tessera.ir.loop.Device;
import tessera.ir.loop.Kernel;
import tessera.ir.loop.Module;
import tessera.runtime.DType;
import tessera.runtime.Tensor;

/**
 * The "ptx-sim" {@link Device}: runs a module's PTX on the {@link PtxSimulator}, so PTX kernels
 * are checked without a GPU. {@link #prepare} asks the {@link PtxProgram} source for the module's
 * PTX (the {@link PtxEmitter} by default) and decodes it once per text; buffers live in simulated
 * global memory, little-endian as a tensor stores them; {@link #launch} follows the emitter's
 * convention: a 1-D grid of {@code ceil(points / blockSize)} CTAs of {@code blockSize} threads
 * (for a group kernel, one CTA per grid point of as many threads as the group has work items),
 * arguments in the kernel's parameter order (buffers as 64-bit addresses, i32/f32 scalars 4
 * bytes, i64/f64 8, bool one 0/1 byte). A {@link SimFault} becomes a {@link DeviceException}
 * with the fault's one-line message. Not thread-safe: one run at a time.
 */
public final class PtxSimDevice implements Device {
    /** The CTA size when none is given, as on the CUDA device. */
    public static final int DEFAULT_BLOCK_SIZE = 128;

    private final Function<Module, PtxProgram> source;
    private final int blockSize;
    private final PtxSimulator simulator;
    private final GlobalMemory memory = new GlobalMemory();
    private final Map<String, SimModule> decoded = new HashMap<>();
    private final Map<String, Prepared> kernels = new HashMap<>();

    /** A prepared kernel: its module and PTX entry name. */
    private record Prepared(SimModule module, String entry) {}

    /**
     * @param source    the PTX of a module (with its entry names)
     * @param blockSize threads per CTA, 1 to 1024
     * @param options   the simulator's checks and limits
     */
    public PtxSimDevice(Function<Module, PtxProgram> source, int blockSize, SimOptions options) {
        if (blockSize < 1 || blockSize > 1024) throw new IllegalArgumentException("block size must be 1..1024, got " + blockSize);
        this.source = source;
        this.blockSize = blockSize;
        this.simulator = new PtxSimulator(options);
    }

    /** Emits with {@link PtxEmitter} (sm_80), blocks of {@value #DEFAULT_BLOCK_SIZE}, every check on. */
    public static PtxSimDevice withEmitter() {
        return new PtxSimDevice(m -> new PtxEmitter().emit(m), DEFAULT_BLOCK_SIZE, SimOptions.defaults());
    }

    /** PTX text from {@code text}, whose entries are named as the module's kernels. */
    public static PtxSimDevice ofText(Function<Module, String> text, int blockSize) {
        return new PtxSimDevice(m -> {
            Map<String, String> names = new HashMap<>();
            for (Kernel k : m.kernels()) names.put(k.name(), k.name());
            return new PtxProgram(m.name(), text.apply(m), names, 80);
        }, blockSize, SimOptions.defaults());
    }

    @Override public String name() {
        return "ptx-sim";
    }

    @Override public void prepare(Module module) throws DeviceException {
        PtxProgram program;
        try {
            program = source.apply(module);
        } catch (RuntimeException e) {
            throw new DeviceException("PTX for module '" + module.name() + "': " + e.getMessage(), e);
        }
        SimModule sim = decoded.get(program.text());
        if (sim == null) {
            try {
                sim = SimModule.parse(program.text());
            } catch (PtxSyntaxException e) {
                throw new DeviceException("PTX of module '" + module.name() + "' does not parse: " + e.getMessage(), e);
            }
            decoded.put(program.text(), sim);
        }
        for (Kernel k : module.kernels()) {
            String entry = program.entryNames().getOrDefault(k.name(), k.name());
            if (!sim.entries().contains(entry)) throw new DeviceException("kernel '" + k.name() + "': no entry '" + entry + "' in its PTX");
            kernels.put(k.name(), new Prepared(sim, entry));
        }
    }

    /** A buffer of the simulator's global memory. */
    private record SimDeviceBuffer(DType type, long elements, SimBuffer buffer) implements DeviceBuffer {}

    @Override public DeviceBuffer allocate(DType type, long elements) throws DeviceException {
        if (type == null) throw new DeviceException("a buffer needs an element type");
        if (elements < 0 || elements > (Integer.MAX_VALUE - 8) / type.byteSize()) {
            throw new DeviceException("cannot allocate " + elements + " elements of " + type.sourceName() + " in the PTX simulator");
        }
        return new SimDeviceBuffer(type, elements, memory.allocate(elements * type.byteSize()));
    }

    @Override public void write(DeviceBuffer dst, Tensor src) throws DeviceException {
        SimDeviceBuffer b = own(dst);
        if (src.dtype() != b.type()) throw new DeviceException("cannot write a " + src.dtype().sourceName() + " tensor into a " + b.type().sourceName() + " buffer");
        if (src.size() != b.elements()) throw new DeviceException("cannot write " + src.size() + " elements into a buffer of " + b.elements());
        MemorySegment.copy(src.data(), 0, b.buffer().segment(), 0, b.buffer().size());
    }

    @Override public void release(DeviceBuffer buffer) throws DeviceException {
        memory.free(own(buffer).buffer());
    }

    @Override public Tensor read(DeviceBuffer src, long[] shape) throws DeviceException {
        SimDeviceBuffer b = own(src);
        long n = 1;
        for (long d : shape) n *= d;
        if (n != b.elements()) throw new DeviceException("cannot read a buffer of " + b.elements() + " elements as shape " + java.util.Arrays.toString(shape));
        Tensor t = Tensor.zeros(b.type(), shape);
        MemorySegment.copy(b.buffer().segment(), 0, t.data(), 0, b.buffer().size());
        return t;
    }

    @Override public void launch(Kernel kernel, long[] grid, Map<String, DeviceBuffer> buffers, Map<String, Double> scalars)
            throws DeviceException {
        String where = "kernel '" + kernel.name() + "'";
        Prepared p = kernels.get(kernel.name());
        if (p == null) throw new DeviceException(where + " was not prepared");
        if (grid.length != kernel.grid().size()) throw new DeviceException(where + ": a grid of " + grid.length + " extents for " + kernel.grid().size() + " grid variables");
        long points = 1;
        for (long g : grid) {
            if (g < 0) throw new DeviceException(where + ": negative grid extent " + g);
            points = Math.multiplyHigh(points, g) != 0 ? Long.MAX_VALUE : points * g;
        }
        if (points == 0) return;
        int threads = kernel.group().map(Kernel.Group::size).orElse(blockSize);
        if (threads > 1024) throw new DeviceException(where + ": a group of " + threads + " work items; a CTA has at most 1024 threads");
        long ctas = kernel.group().isPresent() ? points : (points + blockSize - 1) / blockSize;
        if (ctas > Integer.MAX_VALUE) throw new DeviceException(where + ": " + points + " grid points need more CTAs than a 1-D grid holds");
        List<KernelArg> args = new ArrayList<>();
        for (Kernel.Param param : kernel.params()) {
            switch (param) {
                case Kernel.BufferParam bp -> {
                    DeviceBuffer b = buffers.get(bp.name());
                    if (b == null) throw new DeviceException(where + ": no buffer for parameter '" + bp.name() + "'");
                    if (b.type() != bp.type()) throw new DeviceException(where + ": parameter '" + bp.name() + "' is " + bp.type().sourceName() + " but its buffer is " + b.type().sourceName());
                    args.add(KernelArg.pointer(own(b).buffer(), bp.name()));
                }
                case Kernel.ScalarParam sp -> {
                    Double v = scalars.get(sp.name());
                    if (v == null) throw new DeviceException(where + ": no value for scalar parameter '" + sp.name() + "'");
                    args.add(scalar(where, sp, v));
                }
            }
        }
        try {
            simulator.launch(p.module(), p.entry(), LaunchConfig.linear((int) ctas, threads), args, memory);
        } catch (SimFault f) {
            throw new DeviceException(f.getMessage(), f);
        }
    }

    private static KernelArg scalar(String where, Kernel.ScalarParam p, double v) throws DeviceException {
        return switch (p.type()) {
            case I32 -> KernelArg.s32((int) (long) v);
            case I64 -> KernelArg.s64((long) v);
            case F32 -> KernelArg.f32((float) v);
            case F64 -> KernelArg.f64(v);
            case BOOL -> KernelArg.u8(v != 0 ? 1 : 0);
            case F16, BF16 -> throw new DeviceException(where + ": " + p.type().sourceName() + " scalar parameter '" + p.name() + "' is not supported");
        };
    }

    private static SimDeviceBuffer own(DeviceBuffer b) throws DeviceException {
        if (b instanceof SimDeviceBuffer s) return s;
        throw new DeviceException("not a ptx-sim buffer: " + b);
    }
}
