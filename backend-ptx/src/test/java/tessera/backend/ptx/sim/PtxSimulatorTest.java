package tessera.backend.ptx.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static tessera.backend.ptx.sim.Programs.HEADER;
import static tessera.backend.ptx.sim.Programs.floatAt;
import static tessera.backend.ptx.sim.Programs.intAt;
import static tessera.backend.ptx.sim.Programs.run;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Whole hand-written PTX programs (each also assembled with ptxas where installed): reductions
 * through shared memory and through warp shuffles, every shuffle mode, votes, atomics, loops with
 * predicated instructions, 3-D grids, local and generic memory, module variables and dynamic
 * shared memory.
 */
class PtxSimulatorTest {

    private static float[] integerValued(int n, long seed) {
        Random r = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = r.nextInt(201) - 100;
        return v;
    }

    @Test
    void sharedMemoryTreeReductionWithBarriers() throws Exception {
        int n = 1000;
        float[] in = integerValued(n, 1);
        GlobalMemory mem = new GlobalMemory();
        SimBuffer a = Programs.floats(mem, in);
        int ctas = (n + 127) / 128;
        SimBuffer out = mem.allocate(4L * ctas);
        run(Programs.blockSum(false), "block_sum", LaunchConfig.linear(ctas, 128), mem,
                KernelArg.pointer(a), KernelArg.pointer(out), KernelArg.s32(n));
        for (int c = 0; c < ctas; c++) {
            float want = 0;
            for (int i = c * 128; i < Math.min(n, c * 128 + 128); i++) want += in[i];
            assertThat(floatAt(out, c)).as("CTA %d", c).isEqualTo(want);
        }
    }

    @Test
    void warpShuffleReduction() throws Exception {
        float[] in = integerValued(256, 2);
        GlobalMemory mem = new GlobalMemory();
        SimBuffer a = Programs.floats(mem, in);
        SimBuffer out = mem.allocate(4 * 8);
        run(Programs.WARP_SUM, "warp_sum", LaunchConfig.linear(2, 128), mem, KernelArg.pointer(a), KernelArg.pointer(out));
        for (int w = 0; w < 8; w++) {
            float want = 0;
            for (int i = 32 * w; i < 32 * w + 32; i++) want += in[i];
            assertThat(floatAt(out, w)).as("warp %d", w).isEqualTo(want);
        }
    }

    private static final String SHUFFLES = HEADER + """
            .visible .entry shuffles(.param .u64 p_out)
            {
                .reg .pred %p<5>;
                .reg .b32 %r<12>;
                .reg .b64 %rd<4>;
                mov.u32 %r1, %tid.x;
                mad.lo.u32 %r2, %r1, 10, 1;
                shfl.sync.up.b32 %r3|%p1, %r2, 3, 0x1800, 0xffffffff;
                shfl.sync.down.b32 %r4|%p2, %r2, 3, 0x181f, 0xffffffff;
                shfl.sync.idx.b32 %r5|%p3, %r2, 5, 0x181f, 0xffffffff;
                shfl.sync.bfly.b32 %r6|%p4, %r2, 6, 0x181f, 0xffffffff;
                shfl.sync.down.b32 %r7, %r2, 1, 0x1f, 0xffffffff;
                selp.u32 %r8, 1, 0, %p1;
                selp.u32 %r9, 1, 0, %p2;
                selp.u32 %r10, 1, 0, %p3;
                selp.u32 %r11, 1, 0, %p4;
                ld.param.u64 %rd1, [p_out];
                mul.wide.u32 %rd2, %r1, 36;
                add.s64 %rd3, %rd1, %rd2;
                st.global.u32 [%rd3], %r3;
                st.global.u32 [%rd3+4], %r4;
                st.global.u32 [%rd3+8], %r5;
                st.global.u32 [%rd3+12], %r6;
                st.global.u32 [%rd3+16], %r7;
                st.global.u32 [%rd3+20], %r8;
                st.global.u32 [%rd3+24], %r9;
                st.global.u32 [%rd3+28], %r10;
                st.global.u32 [%rd3+32], %r11;
                ret;
            }
            """;

