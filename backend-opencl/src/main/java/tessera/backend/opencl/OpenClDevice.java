package tessera.backend.opencl;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_command_queue;
import org.jocl.cl_context;
import org.jocl.cl_context_properties;
import org.jocl.cl_device_id;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;
import org.jocl.cl_program;
import tessera.ir.loop.Device;
import tessera.ir.loop.Kernel;
import tessera.ir.loop.Module;
import tessera.runtime.DType;
import tessera.runtime.Tensor;

/**
 * An OpenCL device reached through JOCL: one context and one in-order command queue on one
 * device of any ICD (PoCL on a CPU, a GPU driver). {@link #prepare} emits the module with
 * {@link OpenClEmitter} and builds it; {@link #launch} binds arguments by parameter name and runs
 * the grid as a 1-D range of 64-item groups (fewer if the kernel or device
 * allows fewer), rounded up; a group kernel runs one work-group of its group size per grid point,
 * and a group larger than the device (or the built kernel) allows is refused with a message
 * saying both sizes. Transfers are blocking. Not thread-safe; {@link #close} releases
 * every OpenCL object the device made.
 */
public final class OpenClDevice implements Device {
    /** The message when no OpenCL platform (or no device) can be found. */
    public static final String NO_PLATFORM = "no OpenCL platform found; install pocl-opencl-icd (Debian) or a GPU driver";
    /** Work items per group, at most. */
    static final long LOCAL_SIZE = 64;
    /** Bytes per transfer call, below the 2 GiB a ByteBuffer can view. */
    private static final long CHUNK = 1L << 30;

    private final cl_device_id device;
    private final cl_context context;
    private final cl_command_queue queue;
    private final String name;
    private final String description;
    private final boolean fp64;
    private final long maxGroupSize;
    /** Programs built on this device, by source text. */
    private final Map<String, Built> builds = new HashMap<>();
    /** The launchable kernels, by Loop IR name. */
    private final Map<String, Loaded> kernels = new HashMap<>();
    private final Set<Buffer> live = Collections.newSetFromMap(new IdentityHashMap<>());
    private boolean closed;

    /**
     * A built kernel, the group size to launch it with when its grid points are single work
     * items, and the largest work-group it may run in (the device's and the kernel's limits).
     */
    private record Loaded(cl_kernel kernel, long localSize, long maxLocalSize) {}

    /** A built program and its kernels by C name. */
    private record Built(cl_program program, Map<String, Loaded> kernels) {}

    /** A buffer of this device. */
    private record Buffer(OpenClDevice owner, cl_mem mem, DType type, long elements) implements DeviceBuffer {}

    /** Opens the first GPU of any platform, else the first CPU device, else the first device. */
    public OpenClDevice() throws DeviceException {
        this(OptionalInt.empty());
    }

    /** Opens device {@code index} in the order of {@link #deviceList()}. */
    public OpenClDevice(int index) throws DeviceException {
        this(OptionalInt.of(index));
    }

    private OpenClDevice(OptionalInt index) throws DeviceException {
        Cl.Found chosen = Platforms.choose(index);
        device = chosen.device();
        String deviceName = Cl.deviceString(device, CL.CL_DEVICE_NAME);
        name = "opencl (" + deviceName + ", " + Platforms.kind(device) + ")";
        description = Cl.platformString(chosen.platform(), CL.CL_PLATFORM_NAME) + " "
                + Cl.platformString(chosen.platform(), CL.CL_PLATFORM_VERSION) + " / " + deviceName + " / "
                + Cl.deviceString(device, CL.CL_DEVICE_OPENCL_C_VERSION);
        fp64 = Cl.deviceString(device, CL.CL_DEVICE_EXTENSIONS).contains("cl_khr_fp64");
        maxGroupSize = Math.min(Cl.deviceSize(device, CL.CL_DEVICE_MAX_WORK_GROUP_SIZE),
                Cl.deviceFirstSize(device, CL.CL_DEVICE_MAX_WORK_ITEM_SIZES));
        cl_context_properties properties = new cl_context_properties();
        properties.addProperty(CL.CL_CONTEXT_PLATFORM, chosen.platform());
        context = Cl.create("clCreateContext",
                s -> CL.clCreateContext(properties, 1, new cl_device_id[] {device}, null, null, s));
        try {
            queue = createQueue(context, device);
        } catch (DeviceException e) {
            CL.clReleaseContext(context);
            throw e;
        }
    }

