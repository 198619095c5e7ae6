package tessera.backend.ptx.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import tessera.ir.loop.Device;
import tessera.ir.loop.Kernel;
import tessera.ir.loop.Module;
import tessera.runtime.DType;
import tessera.runtime.Tensor;

/**
 * An NVIDIA GPU reached through the CUDA driver API ({@link CudaDriver}): the device's primary
 * context, PTX modules loaded with the driver's JIT, and buffers in device memory.
 * {@link #prepare} asks the {@link PtxSource} for the module's PTX and loads it; {@link #launch}
 * runs a kernel 1-D over its flattened grid in blocks of {@link #DEFAULT_BLOCK_SIZE} threads (or
 * the size given), {@code ceil(points / block)} blocks (a group kernel: one block of the group's
 * size per grid point), with the arguments in the kernel's parameter order ({@link KernelArgs}),
 * and waits for it. Transfers are synchronous. Not
 * thread-safe, though any one thread at a time may use it (each call makes the context current);
 * {@link #close} frees every buffer and module it made and releases the context.
 */
public final class CudaDevice implements Device {
    /** Threads per block unless the constructor is given another size. */
    public static final int DEFAULT_BLOCK_SIZE = 128;
    /** The most threads a CUDA block may have. */
    static final int MAX_BLOCK_SIZE = 1024;
    /** The most blocks in a grid's x dimension. */
    static final long MAX_BLOCKS = Integer.MAX_VALUE;

    private final CudaDriver driver;
    private final PtxSource ptxSource;
    private final int blockSize;
    private final int device;
    private final int sm;
    private final String name;
    private final String description;
    private final MemorySegment context;
    /** Modules loaded on this device, by PTX text. */
    private final Map<String, MemorySegment> modules = new HashMap<>();
    /** The launchable functions, by Loop IR kernel name. */
    private final Map<String, MemorySegment> functions = new HashMap<>();
    private final Set<Buffer> live = Collections.newSetFromMap(new IdentityHashMap<>());
    private boolean closed;

    /** A buffer of this device: {@code elements} values of {@code type} at a device address. */
    private record Buffer(CudaDevice owner, long pointer, DType type, long elements) implements DeviceBuffer {}

    /** Opens device {@code index} with blocks of {@link #DEFAULT_BLOCK_SIZE} threads. */
    public CudaDevice(int index, PtxSource ptxSource) throws DeviceException {
        this(index, ptxSource, DEFAULT_BLOCK_SIZE);
    }

    /**
     * Opens device {@code index} (in the driver's order) and retains its primary context.
     *
     * @param ptxSource gives the PTX for each module {@link #prepare} sees
     * @param blockSize threads per block, 1 to 1024
     * @throws DeviceException with the reason of {@link #whyUnavailable()} when CUDA cannot be
     *                         used, or naming the driver call that failed
     */
    public CudaDevice(int index, PtxSource ptxSource, int blockSize) throws DeviceException {
        this(CudaDriver.load(), index, ptxSource, blockSize);
    }

    /** Opens a device through the given driver (a stand-in in tests). */
    CudaDevice(CudaDriver driver, int index, PtxSource ptxSource, int blockSize) throws DeviceException {
        if (blockSize < 1 || blockSize > MAX_BLOCK_SIZE) {
            throw new IllegalArgumentException("block size " + blockSize + " is not in [1, " + MAX_BLOCK_SIZE + "]");
        }
        this.driver = driver;
        this.ptxSource = ptxSource;
        this.blockSize = blockSize;
        Optional<String> why = whyUnavailable(driver);
        if (why.isPresent()) throw new DeviceException(why.get());
        int count = driver.deviceCount();
        if (index < 0 || index >= count) {
            throw new DeviceException("no CUDA device " + index + "; there " + (count == 1 ? "is 1" : "are " + count));
        }
        device = driver.device(index);
        String deviceName = driver.deviceName(device);
        sm = 10 * driver.attribute(CudaDriver.ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, device)
                + driver.attribute(CudaDriver.ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, device);
        int version = driver.driverVersion();
        name = "cuda (" + deviceName + ", sm_" + sm + ")";
        description = "CUDA device " + index + ": " + deviceName + ", sm_" + sm + ", driver for CUDA "
                + version / 1000 + "." + version % 1000 / 10 + ", " + blockSize + " threads per block";
        context = driver.retainPrimaryContext(device);
        try {
            driver.setCurrent(context);
        } catch (DeviceException e) {
            quietly(() -> driver.releasePrimaryContext(device));
            throw e;
        }
    }

