package tessera.ir.loop;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import tessera.runtime.DType;
import tessera.runtime.Tensor;

/**
 * A {@link Device} that interprets Loop IR directly: the oracle that tells lowering bugs (the
 * interpreter and the reference {@link tessera.ir.tensor.Interpreter} disagree) from emitter bugs
 * (the interpreter agrees with the reference, a backend does not).
 *
 * <p>Buffers are {@code double[]}s holding exact values of their element type (stores round as a
 * {@link Tensor} does: f32 to the nearest float, integers truncate or wrap, bool 0/1); arithmetic is
 * done in double precision for floats and exactly for integers, as {@link HostEval} describes.
 * {@link #prepare} compiles each kernel once ({@link LoopKernel}: names resolved to slots, statements
 * to closures); {@link #launch} walks the grid serially, row-major. Loads and stores are
 * bounds-checked: an index out of range is a {@link DeviceException} naming the kernel, buffer
 * and expression, never a wrong answer.
 *
 * <p>Not thread-safe; one instance serves one run at a time.
 */
public final class LoopInterpreter implements Device {
    /** The largest buffer the interpreter allocates (a Java array's limit, with room to spare). */
    public static final long MAX_ELEMENTS = Integer.MAX_VALUE - 16;

    private final Map<String, LoopKernel> compiled = new HashMap<>();

    @Override public String name() {
        return "loop-interp";
    }

    @Override public void prepare(Module module) throws DeviceException {
        compiled.clear();
        for (Kernel k : module.kernels()) compiled.put(k.name(), compile(k));
    }

    private static LoopKernel compile(Kernel k) throws DeviceException {
        try {
            return LoopKernel.compile(k);
        } catch (LoopKernel.Fault f) {
            throw new DeviceException("kernel '" + k.name() + "': " + f.getMessage());
        }
    }

    @Override public DeviceBuffer allocate(DType type, long elements) throws DeviceException {
        if (type == null) throw new DeviceException("a buffer needs an element type");
        if (elements < 0) throw new DeviceException("cannot allocate " + elements + " elements");
        if (elements > MAX_ELEMENTS) throw new DeviceException("a buffer of " + elements + " elements is too large for the loop interpreter");
        return new InterpBuffer(type, (int) elements);
    }

    @Override public void write(DeviceBuffer dst, Tensor src) throws DeviceException {
        InterpBuffer b = own(dst);
        if (src.dtype() != b.type()) throw new DeviceException("cannot write a " + src.dtype().sourceName() + " tensor into a " + b.type().sourceName() + " buffer");
        if (src.size() != b.elements()) throw new DeviceException("cannot write " + src.size() + " elements into a buffer of " + b.elements());
        for (int i = 0; i < b.data.length; i++) b.data[i] = src.getDouble(i);
    }

    @Override public Tensor read(DeviceBuffer src, long[] shape) throws DeviceException {
        InterpBuffer b = own(src);
        long n = 1;
        for (long d : shape) n *= d;
        if (n != b.elements()) throw new DeviceException("cannot read a buffer of " + b.elements() + " elements as shape " + java.util.Arrays.toString(shape));
        return Tensor.fromDoubles(b.type(), shape, b.data);
    }

    @Override public void launch(Kernel kernel, long[] grid, Map<String, DeviceBuffer> buffers, Map<String, Double> scalars)
            throws DeviceException {
        String where = "kernel '" + kernel.name() + "'";
        LoopKernel k = compiled.get(kernel.name());
        if (k == null || k.kernel() != kernel && !k.kernel().equals(kernel)) {
            k = compile(kernel);
            compiled.put(kernel.name(), k);
        }
        if (grid.length != kernel.grid().size()) {
            throw new DeviceException(where + ": a grid of " + grid.length + " extents for " + kernel.grid().size() + " grid variables");
        }
        for (int d = 0; d < grid.length; d++) {
            if (grid[d] < 0) throw new DeviceException(where + ": grid extent " + grid[d] + " for '" + kernel.grid().get(d).var() + "'");
        }
        List<Kernel.BufferParam> params = k.bufferParams();
        InterpBuffer[] bound = new InterpBuffer[params.size()];
        for (int i = 0; i < bound.length; i++) {
            Kernel.BufferParam p = params.get(i);
            DeviceBuffer b = buffers.get(p.name());
            if (b == null) throw new DeviceException(where + ": no buffer for parameter '" + p.name() + "'");
            if (b.type() != p.type()) {
                throw new DeviceException(where + ": parameter '" + p.name() + "' is " + p.type().sourceName() + " but its buffer is " + b.type().sourceName());
            }
            bound[i] = own(b);
        }
        for (Kernel.Param p : kernel.params()) {
            if (p instanceof Kernel.ScalarParam s && !scalars.containsKey(s.name())) {
                throw new DeviceException(where + ": no value for scalar parameter '" + s.name() + "'");
            }
        }
        try {
            k.run(grid.clone(), bound, scalars);
        } catch (LoopKernel.Fault f) {
            throw new DeviceException(where + ": " + f.getMessage());
        } catch (StackOverflowError e) {
            throw new DeviceException(where + ": too deeply nested for the loop interpreter");
        }
    }

    private static InterpBuffer own(DeviceBuffer b) throws DeviceException {
        if (b instanceof InterpBuffer ib) return ib;
        throw new DeviceException("not a loop-interpreter buffer: " + b);
    }
}