    /**
     * Why OpenCL cannot be used here, or empty if it can: no platform, no device, or no
     * {@code libOpenCL.so} for JOCL to load.
     */
    public static Optional<String> whyUnavailable() {
        try {
            return Platforms.all().isEmpty() ? Optional.of(NO_PLATFORM) : Optional.empty();
        } catch (DeviceException e) {
            return Optional.of(e.getMessage());
        }
    }

    /** One line per device, in the order {@link #OpenClDevice(int)} counts: "0: platform / device (cpu)". */
    public static List<String> deviceList() throws DeviceException {
        return Platforms.describeAll();
    }

    @Override
    public String name() {
        return name;
    }

    /** Platform, version, device and OpenCL C version, for logs. */
    public String description() {
        return description;
    }

    /** Whether the device has double precision ({@code cl_khr_fp64}). */
    public boolean supportsFp64() {
        return fp64;
    }

    /** Refuses, before building, a group kernel whose groups are larger than the device allows. */
    @Override
    public void prepare(Module module) throws DeviceException {
        ensureOpen();
        for (Kernel k : module.kernels()) {
            if (k.group().isPresent()) {
                checkGroupSize(k, maxGroupSize, "per group (CL_DEVICE_MAX_WORK_GROUP_SIZE, CL_DEVICE_MAX_WORK_ITEM_SIZES[0])");
            }
        }
        load(new OpenClEmitter().emit(module));
    }

    /** Refuses a group kernel whose group size is above {@code limit}; {@code which} says what the limit is. */
    private void checkGroupSize(Kernel kernel, long limit, String which) throws DeviceException {
        int size = kernel.group().orElseThrow().size();
        if (size > limit) {
            throw new DeviceException("kernel " + kernel.name() + " runs work-groups of " + size + " work items, but "
                    + name + " allows at most " + limit + " " + which);
        }
    }

    /**
     * Builds an emitted (or hand-written) program and makes its kernels launchable under their
     * Loop IR names, replacing kernels loaded earlier under the same names. A program whose source
     * was built before on this device is not built again. A build failure's message is one line;
     * the build log follows on the next lines.
     */
    public void load(OpenClProgram program) throws DeviceException {
        ensureOpen();
        requireFp64(program, fp64, name);
        Built built = builds.get(program.source());
        if (built == null) {
            built = build(program);
            builds.put(program.source(), built);
        }
        for (Map.Entry<String, String> k : program.kernelNames().entrySet()) {
            Loaded loaded = built.kernels().get(k.getValue());
            if (loaded == null) throw new DeviceException("program of module " + program.moduleName() + " has no kernel " + k.getValue());
            kernels.put(k.getKey(), loaded);
        }
    }

    /** Refuses, with a clear message, a program that uses f64 on a device without {@code cl_khr_fp64}. */
    static void requireFp64(OpenClProgram program, boolean deviceHasFp64, String deviceName) throws DeviceException {
        if (program.needsFp64() && !deviceHasFp64) {
            throw new DeviceException("module " + program.moduleName() + " uses f64, but " + deviceName
                    + " does not support double precision (no cl_khr_fp64)");
        }
    }

    private Built build(OpenClProgram program) throws DeviceException {
        cl_program p = Cl.create("clCreateProgramWithSource",
                s -> CL.clCreateProgramWithSource(context, 1, new String[] {program.source()}, null, s));
        Map<String, Loaded> made = new HashMap<>();
        try {
            try {
                Cl.check("clBuildProgram", () -> CL.clBuildProgram(p, 1, new cl_device_id[] {device}, "", null, null));
            } catch (DeviceException e) {
                throw BuildLog.failure(program.moduleName(), name, e.getMessage(), BuildLog.of(p, device));
            }
            for (String cName : program.kernelNames().values()) {
                cl_kernel kernel = Cl.create("clCreateKernel " + cName, s -> CL.clCreateKernel(p, cName, s));
                made.put(cName, new Loaded(kernel, 1, 1)); // recorded at once, so a failing query below still releases it
                long[] groupSize = new long[1];
                Cl.check("clGetKernelWorkGroupInfo", () -> CL.clGetKernelWorkGroupInfo(kernel, device,
                        CL.CL_KERNEL_WORK_GROUP_SIZE, Sizeof.size_t, Pointer.to(groupSize), null));
                long max = Math.max(1, Math.min(maxGroupSize, groupSize[0]));
                made.put(cName, new Loaded(kernel, Math.min(LOCAL_SIZE, max), max));
            }
        } catch (DeviceException e) {
            made.values().forEach(k -> quietly(() -> CL.clReleaseKernel(k.kernel())));
            quietly(() -> CL.clReleaseProgram(p));
            throw e;
        }
        return new Built(p, Map.copyOf(made));
    }

