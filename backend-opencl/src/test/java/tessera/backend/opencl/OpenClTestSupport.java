package tessera.backend.opencl;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import tessera.ir.loop.Device;
import tessera.ir.loop.Device.DeviceBuffer;
import tessera.ir.loop.Device.DeviceException;
import tessera.ir.loop.Kernel;
import tessera.runtime.Tensor;

/** Opening the device for tests, and running one kernel on it. */
final class OpenClTestSupport {
    private OpenClTestSupport() {}

    /**
     * Opens the default OpenCL device. Without one, fails under {@code CI=true} (CI must install
     * PoCL, see .ci/run) and skips the tests elsewhere, with the same message either way
     * ({@link RequiresOpenCl} skips a whole class before it gets here).
     */
    static OpenClDevice open() throws DeviceException {
        Optional<String> why = OpenClDevice.whyUnavailable();
        if (why.isPresent()) {
            if (isCi()) fail(why.get());
            Assumptions.abort(why.get());
        }
        return new OpenClDevice();
    }

    /** Whether the environment says this is CI ({@code CI=true}, as CI services set it). */
    static boolean isCi() {
        return "true".equals(System.getenv("CI"));
    }

    /**
     * Runs {@code kernel} once on {@code device} (the OpenCL device, or the loop interpreter as
     * the oracle): writes {@code inputs}, allocates zero-filled outputs of the given shapes,
     * launches over {@code grid} and reads every output back.
     */
    static Map<String, Tensor> run(Device device, Kernel kernel, long[] grid, Map<String, Tensor> inputs,
                                   Map<String, long[]> outputs, Map<String, Double> scalars) throws DeviceException {
        Map<String, DeviceBuffer> buffers = new HashMap<>();
        List<DeviceBuffer> made = new java.util.ArrayList<>();
        try {
            for (Map.Entry<String, Tensor> in : inputs.entrySet()) {
                DeviceBuffer b = device.allocate(in.getValue().dtype(), in.getValue().size());
                made.add(b);
                device.write(b, in.getValue());
                buffers.put(in.getKey(), b);
            }
            for (Kernel.Param p : kernel.params()) {
                if (p instanceof Kernel.BufferParam bp && outputs.containsKey(bp.name())) {
                    DeviceBuffer b = device.allocate(bp.type(), Tensor.zeros(bp.type(), outputs.get(bp.name())).size());
                    made.add(b);
                    buffers.put(bp.name(), b);
                }
            }
            device.launch(kernel, grid, buffers, scalars);
            Map<String, Tensor> results = new HashMap<>();
            for (Map.Entry<String, long[]> o : outputs.entrySet()) {
                results.put(o.getKey(), device.read(buffers.get(o.getKey()), o.getValue()));
            }
            return results;
        } finally {
            for (DeviceBuffer b : made) device.release(b);
        }
    }
}
