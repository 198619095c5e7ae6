package tessera.backend.ptx.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.List;
import java.util.Map;
import tessera.ir.loop.Device.DeviceException;

/**
 * The CUDA driver API calls Tessera needs, bound to {@code libcuda} with {@code java.lang.foreign}.
 * Each method makes one driver call; a {@code CUresult} other than {@code CUDA_SUCCESS} becomes a
 * {@link DeviceException} whose first line names the call and the error, e.g.
 * {@code cuMemAlloc_v2: CUDA_ERROR_OUT_OF_MEMORY (out of memory)} (a module that does not load
 * adds the JIT's error log on the lines after).
 *
 * <p>Handles ({@code CUcontext}, {@code CUmodule}, {@code CUfunction}) are {@link MemorySegment}s
 * holding the driver's pointer, {@code CUdevice} is an {@code int} and {@code CUdeviceptr} a
 * {@code long}. The library is loaded into the global arena and never unloaded: libcuda starts
 * threads and registers exit handlers, so unloading it under them is unsafe, and loading it again
 * only raises the loader's reference count. Calls need native access
 * ({@code --enable-native-access=ALL-UNNAMED}, which {@code ./tessera} and the tests pass).
 */
@SuppressWarnings("restricted") // binding a native library is what this class is for
public final class CudaDriver {
    /** The message when libcuda cannot be loaded. */
    public static final String NO_DRIVER = noDriver("libcuda.so.1");
    /** Where the driver is looked for, in order: the versioned name the driver installs, then the development link. */
    static final List<String> LIBRARIES = List.of("libcuda.so.1", "libcuda.so");

    /** {@code CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR}. */
    public static final int ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75;
    /** {@code CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR}. */
    public static final int ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76;
    /** {@code CU_JIT_ERROR_LOG_BUFFER}: a {@code char*} the JIT writes its errors to. */
    static final int JIT_ERROR_LOG_BUFFER = 5;
    /** {@code CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES}: the buffer's size, passed in the pointer slot itself. */
    static final int JIT_ERROR_LOG_BUFFER_SIZE_BYTES = 6;
    /** Bytes of JIT error log kept (the driver truncates beyond). */
    static final int LOG_BYTES = 16 * 1024;
    /** The longest C string read from the driver (error names, descriptions). */
    private static final long MAX_C_STRING = 64 * 1024;
    /** Bytes for {@code cuDeviceGetName}. */
    private static final int NAME_BYTES = 256;

    /**
     * Every function bound: its symbol and parameter layouts, each returning a {@code CUresult}
     * ({@code int}). C {@code int}, {@code unsigned int} and enums are {@code JAVA_INT};
     * {@code size_t} and {@code CUdeviceptr} {@code JAVA_LONG}; {@code unsigned char}
     * {@code JAVA_BYTE}; pointers and handles {@code ADDRESS}. A test checks this table against
     * {@code cuda.h} where the toolkit is installed.
     */
    static final Map<String, List<MemoryLayout>> SIGNATURES = Map.ofEntries(
            Map.entry("cuInit", List.of(JAVA_INT)),
            Map.entry("cuDriverGetVersion", List.of(ADDRESS)),
            Map.entry("cuDeviceGetCount", List.of(ADDRESS)),
            Map.entry("cuDeviceGet", List.of(ADDRESS, JAVA_INT)),
            Map.entry("cuDeviceGetName", List.of(ADDRESS, JAVA_INT, JAVA_INT)),
            Map.entry("cuDeviceGetAttribute", List.of(ADDRESS, JAVA_INT, JAVA_INT)),
            Map.entry("cuDevicePrimaryCtxRetain", List.of(ADDRESS, JAVA_INT)),
            Map.entry("cuDevicePrimaryCtxRelease_v2", List.of(JAVA_INT)),
            Map.entry("cuCtxSetCurrent", List.of(ADDRESS)),
            Map.entry("cuCtxSynchronize", List.of()),
            Map.entry("cuModuleLoadDataEx", List.of(ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS)),
            Map.entry("cuModuleGetFunction", List.of(ADDRESS, ADDRESS, ADDRESS)),
            Map.entry("cuModuleUnload", List.of(ADDRESS)),
            Map.entry("cuMemAlloc_v2", List.of(ADDRESS, JAVA_LONG)),
            Map.entry("cuMemFree_v2", List.of(JAVA_LONG)),
            Map.entry("cuMemsetD8_v2", List.of(JAVA_LONG, JAVA_BYTE, JAVA_LONG)),
            Map.entry("cuMemcpyHtoD_v2", List.of(JAVA_LONG, ADDRESS, JAVA_LONG)),
            Map.entry("cuMemcpyDtoH_v2", List.of(ADDRESS, JAVA_LONG, JAVA_LONG)),
            Map.entry("cuLaunchKernel", List.of(ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT,
                    JAVA_INT, ADDRESS, ADDRESS, ADDRESS)),
            Map.entry("cuGetErrorName", List.of(JAVA_INT, ADDRESS)),
            Map.entry("cuGetErrorString", List.of(JAVA_INT, ADDRESS)));

