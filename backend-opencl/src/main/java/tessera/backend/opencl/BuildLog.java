package tessera.backend.opencl;

import java.nio.charset.StandardCharsets;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.cl_device_id;
import org.jocl.cl_program;
import tessera.ir.loop.Device.DeviceException;

/** The compiler's log of a failed program build, and the exception that reports it. */
final class BuildLog {
    private BuildLog() {}

    /** The build log of {@code program} on {@code device}; a note instead if it cannot be read. */
    static String of(cl_program program, cl_device_id device) {
        try {
            long[] size = new long[1];
            int status = CL.clGetProgramBuildInfo(program, device, CL.CL_PROGRAM_BUILD_LOG, 0, null, size);
            if (status != CL.CL_SUCCESS) return "(no build log: " + CL.stringFor_errorCode(status) + ")";
            byte[] bytes = new byte[(int) size[0]];
            status = CL.clGetProgramBuildInfo(program, device, CL.CL_PROGRAM_BUILD_LOG, bytes.length, Pointer.to(bytes), null);
            if (status != CL.CL_SUCCESS) return "(no build log: " + CL.stringFor_errorCode(status) + ")";
            int n = 0;
            while (n < bytes.length && bytes[n] != 0) n++;
            return new String(bytes, 0, n, StandardCharsets.UTF_8).strip();
        } catch (CLException e) {
            return "(no build log: " + CL.stringFor_errorCode(e.getStatus()) + ")";
        }
    }

    /**
     * The exception for a failed build: a first line naming the module, the device and the first
     * error the log reports; the whole log on the lines after it.
     */
    static DeviceException failure(String module, String device, String status, String log) {
        String first = log.lines().filter(l -> l.contains("error")).findFirst()
                .or(() -> log.lines().filter(l -> !l.isBlank()).findFirst())
                .orElse(status).strip();
        return new DeviceException("OpenCL build of module " + module + " failed on " + device + ": " + first
                + "\n" + log);
    }
}