    @Override
    public DeviceBuffer allocate(DType type, long elements) throws DeviceException {
        ensureOpen();
        if (elements < 0) throw new DeviceException("cannot allocate " + elements + " elements");
        long bytes;
        try {
            bytes = Math.multiplyExact(elements, (long) type.byteSize());
        } catch (ArithmeticException e) {
            throw new DeviceException("buffer of " + elements + " " + type.sourceName() + " is too large", e);
        }
        long size = Math.max(bytes, type.byteSize()); // OpenCL has no empty buffers
        cl_mem mem = Cl.create("clCreateBuffer (" + size + " bytes)",
                s -> CL.clCreateBuffer(context, CL.CL_MEM_READ_WRITE, size, null, s));
        try {
            Cl.check("clEnqueueFillBuffer", () -> CL.clEnqueueFillBuffer(queue, mem, Pointer.to(new byte[] {0}), 1, 0,
                    size, 0, null, null));
        } catch (DeviceException e) {
            quietly(() -> CL.clReleaseMemObject(mem));
            throw e;
        }
        Buffer b = new Buffer(this, mem, type, elements);
        live.add(b);
        return b;
    }

    /** Frees a buffer before {@link #close}; using it afterwards is an error. */
    public void release(DeviceBuffer buffer) throws DeviceException {
        Buffer b = own(buffer);
        live.remove(b);
        quietly(() -> CL.clReleaseMemObject(b.mem()));
    }

