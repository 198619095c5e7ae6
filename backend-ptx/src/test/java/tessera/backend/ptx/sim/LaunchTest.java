package tessera.backend.ptx.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Launch arguments are checked against the entry's parameters before any thread runs. */
class LaunchTest {
    private static final String PTX = Programs.HEADER + """
            .visible .entry k(.param .u64 p_x, .param .s32 p_n, .param .f32 p_a)
            .reqntid 64
            {
                ret;
            }
            """;

    private static SimFault launch(LaunchConfig config, KernelArg... args) throws Exception {
        SimModule m = SimModule.parse(PTX);
        GlobalMemory mem = new GlobalMemory();
        try {
            new PtxSimulator().launch(m, "k", config, List.of(args), mem);
        } catch (SimFault f) {
            return f;
        }
        return null;
    }

    @Test
    void matchingArgumentsRun() throws Exception {
        GlobalMemory mem = new GlobalMemory();
        assertThat(launch(LaunchConfig.linear(2, 64), KernelArg.pointer(mem.allocate(8)), KernelArg.s32(3), KernelArg.f32(1f))).isNull();
    }

    @Test
    void wrongArgumentsAreLaunchFaults() throws Exception {
        GlobalMemory mem = new GlobalMemory();
        SimBuffer b = mem.allocate(8);
        assertThat(launch(LaunchConfig.linear(1, 64), KernelArg.pointer(b)).getMessage())
                .isEqualTo("kernel 'k': bad launch: 1 arguments for 3 parameters (.u64 p_x, .s32 p_n, .f32 p_a)");
        assertThat(launch(LaunchConfig.linear(1, 64), KernelArg.pointer(b), KernelArg.f32(3), KernelArg.f32(1)).getMessage())
                .contains("parameter p_n (.s32) given a floating-point value");
        assertThat(launch(LaunchConfig.linear(1, 64), KernelArg.pointer(b), KernelArg.s32(3), KernelArg.s32(1)).getMessage())
                .contains("parameter p_a (.f32) given an integer value");
        assertThat(launch(LaunchConfig.linear(1, 64), KernelArg.pointer(b), KernelArg.pointer(b), KernelArg.f32(1)).getMessage())
                .contains("parameter p_n (.s32) cannot take a pointer");
        assertThat(launch(LaunchConfig.linear(1, 32), KernelArg.pointer(b), KernelArg.s32(3), KernelArg.f32(1)).getMessage())
                .contains("requires .reqntid [64] but the block is (32,1,1)");
        SimFault f = launch(LaunchConfig.linear(1, 64), KernelArg.pointer(b), KernelArg.s32(3), KernelArg.f32(1));
        assertThat(f).isNull();
    }

    @Test
    void unknownEntry() throws Exception {
        SimModule m = SimModule.parse(PTX);
        assertThatThrownBy(() -> new PtxSimulator().launch(m, "nope", LaunchConfig.linear(1, 1), List.of(), new GlobalMemory()))
                .isInstanceOfSatisfying(SimFault.class, f -> {
                    assertThat(f.kind()).isEqualTo(FaultKind.LAUNCH);
                    assertThat(f.getMessage()).isEqualTo("kernel 'nope': bad launch: no entry 'nope' in the module (entries: k)");
                });
    }
}
