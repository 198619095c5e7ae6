package tessera.backend.opencl;

import org.jocl.Pointer;
import org.jocl.Sizeof;
import tessera.ir.loop.Device;
import tessera.ir.loop.Kernel;

/** One kernel argument as {@code clSetKernelArg} takes it: a size in bytes and a pointer to the value. */
record KernelArg(long size, Pointer value) {

    /**
     * A scalar argument from the host's double: integers truncate as a Java cast does, bool is
     * a 0/1 {@code uchar} (the type {@link CDialect} gives bool parameters).
     */
    static KernelArg scalar(Kernel kernel, Kernel.ScalarParam p, Double given) throws Device.DeviceException {
        if (given == null) {
            throw new Device.DeviceException("kernel " + kernel.name() + ": no value for scalar parameter '" + p.name() + "'");
        }
        double v = given;
        return switch (p.type()) {
            case BOOL -> new KernelArg(Sizeof.cl_uchar, Pointer.to(new byte[] {(byte) (v != 0 ? 1 : 0)}));
            case I32 -> new KernelArg(Sizeof.cl_int, Pointer.to(new int[] {(int) v}));
            case I64 -> new KernelArg(Sizeof.cl_long, Pointer.to(new long[] {(long) v}));
            case F32 -> new KernelArg(Sizeof.cl_float, Pointer.to(new float[] {(float) v}));
            case F64 -> new KernelArg(Sizeof.cl_double, Pointer.to(new double[] {v}));
            case F16, BF16 -> throw new Device.DeviceException("kernel " + kernel.name() + ": scalar parameter '" + p.name()
                    + "' has the storage-only type " + p.type().sourceName());
        };
    }
}