    private final Fn cuInit;
    private final Fn cuDriverGetVersion;
    private final Fn cuDeviceGetCount;
    private final Fn cuDeviceGet;
    private final Fn cuDeviceGetName;
    private final Fn cuDeviceGetAttribute;
    private final Fn cuDevicePrimaryCtxRetain;
    private final Fn cuDevicePrimaryCtxRelease;
    private final Fn cuCtxSetCurrent;
    private final Fn cuCtxSynchronize;
    private final Fn cuModuleLoadDataEx;
    private final Fn cuModuleGetFunction;
    private final Fn cuModuleUnload;
    private final Fn cuMemAlloc;
    private final Fn cuMemFree;
    private final Fn cuMemsetD8;
    private final Fn cuMemcpyHtoD;
    private final Fn cuMemcpyDtoH;
    private final Fn cuLaunchKernel;
    private final Fn cuGetErrorName;
    private final Fn cuGetErrorString;

    /** One bound driver function: its symbol name (for messages) and a downcall handle. */
    private record Fn(String name, MethodHandle handle) {
        /** Calls the function and returns its {@code CUresult}. */
        int call(Object... args) {
            try {
                return (int) handle.invokeWithArguments(args);
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException(name + " threw " + t, t); // downcalls throw no checked exceptions
            }
        }
    }

    /**
     * Binds every function from {@code lookup} (the loaded libcuda, or a stand-in in tests).
     *
     * @throws DeviceException naming the first missing symbol: a driver older than CUDA 11
     */
    CudaDriver(SymbolLookup lookup) throws DeviceException {
        cuInit = bind(lookup, "cuInit");
        cuDriverGetVersion = bind(lookup, "cuDriverGetVersion");
        cuDeviceGetCount = bind(lookup, "cuDeviceGetCount");
        cuDeviceGet = bind(lookup, "cuDeviceGet");
        cuDeviceGetName = bind(lookup, "cuDeviceGetName");
        cuDeviceGetAttribute = bind(lookup, "cuDeviceGetAttribute");
        cuDevicePrimaryCtxRetain = bind(lookup, "cuDevicePrimaryCtxRetain");
        cuDevicePrimaryCtxRelease = bind(lookup, "cuDevicePrimaryCtxRelease_v2");
        cuCtxSetCurrent = bind(lookup, "cuCtxSetCurrent");
        cuCtxSynchronize = bind(lookup, "cuCtxSynchronize");
        cuModuleLoadDataEx = bind(lookup, "cuModuleLoadDataEx");
        cuModuleGetFunction = bind(lookup, "cuModuleGetFunction");
        cuModuleUnload = bind(lookup, "cuModuleUnload");
        cuMemAlloc = bind(lookup, "cuMemAlloc_v2");
        cuMemFree = bind(lookup, "cuMemFree_v2");
        cuMemsetD8 = bind(lookup, "cuMemsetD8_v2");
        cuMemcpyHtoD = bind(lookup, "cuMemcpyHtoD_v2");
        cuMemcpyDtoH = bind(lookup, "cuMemcpyDtoH_v2");
        cuLaunchKernel = bind(lookup, "cuLaunchKernel");
        cuGetErrorName = bind(lookup, "cuGetErrorName");
        cuGetErrorString = bind(lookup, "cuGetErrorString");
    }

    /**
     * Loads libcuda ({@code libcuda.so.1}, else {@code libcuda.so}) and binds it. Nothing is
     * initialised yet: call {@link #init} first.
     *
     * @throws DeviceException with {@link #NO_DRIVER} when neither library can be loaded
     */
    public static CudaDriver load() throws DeviceException {
        return load(LIBRARIES);
    }

