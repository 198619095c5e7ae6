package tessera.compiler;

import java.util.List;
import java.util.Optional;
import tessera.backend.jvector.JavaDevice;
import tessera.backend.opencl.OpenClDevice;
import tessera.backend.ptx.cuda.CudaDevice;
import tessera.backend.ptx.sim.PtxSimDevice;
import tessera.backend.ptx.sim.SimOptions;
import tessera.ir.loop.Device;
import tessera.ir.loop.LoopInterpreter;
import tessera.passes.Target;

/**
 * The places a kernel can run, by name: {@code interp} (the reference interpreter, on Tensor IR),
 * {@code loop-interp} (the Loop IR interpreter), {@code java}, {@code opencl}, {@code ptx-sim}
 * (the PTX, run by the PTX simulator: no GPU needed) and {@code ptx} (PTX from {@code PtxEmitter}
 * on an NVIDIA GPU through the CUDA driver). Each Loop IR backend names the {@link Target} the
 * loop passes compile for.
 */
public final class Backends {
    private Backends() {}

    public static final String INTERP = "interp";

    /** Every backend name, the reference first. */
    public static List<String> names() {
        return List.of(INTERP, "loop-interp", "java", "opencl", "ptx-sim", "ptx");
    }

    /** Why a backend cannot run on this machine, or empty when it can. */
    public static Optional<String> whyUnavailable(String name) {
        return switch (name) {
            case "opencl" -> OpenClDevice.whyUnavailable();
            case "ptx" -> CudaDevice.whyUnavailable();
            case INTERP, "loop-interp", "java", "ptx-sim" -> Optional.empty();
            default -> Optional.of("unknown backend '" + name + "'; known: " + String.join(", ", names()));
        };
    }

    public static List<String> available() {
        return names().stream().filter(n -> whyUnavailable(n).isEmpty()).toList();
    }

    /** The target a Loop IR backend compiles for. */
    public static Target target(String name) {
        return switch (name) {
            case "opencl" -> Target.opencl();
            case "java" -> Target.java();
            case "ptx", "ptx-sim" -> Target.ptx();
            default -> Target.interpreter();
        };
    }

    /** Opens a Loop IR backend's device; the caller closes it. */
    public static Device open(String name) throws Device.DeviceException {
        return switch (name) {
            case "loop-interp" -> new LoopInterpreter();
            case "java" -> new JavaDevice();
            case "opencl" -> new OpenClDevice();
            case "ptx" -> new CudaDevice(0, PtxImages::image);
            // The PTX a GPU would run (sm_80), executed by the simulator with its memory and race checks.
            case "ptx-sim" -> new PtxSimDevice(PtxImages::programForSimulator, PtxSimDevice.DEFAULT_BLOCK_SIZE, SimOptions.defaults());
            default -> throw new Device.DeviceException("'" + name + "' is not a Loop IR backend");
        };
    }
}