    /** The shuffle modes with segments of 8 lanes, against CUDA's documented {@code __shfl_*_sync(..., width)}. */
    @Test
    void everyShuffleModeWithSegments() throws Exception {
        GlobalMemory mem = new GlobalMemory();
        SimBuffer out = mem.allocate(36 * 64);
        run(SHUFFLES, "shuffles", LaunchConfig.linear(1, 64), mem, KernelArg.pointer(out));
        for (int t = 0; t < 64; t++) {
            int lane = t % 32;
            int warpBase = t - lane;
            int segStart = lane & ~7;
            int own = 10 * t + 1;
            int up = lane - 3 >= segStart ? 10 * (warpBase + lane - 3) + 1 : own;
            int down = lane + 3 <= segStart + 7 ? 10 * (warpBase + lane + 3) + 1 : own;
            int idx = 10 * (warpBase + segStart + 5) + 1;
            int bfly = 10 * (warpBase + (lane ^ 6)) + 1;
            int down1 = lane < 31 ? 10 * (t + 1) + 1 : own;
            int base = 9 * t;
            assertThat(new int[] {intAt(out, base), intAt(out, base + 1), intAt(out, base + 2), intAt(out, base + 3), intAt(out, base + 4)})
                    .as("thread %d", t).containsExactly(up, down, idx, bfly, down1);
            assertThat(new int[] {intAt(out, base + 5), intAt(out, base + 6), intAt(out, base + 7), intAt(out, base + 8)})
                    .as("predicates of thread %d", t).containsExactly(lane - 3 >= segStart ? 1 : 0, lane + 3 <= segStart + 7 ? 1 : 0, 1, 1);
        }
    }

    private static final String VOTES = HEADER + """
            .visible .entry votes(.param .u64 p_in, .param .u64 p_out)
            {
                .reg .pred %p<5>;
                .reg .b32 %r<8>;
                .reg .b64 %rd<6>;
                mov.u32 %r1, %tid.x;
                ld.param.u64 %rd1, [p_in];
                mul.wide.u32 %rd2, %r1, 4;
                add.s64 %rd3, %rd1, %rd2;
                ld.global.u32 %r2, [%rd3];
                setp.ne.u32 %p1, %r2, 0;
                vote.sync.all.pred %p2, %p1, 0xffffffff;
                vote.sync.any.pred %p3, %p1, 0xffffffff;
                vote.sync.uni.pred %p4, !%p1, 0xffffffff;
                vote.sync.ballot.b32 %r3, %p1, 0xffffffff;
                selp.u32 %r4, 1, 0, %p2;
                selp.u32 %r5, 1, 0, %p3;
                selp.u32 %r6, 1, 0, %p4;
                ld.param.u64 %rd4, [p_out];
                mul.wide.u32 %rd2, %r1, 16;
                add.s64 %rd5, %rd4, %rd2;
                st.global.u32 [%rd5], %r4;
                st.global.u32 [%rd5+4], %r5;
                st.global.u32 [%rd5+8], %r6;
                st.global.u32 [%rd5+12], %r3;
                ret;
            }
            """;

    @Test
    void votesAcrossAWarp() throws Exception {
        int[] in = new int[96];
        for (int i = 0; i < 32; i++) in[i] = 1;
        in[32 + 3] = 1;
        in[32 + 31] = 1;
        GlobalMemory mem = new GlobalMemory();
        SimBuffer a = Programs.ints(mem, in);
        SimBuffer out = mem.allocate(16 * 96);
        run(VOTES, "votes", LaunchConfig.linear(1, 96), mem, KernelArg.pointer(a), KernelArg.pointer(out));
        int[][] want = {{1, 1, 1, 0xffffffff}, {0, 1, 0, (1 << 3) | (1 << 31)}, {0, 0, 1, 0}};
        for (int t = 0; t < 96; t++) {
            int[] w = want[t / 32];
            assertThat(new int[] {intAt(out, 4 * t), intAt(out, 4 * t + 1), intAt(out, 4 * t + 2), intAt(out, 4 * t + 3)})
                    .as("thread %d", t).containsExactly(w);
        }
    }

