package tessera.compiler;

import java.util.List;
import java.util.Optional;
import tessera.backend.jvector.JavaDevice;
import tessera.backend.opencl.OpenClDevice;
import tessera.ir.loop.Device;
import tessera.ir.loop.LoopInterpreter;
import tessera.passes.Target;

/**
 * The places a kernel can run, by name: {@code interp} (the reference interpreter, on Tensor IR),
 * {@code loop-interp} (the Loop IR interpreter), {@code java} and {@code opencl}. Each Loop IR
 * backend names the {@link Target} the loop passes compile for; {@code ptx} has a target (code
 * is emitted by {@code tessera.backend.ptx.PtxEmitter}) but no device here yet.
 */
public final class Backends {
    private Backends() {}

    public static final String INTERP = "interp";

    /** Every backend name, the reference first. */
    public static List<String> names() {
        return List.of(INTERP, "loop-interp", "java", "opencl");
    }

    /** Why a backend cannot run on this machine, or empty when it can. */
    public static Optional<String> whyUnavailable(String name) {
        return switch (name) {
            case "opencl" -> OpenClDevice.whyUnavailable();
            case INTERP, "loop-interp", "java" -> Optional.empty();
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
            case "ptx" -> Target.ptx();
            default -> new Target(name, "the Loop IR interpreter", 1, 1, 0, 64, 64);
        };
    }

    /** Opens a Loop IR backend's device; the caller closes it. */
    public static Device open(String name) throws Device.DeviceException {
        return switch (name) {
            case "loop-interp" -> new LoopInterpreter();
            case "java" -> new JavaDevice();
            case "opencl" -> new OpenClDevice();
            default -> throw new Device.DeviceException("'" + name + "' is not a Loop IR backend");
        };
    }
}