    /** Loads the first of {@code libraries} that the dynamic loader finds; the message names the first. */
    static CudaDriver load(List<String> libraries) throws DeviceException {
        for (String library : libraries) {
            SymbolLookup lookup;
            try {
                lookup = SymbolLookup.libraryLookup(library, Arena.global());
            } catch (IllegalArgumentException notFound) {
                continue;
            } catch (IllegalCallerException denied) {
                throw new DeviceException("cannot load " + library + ": native access is disabled; run java with "
                        + "--enable-native-access=ALL-UNNAMED", denied);
            }
            return new CudaDriver(lookup);
        }
        throw new DeviceException(noDriver(libraries.getFirst()));
    }

    static String noDriver(String library) {
        return "no CUDA driver found (" + library + "); the ptx backend needs an NVIDIA GPU and its driver";
    }

    /** {@code cuInit(0)}: starts the driver; needed once per process before any other call, harmless again. */
    public void init() throws DeviceException {
        check(cuInit, 0);
    }

    /** The driver's CUDA version as {@code 1000 * major + 10 * minor} (13000 for CUDA 13.0). */
    public int driverVersion() throws DeviceException {
        return outInt(cuDriverGetVersion);
    }

    /** How many CUDA devices the driver sees. */
    public int deviceCount() throws DeviceException {
        return outInt(cuDeviceGetCount);
    }

    /** The {@code CUdevice} handle of device {@code ordinal}. */
    public int device(int ordinal) throws DeviceException {
        return outInt(cuDeviceGet, ordinal);
    }