    private static final String ATOMICS = HEADER + """
            .visible .entry atomics(.param .u64 p_in, .param .u64 p_out, .param .u32 p_n)
            {
                .reg .pred %p<3>;
                .reg .b32 %r<12>;
                .reg .f32 %f<3>;
                .reg .b64 %rd<8>;
                .shared .align 4 .u32 hist[4];

                mov.u32 %r1, %tid.x;
                setp.lt.u32 %p2, %r1, 4;
                @!%p2 bra INIT_DONE;
                shl.b32 %r9, %r1, 2;
                mov.u32 %r10, hist;
                add.u32 %r10, %r10, %r9;
                st.shared.u32 [%r10], 0;
            INIT_DONE:
                bar.sync 0;
                mov.u32 %r2, %ctaid.x;
                mov.u32 %r3, %ntid.x;
                mad.lo.u32 %r4, %r2, %r3, %r1;
                ld.param.u32 %r5, [p_n];
                ld.param.u64 %rd4, [p_out];
                setp.ge.u32 %p1, %r4, %r5;
                @%p1 bra WAIT;
                ld.param.u64 %rd1, [p_in];
                mul.wide.u32 %rd2, %r4, 4;
                add.s64 %rd3, %rd1, %rd2;
                ld.global.u32 %r6, [%rd3];
                atom.global.add.u32 %r7, [%rd4], 1;
                cvt.rn.f32.s32 %f1, %r6;
                atom.global.add.f32 %f2, [%rd4+4], %f1;
                atom.global.max.s32 %r8, [%rd4+8], %r6;
                atom.global.min.s32 %r8, [%rd4+12], %r6;
                and.b32 %r9, %r6, 3;
                shl.b32 %r9, %r9, 2;
                mov.u32 %r10, hist;
                add.u32 %r10, %r10, %r9;
                atom.shared.add.u32 %r11, [%r10], 1;
            WAIT:
                bar.sync 0;
                @!%p2 bra END;
                shl.b32 %r9, %r1, 2;
                mov.u32 %r10, hist;
                add.u32 %r10, %r10, %r9;
                ld.shared.u32 %r11, [%r10];
                mul.wide.u32 %rd5, %r1, 4;
                add.s64 %rd6, %rd4, %rd5;
                red.global.add.u32 [%rd6+16], %r11;
            END:
                ret;
            }
            """;

    @Test
    void globalAndSharedAtomics() throws Exception {
        int n = 300;
        Random r = new Random(3);
        int[] in = new int[n];
        for (int i = 0; i < n; i++) in[i] = r.nextInt(2001) - 1000;
        GlobalMemory mem = new GlobalMemory();
        SimBuffer a = Programs.ints(mem, in);
        SimBuffer out = Programs.ints(mem, 0, 0, Integer.MIN_VALUE, Integer.MAX_VALUE, 0, 0, 0, 0);
        run(ATOMICS, "atomics", LaunchConfig.linear(3, 128), mem, KernelArg.pointer(a), KernelArg.pointer(out), KernelArg.s32(n));
        float sum = 0;
        int max = Integer.MIN_VALUE;
        int min = Integer.MAX_VALUE;
        int[] hist = new int[4];
        for (int v : in) {
            sum += v;
            max = Math.max(max, v);
            min = Math.min(min, v);
            hist[v & 3]++;
        }
        assertThat(intAt(out, 0)).isEqualTo(n);
        assertThat(floatAt(out, 1)).isEqualTo(sum);
        assertThat(intAt(out, 2)).isEqualTo(max);
        assertThat(intAt(out, 3)).isEqualTo(min);
        assertThat(new int[] {intAt(out, 4), intAt(out, 5), intAt(out, 6), intAt(out, 7)}).containsExactly(hist);
    }

    private static final String COLLATZ = HEADER + """
            .visible .entry collatz(.param .u64 p_out, .param .u32 p_n)
            {
                .reg .pred %p<4>;
                .reg .b32 %r<10>;
                .reg .b64 %rd<4>;
                mov.u32 %r1, %tid.x;
                mov.u32 %r2, %ctaid.x;
                mov.u32 %r3, %ntid.x;
                mad.lo.u32 %r4, %r2, %r3, %r1;
                ld.param.u32 %r5, [p_n];
                setp.ge.u32 %p1, %r4, %r5;
                @%p1 exit;
                add.u32 %r6, %r4, 1;
                mov.u32 %r7, 0;
            LOOP:
                setp.eq.u32 %p2, %r6, 1;
                @%p2 bra DONE;
                and.b32 %r8, %r6, 1;
                setp.eq.u32 %p3, %r8, 0;
                @%p3 shr.u32 %r6, %r6, 1;
                @!%p3 mad.lo.u32 %r6, %r6, 3, 1;
                add.u32 %r7, %r7, 1;
                bra.uni LOOP;
            DONE:
                ld.param.u64 %rd1, [p_out];
                mul.wide.u32 %rd2, %r4, 4;
                add.s64 %rd3, %rd1, %rd2;
                st.global.u32 [%rd3], %r7;
                ret;
            }
            """;

