package tessera.backend.jvector;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ForkJoinPool;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tessera.ir.loop.Device;
import tessera.ir.loop.Kernel;
import tessera.ir.loop.Module;
import tessera.runtime.DType;
import tessera.runtime.Tensor;

/**
 * The JVM as a {@link Device} ("java"): buffers are Java arrays on the heap; {@link #prepare}
 * emits the module as Java ({@link JavaEmitter}), compiles it in memory
 * ({@link JavaCompilerService}; the last 32 classes are kept by source text, so preparing the same
 * module again compiles nothing) and finds each kernel's method; {@link #launch} calls it with the
 * buffers and scalars bound by name, on a ForkJoinPool the device owns (closed by {@link #close}).
 *
 * <p>Vector API code needs {@code jdk.incubator.vector} in the running JVM
 * ({@code --add-modules jdk.incubator.vector}); without it the device emits scalar code only, so
 * it works on any JDK 25, just slower.
 */
public final class JavaDevice implements Device {
    private static final Map<DType, ValueLayout> LAYOUTS = Map.of(
            DType.BOOL, ValueLayout.JAVA_BYTE,
            DType.I32, ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN),
            DType.I64, ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN),
            DType.F32, ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN),
            DType.F64, ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN),
            DType.F16, ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN),
            DType.BF16, ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN));

    private final JavaOptions options;
    private final ForkJoinPool pool;
    private static final int CACHED_CLASSES = 32;

    private final Map<String, Prepared> kernels = new HashMap<>();
    /** Compiled classes by source text, most recently used last: re-preparing a module compiles nothing. */
    private final Map<String, Class<?>> compiled = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Class<?>> eldest) {
            return size() > CACHED_CLASSES;
        }
    };
    private JavaCompilerService compiler;
    private JavaSource lastSource;

    /** A kernel ready to launch: the IR it was made from and its method. */
    private record Prepared(Kernel kernel, MethodHandle method) {}

    /** A device with the default options. */
    public JavaDevice() {
        this(JavaOptions.defaults());
    }

    /**
     * A device with {@code options}; vectorisation is switched off if this JVM lacks
     * {@code jdk.incubator.vector}.
     */
    public JavaDevice(JavaOptions options) {
        this.options = vectorModulePresent() ? options : options.withVectorise(false);
        this.pool = new ForkJoinPool(options.threads());
    }

    /** True when this JVM can run Vector API code. */
    public static boolean vectorModulePresent() {
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    }

    /** The options in force (vectorisation off when the JVM cannot run it). */
    public JavaOptions options() {
        return options;
    }

    @Override
    public String name() {
        return "java";
    }

    @Override
    public void prepare(Module module) throws DeviceException {
        // Running the same module again (a benchmark, a training loop) must not pay for emitting it again.
        if (module == lastModule || module.equals(lastModule)) {
            return;
        }
        JavaSource source;
        try {
            source = new JavaEmitter(options).emit(module);
        } catch (UnsupportedKernelException e) {
            // a kernel this backend does not run (a group kernel): the module's fault, not ours
            throw new DeviceException("the java device cannot run module '" + module.name() + "': " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new DeviceException("internal error: the Java backend cannot emit module '" + module.name() + "': " + e.getMessage(), e);
        }
        Class<?> cls = compiled.get(source.text());
        if (cls == null) {
            if (compiler == null) {
                compiler = new JavaCompilerService();
            }
            cls = compiler.compile(source);
            compiled.put(source.text(), cls);
        }
        Map<String, Prepared> found = new HashMap<>();
        for (Kernel k : module.kernels()) {
            String method = source.methods().get(k.name());
            try {
                MethodHandle h = MethodHandles.publicLookup().findStatic(cls, method, methodType(k));
                found.put(k.name(), new Prepared(k, h));
            } catch (NoSuchMethodException | IllegalAccessException e) {
                throw new DeviceException("internal error: generated method " + method + " for kernel '" + k.name() + "' not found: " + e, e);
            }
        }
        kernels.putAll(found);
        lastSource = source;
        lastModule = module;
    }

    /** The module prepared last; preparing it again does nothing. */
    private Module lastModule;

    /** The source of the module prepared last, for messages and tests. */
    public String lastSource() {
        return lastSource == null ? "" : lastSource.text();
    }

    private static MethodType methodType(Kernel k) {
        List<Class<?>> params = new ArrayList<>();
        params.add(ForkJoinPool.class);
        for (Kernel.Param p : k.params()) {
            params.add(switch (p) {
                case Kernel.BufferParam b -> JavaTypes.arrayClass(b.type());
                case Kernel.ScalarParam s -> JavaTypes.valueClass(s.type());
            });
        }
        k.grid().forEach(g -> params.add(int.class));
        return MethodType.methodType(void.class, params);
    }

    @Override
    public DeviceBuffer allocate(DType type, long elements) throws DeviceException {
        if (elements < 0 || elements > Integer.MAX_VALUE - 8) {
            throw new DeviceException("cannot allocate " + elements + " elements of " + type.sourceName()
                    + " on the java device: Java arrays hold at most " + (Integer.MAX_VALUE - 8));
        }
        synchronized (recycled) {
            java.util.ArrayDeque<JavaBuffer> free = recycled.get(key(type, (int) elements));
            JavaBuffer b = free == null ? null : free.poll();
            if (b != null) {
                recycledBytes -= bytes(b);
                // zeroed lazily: an upload overwrites it anyway, a kernel or a read zeroes it first
                b.markStale();
                return b;
            }
        }
        return JavaBuffer.zeros(type, (int) elements);
    }

    /**
     * Keeps a released buffer for the next run that allocates one of the same type and size (up
     * to {@link #RECYCLE_BYTES} in all): a fresh multi-megabyte array costs the run its page
     * faults on first touch, which measured about a fifth of flash attention's time; a recycled
     * one reads as zeros, as a new one would: it is zero-filled before a kernel or a read sees it,
     * unless an upload overwrites it first.
     */
    @Override
    public void release(DeviceBuffer buffer) throws DeviceException {
        JavaBuffer b = own(buffer);
        synchronized (recycled) {
            if (recycledBytes + bytes(b) > RECYCLE_BYTES) return;
            recycled.computeIfAbsent(key(b.type(), (int) b.elements()), k -> new java.util.ArrayDeque<>()).add(b);
            recycledBytes += bytes(b);
        }
    }

    private static final long RECYCLE_BYTES = 512L << 20;
    private static final boolean TIMING = Boolean.getBoolean("tessera.java.timing");
    private final Map<String, java.util.ArrayDeque<JavaBuffer>> recycled = new HashMap<>();
    private long recycledBytes;

    private static String key(DType type, int elements) {
        return type.name() + ":" + elements;
    }

    private static long bytes(JavaBuffer b) {
        return b.elements() * b.type().byteSize();
    }

    @Override
    public void write(DeviceBuffer dst, Tensor src) throws DeviceException {
        JavaBuffer b = own(dst);
        if (src.dtype() != b.type() || src.size() != b.elements()) {
            throw new DeviceException("cannot write a " + src.shapeString() + " tensor into " + b);
        }
        MemorySegment.copy(src.data(), LAYOUTS.get(b.type()), 0, b.array(), 0, (int) b.elements());
        b.overwritten();
    }

    @Override
    public Tensor read(DeviceBuffer src, long[] shape) throws DeviceException {
        JavaBuffer b = own(src);
        b.freshen();
        Tensor t;
        try {
            t = Tensor.zerosOnHeap(b.type(), shape);
        } catch (IllegalArgumentException e) {
            throw new DeviceException("cannot read " + b + " as shape " + Arrays.toString(shape) + ": " + e.getMessage(), e);
        }
        if (t.size() != b.elements()) {
            throw new DeviceException("cannot read " + b + " as " + t.shapeString() + ": the element counts differ");
        }
        MemorySegment.copy(b.array(), 0, t.data(), LAYOUTS.get(b.type()), 0, (int) b.elements());
        return t;
    }

    @Override
    public void launch(Kernel kernel, long[] grid, Map<String, DeviceBuffer> buffers, Map<String, Double> scalars)
            throws DeviceException {
        Prepared p = kernels.get(kernel.name());
        if (p == null || (p.kernel() != kernel && !p.kernel().equals(kernel))) {
            throw new DeviceException("kernel '" + kernel.name() + "' was not prepared on the java device");
        }
        if (grid.length != kernel.grid().size()) {
            throw new DeviceException("kernel '" + kernel.name() + "' has " + kernel.grid().size() + " grid dimensions, launched with " + grid.length);
        }
        List<Object> args = new ArrayList<>();
        args.add(pool);
        for (Kernel.Param param : kernel.params()) {
            args.add(switch (param) {
                case Kernel.BufferParam b -> bufferArg(kernel, b, buffers.get(b.name()));
                case Kernel.ScalarParam s -> scalarArg(kernel, s, scalars.get(s.name()));
            });
        }
        for (int d = 0; d < grid.length; d++) {
            if (grid[d] < 0 || grid[d] > Integer.MAX_VALUE) {
                throw new DeviceException("kernel '" + kernel.name() + "': grid extent " + grid[d] + " of '"
                        + kernel.grid().get(d).var() + "' is not an int");
            }
            args.add((int) grid[d]);
        }
        try {
            long t0 = System.nanoTime();
            p.method().invokeWithArguments(args);
            if (TIMING) System.err.printf("kernel %s: %.2f ms%n", kernel.name(), (System.nanoTime() - t0) / 1e6);
        } catch (Throwable e) {
            throw new DeviceException("kernel '" + kernel.name() + "': " + describe(original(e)), e);
        }
    }

    private static final Pattern INDEX = Pattern.compile("Index (-?\\d+) out of bounds for length (\\d+)");

    /**
     * A kernel failure in the words the loop interpreter uses where Java's exception allows
     * (integer division by zero, an index out of range; the buffer and expression are not known
     * here), else the exception itself.
     */
    private static String describe(Throwable e) {
        if (e instanceof ArithmeticException) {
            return "integer division by zero (on the java device)";
        }
        if (e instanceof IndexOutOfBoundsException && e.getMessage() != null) {
            Matcher m = INDEX.matcher(e.getMessage());
            if (m.matches()) {
                return "index " + m.group(1) + " out of range [0, " + m.group(2) + ") of a buffer (on the java device)";
            }
            return "index out of range (on the java device): " + e.getMessage();
        }
        return "failed on the java device: " + e;
    }

    /**
     * The exception a kernel threw: a ForkJoinTask rethrows a copy of a worker's exception (same
     * class, no message) with the original as its cause.
     */
    private static Throwable original(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause().getClass() == t.getClass()) {
            t = t.getCause();
        }
        return t;
    }

    private Object bufferArg(Kernel k, Kernel.BufferParam param, DeviceBuffer given) throws DeviceException {
        if (given == null) {
            throw new DeviceException("kernel '" + k.name() + "': no buffer bound to '" + param.name() + "'");
        }
        JavaBuffer b = own(given);
        if (b.type() != param.type()) {
            throw new DeviceException("kernel '" + k.name() + "': buffer '" + param.name() + "' is " + param.type().sourceName()
                    + " but the bound buffer is " + b);
        }
        b.freshen();
        return b.array();
    }

    private static Object scalarArg(Kernel k, Kernel.ScalarParam param, Double value) throws DeviceException {
        if (value == null) {
            throw new DeviceException("kernel '" + k.name() + "': no value bound to scalar '" + param.name() + "'");
        }
        double v = value;
        return switch (param.type()) {
            case BOOL -> v != 0;
            case I32 -> (int) v;
            case I64 -> (long) v;
            case F32, F16, BF16 -> (float) v;
            case F64 -> v;
        };
    }

    private static JavaBuffer own(DeviceBuffer b) throws DeviceException {
        if (b instanceof JavaBuffer j) {
            return j;
        }
        throw new DeviceException("buffer " + b + " does not belong to the java device");
    }

    @Override
    public void close() {
        pool.shutdown();
    }
}
