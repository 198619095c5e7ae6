package tessera.backend.ptx.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import tessera.backend.ptx.Ptxas;

/**
 * One PTX instruction applied to many operand tuples, one thread each, for instruction-level
 * tests. The instruction names its operands {@code %d} (and {@code %q}, a second destination)
 * and {@code %a}, {@code %b}, {@code %c}; each is a register of its declared type, loaded from
 * global memory (8 bytes per operand per thread; predicates as a u32 0/1) and the results stored
 * back. Values go in and come out as raw bits, as a register holds them.
 */
final class Snippet {
    private final String instruction;
    private final PtxType d;
    private final PtxType q;
    private final PtxType[] sources;

    private Snippet(String instruction, PtxType d, PtxType q, PtxType... sources) {
        this.instruction = instruction;
        this.d = d;
        this.q = q;
        this.sources = sources;
    }

    /** {@code instruction} writing {@code %d} of type {@code d} from {@code %a, %b, %c} of the given types. */
    static Snippet of(String instruction, PtxType d, PtxType... sources) {
        return new Snippet(instruction, d, null, sources);
    }

    /** Also a second destination {@code %q}. */
    static Snippet of2(String instruction, PtxType d, PtxType q, PtxType... sources) {
        return new Snippet(instruction, d, q, sources);
    }

    private static String regType(PtxType t) {
        return switch (t) {
            case F16, BF16 -> "b16";
            default -> t.spelling();
        };
    }

    private static String memType(PtxType t) {
        return switch (t) {
            case PRED -> "u32";
            case F16, BF16 -> "b16";
            default -> t.spelling();
        };
    }

    /** The kernel's PTX; {@code entry} names it. */
    String body(String entry) {
        String[] names = {"%a", "%b", "%c"};
        StringBuilder s = new StringBuilder();
        s.append(".visible .entry ").append(entry).append("(.param .u64 in, .param .u64 out, .param .u32 n)\n{\n");
        s.append("    .reg .pred %skip;\n    .reg .b32 %i, %t1, %t2, %n, %tmp;\n    .reg .b64 %pin, %pout, %off;\n");
        for (int i = 0; i < sources.length; i++) s.append("    .reg .").append(regType(sources[i])).append(' ').append(names[i]).append(";\n");
        s.append("    .reg .").append(regType(d)).append(" %d;\n");
        if (q != null) s.append("    .reg .").append(regType(q)).append(" %q;\n");
        s.append("""
                    mov.u32 %i, %tid.x;
                    mov.u32 %t1, %ctaid.x;
                    mov.u32 %t2, %ntid.x;
                    mad.lo.u32 %i, %t1, %t2, %i;
                    ld.param.u32 %n, [n];
                    setp.ge.u32 %skip, %i, %n;
                    @%skip bra DONE;
                    ld.param.u64 %pin, [in];
                    ld.param.u64 %pout, [out];
                    mul.wide.u32 %off, %i, 24;
                    add.s64 %pin, %pin, %off;
                    mul.wide.u32 %off, %i, 16;
                    add.s64 %pout, %pout, %off;
                """);
        for (int i = 0; i < sources.length; i++) {
            if (sources[i] == PtxType.PRED) {
                s.append("    ld.global.u32 %tmp, [%pin+").append(8 * i).append("];\n");
                s.append("    setp.ne.u32 ").append(names[i]).append(", %tmp, 0;\n");
            } else {
                s.append("    ld.global.").append(memType(sources[i])).append(' ').append(names[i]).append(", [%pin+").append(8 * i).append("];\n");
            }
        }
        s.append("    ").append(instruction).append('\n');
        store(s, d, "%d", 0);
        if (q != null) store(s, q, "%q", 8);
        s.append("DONE:\n    ret;\n}\n");
        return s.toString();
    }

    private static void store(StringBuilder s, PtxType t, String reg, int offset) {
        if (t == PtxType.PRED) {
            s.append("    selp.u32 %tmp, 1, 0, ").append(reg).append(";\n");
            s.append("    st.global.u32 [%pout+").append(offset).append("], %tmp;\n");
        } else {
            s.append("    st.global.").append(memType(t)).append(" [%pout+").append(offset).append("], ").append(reg).append(";\n");
        }
    }

    static String module(String... bodies) {
        return ".version 8.0\n.target sm_80\n.address_size 64\n\n" + String.join("\n", bodies);
    }

    /** {@code %d} for each tuple of raw operand bits. */
    long[] run(long[]... tuples) throws Exception {
        return runBoth(tuples)[0];
    }

    /** {@code %d} and {@code %q} for each tuple. */
    long[][] runBoth(long[]... tuples) throws Exception {
        SimModule m = SimModule.parse(module(body("t")));
        assertThat(m.problems()).isEmpty();
        GlobalMemory mem = new GlobalMemory();
        SimBuffer in = mem.allocate(24L * tuples.length);
        SimBuffer out = mem.allocate(16L * tuples.length);
        for (int i = 0; i < tuples.length; i++) {
            for (int j = 0; j < tuples[i].length; j++) Bytes.set(in.data(), 24 * i + 8 * j, 8, tuples[i][j]);
        }
        int threads = 64;
        new PtxSimulator().launch(m, "t", LaunchConfig.linear((tuples.length + threads - 1) / threads, threads),
                List.of(KernelArg.pointer(in), KernelArg.pointer(out), KernelArg.s32(tuples.length)), mem);
        long[][] r = new long[2][tuples.length];
        for (int i = 0; i < tuples.length; i++) {
            r[0][i] = d.norm(Bytes.get(out.data(), 16 * i, d == PtxType.PRED ? 4 : d.bytes()));
            if (q != null) r[1][i] = q.norm(Bytes.get(out.data(), 16 * i + 8, q == PtxType.PRED ? 4 : q.bytes()));
        }
        return r;
    }

    /** Asserts that ptxas accepts every snippet (one entry each), where ptxas is installed. */
    static void assertAssemble(List<Snippet> snippets) {
        if (Ptxas.whyUnavailable().isPresent()) return;
        List<String> bodies = new ArrayList<>();
        for (int i = 0; i < snippets.size(); i++) bodies.add(snippets.get(i).body("t" + i));
        String ptx = module(bodies.toArray(String[]::new));
        Ptxas.Result r = Ptxas.check(ptx, 80);
        assertThat(r.ok()).as("ptxas on the instruction snippets:%n%s", r.output()).isTrue();
    }

    @Override
    public String toString() {
        return instruction;
    }

    // ---- raw bits helpers ----

    static long f32(float x) {
        return Float.floatToRawIntBits(x) & 0xffffffffL;
    }

    static long f64(double x) {
        return Double.doubleToRawLongBits(x);
    }

    static float asF32(long bits) {
        return Float.intBitsToFloat((int) bits);
    }

    static double asF64(long bits) {
        return Double.longBitsToDouble(bits);
    }
}
