package tessera.backend.ptx;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import tessera.ir.loop.Kernel;
import tessera.ir.loop.Module;

/**
 * Emits a Loop IR {@link Module} as one PTX module (ISA {@value PtxOptions#ISA_VERSION}): a
 * header comment, {@code .version}, {@code .target sm_XX}, {@code .address_size 64}, then one
 * {@code .visible .entry} per kernel in module order (see {@link KernelEmitter} for the launch
 * shape of plain and group kernels, local arrays, barriers and matmuls, {@link ExprEmitter} for
 * expressions). Each entry declares its local arrays and virtual registers grouped by kind at the
 * top; each Loop IR {@code Comment} becomes a {@code //} line naming the source
 * statement, and each statement its Loop IR text as a comment.
 *
 * <p>Semantics kept exactly from the Loop IR (Java's): integer arithmetic wraps; integer
 * {@code /} and {@code %} truncate, {@code MIN / -1} wraps, and a zero divisor gives 0 (the
 * device cannot report an error; OpenCL does the same); float {@code + - * /} and {@code sqrt}
 * are IEEE round-to-nearest ({@code .rn}, so never contracted into FMAs); float {@code %} is the
 * exact {@code fmod}; comparisons are false on NaN except {@code !=}; float min/max return NaN
 * for a NaN operand and order -0 below +0; float-to-integer conversion truncates, saturates and
 * sends NaN to 0; {@code floor}, {@code ceil}, {@code abs} are exact; {@code &&}, {@code ||} and
 * select are lazy where a side loads; {@code philox}/{@code uniform} are bit-identical to
 * {@code tessera.runtime.Philox}. Bools are 0/1 bytes in buffers and {@code .u8} parameters.
 *
 * <p>Accuracy of the f32 functions that use PTX's approximate instructions (the PTX ISA's bounds
 * for {@code ex2}, {@code lg2} and {@code rsqrt}, and CUDA's for {@code __expf}/{@code __logf},
 * which are the same sequences; the reference checks allow 1e-4 relative plus 1e-5·max|ref|
 * absolute):
 * <table>
 *   <caption>f32 function accuracy</caption>
 *   <tr><th>function</th><th>PTX</th><th>error</th></tr>
 *   <tr><td>exp</td><td>{@code ex2.approx.f32(x·log2 e)}</td><td>2 + 1.2·|x| ulp (under 7e-6
 *       relative where the result is finite and normal)</td></tr>
 *   <tr><td>log</td><td>{@code lg2.approx.f32(x)·ln 2}</td><td>2^-21.4 absolute on [0.5, 2],
 *       3 ulp elsewhere</td></tr>
 *   <tr><td>sigmoid</td><td>{@code rcp.rn(1 + exp(-x))}</td><td>as exp, relative</td></tr>
 *   <tr><td>tanh</td><td>odd Taylor series to x^13 below |x| = 0.55, else
 *       {@code 1 - 2/(exp(2|x|) + 1)} with x's sign</td><td>under 2e-6 relative</td></tr>
 *   <tr><td>pow</td><td>{@code ex2.approx(y·lg2.approx|x|)}, Java's special cases</td><td>2 ulp
 *       + |y|·2^-21.4 + 4·|y·log2 x|·2^-24 relative</td></tr>
 *   <tr><td>rsqrt</td><td>{@code rsqrt.approx.f32}</td><td>2^-22.9 relative</td></tr>
 *   <tr><td>sqrt, + - * /, floor, ceil</td><td>{@code .rn}, {@code cvt.rmi/rpi}</td><td>exact
 *       (correctly rounded)</td></tr>
 * </table>
 * f64 arithmetic, {@code sqrt} and {@code rsqrt} ({@code 1/sqrt}, as Java computes it) are exact
 * IEEE operations. f64 {@code exp}, {@code log}, {@code tanh}, {@code sigmoid} and {@code pow}
 * have no PTX instruction and are not implemented yet: {@link #check} reports them as
 * {@link PtxProblem}s naming the statement.
 */
public final class PtxEmitter {
    /**
     * What in {@code module} this emitter cannot emit for {@code options}; empty when
     * {@link #emit} will succeed. Each problem names its kernel and source statement.
     */
    public List<PtxProblem> check(Module module, PtxOptions options) {
        return run(module, options).problems();
    }

    /** {@link #emit(Module, PtxOptions)} for sm_80. */
    public PtxProgram emit(Module module) {
        return emit(module, PtxOptions.defaults());
    }

    /**
     * Emits {@code module}. The module must be verified Loop IR that {@link #check} accepts;
     * otherwise this throws {@link IllegalArgumentException} listing the problems (callers that
     * show errors to users call {@link #check} first).
     */
    public PtxProgram emit(Module module, PtxOptions options) {
        Emission e = run(module, options);
        if (!e.problems().isEmpty()) {
            throw new IllegalArgumentException("module " + module.name() + " cannot be emitted as PTX:\n  "
                    + e.problems().stream().map(PtxProblem::render).collect(Collectors.joining("\n  ")));
        }
        return new PtxProgram(module.name(), e.text(), e.entries(), options.sm());
    }

    /** The text and the problems of one emission. */
    private record Emission(String text, Map<String, String> entries, List<PtxProblem> problems) {}

    private static Emission run(Module module, PtxOptions options) {
        List<String> kernelNames = module.kernels().stream().map(Kernel::name).toList();
        if (kernelNames.stream().distinct().count() != kernelNames.size()) {
            throw new IllegalArgumentException("module " + module.name() + " has two kernels of one name");
        }
        Map<String, String> entries = PtxNames.entries(kernelNames);
        List<PtxProblem> problems = new ArrayList<>();
        StringBuilder out = new StringBuilder();
        header(module, options, entries).forEach(l -> out.append(l).append('\n'));
        out.append('\n').append(".version ").append(PtxOptions.ISA_VERSION).append('\n')
                .append(".target ").append(options.target()).append('\n')
                .append(".address_size 64\n");
        for (Kernel k : module.kernels()) {
            KernelEmitter writer = new KernelEmitter(k, entries.get(k.name()));
            out.append('\n').append(writer.write());
            problems.addAll(writer.problems());
        }
        return new Emission(out.toString(), entries, problems);
    }

    private static List<String> header(Module module, PtxOptions options, Map<String, String> entries) {
        StringBuilder h = new StringBuilder("Tessera module " + module.name() + ": PTX ISA " + PtxOptions.ISA_VERSION
                + " for " + options.target() + ", generated by tessera.backend.ptx.PtxEmitter.\n"
                + "Entries: " + String.join(", ", entries.values()) + ".\n"
                + "Launch each as a 1-D grid of 1-D blocks with at least as many threads as its grid has points\n"
                + "(the product of the grid extents; 1 for none). Parameters are the Loop IR kernel's, in order:\n"
                + "buffers as .u64 global addresses, scalars by value, bools as 0/1 .u8.");
        if (module.kernels().stream().anyMatch(k -> k.group().isPresent())) {
            h.append("\nLaunch an entry with .reqntid N (a group kernel) as one block of N threads per grid point instead.");
        }
        entries.forEach((ir, ptx) -> {
            if (!ir.equals(ptx)) h.append("\nLoop IR kernel ").append(ir).append(" is the entry ").append(ptx).append('.');
        });
        return PtxComments.lines(h.toString());
    }
}
