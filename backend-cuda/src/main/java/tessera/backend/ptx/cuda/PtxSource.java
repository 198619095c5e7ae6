package tessera.backend.ptx.cuda;

import tessera.ir.loop.Device.DeviceException;
import tessera.ir.loop.Module;

/**
 * Where a {@link CudaDevice} gets PTX for a Loop IR module: the compiler plugs in the PTX emitter
 * here, so this module needs no dependency on it. The device passes its compute capability, so
 * the emitter can target it (or anything older: the driver JIT-compiles PTX for an older
 * {@code .target} on newer hardware, never the reverse).
 */
@FunctionalInterface
public interface PtxSource {
    /**
     * @param module the module to emit
     * @param sm     the device's compute capability as {@code 10 * major + minor} (90 for sm_90)
     * @throws DeviceException when the module cannot be emitted for this device
     */
    PtxImage ptxFor(Module module, int sm) throws DeviceException;
}
