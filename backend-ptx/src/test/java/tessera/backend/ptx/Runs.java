package tessera.backend.ptx;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import tessera.ir.loop.Device;
import tessera.ir.loop.Device.DeviceBuffer;
import tessera.ir.loop.Device.DeviceException;
import tessera.ir.loop.Kernel;
import tessera.ir.loop.LExpr;
import tessera.runtime.DType;
import tessera.runtime.Tensor;

/** Running single kernels on a {@link Device} with generated inputs, and comparing outputs. */
final class Runs {
    private Runs() {}

    /** Scalar values for every scalar parameter name the samples use. */
    static final Map<String, Double> SCALARS = Map.ofEntries(Map.entry("N", 37.0), Map.entry("M", 13.0), Map.entry("L", 40.0),
            Map.entry("alpha", 1.5), Map.entry("lo", -1.0), Map.entry("hi", 2.0), Map.entry("invert", 1.0),
            Map.entry("seed", 12345678901.0), Map.entry("A", 3.0), Map.entry("B", 5.0), Map.entry("C", 7.0),
            Map.entry("s32", 0.75), Map.entry("s64", -2.5), Map.entry("flag", 1.0));

    /**
     * Runs {@code k} on {@code device} with every buffer {@code size} elements long: those in
     * {@code inputs} hold them, the rest start zeroed. Returns every buffer the kernel may write.
     */
    static Map<String, Tensor> run(Device device, Kernel k, Map<String, Tensor> inputs, long size, Map<String, Double> scalars)
            throws DeviceException {
        device.prepare(L.module("m", k));
        Map<String, DeviceBuffer> buffers = new HashMap<>();
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Kernel.Param p : k.params()) {
            if (!(p instanceof Kernel.BufferParam b)) continue;
            DeviceBuffer db = device.allocate(b.type(), size);
            Tensor in = inputs.get(b.name());
            if (in != null) device.write(db, in);
            buffers.put(b.name(), db);
        }
        device.launch(k, grid(k, scalars), buffers, scalars);
        for (Kernel.Param p : k.params()) {
            if (p instanceof Kernel.BufferParam b && b.access() != Kernel.Access.READ) {
                out.put(b.name(), device.read(buffers.get(b.name()), new long[] {size}));
            }
        }
        return out;
    }

    /** The grid's extents: constants or scalar parameters. */
    static long[] grid(Kernel k, Map<String, Double> scalars) {
        return k.grid().stream().mapToLong(g -> {
            if (g.extent() instanceof LExpr.Const c) return (long) c.value();
            if (g.extent() instanceof LExpr.Ref r) return scalars.get(r.name()).longValue();
            throw new IllegalArgumentException("extent " + g.extent());
        }).toArray();
    }

    /**
     * Random inputs for every buffer {@code k} reads: floats in [-4, 4] with one in eight a
     * special value (NaN, ±inf, ±0, a subnormal, a huge value), integers in ±50 but never 0, bools.
     */
    static Map<String, Tensor> inputs(Kernel k, long size, long seed) {
        Random r = new Random(seed);
        double[] specials = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 0.0, -0.0, 1e-40, 3e38, -1.0};
        Map<String, Tensor> out = new HashMap<>();
        for (Kernel.Param p : k.params()) {
            if (!(p instanceof Kernel.BufferParam b) || b.access() == Kernel.Access.WRITE) continue;
            double[] v = new double[(int) size];
            for (int i = 0; i < size; i++) {
                v[i] = switch (b.type()) {
                    case BOOL -> r.nextBoolean() ? 1 : 0;
                    case I32, I64 -> (r.nextInt(50) + 1) * (r.nextBoolean() ? 1 : -1);
                    case F32, F64, F16, BF16 -> r.nextInt(8) == 0 ? specials[r.nextInt(specials.length)] : r.nextDouble(-4, 4);
                };
            }
            out.put(b.name(), Tensor.fromDoubles(b.type(), new long[] {size}, v));
        }
        return out;
    }

    /**
     * Asserts {@code got} matches {@code want} element by element: integers and bools exactly,
     * floats within {@code 1e-5·max(1, max|want|) + 1e-4·|want|} with NaN only for NaN and
     * infinities exactly.
     */
    static void assertClose(String what, Tensor got, Tensor want) {
        double[] g = got.toDoubleArray();
        double[] w = want.toDoubleArray();
        double scale = 1;
        for (double x : w) if (Double.isFinite(x)) scale = Math.max(scale, Math.abs(x));
        for (int i = 0; i < w.length; i++) {
            boolean ok;
            if (!got.dtype().isFloat()) ok = g[i] == w[i];
            else if (Double.isNaN(w[i]) || Double.isNaN(g[i])) ok = Double.isNaN(w[i]) && Double.isNaN(g[i]);
            else if (Double.isInfinite(w[i]) || Double.isInfinite(g[i])) ok = g[i] == w[i];
            else ok = Math.abs(g[i] - w[i]) <= 1e-5 * scale + 1e-4 * Math.abs(w[i]);
            assertThat(ok).as("%s[%d]: got %s, want %s", what, i, g[i], w[i]).isTrue();
        }
    }
}
