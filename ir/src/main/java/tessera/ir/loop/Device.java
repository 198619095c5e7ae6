package tessera.ir.loop;

import java.util.Map;
import tessera.runtime.DType;
import tessera.runtime.Tensor;

/**
 * Where Loop IR kernels run: the JVM (generated Java), an OpenCL device, a CUDA device, or the
 * Loop IR interpreter. {@link PlanRunner} drives a device through a module's {@link LaunchPlan};
 * a device only moves data and launches kernels. Methods throw {@link DeviceException} with a
 * one-line message on failure (a build log, a launch error).
 */
public interface Device extends AutoCloseable {
    /** A short name for messages and tables: "java", "opencl (PoCL, cpu)", "loop-interp". */
    String name();

    /** Makes the module's kernels ready to launch (compiles them); called once before launches. */
    void prepare(Module module) throws DeviceException;

    /** A zero-filled buffer of {@code elements} elements of {@code type}. */
    DeviceBuffer allocate(DType type, long elements) throws DeviceException;

    /** Copies a host tensor (same dtype and element count) into the buffer. */
    void write(DeviceBuffer dst, Tensor src) throws DeviceException;

    /** Copies the buffer back as a tensor of the given shape. */
    Tensor read(DeviceBuffer src, long[] shape) throws DeviceException;

    /**
     * Runs {@code kernel} over its grid, whose extents the caller evaluated into {@code grid}.
     * Buffer parameters bind by name to {@code buffers}, scalar parameters to {@code scalars}
     * (numbers as doubles; booleans 0/1). Returns when the results are visible to {@link #read}.
     */
    void launch(Kernel kernel, long[] grid, Map<String, DeviceBuffer> buffers, Map<String, Double> scalars)
            throws DeviceException;

    /**
     * Frees a buffer this device allocated; {@link PlanRunner} releases every buffer at the end of
     * a run. Devices whose buffers live on the Java heap need not do anything.
     */
    default void release(DeviceBuffer buffer) throws DeviceException {}

    @Override
    default void close() {}

    /** A buffer living on a device. */
    interface DeviceBuffer {
        DType type();

        long elements();
    }

    /** A device failure, with a one-line message (details such as a build log may follow on later lines). */
    final class DeviceException extends Exception {
        public DeviceException(String message) {
            super(message);
        }

        public DeviceException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