    @Test
    void loopsBranchesAndPredicatedInstructions() throws Exception {
        int n = 333;
        GlobalMemory mem = new GlobalMemory();
        SimBuffer out = mem.allocate(4L * n);
        run(COLLATZ, "collatz", LaunchConfig.linear(6, 64), mem, KernelArg.pointer(out), KernelArg.s32(n));
        for (int i = 0; i < n; i++) {
            long x = i + 1;
            int steps = 0;
            while (x != 1) {
                x = x % 2 == 0 ? x / 2 : 3 * x + 1;
                steps++;
            }
            assertThat(intAt(out, i)).as("steps of %d", i + 1).isEqualTo(steps);
        }
    }

    private static final String IDS = HEADER + """
            .visible .entry ids(.param .u64 p_out)
            {
                .reg .b32 %r<20>;
                .reg .b64 %rd<4>;
                mov.u32 %r1, %tid.x;
                mov.u32 %r2, %tid.y;
                mov.u32 %r3, %tid.z;
                mov.u32 %r4, %ntid.x;
                mov.u32 %r5, %ntid.y;
                mov.u32 %r6, %ntid.z;
                mov.u32 %r7, %ctaid.x;
                mov.u32 %r8, %ctaid.y;
                mov.u32 %r9, %ctaid.z;
                mov.u32 %r10, %nctaid.x;
                mov.u32 %r11, %nctaid.y;
                mad.lo.u32 %r12, %r3, %r5, %r2;
                mad.lo.u32 %r12, %r12, %r4, %r1;
                mad.lo.u32 %r13, %r9, %r11, %r8;
                mad.lo.u32 %r13, %r13, %r10, %r7;
                mul.lo.u32 %r14, %r4, %r5;
                mul.lo.u32 %r14, %r14, %r6;
                mad.lo.u32 %r15, %r13, %r14, %r12;
                mov.u32 %r16, %laneid;
                mad.lo.u32 %r18, %r13, 1000, %r16;
                ld.param.u64 %rd1, [p_out];
                mul.wide.u32 %rd2, %r15, 4;
                add.s64 %rd3, %rd1, %rd2;
                st.global.u32 [%rd3], %r18;
                ret;
            }
            """;

    @Test
    void threeDimensionalGridsAndBlocks() throws Exception {
        Dim3 grid = new Dim3(3, 2, 2);
        Dim3 block = new Dim3(5, 4, 3);
        int total = (int) (grid.count() * block.count());
        GlobalMemory mem = new GlobalMemory();
        SimBuffer out = Programs.ints(mem, new int[total]);
        run(IDS, "ids", new LaunchConfig(grid, block, 0), mem, KernelArg.pointer(out));
        for (int g = 0; g < total; g++) {
            int cta = g / 60;
            int t = g % 60;
            assertThat(intAt(out, g)).as("thread %d", g).isEqualTo(cta * 1000 + t % 32);
        }
    }

    private static final String LOCALS = HEADER + """
            .global .align 4 .u32 table[4] = {10, 20, 30, 40};
            .const .align 4 .f32 scale[1] = {0f40000000};

            .visible .entry locals(.param .u64 p_out)
            {
                .reg .pred %p1;
                .reg .b32 %r<6>;
                .reg .f32 %f<4>;
                .reg .b64 %rd<8>;
                .local .align 4 .u32 buf[4];

                mov.u32 %r1, %tid.x;
                mov.u64 %rd1, buf;
                cvta.local.u64 %rd2, %rd1;
                mov.u64 %rd3, table;
                mov.u32 %r2, 0;
            L:
                mul.wide.u32 %rd4, %r2, 4;
                add.s64 %rd5, %rd3, %rd4;
                ld.global.u32 %r3, [%rd5];
                add.u32 %r3, %r3, %r1;
                add.s64 %rd6, %rd2, %rd4;
                st.u32 [%rd6], %r3;
                add.u32 %r2, %r2, 1;
                setp.lt.u32 %p1, %r2, 4;
                @%p1 bra L;
                ld.local.u32 %r4, [buf+12];
                ld.local.u32 %r5, [buf];
                add.u32 %r4, %r4, %r5;
                cvt.rn.f32.u32 %f1, %r4;
                ld.const.f32 %f2, [scale];
                mul.rn.f32 %f3, %f1, %f2;
                ld.param.u64 %rd7, [p_out];
                mul.wide.u32 %rd4, %r1, 4;
                add.s64 %rd7, %rd7, %rd4;
                st.global.f32 [%rd7], %f3;
                ret;
            }
            """;

