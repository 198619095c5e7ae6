package tessera.backend.ptx.sim;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A PTX module parsed and decoded once, ready to launch any number of times on a
 * {@link PtxSimulator}: every entry's instructions are decoded into executable form up front.
 * Instructions the simulator does not implement are listed by {@link #problems()} and fault only
 * if a thread reaches them.
 */
public final class SimModule {
    private final Ptx.Module ptx;
    private final Map<String, DecodedKernel> kernels;
    private final List<String> problems;

    private SimModule(Ptx.Module ptx, Map<String, DecodedKernel> kernels, List<String> problems) {
        this.ptx = ptx;
        this.kernels = kernels;
        this.problems = problems;
    }

    /** Parses and decodes PTX text; a syntax error names its line. */
    public static SimModule parse(String text) throws PtxSyntaxException {
        Ptx.Module m = PtxParser.parse(text);
        Map<String, DecodedKernel> kernels = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        for (Ptx.Entry e : m.entries()) {
            if (kernels.containsKey(e.name())) throw new PtxSyntaxException(e.line(), "entry " + e.name() + " is defined twice");
            DecodedKernel k = Decoder.decode(m, e);
            kernels.put(e.name(), k);
            for (String p : k.problems()) problems.add("entry " + e.name() + ", " + p);
        }
        return new SimModule(m, Map.copyOf(kernels), List.copyOf(problems));
    }

    /** The entries, in the order the text declares them. */
    public List<String> entries() {
        return ptx.entries().stream().map(Ptx.Entry::name).toList();
    }

    /** The parameters of an entry, e.g. {@code .u64 p_x}, in order. */
    public List<String> params(String entry) {
        DecodedKernel k = kernels.get(entry);
        if (k == null) return List.of();
        return k.params().stream().map(p -> "." + p.type().spelling() + " " + p.name()).toList();
    }

    /** The instructions that would fault as unsupported if reached, with their entry and line. */
    public List<String> problems() {
        return problems;
    }

    /** The {@code .target} line's architectures, e.g. {@code sm_80}. */
    public String target() {
        return ptx.target();
    }

    Optional<DecodedKernel> kernel(String entry) {
        return Optional.ofNullable(kernels.get(entry));
    }

    /** Allocates the module-scope .global and .const variables in {@code memory}, with their initializers. */
    Map<String, SimBuffer> allocateVariables(GlobalMemory memory) {
        Map<String, SimBuffer> vars = new LinkedHashMap<>();
        for (Ptx.VarDecl v : ptx.globals()) {
            if (v.space() != Ptx.Space.GLOBAL && v.space() != Ptx.Space.CONST) continue;
            SimBuffer b = memory.allocate(v.bytes(), "variable '" + v.name() + "'");
            int size = v.type().bytes();
            for (int i = 0; i < v.init().size() && (long) (i + 1) * size <= v.bytes(); i++) {
                long bits = switch (v.init().get(i)) {
                    case Ptx.IntLit lit -> v.type().norm(lit.value());
                    case Ptx.FloatLit f -> floatBits(f, v.type());
                    default -> 0;
                };
                Bytes.set(b.data(), i * size, size, bits);
            }
            vars.put(v.name(), b);
        }
        return vars;
    }

    private static long floatBits(Ptx.FloatLit f, PtxType type) {
        try {
            return Decoder.floatImmediate(f, type);
        } catch (Unsupported e) {
            return 0;
        }
    }
}
