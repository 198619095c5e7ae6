package tessera.backend.ptx.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import tessera.backend.ptx.Ptxas;

/** Hand-written PTX for the program tests, and running it. */
final class Programs {
    private Programs() {}

    static final String HEADER = ".version 8.0\n.target sm_80\n.address_size 64\n\n";

    /**
     * Sums 128 floats per CTA with a shared-memory tree and bar.sync; thread 0 writes the CTA's
     * sum. {@code missingLoopBarrier} leaves out the barrier between tree levels (a planted race).
     */
    static String blockSum(boolean missingLoopBarrier) {
        return HEADER + """
                .visible .entry block_sum(.param .u64 p_in, .param .u64 p_out, .param .u32 p_n)
                {
                    .reg .pred %p<4>;
                    .reg .b32 %r<12>;
                    .reg .f32 %f<4>;
                    .reg .b64 %rd<8>;
                    .shared .align 4 .f32 sdata[128];

                    mov.u32 %r1, %tid.x;
                    mov.u32 %r2, %ctaid.x;
                    mov.u32 %r3, %ntid.x;
                    mad.lo.u32 %r4, %r2, %r3, %r1;
                    ld.param.u32 %r5, [p_n];
                    mov.f32 %f1, 0f00000000;
                    setp.ge.u32 %p1, %r4, %r5;
                    @%p1 bra STORE;
                    ld.param.u64 %rd1, [p_in];
                    cvta.to.global.u64 %rd1, %rd1;
                    mul.wide.u32 %rd2, %r4, 4;
                    add.s64 %rd3, %rd1, %rd2;
                    ld.global.f32 %f1, [%rd3];
                STORE:
                    mov.u32 %r6, sdata;
                    shl.b32 %r7, %r1, 2;
                    add.u32 %r8, %r6, %r7;
                    st.shared.f32 [%r8], %f1;
                    bar.sync 0;
                    shr.u32 %r9, %r3, 1;
                LOOP:
                    setp.eq.u32 %p2, %r9, 0;
                    @%p2 bra DONE;
                    setp.ge.u32 %p3, %r1, %r9;
                    @%p3 bra SKIP;
                    shl.b32 %r10, %r9, 2;
                    add.u32 %r11, %r8, %r10;
                    ld.shared.f32 %f2, [%r11];
                    ld.shared.f32 %f3, [%r8];
                    add.rn.f32 %f3, %f3, %f2;
                    st.shared.f32 [%r8], %f3;
                SKIP:
                    BARRIER
                    shr.u32 %r9, %r9, 1;
                    bra.uni LOOP;
                DONE:
                    setp.ne.u32 %p2, %r1, 0;
                    @%p2 bra END;
                    ld.shared.f32 %f2, [sdata];
                    ld.param.u64 %rd4, [p_out];
                    cvta.to.global.u64 %rd4, %rd4;
                    mul.wide.u32 %rd5, %r2, 4;
                    add.s64 %rd6, %rd4, %rd5;
                    st.global.f32 [%rd6], %f2;
                END:
                    ret;
                }
                """.replace("BARRIER", missingLoopBarrier ? "// no barrier here" : "bar.sync 0;");
    }

    /** Each warp sums its 32 floats with shfl.sync.bfly; lane 0 writes the warp's sum. */
    static final String WARP_SUM = HEADER + """
            .visible .entry warp_sum(.param .u64 p_in, .param .u64 p_out)
            {
                .reg .pred %p1;
                .reg .b32 %r<8>;
                .reg .f32 %f<3>;
                .reg .b64 %rd<6>;

                mov.u32 %r1, %tid.x;
                mov.u32 %r2, %ctaid.x;
                mov.u32 %r3, %ntid.x;
                mad.lo.u32 %r4, %r2, %r3, %r1;
                ld.param.u64 %rd1, [p_in];
                mul.wide.u32 %rd2, %r4, 4;
                add.s64 %rd3, %rd1, %rd2;
                ld.global.f32 %f1, [%rd3];
                shfl.sync.bfly.b32 %f2, %f1, 16, 31, 0xffffffff;
                add.rn.f32 %f1, %f1, %f2;
                shfl.sync.bfly.b32 %f2, %f1, 8, 31, 0xffffffff;
                add.rn.f32 %f1, %f1, %f2;
                shfl.sync.bfly.b32 %f2, %f1, 4, 31, 0xffffffff;
                add.rn.f32 %f1, %f1, %f2;
                shfl.sync.bfly.b32 %f2, %f1, 2, 31, 0xffffffff;
                add.rn.f32 %f1, %f1, %f2;
                shfl.sync.bfly.b32 %f2, %f1, 1, 31, 0xffffffff;
                add.rn.f32 %f1, %f1, %f2;
                mov.u32 %r5, %laneid;
                setp.ne.u32 %p1, %r5, 0;
                @%p1 bra END;
                shr.u32 %r6, %r4, 5;
                ld.param.u64 %rd4, [p_out];
                mul.wide.u32 %rd5, %r6, 4;
                add.s64 %rd5, %rd4, %rd5;
                st.global.f32 [%rd5], %f1;
            END:
                ret;
            }
            """;

    /** Asserts ptxas accepts {@code ptx}, where it is installed. */
    static void assertAssembles(String ptx) {
        if (Ptxas.whyUnavailable().isPresent()) return;
        Ptxas.Result r = Ptxas.check(ptx, 80);
        assertThat(r.ok()).as("ptxas:%n%s", r.output()).isTrue();
    }

    /** Parses, checks with ptxas, and launches {@code entry} with {@code args}. */
    static void run(String ptx, String entry, LaunchConfig config, GlobalMemory mem, KernelArg... args) throws Exception {
        assertAssembles(ptx);
        SimModule m = SimModule.parse(ptx);
        assertThat(m.problems()).isEmpty();
        new PtxSimulator().launch(m, entry, config, List.of(args), mem);
    }

    /** The line number of the first line containing {@code text}. */
    static int lineOf(String ptx, String text) {
        String[] lines = ptx.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].contains(text)) return i + 1;
        }
        throw new IllegalArgumentException(text + " is not in the PTX");
    }

    static SimBuffer floats(GlobalMemory mem, float... values) {
        SimBuffer b = mem.allocate(4L * values.length);
        for (int i = 0; i < values.length; i++) Bytes.set(b.data(), 4 * i, 4, Float.floatToRawIntBits(values[i]));
        return b;
    }

    static SimBuffer ints(GlobalMemory mem, int... values) {
        SimBuffer b = mem.allocate(4L * values.length);
        for (int i = 0; i < values.length; i++) Bytes.set(b.data(), 4 * i, 4, values[i]);
        return b;
    }

    static float floatAt(SimBuffer b, int i) {
        return Float.intBitsToFloat((int) Bytes.get(b.data(), 4 * i, 4));
    }

    static int intAt(SimBuffer b, int i) {
        return (int) Bytes.get(b.data(), 4 * i, 4);
    }
}
