package tessera.backend.ptx.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tessera.ir.loop.Device.DeviceException;

/**
 * A stand-in for libcuda written in Java, so the bindings can be exercised on a machine without
 * a GPU: every function of {@link CudaDriver#SIGNATURES} is an upcall stub with that C signature,
 * and {@link #driver()} binds a real {@link CudaDriver} to them, so each call crosses the native
 * boundary both ways. Device memory is native host memory; a module is its PTX text, whose
 * {@code .entry} parameter lists give the sizes the launch reads from each argument pointer (as
 * the real driver does); a kernel runs the Java emulation registered for its entry name. It
 * records what it was asked, and can be told to fail a call or reject a PTX text.
 *
 * <p>Upcalls must not throw (the JVM would abort), so every exception inside one is recorded in
 * {@link #errors()} and the call returns {@code CUDA_ERROR_UNKNOWN}; tests assert none happened.
 */
@SuppressWarnings("restricted") // upcall stubs and raw pointers are what a stand-in driver is made of
final class FakeCuda implements AutoCloseable {
    static final int SUCCESS = 0;
    static final int INVALID_VALUE = 1;
    static final int OUT_OF_MEMORY = 2;
    static final int NO_DEVICE = 100;
    static final int INVALID_CONTEXT = 201;
    static final int INVALID_PTX = 218;
    static final int INVALID_HANDLE = 400;
    static final int NOT_FOUND = 500;
    static final int ILLEGAL_ADDRESS = 700;
    static final int UNKNOWN = 999;

    private static final Map<Integer, String[]> ERRORS = Map.of(
            SUCCESS, new String[] {"CUDA_SUCCESS", "no error"},
            INVALID_VALUE, new String[] {"CUDA_ERROR_INVALID_VALUE", "invalid argument"},
            OUT_OF_MEMORY, new String[] {"CUDA_ERROR_OUT_OF_MEMORY", "out of memory"},
            NO_DEVICE, new String[] {"CUDA_ERROR_NO_DEVICE", "no CUDA-capable device is detected"},
            INVALID_CONTEXT, new String[] {"CUDA_ERROR_INVALID_CONTEXT", "invalid device context"},
            INVALID_PTX, new String[] {"CUDA_ERROR_INVALID_PTX", "a PTX JIT compilation failed"},
            INVALID_HANDLE, new String[] {"CUDA_ERROR_INVALID_HANDLE", "invalid resource handle"},
            NOT_FOUND, new String[] {"CUDA_ERROR_NOT_FOUND", "named symbol not found"},
            ILLEGAL_ADDRESS, new String[] {"CUDA_ERROR_ILLEGAL_ADDRESS", "an illegal memory access was encountered"},
            UNKNOWN, new String[] {"CUDA_ERROR_UNKNOWN", "unknown error"});
    private static final MemorySegment CONTEXT = MemorySegment.ofAddress(0xC0DE0);
    private static final Pattern ENTRY = Pattern.compile("\\.entry\\s+(\\w+)\\s*\\(([^)]*)\\)");
    private static final Pattern PARAM = Pattern.compile("\\.param\\s+\\.([a-z]+)(\\d+)\\s+\\w+");

    /** A kernel's behaviour: runs all {@code threads} work items over the argument bytes. */
    @FunctionalInterface
    interface Emulation {
        void run(long threads, List<byte[]> args, FakeCuda gpu);
    }

    /** One cuLaunchKernel call as the fake saw it. */
    record Launch(String entry, int gridX, int gridY, int gridZ, int blockX, int blockY, int blockZ, int sharedBytes,
                  List<byte[]> args) {}

    private final Arena arena = Arena.ofShared();
    private final Map<String, MemorySegment> stubs = new HashMap<>();
    private final Map<String, MemorySegment> cStrings = new HashMap<>();
    // What the fake is: settable by tests before the driver starts.
    int initResult = SUCCESS;
    int deviceCount = 1;
    String deviceName = "Fake GPU";
    int major = 9;
    int minor = 0;
    private final Map<String, Emulation> emulations = new HashMap<>();
    private final Map<String, String> rejectedPtx = new LinkedHashMap<>();
    private final Map<String, Integer> failOnce = new HashMap<>();
    // What it saw and holds.
    private final List<String> calls = new ArrayList<>();
    private final List<Throwable> errors = new ArrayList<>();
    private final Map<Long, MemorySegment> allocations = new LinkedHashMap<>();
    private final Map<Long, String> modules = new HashMap<>();
    private final Map<Long, String> functions = new HashMap<>();
    private final Map<String, List<Integer>> entrySizes = new HashMap<>();
    private final List<Launch> launches = new ArrayList<>();
    private MemorySegment current = MemorySegment.NULL;
    private int retains;
    private int pendingError = SUCCESS;
    private long nextHandle = 0x1000;

