package tessera.backend.jvector;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import tessera.ir.loop.Device;
import tessera.ir.loop.Device.DeviceBuffer;
import tessera.ir.loop.Device.DeviceException;
import tessera.ir.loop.Kernel;
import tessera.ir.loop.LoopInterpreter;
import tessera.ir.loop.LoopVerifier;
import tessera.ir.loop.Module;
import tessera.runtime.DType;
import tessera.runtime.Tensor;

/** Runs one kernel on the {@link LoopInterpreter} and on Java devices, buffers in and out by name. */
final class Oracle {
    private Oracle() {}

    /** A module of {@code k} alone, checked by the Loop IR verifier (so tests never feed the backend invalid IR). */
    static Module verified(Kernel k) {
        Module m = Run.module(k.name(), k);
        List<String> problems = LoopVerifier.check(m).stream().filter(p -> !p.contains("plan")).toList();
        assertThat(problems).as("verifier").isEmpty();
        return m;
    }

    /**
     * Prepares {@code k} on {@code device}, writes every buffer of {@code buffers} (all its
     * buffer parameters), launches it over {@code grid} and returns the buffers named in
     * {@code read}, as flat tensors.
     */
    static Map<String, Tensor> run(Device device, Kernel k, long[] grid, Map<String, Tensor> buffers,
                                   Map<String, Double> scalars, List<String> read) throws DeviceException {
        device.prepare(Run.module(k.name(), k));
        Map<String, DeviceBuffer> bound = new HashMap<>();
        for (var e : buffers.entrySet()) {
            DeviceBuffer b = device.allocate(e.getValue().dtype(), e.getValue().size());
            device.write(b, e.getValue());
            bound.put(e.getKey(), b);
        }
        device.launch(k, grid, bound, scalars);
        Map<String, Tensor> out = new HashMap<>();
        for (String name : read) {
            out.put(name, device.read(bound.get(name), new long[] {buffers.get(name).size()}));
        }
        return out;
    }

    /** The interpreter's result. */
    static Map<String, Tensor> reference(Kernel k, long[] grid, Map<String, Tensor> buffers, Map<String, Double> scalars,
                                         List<String> read) throws DeviceException {
        return run(new LoopInterpreter(), k, grid, buffers, scalars, read);
    }

    /** {@code n} Gaussian values of {@code t} (rounded to it). */
    static Tensor random(DType t, long seed, int n) {
        Random rnd = new Random(seed);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = t == DType.I32 ? rnd.nextInt(7) - 3 : rnd.nextGaussian();
        return Tensor.fromDoubles(t, new long[] {n}, v);
    }

    /** Asserts {@code got} equals {@code want} element for element (same bits for floats, NaNs alike). */
    static void same(String what, Tensor got, Tensor want) {
        assertThat(got.toDoubleArray()).as(what).containsExactly(want.toDoubleArray());
    }

    /** Asserts {@code |got - want| <= atol + rtol |want|} elementwise. */
    static void close(String what, Tensor got, Tensor want, double atol, double rtol) {
        double[] a = got.toDoubleArray();
        double[] w = want.toDoubleArray();
        assertThat(a).as(what).hasSameSizeAs(w);
        for (int i = 0; i < w.length; i++) {
            assertThat(Math.abs(a[i] - w[i])).as("%s[%d]: %s vs %s", what, i, a[i], w[i])
                    .isLessThanOrEqualTo(atol + rtol * Math.abs(w[i]));
        }
    }
}
