package tessera.backend.opencl;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntSupplier;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;
import tessera.ir.loop.Device.DeviceException;

/**
 * JOCL calls with their status codes turned into {@link DeviceException}s, whether JOCL returns
 * the code or throws it (JOCL throws when some code in the JVM has enabled its exceptions), and
 * the info queries the device needs.
 */
final class Cl {
    private Cl() {}

    /** A JOCL call that reports its status through an {@code errcode_ret} array. */
    @FunctionalInterface
    interface Create<T> {
        T call(int[] status);
    }

    /** Runs a call returning a status code; {@code what} names it in the message. */
    static void check(String what, IntSupplier call) throws DeviceException {
        int status;
        try {
            status = call.getAsInt();
        } catch (CLException e) {
            throw new DeviceException(what + " failed: " + CL.stringFor_errorCode(e.getStatus()), e);
        }
        if (status != CL.CL_SUCCESS) throw new DeviceException(what + " failed: " + CL.stringFor_errorCode(status));
    }

    /** Runs a call that creates an object, reporting its status through an array. */
    static <T> T create(String what, Create<T> call) throws DeviceException {
        int[] status = new int[1];
        T result;
        try {
            result = call.call(status);
        } catch (CLException e) {
            throw new DeviceException(what + " failed: " + CL.stringFor_errorCode(e.getStatus()), e);
        }
        if (status[0] != CL.CL_SUCCESS) throw new DeviceException(what + " failed: " + CL.stringFor_errorCode(status[0]));
        return result;
    }

    /** A device and the platform it belongs to. */
    record Found(cl_platform_id platform, cl_device_id device) {}

    /** Every device of every platform, platform by platform; empty when there is no platform. */
    static List<Found> devices() throws DeviceException {
        int[] count = new int[1];
        int status = callStatus(() -> CL.clGetPlatformIDs(0, null, count));
        if (status == CL.CL_PLATFORM_NOT_FOUND_KHR || count[0] == 0) return List.of();
        if (status != CL.CL_SUCCESS) throw new DeviceException("clGetPlatformIDs failed: " + CL.stringFor_errorCode(status));
        cl_platform_id[] platforms = new cl_platform_id[count[0]];
        check("clGetPlatformIDs", () -> CL.clGetPlatformIDs(platforms.length, platforms, null));
        List<Found> all = new ArrayList<>();
        for (cl_platform_id p : platforms) {
            int[] n = new int[1];
            int s = callStatus(() -> CL.clGetDeviceIDs(p, CL.CL_DEVICE_TYPE_ALL, 0, null, n));
            if (s == CL.CL_DEVICE_NOT_FOUND || n[0] == 0) continue;
            if (s != CL.CL_SUCCESS) throw new DeviceException("clGetDeviceIDs failed: " + CL.stringFor_errorCode(s));
            cl_device_id[] ds = new cl_device_id[n[0]];
            check("clGetDeviceIDs", () -> CL.clGetDeviceIDs(p, CL.CL_DEVICE_TYPE_ALL, ds.length, ds, null));
            for (cl_device_id d : ds) all.add(new Found(p, d));
        }
        return all;
    }

    static String platformString(cl_platform_id p, int param) throws DeviceException {
        long[] size = new long[1];
        check("clGetPlatformInfo", () -> CL.clGetPlatformInfo(p, param, 0, null, size));
        byte[] bytes = new byte[(int) size[0]];
        check("clGetPlatformInfo", () -> CL.clGetPlatformInfo(p, param, bytes.length, Pointer.to(bytes), null));
        return cString(bytes);
    }

    static String deviceString(cl_device_id d, int param) throws DeviceException {
        long[] size = new long[1];
        check("clGetDeviceInfo", () -> CL.clGetDeviceInfo(d, param, 0, null, size));
        byte[] bytes = new byte[(int) size[0]];
        check("clGetDeviceInfo", () -> CL.clGetDeviceInfo(d, param, bytes.length, Pointer.to(bytes), null));
        return cString(bytes);
    }

    /** A {@code cl_ulong} or {@code cl_bitfield} property. */
    static long deviceLong(cl_device_id d, int param) throws DeviceException {
        long[] v = new long[1];
        check("clGetDeviceInfo", () -> CL.clGetDeviceInfo(d, param, Sizeof.cl_ulong, Pointer.to(v), null));
        return v[0];
    }

    /** A {@code size_t} property (this JVM is 64-bit, as JOCL's native library is). */
    static long deviceSize(cl_device_id d, int param) throws DeviceException {
        long[] v = new long[1];
        check("clGetDeviceInfo", () -> CL.clGetDeviceInfo(d, param, Sizeof.size_t, Pointer.to(v), null));
        return v[0];
    }

    /** The first element of a {@code size_t[]} property. */
    static long deviceFirstSize(cl_device_id d, int param) throws DeviceException {
        long[] size = new long[1];
        check("clGetDeviceInfo", () -> CL.clGetDeviceInfo(d, param, 0, null, size));
        long[] v = new long[(int) (size[0] / Sizeof.size_t)];
        check("clGetDeviceInfo", () -> CL.clGetDeviceInfo(d, param, size[0], Pointer.to(v), null));
        return v[0];
    }

    private static int callStatus(IntSupplier call) {
        try {
            return call.getAsInt();
        } catch (CLException e) {
            return e.getStatus();
        }
    }

    private static String cString(byte[] bytes) {
        int n = 0;
        while (n < bytes.length && bytes[n] != 0) n++;
        return new String(bytes, 0, n, StandardCharsets.UTF_8).strip();
    }
}