    FakeCuda() {
        MethodHandles.Lookup lookup = MethodHandles.lookup();
        for (Map.Entry<String, List<MemoryLayout>> f : CudaDriver.SIGNATURES.entrySet()) {
            FunctionDescriptor signature = FunctionDescriptor.of(JAVA_INT, f.getValue().toArray(MemoryLayout[]::new));
            try {
                MethodHandle target = lookup.findVirtual(FakeCuda.class, f.getKey(), signature.toMethodType()).bindTo(this);
                stubs.put(f.getKey(), Linker.nativeLinker().upcallStub(target, signature, arena));
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("FakeCuda lacks " + f.getKey() + signature.toMethodType(), e);
            }
        }
    }

    /** The fake's functions as a library lookup. */
    SymbolLookup lookup() {
        return name -> Optional.ofNullable(stubs.get(name));
    }

    /** A {@link CudaDriver} bound to this fake. */
    CudaDriver driver() throws DeviceException {
        return new CudaDriver(lookup());
    }

    /** Makes the entry {@code name} run {@code emulation} when launched. */
    FakeCuda emulate(String entry, Emulation emulation) {
        emulations.put(entry, emulation);
        return this;
    }

    /** Makes cuModuleLoadDataEx reject PTX containing {@code fragment}, writing {@code log} to the error log. */
    FakeCuda rejectPtxContaining(String fragment, String log) {
        rejectedPtx.put(fragment, log);
        return this;
    }

    /** Makes the next call of {@code function} return {@code result}. */
    FakeCuda failNext(String function, int result) {
        failOnce.put(function, result);
        return this;
    }

    List<String> calls() {
        return calls;
    }

    List<Throwable> errors() {
        return errors;
    }

    List<Launch> launches() {
        return launches;
    }

    int liveAllocations() {
        return allocations.size();
    }

    int loadedModules() {
        return modules.size();
    }

    int contextRetains() {
        return retains;
    }

    /** {@code bytes} bytes of device memory at {@code address}, which must lie inside one allocation. */
    MemorySegment memory(long address, long bytes) {
        for (Map.Entry<Long, MemorySegment> a : allocations.entrySet()) {
            long base = a.getKey();
            if (address >= base && address + bytes <= base + a.getValue().byteSize()) {
                return a.getValue().asSlice(address - base, bytes);
            }
        }
        throw new IndexOutOfBoundsException("no allocation holds " + bytes + " bytes at 0x" + Long.toHexString(address));
    }

    @Override
    public void close() {
        arena.close();
    }

    // ---- the driver API ----

    int cuInit(int flags) {
        return call("cuInit", () -> flags != 0 ? INVALID_VALUE : initResult);
    }

    int cuDriverGetVersion(MemorySegment version) {
        return call("cuDriverGetVersion", () -> {
            out(version, JAVA_INT).set(JAVA_INT, 0, 13000);
            return SUCCESS;
        });
    }

    int cuDeviceGetCount(MemorySegment count) {
        return call("cuDeviceGetCount", () -> {
            out(count, JAVA_INT).set(JAVA_INT, 0, deviceCount);
            return SUCCESS;
        });
    }

    int cuDeviceGet(MemorySegment device, int ordinal) {
        return call("cuDeviceGet", () -> {
            if (ordinal < 0 || ordinal >= deviceCount) return INVALID_VALUE;
            out(device, JAVA_INT).set(JAVA_INT, 0, 100 + ordinal); // handles differ from ordinals
            return SUCCESS;
        });
    }

    int cuDeviceGetName(MemorySegment name, int length, int device) {
        return call("cuDeviceGetName", () -> {
            if (device < 100 || device >= 100 + deviceCount) return INVALID_VALUE;
            byte[] bytes = (deviceName + " #" + (device - 100)).getBytes(StandardCharsets.UTF_8);
            int n = Math.min(bytes.length, length - 1);
            MemorySegment to = name.reinterpret(length);
            to.copyFrom(MemorySegment.ofArray(bytes).asSlice(0, n));
            to.set(ValueLayout.JAVA_BYTE, n, (byte) 0);
            return SUCCESS;
        });
    }