    /**
     * Why CUDA cannot be used here, or empty if it can: no driver library (the message is
     * {@link CudaDriver#NO_DRIVER}), a driver that does not start, or no device.
     */
    public static Optional<String> whyUnavailable() {
        try {
            return whyUnavailable(CudaDriver.load());
        } catch (DeviceException e) {
            return Optional.of(e.getMessage());
        }
    }

    static Optional<String> whyUnavailable(CudaDriver driver) {
        try {
            driver.init();
        } catch (DeviceException e) {
            return Optional.of("the CUDA driver did not start: " + e.getMessage());
        }
        try {
            return driver.deviceCount() == 0 ? Optional.of("no CUDA device found: the driver sees none") : Optional.empty();
        } catch (DeviceException e) {
            return Optional.of(e.getMessage());
        }
    }

    @Override
    public String name() {
        return name;
    }

    /** Device, compute capability, driver version and block size, for logs. */
    public String description() {
        return description;
    }

    /** The compute capability as {@code 10 * major + minor}: 80, 86, 89, 90... */
    public int computeCapability() {
        return sm;
    }

    @Override
    public void prepare(Module module) throws DeviceException {
        enter();
        load(ptxSource.ptxFor(module, sm));
    }

    /**
     * Loads PTX (emitted or hand-written) and makes its entries launchable under their Loop IR
     * names, replacing kernels loaded before under the same names. Text loaded before on this
     * device is not loaded again. A JIT failure's message is one line; the JIT log follows.
     */
    public void load(PtxImage image) throws DeviceException {
        enter();
        MemorySegment module = modules.get(image.text());
        if (module == null) {
            try {
                module = driver.loadModule(image.text());
            } catch (DeviceException e) {
                throw new DeviceException("module " + image.moduleName() + " on " + name + ": " + e.getMessage(), e);
            }
            modules.put(image.text(), module);
        }
        Map<String, MemorySegment> found = new HashMap<>();
        for (Map.Entry<String, String> entry : image.entryNames().entrySet()) {
            found.put(entry.getKey(), driver.function(module, entry.getValue()));
        }
        functions.putAll(found);
    }

    @Override
    public DeviceBuffer allocate(DType type, long elements) throws DeviceException {
        enter();
        if (elements < 0) throw new DeviceException("cannot allocate " + elements + " elements");
        long bytes;
        try {
            bytes = Math.multiplyExact(elements, (long) type.byteSize());
        } catch (ArithmeticException e) {
            throw new DeviceException("buffer of " + elements + " " + type.sourceName() + " is too large", e);
        }
        long pointer = driver.allocate(Math.max(bytes, type.byteSize())); // CUDA has no empty allocations
        try {
            if (bytes > 0) driver.memset(pointer, (byte) 0, bytes);
        } catch (DeviceException e) {
            quietly(() -> driver.free(pointer));
            throw e;
        }
        Buffer b = new Buffer(this, pointer, type, elements);
        live.add(b);
        return b;
    }

    /** Frees a buffer before {@link #close}; using it afterwards is an error. */
    public void release(DeviceBuffer buffer) throws DeviceException {
        Buffer b = own(buffer);
        live.remove(b);
        driver.free(b.pointer());
    }