    @Override
    public void write(DeviceBuffer dst, Tensor src) throws DeviceException {
        Buffer b = own(dst);
        if (src.dtype() != b.type() || src.size() != b.elements()) {
            throw new DeviceException("cannot write a " + src.shapeString() + " tensor into a buffer of "
                    + b.elements() + " " + b.type().sourceName());
        }
        MemorySegment data = src.data();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment host = data.isNative() ? data : arena.allocate(data.byteSize()).copyFrom(data);
            for (long off = 0; off < host.byteSize(); off += CHUNK) {
                long at = off;
                long len = Math.min(CHUNK, host.byteSize() - off);
                Pointer from = Pointer.to(host.asSlice(at, len).asByteBuffer());
                Cl.check("clEnqueueWriteBuffer", () -> CL.clEnqueueWriteBuffer(queue, b.mem(), true, at, len, from, 0, null, null));
            }
        }
    }

    @Override
    public Tensor read(DeviceBuffer src, long[] shape) throws DeviceException {
        Buffer b = own(src);
        Tensor t = Tensor.zeros(b.type(), shape);
        if (t.size() != b.elements()) {
            throw new DeviceException("cannot read a buffer of " + b.elements() + " " + b.type().sourceName()
                    + " as " + t.shapeString());
        }
        MemorySegment host = t.data();
        for (long off = 0; off < host.byteSize(); off += CHUNK) {
            long at = off;
            long len = Math.min(CHUNK, host.byteSize() - off);
            Pointer to = Pointer.to(host.asSlice(at, len).asByteBuffer());
            Cl.check("clEnqueueReadBuffer", () -> CL.clEnqueueReadBuffer(queue, b.mem(), true, at, len, to, 0, null, null));
        }
        return t;
    }

    @Override
    public void launch(Kernel kernel, long[] grid, Map<String, DeviceBuffer> buffers, Map<String, Double> scalars)
            throws DeviceException {
        ensureOpen();
        Loaded loaded = kernels.get(kernel.name());
        if (loaded == null) throw new DeviceException("kernel " + kernel.name() + " was not prepared on " + name);
        if (grid.length != kernel.grid().size()) {
            throw new DeviceException("kernel " + kernel.name() + " has a " + kernel.grid().size() + "-d grid, launched with "
                    + grid.length + " extents");
        }
        List<Kernel.Param> params = kernel.params();
        for (int i = 0; i < params.size(); i++) {
            int index = i;
            KernelArg arg = switch (params.get(i)) {
                case Kernel.BufferParam p -> bufferArg(kernel, p, buffers.get(p.name()));
                case Kernel.ScalarParam p -> KernelArg.scalar(kernel, p, scalars.get(p.name()));
            };
            Cl.check("clSetKernelArg " + params.get(i).name(),
                    () -> CL.clSetKernelArg(loaded.kernel(), index, arg.size(), arg.value()));
        }
        long items = 1;
        for (long extent : grid) {
            if (extent < 0) throw new DeviceException("kernel " + kernel.name() + ": negative grid extent " + extent);
            items = Math.multiplyExact(items, extent);
        }
        if (items == 0) return;
        long local;
        long[] global;
        if (kernel.group().isPresent()) {
            // One work-group per grid point (items counts the groups): no rounding up.
            checkGroupSize(kernel, loaded.maxLocalSize(), "for this kernel (CL_KERNEL_WORK_GROUP_SIZE)");
            local = kernel.group().orElseThrow().size();
            global = new long[] {Math.multiplyExact(items, local)};
        } else {
            local = loaded.localSize();
            global = new long[] {Math.multiplyExact(Math.ceilDiv(items, local), local)};
        }
        long[] localSize = {local};
        Cl.check("launch of kernel " + kernel.name(), () -> CL.clEnqueueNDRangeKernel(queue, loaded.kernel(), 1, null,
                global, localSize, 0, null, null));
        Cl.check("kernel " + kernel.name(), () -> CL.clFinish(queue));
    }

    private KernelArg bufferArg(Kernel kernel, Kernel.BufferParam p, DeviceBuffer given) throws DeviceException {
        if (given == null) throw new DeviceException("kernel " + kernel.name() + ": no buffer for parameter '" + p.name() + "'");
        Buffer b = own(given);
        if (b.type() != p.type()) {
            throw new DeviceException("kernel " + kernel.name() + ": parameter '" + p.name() + "' is " + p.type().sourceName()
                    + " but its buffer holds " + b.type().sourceName());
        }
        return new KernelArg(Sizeof.cl_mem, Pointer.to(b.mem()));
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        kernels.clear();
        for (Built b : builds.values()) {
            b.kernels().values().forEach(k -> quietly(() -> CL.clReleaseKernel(k.kernel())));
            quietly(() -> CL.clReleaseProgram(b.program()));
        }
        builds.clear();
        live.forEach(b -> quietly(() -> CL.clReleaseMemObject(b.mem())));
        live.clear();
        quietly(() -> CL.clReleaseCommandQueue(queue));
        quietly(() -> CL.clReleaseContext(context));
    }

    private Buffer own(DeviceBuffer buffer) throws DeviceException {
        ensureOpen();
        if (!(buffer instanceof Buffer b) || b.owner() != this) {
            throw new DeviceException("buffer does not belong to " + name);
        }
        if (!live.contains(b)) throw new DeviceException("buffer was released");
        return b;
    }

    private void ensureOpen() throws DeviceException {
        if (closed) throw new DeviceException(name + " is closed");
    }

    /** An in-order queue; OpenCL 1.2 has only the call that 2.0 deprecates, and every later version keeps it. */
    @SuppressWarnings("deprecation")
    private static cl_command_queue createQueue(cl_context context, cl_device_id device) throws DeviceException {
        return Cl.create("clCreateCommandQueue", s -> CL.clCreateCommandQueue(context, device, 0, s));
    }

    /** Runs a release call whose failure can only be ignored (close cannot throw a checked exception). */
    private static void quietly(Runnable release) {
        try {
            release.run();
        } catch (CLException e) {
            // Nothing left to do with an object that would not release.
        }
    }
}