    int cuDeviceGetAttribute(MemorySegment value, int attribute, int device) {
        return call("cuDeviceGetAttribute", () -> {
            int v = switch (attribute) {
                case CudaDriver.ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR -> major;
                case CudaDriver.ATTRIBUTE_COMPUTE_CAPABILITY_MINOR -> minor;
                default -> -1;
            };
            if (v < 0) return INVALID_VALUE;
            out(value, JAVA_INT).set(JAVA_INT, 0, v);
            return SUCCESS;
        });
    }

    int cuDevicePrimaryCtxRetain(MemorySegment context, int device) {
        return call("cuDevicePrimaryCtxRetain", () -> {
            retains++;
            out(context, ADDRESS).set(ADDRESS, 0, CONTEXT);
            return SUCCESS;
        });
    }

    int cuDevicePrimaryCtxRelease_v2(int device) {
        return call("cuDevicePrimaryCtxRelease_v2", () -> {
            if (retains == 0) return INVALID_CONTEXT;
            retains--;
            return SUCCESS;
        });
    }

    int cuCtxSetCurrent(MemorySegment context) {
        return call("cuCtxSetCurrent", () -> {
            if (!context.equals(CONTEXT) || retains == 0) return INVALID_CONTEXT;
            current = context;
            return SUCCESS;
        });
    }

    int cuCtxSynchronize() {
        return inContext("cuCtxSynchronize", () -> {
            int e = pendingError;
            pendingError = SUCCESS;
            return e;
        });
    }

    int cuModuleLoadDataEx(MemorySegment module, MemorySegment image, int optionCount, MemorySegment options,
                           MemorySegment values) {
        return inContext("cuModuleLoadDataEx", () -> {
            String text = image.reinterpret(Integer.MAX_VALUE).getString(0);
            // The bindings always ask for the error log, and nothing else.
            if (optionCount != 2) return INVALID_VALUE;
            MemorySegment opts = options.reinterpret(8);
            MemorySegment vals = values.reinterpret(16);
            if (opts.getAtIndex(JAVA_INT, 0) != CudaDriver.JIT_ERROR_LOG_BUFFER
                    || opts.getAtIndex(JAVA_INT, 1) != CudaDriver.JIT_ERROR_LOG_BUFFER_SIZE_BYTES) {
                return INVALID_VALUE;
            }
            long size = vals.getAtIndex(JAVA_LONG, 1);
            for (Map.Entry<String, String> r : rejectedPtx.entrySet()) {
                if (text.contains(r.getKey())) {
                    byte[] log = r.getValue().getBytes(StandardCharsets.UTF_8);
                    int n = (int) Math.min(log.length, size - 1);
                    MemorySegment buffer = vals.getAtIndex(ADDRESS, 0).reinterpret(size);
                    buffer.copyFrom(MemorySegment.ofArray(log).asSlice(0, n));
                    buffer.set(ValueLayout.JAVA_BYTE, n, (byte) 0);
                    vals.setAtIndex(JAVA_LONG, 1, n + 1);
                    return INVALID_PTX;
                }
            }
            Matcher m = ENTRY.matcher(text);
            while (m.find()) {
                List<Integer> sizes = new ArrayList<>();
                Matcher p = PARAM.matcher(m.group(2));
                while (p.find()) sizes.add(Integer.parseInt(p.group(2)) / 8);
                entrySizes.put(m.group(1), sizes);
            }
            long handle = nextHandle++;
            modules.put(handle, text);
            out(module, ADDRESS).set(ADDRESS, 0, MemorySegment.ofAddress(handle));
            return SUCCESS;
        });
    }

    int cuModuleGetFunction(MemorySegment function, MemorySegment module, MemorySegment name) {
        return inContext("cuModuleGetFunction", () -> {
            String text = modules.get(module.address());
            if (text == null) return INVALID_HANDLE;
            String entry = name.reinterpret(Integer.MAX_VALUE).getString(0);
            if (!Pattern.compile("\\.entry\\s+" + Pattern.quote(entry) + "\\s*\\(").matcher(text).find()) return NOT_FOUND;
            long handle = nextHandle++;
            functions.put(handle, entry);
            out(function, ADDRESS).set(ADDRESS, 0, MemorySegment.ofAddress(handle));
            return SUCCESS;
        });
    }

    int cuModuleUnload(MemorySegment module) {
        return inContext("cuModuleUnload", () -> modules.remove(module.address()) == null ? INVALID_HANDLE : SUCCESS);
    }

    int cuMemAlloc_v2(MemorySegment pointer, long bytes) {
        return inContext("cuMemAlloc_v2", () -> {
            if (bytes <= 0) return INVALID_VALUE;
            MemorySegment memory = arena.allocate(bytes, 256);
            memory.fill((byte) 0xAB); // not zero, so a missing memset shows
            allocations.put(memory.address(), memory);
            out(pointer, JAVA_LONG).set(JAVA_LONG, 0, memory.address());
            return SUCCESS;
        });
    }

