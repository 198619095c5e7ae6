package tessera.backend.ptx.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static tessera.backend.ptx.sim.Programs.HEADER;
import static tessera.backend.ptx.sim.Programs.lineOf;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * PTX with planted bugs, each valid PTX (ptxas accepts it where installed) that a GPU would run
 * to a wrong or undefined result; the simulator must stop with the right kind of fault, the PTX
 * line, the kernel, the thread and (for memory) the address.
 */
class PlantedBugsTest {

    private static SimFault fault(String ptx, String entry, LaunchConfig config, GlobalMemory mem, KernelArg... args) {
        return fault(ptx, entry, config, SimOptions.defaults(), mem, args);
    }

    private static SimFault fault(String ptx, String entry, LaunchConfig config, SimOptions options, GlobalMemory mem, KernelArg... args) {
        Programs.assertAssembles(ptx);
        try {
            new PtxSimulator(options).launch(SimModule.parse(ptx), entry, config, List.of(args), mem);
        } catch (SimFault f) {
            return f;
        } catch (PtxSyntaxException e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("no fault reported");
    }

    /** y[i] = 2 x[i] for i <= n: the guard is off by one. */
    private static final String OFF_BY_ONE = HEADER + """
            .visible .entry twice(.param .u64 p_x, .param .u64 p_y, .param .u32 p_n)
            {
                .reg .pred %p1;
                .reg .b32 %r<6>;
                .reg .f32 %f<3>;
                .reg .b64 %rd<6>;
                mov.u32 %r1, %tid.x;
                mov.u32 %r2, %ctaid.x;
                mov.u32 %r3, %ntid.x;
                mad.lo.u32 %r4, %r2, %r3, %r1;
                ld.param.u32 %r5, [p_n];
                setp.gt.u32 %p1, %r4, %r5;
                @%p1 bra END;
                ld.param.u64 %rd1, [p_x];
                ld.param.u64 %rd2, [p_y];
                mul.wide.u32 %rd3, %r4, 4;
                add.s64 %rd4, %rd1, %rd3;
                add.s64 %rd5, %rd2, %rd3;
                ld.global.f32 %f1, [%rd4];
                add.rn.f32 %f2, %f1, %f1;
                st.global.f32 [%rd5], %f2;
            END:
                ret;
            }
            """;

    @Test
    void outOfBoundsWriteNamesTheBufferLineThreadAndAddress() {
        GlobalMemory mem = new GlobalMemory();
        SimBuffer x = mem.allocate(4 * 101);
        SimBuffer y = mem.allocate(4 * 100);
        SimFault f = fault(OFF_BY_ONE.replace("ld.global.f32 %f1, [%rd4];", "ld.global.f32 %f1, [%rd4+0];"), "twice",
                LaunchConfig.linear(1, 128), mem, KernelArg.pointer(x), KernelArg.pointer(y, "y"), KernelArg.s32(100));
        assertThat(f.kind()).isEqualTo(FaultKind.OUT_OF_BOUNDS);
        assertThat(f.kernel()).isEqualTo("twice");
        assertThat(f.line()).isEqualTo(lineOf(OFF_BY_ONE, "st.global.f32"));
        assertThat(f.instruction()).isEqualTo("st.global.f32 [%rd5], %f2;");
        assertThat(f.thread()).isEqualTo("ctaid (0,0,0) tid (100,0,0)");
        assertThat(f.address()).contains(y.address() + 400);
        assertThat(f.getMessage()).contains("write of 4 bytes", "byte offset 400 is past the end of buffer 'y' (param p_y) (400 bytes)");
    }

    @Test
    void outOfBoundsReadIsReportedToo() {
        GlobalMemory mem = new GlobalMemory();
        SimBuffer x = mem.allocate(4 * 100);
        SimBuffer y = mem.allocate(4 * 101);
        SimFault f = fault(OFF_BY_ONE, "twice", LaunchConfig.linear(1, 128), mem, KernelArg.pointer(x), KernelArg.pointer(y), KernelArg.s32(100));
        assertThat(f.kind()).isEqualTo(FaultKind.OUT_OF_BOUNDS);
        assertThat(f.line()).isEqualTo(lineOf(OFF_BY_ONE, "ld.global.f32"));
        assertThat(f.getMessage()).contains("read of 4 bytes", "buffer bound to p_x");
    }

    @Test
    void aNullPointerIsInNoBuffer() {
        GlobalMemory mem = new GlobalMemory();
        SimBuffer y = mem.allocate(4 * 200);
        byte[] zero = new byte[8];
        SimFault f = fault(OFF_BY_ONE, "twice", LaunchConfig.linear(1, 128), mem, new KernelArg.Raw(zero), KernelArg.pointer(y), KernelArg.s32(100));
        assertThat(f.kind()).isEqualTo(FaultKind.OUT_OF_BOUNDS);
        assertThat(f.getMessage()).contains("at 0x0", "in no buffer");
    }

    @Test
    void missingBarrierBetweenTreeLevelsIsASharedRace() {
        String ptx = Programs.blockSum(true);
        GlobalMemory mem = new GlobalMemory();
        SimBuffer in = mem.allocate(4 * 128);
        SimBuffer out = mem.allocate(4);
        SimFault f = fault(ptx, "block_sum", LaunchConfig.linear(1, 128), mem, KernelArg.pointer(in), KernelArg.pointer(out), KernelArg.s32(128));
        assertThat(f.kind()).isEqualTo(FaultKind.SHARED_RACE);
        assertThat(f.line()).isEqualTo(lineOf(ptx, "st.shared.f32 [%r8], %f3;"));
        assertThat(f.thread()).isEqualTo("ctaid (0,0,0) tid (1,0,0)");
        assertThat(f.getMessage()).contains("writes 'sdata' + 4", "read by thread tid (0,0,0) at PTX line " + lineOf(ptx, "ld.shared.f32 %f2, [%r11];"),
                "no barrier between");
    }

    /** Each thread writes its value and reads its left neighbour's, with no barrier between. */
    private static final String NEIGHBOUR = HEADER + """
            .visible .entry neighbour(.param .u64 p_out)
            {
                .reg .pred %p1;
                .reg .b32 %r<6>;
                .reg .b64 %rd<4>;
                .shared .align 4 .u32 s[64];
                mov.u32 %r1, %tid.x;
                shl.b32 %r2, %r1, 2;
                mov.u32 %r3, s;
                add.u32 %r3, %r3, %r2;
                st.shared.u32 [%r3], %r1;
                BARRIER
                setp.eq.u32 %p1, %r1, 0;
                @%p1 bra END;
                ld.shared.u32 %r4, [%r3+-4];
                ld.param.u64 %rd1, [p_out];
                mul.wide.u32 %rd2, %r1, 4;
                add.s64 %rd3, %rd1, %rd2;
                st.global.u32 [%rd3], %r4;
            END:
                ret;
            }
            """;

    @Test
    void readingAnotherThreadsWriteWithoutABarrierIsARace() throws Exception {
        String racy = NEIGHBOUR.replace("BARRIER", "// (missing bar.sync)");
        GlobalMemory mem = new GlobalMemory();
        SimBuffer out = mem.allocate(4 * 64);
        SimFault f = fault(racy, "neighbour", LaunchConfig.linear(1, 64), mem, KernelArg.pointer(out));
        assertThat(f.kind()).isEqualTo(FaultKind.SHARED_RACE);
        assertThat(f.line()).isEqualTo(lineOf(racy, "ld.shared.u32"));
        assertThat(f.thread()).endsWith("tid (1,0,0)");
        assertThat(f.getMessage()).contains("reads 's' + 0", "written by thread tid (0,0,0) at PTX line " + lineOf(racy, "st.shared.u32"));
        // with the barrier it runs and computes the right thing
        String fixed = NEIGHBOUR.replace("BARRIER", "bar.sync 0;");
        Programs.run(fixed, "neighbour", LaunchConfig.linear(1, 64), mem, KernelArg.pointer(out));
        for (int t = 1; t < 64; t++) assertThat(Programs.intAt(out, t)).isEqualTo(t - 1);
    }

    @Test
    void readingSharedMemoryNoThreadWroteIsReported() {
        String ptx = NEIGHBOUR.replace("st.shared.u32 [%r3], %r1;", "// (no store)").replace("BARRIER", "bar.sync 0;");
        GlobalMemory mem = new GlobalMemory();
        SimFault f = fault(ptx, "neighbour", LaunchConfig.linear(1, 64), mem, KernelArg.pointer(mem.allocate(256)));
        assertThat(f.kind()).isEqualTo(FaultKind.UNINITIALISED_READ);
        assertThat(f.line()).isEqualTo(lineOf(ptx, "ld.shared.u32"));
        assertThat(f.getMessage()).contains("uninitialised shared memory 's' + 0");
    }

    @Test
    void sharedAccessPastTheEndOfItsVariable() {
        String ptx = NEIGHBOUR.replace("[%r3+-4]", "[%r3+4]").replace("BARRIER", "bar.sync 0;");
        GlobalMemory mem = new GlobalMemory();
        SimFault f = fault(ptx, "neighbour", LaunchConfig.linear(1, 64), mem, KernelArg.pointer(mem.allocate(256)));
        assertThat(f.kind()).isEqualTo(FaultKind.OUT_OF_BOUNDS);
        assertThat(f.thread()).endsWith("tid (63,0,0)");
        assertThat(f.getMessage()).contains("byte offset 256 is past the end of 's' (256 bytes)");
    }

    /** Threads below 16 skip the barrier. */
    private static final String DIVERGENT = HEADER + """
            .visible .entry divergent(.param .u64 p_out)
            {
                .reg .pred %p1;
                .reg .b32 %r<3>;
                mov.u32 %r1, %tid.x;
                setp.lt.u32 %p1, %r1, 16;
                @%p1 bra SKIP;
                bar.sync 0;
            SKIP:
                TAIL
                ret;
            }
            """;

    @Test
    void aBarrierSomeThreadsSkipIsDivergence() {
        String ptx = DIVERGENT.replace("TAIL", "");
        GlobalMemory mem = new GlobalMemory();
        SimFault f = fault(ptx, "divergent", LaunchConfig.linear(1, 64), mem, KernelArg.pointer(mem.allocate(4)));
        assertThat(f.kind()).isEqualTo(FaultKind.BARRIER_DIVERGENCE);
        assertThat(f.line()).isEqualTo(lineOf(ptx, "bar.sync 0;"));
        assertThat(f.thread()).endsWith("tid (16,0,0)");
        assertThat(f.getMessage()).contains("thread tid (0,0,0) has exited (PTX line " + lineOf(ptx, "ret;") + ")");
    }

    @Test
    void threadsAtDifferentBarriersIsDivergence() {
        String ptx = DIVERGENT.replace("TAIL", "bar.sync 1;");
        GlobalMemory mem = new GlobalMemory();
        SimFault f = fault(ptx, "divergent", LaunchConfig.linear(1, 64), mem, KernelArg.pointer(mem.allocate(4)));
        assertThat(f.kind()).isEqualTo(FaultKind.BARRIER_DIVERGENCE);
        assertThat(f.getMessage()).contains("waits at barrier 0 (PTX line " + lineOf(ptx, "bar.sync 0;") + ")",
                "waits at barrier 1 (PTX line " + lineOf(ptx, "bar.sync 1;") + ")");
    }

    /** Lanes 16 and up leave before a full-warp shuffle. */
    private static final String EARLY_EXIT_SHUFFLE = HEADER + """
            .visible .entry early(.param .u64 p_out)
            {
                .reg .pred %p1;
                .reg .b32 %r<4>;
                .reg .b64 %rd<4>;
                mov.u32 %r1, %tid.x;
                setp.ge.u32 %p1, %r1, 16;
                @%p1 exit;
                shfl.sync.bfly.b32 %r2, %r1, 16, 31, 0xffffffff;
                ld.param.u64 %rd1, [p_out];
                mul.wide.u32 %rd2, %r1, 4;
                add.s64 %rd3, %rd1, %rd2;
                st.global.u32 [%rd3], %r2;
                ret;
            }
            """;

    @Test
    void shuffleFromAnExitedLaneIsReported() {
        GlobalMemory mem = new GlobalMemory();
        SimFault f = fault(EARLY_EXIT_SHUFFLE, "early", LaunchConfig.linear(1, 32), mem, KernelArg.pointer(mem.allocate(128)));
        assertThat(f.kind()).isEqualTo(FaultKind.WARP_DIVERGENCE);
        assertThat(f.line()).isEqualTo(lineOf(EARLY_EXIT_SHUFFLE, "shfl.sync"));
        assertThat(f.getMessage()).contains("lane 0 reads lane 16, which has exited");
    }

    @Test
    void halfAWarpAtAShuffleAndHalfAtABarrierCannotComplete() {
        String ptx = EARLY_EXIT_SHUFFLE.replace("@%p1 exit;", "@%p1 bra HALF;").replace("    ret;\n}", "HALF:\n    bar.sync 0;\n    ret;\n}");
        GlobalMemory mem = new GlobalMemory();
        SimFault f = fault(ptx, "early", LaunchConfig.linear(1, 32), mem, KernelArg.pointer(mem.allocate(128)));
        assertThat(f.kind()).isEqualTo(FaultKind.WARP_DIVERGENCE);
        assertThat(f.getMessage()).contains("lane 0 waits at shfl.sync.bfly.b32", "lane 16 waits at bar.sync");
    }

    @Test
    void misalignedAccess() {
        String ptx = OFF_BY_ONE.replace("ld.global.f32 %f1, [%rd4];", "ld.global.f32 %f1, [%rd4+2];");
        GlobalMemory mem = new GlobalMemory();
        SimFault f = fault(ptx, "twice", LaunchConfig.linear(1, 32), mem, KernelArg.pointer(mem.allocate(4 * 64)),
                KernelArg.pointer(mem.allocate(4 * 64)), KernelArg.s32(10));
        assertThat(f.kind()).isEqualTo(FaultKind.MISALIGNED);
        assertThat(f.getMessage()).contains("not aligned to 4");
    }

    @Test
    void anInfiniteLoopHitsTheStepLimit() {
        String ptx = HEADER + """
                .visible .entry spin()
                {
                L:
                    bra L;
                }
                """;
        SimFault f = fault(ptx, "spin", LaunchConfig.linear(1, 1), new SimOptions(true, 1000), new GlobalMemory());
        assertThat(f.kind()).isEqualTo(FaultKind.STEP_LIMIT);
        assertThat(f.line()).isEqualTo(lineOf(ptx, "bra L;"));
    }

    @Test
    void anUnsupportedInstructionIsNamedWithItsLineWhenReached() throws Exception {
        String ptx = HEADER + """
                .visible .entry odd(.param .u64 p_out)
                {
                    .reg .pred %p1;
                    .reg .b32 %r<4>;
                    mov.u32 %r1, %tid.x;
                    setp.eq.u32 %p1, %r1, 5;
                    @!%p1 bra END;
                    prmt.b32 %r2, %r1, %r1, 0x3210;
                END:
                    ret;
                }
                """;
        SimModule m = SimModule.parse(ptx);
        int line = lineOf(ptx, "prmt.b32");
        assertThat(m.problems()).containsExactly("entry odd, PTX line " + line + ": unsupported instruction prmt.b32: the simulator does not implement 'prmt'");
        GlobalMemory mem = new GlobalMemory();
        // no thread reaches it: the kernel runs
        new PtxSimulator().launch(m, "odd", LaunchConfig.linear(1, 4), List.of(KernelArg.pointer(mem.allocate(4))), mem);
        SimFault f = fault(ptx, "odd", LaunchConfig.linear(1, 8), mem, KernelArg.pointer(mem.allocate(4)));
        assertThat(f.kind()).isEqualTo(FaultKind.UNSUPPORTED);
        assertThat(f.line()).isEqualTo(line);
        assertThat(f.thread()).endsWith("tid (5,0,0)");
        assertThat(f.getMessage()).contains("prmt");
    }

    @Test
    void anUnsupportedModifierIsNotIgnored() throws Exception {
        String ptx = HEADER + """
                .visible .entry carry(.param .u64 p_out)
                {
                    .reg .b32 %r<4>;
                    mov.u32 %r1, %tid.x;
                    add.cc.u32 %r2, %r1, %r1;
                    ret;
                }
                """;
        assertThat(SimModule.parse(ptx).problems()).singleElement().asString().contains("PTX line " + lineOf(ptx, "add.cc"), "modifier .cc");
    }
}