    /** The device's product name, e.g. "NVIDIA H200". */
    public String deviceName(int device) throws DeviceException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment name = arena.allocate(NAME_BYTES + 1);
            check(cuDeviceGetName, name, NAME_BYTES, device);
            return name.getString(0);
        }
    }

    /** A {@code CU_DEVICE_ATTRIBUTE_*} value of the device. */
    public int attribute(int attribute, int device) throws DeviceException {
        return outInt(cuDeviceGetAttribute, attribute, device);
    }

    /** Retains the device's primary context (the one the CUDA runtime and other libraries share). */
    public MemorySegment retainPrimaryContext(int device) throws DeviceException {
        return outAddress(cuDevicePrimaryCtxRetain, device);
    }

    /** Releases one retain of the device's primary context; the last release destroys it. */
    public void releasePrimaryContext(int device) throws DeviceException {
        check(cuDevicePrimaryCtxRelease, device);
    }

    /** Makes {@code context} the calling thread's current context. */
    public void setCurrent(MemorySegment context) throws DeviceException {
        check(cuCtxSetCurrent, context);
    }

    /** Waits for all work of the current context; errors of earlier asynchronous work show up here. */
    public void synchronize() throws DeviceException {
        check(cuCtxSynchronize);
    }

    /**
     * Loads a module from PTX text (JIT-compiled for the current context's device). On failure
     * the message's first line names the call and error, and the JIT's error log follows.
     */
    public MemorySegment loadModule(String ptx) throws DeviceException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment module = arena.allocate(ADDRESS);
            MemorySegment log = arena.allocate(LOG_BYTES + 1); // zeroed, and the last byte stays NUL
            MemorySegment options = arena.allocate(JAVA_INT, 2);
            options.setAtIndex(JAVA_INT, 0, JIT_ERROR_LOG_BUFFER);
            options.setAtIndex(JAVA_INT, 1, JIT_ERROR_LOG_BUFFER_SIZE_BYTES);
            MemorySegment values = arena.allocate(ADDRESS, 2);
            values.setAtIndex(ADDRESS, 0, log);
            values.setAtIndex(ADDRESS, 1, MemorySegment.ofAddress(LOG_BYTES)); // an unsigned int carried in the pointer
            int result = cuModuleLoadDataEx.call(module, arena.allocateFrom(ptx), 2, options, values);
            if (result != 0) {
                String jitLog = log.getString(0).strip();
                throw new DeviceException(cuModuleLoadDataEx.name() + ": " + describe(result)
                        + (jitLog.isEmpty() ? "" : "\n" + jitLog));
            }
            return module.get(ADDRESS, 0);
        }
    }

    /** The kernel (a {@code .entry}) called {@code name} in a loaded module. */
    public MemorySegment function(MemorySegment module, String name) throws DeviceException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment function = arena.allocate(ADDRESS);
            int result = cuModuleGetFunction.call(function, module, arena.allocateFrom(name));
            if (result != 0) throw new DeviceException(cuModuleGetFunction.name() + " " + name + ": " + describe(result));
            return function.get(ADDRESS, 0);
        }
    }

    /** Unloads a module; its functions become invalid. */
    public void unloadModule(MemorySegment module) throws DeviceException {
        check(cuModuleUnload, module);
    }

    /** Allocates {@code bytes} (at least 1) of device memory, uninitialised. */
    public long allocate(long bytes) throws DeviceException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment pointer = arena.allocate(JAVA_LONG);
            int result = cuMemAlloc.call(pointer, bytes);
            if (result != 0) throw new DeviceException(cuMemAlloc.name() + " (" + bytes + " bytes): " + describe(result));
            return pointer.get(JAVA_LONG, 0);
        }
    }

    /** Frees device memory from {@link #allocate}. */
    public void free(long pointer) throws DeviceException {
        check(cuMemFree, pointer);
    }

    /** Sets {@code bytes} bytes of device memory to {@code value}. */
    public void memset(long pointer, byte value, long bytes) throws DeviceException {
        check(cuMemsetD8, pointer, value, bytes);
    }

    /** Copies {@code bytes} bytes from native host memory to the device (synchronous). */
    public void copyToDevice(long dst, MemorySegment src, long bytes) throws DeviceException {
        check(cuMemcpyHtoD, dst, src, bytes);
    }

    /** Copies {@code bytes} bytes from the device to native host memory (synchronous). */
    public void copyToHost(MemorySegment dst, long src, long bytes) throws DeviceException {
        check(cuMemcpyDtoH, dst, src, bytes);
    }

    /**
     * Launches {@code function} on a 1-D grid of {@code blocks} blocks of {@code threads} threads,
     * on the default stream, with no dynamic shared memory. {@code params} is the
     * {@code void*[]} of pointers to argument values ({@link KernelArgs#pack}); the launch is
     * asynchronous, so faults in the kernel appear at the next {@link #synchronize}.
     */
    public void launch(MemorySegment function, int blocks, int threads, MemorySegment params) throws DeviceException {
        check(cuLaunchKernel, function, blocks, 1, 1, threads, 1, 1, 0, MemorySegment.NULL, params, MemorySegment.NULL);
    }

    /**
     * A {@code CUresult} in words: "CUDA_ERROR_INVALID_VALUE (invalid argument)", or
     * "CUresult 12345" for a code the driver does not know.
     */
    public String describe(int result) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment text = arena.allocate(ADDRESS);
            String name = cuGetErrorName.call(result, text) == 0 ? cString(text.get(ADDRESS, 0)) : null;
            if (name == null) return "CUresult " + result;
            String description = cuGetErrorString.call(result, text) == 0 ? cString(text.get(ADDRESS, 0)) : null;
            return description == null || description.isBlank() ? name : name + " (" + description + ")";
        }
    }

    private void check(Fn fn, Object... args) throws DeviceException {
        int result = fn.call(args);
        if (result != 0) throw new DeviceException(fn.name() + ": " + describe(result));
    }

    /** Calls a function whose first parameter is an {@code int*} out-parameter, and returns it. */
    private int outInt(Fn fn, Object... rest) throws DeviceException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_INT);
            check(fn, prepend(out, rest));
            return out.get(JAVA_INT, 0);
        }
    }

    /** Calls a function whose first parameter is a handle out-parameter, and returns the handle. */
    private MemorySegment outAddress(Fn fn, Object... rest) throws DeviceException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ADDRESS);
            check(fn, prepend(out, rest));
            return out.get(ADDRESS, 0);
        }
    }

    private static Object[] prepend(Object first, Object[] rest) {
        Object[] all = new Object[rest.length + 1];
        all[0] = first;
        System.arraycopy(rest, 0, all, 1, rest.length);
        return all;
    }

    private static String cString(MemorySegment pointer) {
        return pointer.equals(MemorySegment.NULL) ? null : pointer.reinterpret(MAX_C_STRING).getString(0);
    }

    /** A downcall handle for {@code CUresult name(...)} with the parameters {@link #SIGNATURES} gives. */
    private static Fn bind(SymbolLookup lookup, String name) throws DeviceException {
        MemorySegment symbol = lookup.find(name).orElseThrow(() -> new DeviceException("the CUDA driver has no " + name
                + "; Tessera needs a driver for CUDA 11 or newer"));
        FunctionDescriptor signature = FunctionDescriptor.of(JAVA_INT, SIGNATURES.get(name).toArray(MemoryLayout[]::new));
        return new Fn(name, Linker.nativeLinker().downcallHandle(symbol, signature));
    }
}