    int cuMemFree_v2(long pointer) {
        return inContext("cuMemFree_v2", () -> allocations.remove(pointer) == null ? INVALID_VALUE : SUCCESS);
    }

    int cuMemsetD8_v2(long pointer, byte value, long bytes) {
        return inContext("cuMemsetD8_v2", () -> {
            try {
                memory(pointer, bytes).fill(value);
            } catch (IndexOutOfBoundsException e) {
                return INVALID_VALUE;
            }
            return SUCCESS;
        });
    }

    int cuMemcpyHtoD_v2(long dst, MemorySegment src, long bytes) {
        return inContext("cuMemcpyHtoD_v2", () -> {
            try {
                memory(dst, bytes).copyFrom(src.reinterpret(bytes));
            } catch (IndexOutOfBoundsException e) {
                return INVALID_VALUE;
            }
            return SUCCESS;
        });
    }

    int cuMemcpyDtoH_v2(MemorySegment dst, long src, long bytes) {
        return inContext("cuMemcpyDtoH_v2", () -> {
            try {
                dst.reinterpret(bytes).copyFrom(memory(src, bytes));
            } catch (IndexOutOfBoundsException e) {
                return INVALID_VALUE;
            }
            return SUCCESS;
        });
    }

    int cuLaunchKernel(MemorySegment function, int gridX, int gridY, int gridZ, int blockX, int blockY, int blockZ,
                       int sharedBytes, MemorySegment stream, MemorySegment params, MemorySegment extra) {
        return inContext("cuLaunchKernel", () -> {
            String entry = functions.get(function.address());
            if (entry == null) return INVALID_HANDLE;
            if (!extra.equals(MemorySegment.NULL) || gridX <= 0 || blockX <= 0 || blockX > 1024) return INVALID_VALUE;
            List<Integer> sizes = entrySizes.get(entry);
            if (!sizes.isEmpty() && params.equals(MemorySegment.NULL)) return INVALID_VALUE;
            MemorySegment pointers = params.reinterpret(8L * sizes.size());
            List<byte[]> args = new ArrayList<>();
            for (int i = 0; i < sizes.size(); i++) {
                args.add(pointers.getAtIndex(ADDRESS, i).reinterpret(sizes.get(i)).toArray(ValueLayout.JAVA_BYTE));
            }
            launches.add(new Launch(entry, gridX, gridY, gridZ, blockX, blockY, blockZ, sharedBytes, args));
            Emulation emulation = emulations.get(entry);
            if (emulation == null) return NOT_FOUND;
            try {
                emulation.run((long) gridX * gridY * gridZ * blockX * blockY * blockZ, args, this);
            } catch (IndexOutOfBoundsException fault) {
                pendingError = ILLEGAL_ADDRESS; // reported later, as a real kernel fault is
            }
            return SUCCESS;
        });
    }

    int cuGetErrorName(int error, MemorySegment text) {
        return errorText(error, text, 0);
    }

    int cuGetErrorString(int error, MemorySegment text) {
        return errorText(error, text, 1);
    }

    private int errorText(int error, MemorySegment text, int which) {
        String[] names = ERRORS.get(error);
        MemorySegment to = text.reinterpret(ADDRESS.byteSize());
        if (names == null) {
            to.set(ADDRESS, 0, MemorySegment.NULL);
            return INVALID_VALUE;
        }
        to.set(ADDRESS, 0, cStrings.computeIfAbsent(names[which], arena::allocateFrom));
        return SUCCESS;
    }

    // ---- plumbing ----

    /** An out-parameter the driver writes: the zero-length upcall argument widened to its layout. */
    private static MemorySegment out(MemorySegment pointer, MemoryLayout layout) {
        if (pointer.equals(MemorySegment.NULL)) throw new IllegalArgumentException("NULL out-parameter");
        return pointer.reinterpret(layout.byteSize());
    }

    /** A call that needs the context current. */
    private int inContext(String name, Callable<Integer> body) {
        return call(name, () -> current.equals(CONTEXT) && retains > 0 ? body.call() : INVALID_CONTEXT);
    }

    private int call(String name, Callable<Integer> body) {
        calls.add(name);
        Integer forced = failOnce.remove(name);
        if (forced != null) return forced;
        try {
            return body.call();
        } catch (Throwable t) {
            errors.add(t);
            return UNKNOWN;
        }
    }
}