    @Test
    void localMemoryGenericAddressesAndModuleVariables() throws Exception {
        GlobalMemory mem = new GlobalMemory();
        SimBuffer out = mem.allocate(4 * 40);
        run(LOCALS, "locals", LaunchConfig.linear(1, 40), mem, KernelArg.pointer(out));
        for (int t = 0; t < 40; t++) assertThat(floatAt(out, t)).isEqualTo(2f * ((40 + t) + (10 + t)));
    }

    private static final String REVERSE = HEADER + """
            .extern .shared .align 4 .b8 dyn[];

            .visible .entry reverse(.param .u64 p_io, .param .u32 p_n)
            {
                .reg .b32 %r<6>;
                .reg .b64 %rd<8>;
                mov.u32 %r1, %tid.x;
                ld.param.u32 %r2, [p_n];
                ld.param.u64 %rd1, [p_io];
                mul.wide.u32 %rd2, %r1, 4;
                add.s64 %rd3, %rd1, %rd2;
                ld.global.u32 %r3, [%rd3];
                mov.u64 %rd4, dyn;
                cvta.shared.u64 %rd5, %rd4;
                add.s64 %rd6, %rd5, %rd2;
                st.u32 [%rd6], %r3;
                bar.sync 0;
                sub.u32 %r4, %r2, 1;
                sub.u32 %r4, %r4, %r1;
                mul.wide.u32 %rd7, %r4, 4;
                add.s64 %rd7, %rd5, %rd7;
                ld.u32 %r5, [%rd7];
                st.global.u32 [%rd3], %r5;
                ret;
            }
            """;

    @Test
    void dynamicSharedMemoryThroughGenericAddresses() throws Exception {
        int n = 100;
        int[] in = new int[n];
        for (int i = 0; i < n; i++) in[i] = i * i;
        GlobalMemory mem = new GlobalMemory();
        SimBuffer io = Programs.ints(mem, in);
        run(REVERSE, "reverse", new LaunchConfig(Dim3.of(1), Dim3.of(n), 4 * n), mem, KernelArg.pointer(io), KernelArg.s32(n));
        for (int i = 0; i < n; i++) assertThat(intAt(io, i)).isEqualTo((n - 1 - i) * (n - 1 - i));
    }

    private static final String WARP_EXCHANGE = HEADER + """
            .visible .entry exchange(.param .u64 p_out)
            {
                .reg .b32 %r<8>;
                .reg .b64 %rd<4>;
                .shared .align 4 .u32 s[32];
                mov.u32 %r1, %tid.x;
                shl.b32 %r2, %r1, 2;
                mov.u32 %r3, s;
                add.u32 %r4, %r3, %r2;
                st.shared.u32 [%r4], %r1;
                SYNC
                xor.b32 %r5, %r1, 1;
                shl.b32 %r6, %r5, 2;
                add.u32 %r6, %r3, %r6;
                ld.shared.u32 %r7, [%r6];
                ld.param.u64 %rd1, [p_out];
                mul.wide.u32 %rd2, %r1, 4;
                add.s64 %rd3, %rd1, %rd2;
                st.global.u32 [%rd3], %r7;
                ret;
            }
            """;

    @Test
    void warpSynchronousSharedMemoryNeedsBarWarpSync() throws Exception {
        GlobalMemory mem = new GlobalMemory();
        SimBuffer out = mem.allocate(4 * 32);
        run(WARP_EXCHANGE.replace("SYNC", "bar.warp.sync 0xffffffff;"), "exchange", LaunchConfig.linear(1, 32), mem, KernelArg.pointer(out));
        for (int t = 0; t < 32; t++) assertThat(intAt(out, t)).isEqualTo(t ^ 1);
        String unsynced = WARP_EXCHANGE.replace("SYNC", "// no bar.warp.sync");
        Programs.assertAssembles(unsynced);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new PtxSimulator().launch(SimModule.parse(unsynced), "exchange",
                        LaunchConfig.linear(1, 32), java.util.List.of(KernelArg.pointer(out)), mem))
                .isInstanceOfSatisfying(SimFault.class, f -> assertThat(f.kind()).isIn(FaultKind.UNINITIALISED_READ, FaultKind.SHARED_RACE));
    }
}
