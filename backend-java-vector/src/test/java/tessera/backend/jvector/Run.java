package tessera.backend.jvector;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import tessera.ir.loop.Device;
import tessera.ir.loop.Device.DeviceBuffer;
import tessera.ir.loop.Device.DeviceException;
import tessera.ir.loop.Kernel;
import tessera.ir.loop.LaunchPlan;
import tessera.ir.loop.Module;
import tessera.runtime.Tensor;

/** Runs one kernel of a hand-built module on a device: allocate, write, launch, read. */
final class Run {
    private Run() {}

    /** A module holding just {@code kernels}, with an empty plan (tests launch by hand). */
    static Module module(String name, Kernel... kernels) {
        return new Module(name, List.of(kernels), new LaunchPlan(List.of(), List.of(), List.of(), List.of()));
    }

    /**
     * Launches {@code kernel} (prepared already) over {@code grid}; buffers in {@code inputs} are
     * written first, buffers in {@code outputs} (name to shape) are allocated zeroed and read back.
     */
    static Map<String, Tensor> launch(Device device, Kernel kernel, long[] grid, Map<String, Tensor> inputs,
                                      Map<String, Double> scalars, Map<String, long[]> outputs) throws DeviceException {
        Map<String, DeviceBuffer> buffers = new HashMap<>();
        for (var e : inputs.entrySet()) {
            DeviceBuffer b = device.allocate(e.getValue().dtype(), e.getValue().size());
            device.write(b, e.getValue());
            buffers.put(e.getKey(), b);
        }
        for (Kernel.Param p : kernel.params()) {
            if (p instanceof Kernel.BufferParam bp && outputs.containsKey(bp.name())) {
                long n = 1;
                for (long d : outputs.get(bp.name())) n *= d;
                buffers.put(bp.name(), device.allocate(bp.type(), n));
            }
        }
        device.launch(kernel, grid, buffers, scalars);
        Map<String, Tensor> result = new HashMap<>();
        for (var e : outputs.entrySet()) {
            result.put(e.getKey(), device.read(buffers.get(e.getKey()), e.getValue()));
        }
        return result;
    }
}