    @Override
    public void write(DeviceBuffer dst, Tensor src) throws DeviceException {
        Buffer b = own(dst);
        if (src.dtype() != b.type() || src.size() != b.elements()) {
            throw new DeviceException("cannot write a " + src.shapeString() + " tensor into a buffer of "
                    + b.elements() + " " + b.type().sourceName());
        }
        MemorySegment data = src.data();
        if (data.byteSize() == 0) return;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment host = data.isNative() ? data : arena.allocate(data.byteSize()).copyFrom(data);
            driver.copyToDevice(b.pointer(), host, host.byteSize());
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
        MemorySegment data = t.data();
        if (data.byteSize() == 0) return t;
        if (data.isNative()) {
            driver.copyToHost(data, b.pointer(), data.byteSize());
        } else {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment host = arena.allocate(data.byteSize());
                driver.copyToHost(host, b.pointer(), host.byteSize());
                data.copyFrom(host);
            }
        }
        return t;
    }

    @Override
    public void launch(Kernel kernel, long[] grid, Map<String, DeviceBuffer> buffers, Map<String, Double> scalars)
            throws DeviceException {
        enter();
        MemorySegment function = functions.get(kernel.name());
        if (function == null) throw new DeviceException("kernel " + kernel.name() + " was not prepared on " + name);
        if (grid.length != kernel.grid().size()) {
            throw new DeviceException("kernel " + kernel.name() + " has a " + kernel.grid().size() + "-d grid, launched with "
                    + grid.length + " extents");
        }
        long points = 1;
        for (long extent : grid) {
            if (extent < 0) throw new DeviceException("kernel " + kernel.name() + ": negative grid extent " + extent);
            try {
                points = Math.multiplyExact(points, extent);
            } catch (ArithmeticException e) {
                throw new DeviceException("kernel " + kernel.name() + ": grid of more than 2^63 points", e);
            }
        }
        List<KernelArgs.Arg> args = new ArrayList<>();
        for (Kernel.Param param : kernel.params()) {
            args.add(switch (param) {
                case Kernel.BufferParam p -> KernelArgs.pointer(p.name(), bufferFor(kernel, p, buffers.get(p.name())).pointer());
                case Kernel.ScalarParam p -> KernelArgs.scalar(kernel, p, scalars.get(p.name()));
            });
        }
        if (points == 0) return;
        // A group kernel is one block of the group's size per grid point (its entry's .reqntid).
        int threads = kernel.group().map(Kernel.Group::size).orElse(blockSize);
        if (threads > MAX_BLOCK_SIZE) {
            throw new DeviceException("kernel " + kernel.name() + ": a group of " + threads + " work items; a CUDA block has at most "
                    + MAX_BLOCK_SIZE + " threads");
        }
        long blocks = kernel.group().isPresent() ? points : Math.ceilDiv(points, blockSize);
        if (blocks > MAX_BLOCKS) {
            throw new DeviceException("kernel " + kernel.name() + ": " + points + " grid points need " + blocks
                    + " blocks of " + threads + " threads; CUDA allows " + MAX_BLOCKS);
        }
        try (Arena arena = Arena.ofConfined()) {
            driver.launch(function, (int) blocks, threads, KernelArgs.pack(arena, args));
            driver.synchronize();
        } catch (DeviceException e) {
            throw new DeviceException("kernel " + kernel.name() + " on " + name + ": " + e.getMessage(), e);
        }
    }

    private Buffer bufferFor(Kernel kernel, Kernel.BufferParam p, DeviceBuffer given) throws DeviceException {
        if (given == null) throw new DeviceException("kernel " + kernel.name() + ": no buffer for parameter '" + p.name() + "'");
        Buffer b = own(given);
        if (b.type() != p.type()) {
            throw new DeviceException("kernel " + kernel.name() + ": parameter '" + p.name() + "' is " + p.type().sourceName()
                    + " but its buffer holds " + b.type().sourceName());
        }
        return b;
    }

    /** Frees every buffer and module this device made and releases the primary context; idempotent. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        quietly(() -> driver.setCurrent(context));
        functions.clear();
        for (MemorySegment module : modules.values()) quietly(() -> driver.unloadModule(module));
        modules.clear();
        for (Buffer b : live) quietly(() -> driver.free(b.pointer()));
        live.clear();
        quietly(() -> driver.releasePrimaryContext(device));
    }

    private Buffer own(DeviceBuffer buffer) throws DeviceException {
        enter();
        if (!(buffer instanceof Buffer b) || b.owner() != this) {
            throw new DeviceException("buffer does not belong to " + name);
        }
        if (!live.contains(b)) throw new DeviceException("buffer was released");
        return b;
    }

    /** Checks the device is open and makes its context current on the calling thread. */
    private void enter() throws DeviceException {
        if (closed) throw new DeviceException(name + " is closed");
        driver.setCurrent(context);
    }

    /** A driver call during cleanup. */
    private interface Cleanup {
        void run() throws DeviceException;
    }

    /** Runs a cleanup call whose failure can only be ignored (close cannot throw a checked exception). */
    private static void quietly(Cleanup cleanup) {
        try {
            cleanup.run();
        } catch (DeviceException e) {
            // Nothing left to do with memory or a module the driver will not release.
        }
    }
}
