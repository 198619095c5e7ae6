package tessera.compiler;

import java.util.List;
import tessera.backend.ptx.PtxEmitter;
import tessera.backend.ptx.PtxOptions;
import tessera.backend.ptx.PtxProblem;
import tessera.backend.ptx.PtxProgram;
import tessera.backend.ptx.cuda.PtxImage;
import tessera.ir.loop.Device;
import tessera.ir.loop.Module;

/**
 * PTX for a device: the newest supported target at or below the device's compute capability
 * (sm_87 runs sm_86 PTX, sm_100 runs sm_90 PTX), and the emitter's problems (such as f64
 * transcendental functions) as a device error naming the statement, never a ptxas or JIT error.
 */
public final class PtxImages {
    private PtxImages() {}

    /** The supported target for a device of compute capability {@code sm} (e.g. 90). */
    public static int targetFor(int sm) throws Device.DeviceException {
        return PtxOptions.SUPPORTED_SM.stream().filter(s -> s <= sm).max(Integer::compare)
                .orElseThrow(() -> new Device.DeviceException("sm_" + sm + " is older than every PTX target the compiler has ("
                        + String.join(", ", PtxOptions.SUPPORTED_SM.stream().map(s -> "sm_" + s).toList()) + ")"));
    }

    /** Emits after checking; problems become one DeviceException listing them. */
    public static PtxProgram program(Module module, int targetSm) throws Device.DeviceException {
        PtxOptions options = new PtxOptions(targetSm);
        PtxEmitter emitter = new PtxEmitter();
        List<PtxProblem> problems = emitter.check(module, options);
        if (!problems.isEmpty()) {
            throw new Device.DeviceException(String.join("\n", problems.stream().map(PtxProblem::render).toList()));
        }
        return emitter.emit(module, options);
    }

    /** sm_80 PTX for the simulator, whose device interface takes a plain function: problems become unchecked. */
    public static PtxProgram programForSimulator(Module module) {
        try {
            return program(module, 80);
        } catch (Device.DeviceException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** A {@code PtxSource} for the CUDA device. */
    public static PtxImage image(Module module, int deviceSm) throws Device.DeviceException {
        PtxProgram p = program(module, targetFor(deviceSm));
        return new PtxImage(p.moduleName(), p.text(), p.entryNames());
    }
}
