package tessera.backend.opencl;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import org.jocl.CL;
import org.jocl.cl_device_id;
import tessera.ir.loop.Device.DeviceException;

/** Finding OpenCL devices: every device of every platform, in a stable order, and the default choice. */
final class Platforms {
    private Platforms() {}

    /** Every device, platform by platform; a {@link DeviceException} if JOCL cannot even load OpenCL. */
    static List<Cl.Found> all() throws DeviceException {
        try {
            return Cl.devices();
        } catch (LinkageError e) {
            throw new DeviceException(OpenClDevice.NO_PLATFORM + " (JOCL could not load libOpenCL.so, which Debian's "
                    + "ocl-icd-opencl-dev provides: " + e.getMessage() + ")", e);
        }
    }

    /** Device {@code index} of {@link #all}, or by default the first GPU, else the first CPU, else the first device. */
    static Cl.Found choose(OptionalInt index) throws DeviceException {
        List<Cl.Found> all = all();
        if (all.isEmpty()) throw new DeviceException(OpenClDevice.NO_PLATFORM);
        if (index.isPresent()) {
            int i = index.getAsInt();
            if (i < 0 || i >= all.size()) {
                throw new DeviceException("no OpenCL device " + i + "; there are " + all.size() + ": "
                        + String.join("; ", describeAll()));
            }
            return all.get(i);
        }
        for (String wanted : List.of("gpu", "cpu")) {
            for (Cl.Found f : all) {
                if (kind(f.device()).equals(wanted)) return f;
            }
        }
        return all.getFirst();
    }

    /** One line per device of {@link #all}: "0: platform / device (cpu)". */
    static List<String> describeAll() throws DeviceException {
        List<Cl.Found> all = all();
        List<String> out = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            Cl.Found f = all.get(i);
            out.add(i + ": " + Cl.platformString(f.platform(), CL.CL_PLATFORM_NAME) + " / "
                    + Cl.deviceString(f.device(), CL.CL_DEVICE_NAME) + " (" + kind(f.device()) + ")");
        }
        return out;
    }

    /** "gpu", "cpu", "accelerator" or "other". */
    static String kind(cl_device_id device) throws DeviceException {
        long type = Cl.deviceLong(device, CL.CL_DEVICE_TYPE);
        if ((type & CL.CL_DEVICE_TYPE_GPU) != 0) return "gpu";
        if ((type & CL.CL_DEVICE_TYPE_CPU) != 0) return "cpu";
        if ((type & CL.CL_DEVICE_TYPE_ACCELERATOR) != 0) return "accelerator";
        return "other";
    }
}
