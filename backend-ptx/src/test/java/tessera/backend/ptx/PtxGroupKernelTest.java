package tessera.backend.ptx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static tessera.backend.ptx.PtxEmitterTest.assertInOrder;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import tessera.backend.ptx.sim.PtxSimDevice;
import tessera.ir.loop.Device.DeviceException;
import tessera.ir.loop.Kernel;
import tessera.ir.loop.LStmt;
import tessera.ir.loop.LoopInterpreter;
import tessera.ir.loop.LoopVerifier;
import tessera.ir.loop.Module;
import tessera.runtime.DType;
import tessera.runtime.Tensor;

/**
 * Group kernels, local arrays, barriers and matmuls: the hand-built {@link GroupSamples} are valid
 * Loop IR, assemble with ptxas for sm_80 and sm_90 without warnings, and compute on the
 * {@link PtxSimDevice} (one CTA of the group's size per grid point) what the Loop IR interpreter
 * and plain Java compute; a missing barrier is a race the simulator reports.
 */
class PtxGroupKernelTest {
    private final PtxEmitter emitter = new PtxEmitter();

    private static Map<String, Tensor> sim(Kernel k, Map<String, Tensor> inputs, long size, Map<String, Double> scalars)
            throws DeviceException {
        return Runs.run(PtxSimDevice.withEmitter(), k, inputs, size, scalars);
    }

    private static Map<String, Tensor> interpreted(Kernel k, Map<String, Tensor> inputs, long size, Map<String, Double> scalars)
            throws DeviceException {
        return Runs.run(new LoopInterpreter(), k, inputs, size, scalars);
    }

    /** {@code n} floats uniform in [-2, 2]. */
    private static Tensor floats(long n, long seed) {
        Random r = new Random(seed);
        double[] v = new double[(int) n];
        for (int i = 0; i < n; i++) v[i] = r.nextDouble(-2, 2);
        return Tensor.fromDoubles(DType.F32, new long[] {n}, v);
    }

    @TestFactory
    Stream<DynamicTest> everyGroupSampleIsValidAndAssemblesForSm80AndSm90() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Map.Entry<String, Module> e : GroupSamples.all().entrySet()) {
            tests.add(DynamicTest.dynamicTest(e.getKey(), () -> {
                assertThat(LoopVerifier.check(e.getValue())).as("the sample is valid Loop IR").isEmpty();
                for (int sm : List.of(80, 90)) {
                    PtxasSupport.assertAssembles(e.getKey(), emitter.emit(e.getValue(), new PtxOptions(sm)).text(), sm);
                }
            }));
        }
        return tests.stream();
    }

    @Test
    void aTreeReductionThroughSharedMemoryAgreesWithTheInterpreterAndTheSum() throws DeviceException {
        int n = 75;
        int groups = (n + GroupSamples.GROUP - 1) / GroupSamples.GROUP;
        Kernel k = GroupSamples.blockSum(true);
        Tensor x = floats(80, 7);
        Map<String, Double> scalars = Map.of("N", (double) n, "G", (double) groups);
        Tensor got = sim(k, Map.of("x", x), 80, scalars).get("out");
        Tensor want = interpreted(k, Map.of("x", x), 80, scalars).get("out");
        Runs.assertClose("out", got, want);
        for (int g = 0; g < groups; g++) {
            double sum = 0;
            for (int t = g * 16; t < Math.min(n, g * 16 + 16); t++) sum += x.getDouble(t);
            assertThat(got.getDouble(g)).as("out[%d]", g).isCloseTo(sum, org.assertj.core.api.Assertions.within(1e-4));
        }
        assertThat(got.getDouble(groups)).as("out past the grid is untouched").isZero();
    }

    @Test
    void aMissingBarrierIsASharedMemoryRaceInTheSimulator() throws DeviceException {
        Kernel k = GroupSamples.blockSum(false);
        Map<String, Double> scalars = Map.of("N", 40.0, "G", 3.0);
        Map<String, Tensor> inputs = Map.of("x", floats(48, 3));
        assertThatThrownBy(() -> sim(k, inputs, 48, scalars)).isInstanceOf(DeviceException.class)
                .hasMessageContaining("kernel 'block_sum_racy'")
                .hasMessageContaining("st.shared.f32")
                .hasMessageContaining("shared-memory race");
        // The Loop IR interpreter has no race detector: it runs this kernel without complaint.
        assertThat(interpreted(k, inputs, 48, scalars)).containsKey("out");
    }

    @Test
    void anAttentionTileWithSharedTilesPrivateRowsAndMatmulsAgreesWithTheInterpreterAndJava() throws DeviceException {
        int b = 2, n = 21, m = 37, d = GroupSamples.D;
        int qt = (n + 15) / 16, kt = (m + 15) / 16;
        float scale = 0.4f;
        Kernel k = GroupSamples.attentionTile();
        long size = (long) b * n * m;
        Map<String, Tensor> inputs = Map.of("q", floats(size, 1), "k", floats(size, 2), "v", floats(size, 3));
        Map<String, Double> scalars = Map.of("B", (double) b, "N", (double) n, "M", (double) m, "QT", (double) qt,
                "KT", (double) kt, "scale", (double) scale);
        Map<String, Tensor> got = sim(k, inputs, size, scalars);
        Map<String, Tensor> want = interpreted(k, inputs, size, scalars);
        for (String name : List.of("scores", "scores2", "rowmax", "o")) Runs.assertClose(name, got.get(name), want.get(name));

        Tensor q = inputs.get("q"), keys = inputs.get("k"), v = inputs.get("v");
        for (int bi = 0; bi < b; bi++) {
            for (int ni = 0; ni < n; ni++) {
                double max = Double.NEGATIVE_INFINITY;
                double[] o = new double[d];
                for (int mi = 0; mi < m; mi++) {
                    double dot = 0;
                    for (int di = 0; di < d; di++) dot += q.getDouble((bi * n + ni) * d + di) * keys.getDouble((bi * m + mi) * d + di);
                    int at = (bi * n + ni) * m + mi;
                    assertThat(got.get("scores").getDouble(at)).as("scores[%d, %d, %d]", bi, ni, mi).isCloseTo(dot * scale, within());
                    assertThat(got.get("scores2").getDouble(at)).as("scores2[%d, %d, %d]", bi, ni, mi).isCloseTo(dot * scale, within());
                    max = Math.max(max, dot * scale);
                    for (int di = 0; di < d; di++) o[di] += dot * v.getDouble((bi * m + mi) * d + di);
                }
                assertThat(got.get("rowmax").getDouble(bi * n + ni)).as("rowmax[%d, %d]", bi, ni).isCloseTo(max, within());
                for (int di = 0; di < d; di++) {
                    assertThat(got.get("o").getDouble((bi * n + ni) * d + di)).as("o[%d, %d, %d]", bi, ni, di).isCloseTo(o[di], within());
                }
            }
        }
        assertThat(got.get("rowmax").getDouble(b * n)).as("rows past N write nothing").isZero();
    }

    private static org.assertj.core.data.Offset<Double> within() {
        return org.assertj.core.api.Assertions.within(1e-4);
    }

    @Test
    void aGroupKernelWithoutGridDimensionsRunsOneGroup() throws DeviceException {
        Kernel k = GroupSamples.groupOnce();
        assertThat(sim(k, Map.of(), 2, Map.of()).get("out").toDoubleArray()).containsExactly(140, 0);
        assertThat(interpreted(k, Map.of(), 2, Map.of()).get("out").toDoubleArray()).containsExactly(140, 0);
    }

    @Test
    void privateArraysStartZeroedEveryTimeTheirDeclarationRuns() throws DeviceException {
        Kernel k = GroupSamples.privateScratch();
        int n = 45;
        double[] w = new double[3 * n];
        for (int i = 0; i < n; i++) w[i] = (i % 7) - 3;
        Map<String, Tensor> inputs = Map.of("w", Tensor.fromDoubles(DType.I32, new long[] {3 * n}, w));
        Map<String, Double> scalars = Map.of("N", (double) n);
        Map<String, Tensor> got = sim(k, inputs, 3 * n, scalars);
        Map<String, Tensor> want = interpreted(k, inputs, 3 * n, scalars);
        assertThat(got.get("y").toDoubleArray()).containsExactly(want.get("y").toDoubleArray());
        assertThat(got.get("flag").toDoubleArray()).containsExactly(want.get("flag").toDoubleArray());
        for (int i = 0; i < n; i++) {
            for (int r = 0; r < 3; r++) {
                long total = 0;
                for (int j = 0; j < 20; j++) total += (long) w[i] * (j + r) + j;
                assertThat(got.get("y").getLong(i * 3 + r)).as("y[%d, %d]", i, r).isEqualTo(total * 10 + 1);
                assertThat(got.get("flag").getDouble(i * 3 + r)).as("flag[%d, %d]", i, r).isEqualTo(w[i] > 0 ? 1 : 0);
            }
        }
    }

    @Test
    void aGroupEntryIsOneCtaOfTheGroupsSizePerGridPointWithSharedArraysAndBarriers() {
        String text = emitter.emit(GroupSamples.all().get("block_sum")).text();
        assertInOrder(text,
                "// Launch an entry with .reqntid N (a group kernel) as one block of N threads per grid point instead.",
                "// grid (g < G), a group of 16 work items lid (one CTA) per grid point",
                ".visible .entry block_sum(", ")\n.reqntid 16\n{",
                ".shared .align 8 .b8 $s1_s[64];  // shared s: f32[16];",
                "// one CTA per grid point (g < G), row-major; its 16 threads are the work items lid",
                "mov.u32 %r", ", %ctaid.x;", ", %tid.x;  // lid", "cvt.u64.u32 %rd", "setp.ge.s64", "bra $L1_exit;",
                "mov.u32 %r", ", $s1_s;  // s",
                "mad.lo.s32 %r", ", 4, %r", "st.shared.f32 [%r", "// s[lid]",
                "// barrier;", "bar.sync 0;",
                "ld.shared.f32 %f", "// s[lid]", "ld.shared.f32 %f", "// s[lid + stride]", "st.shared.f32",
                "bar.sync 0;",
                "ld.shared.f32 %f", ", [$s1_s];  // s[0]", "st.global.f32",
                "$L1_exit:", "ret;");
        assertThat(text).doesNotContain("%ntid.x");
        String plain = emitter.emit(L.module("m", Samples.matvec())).text();
        assertThat(plain).doesNotContain(".reqntid").doesNotContain("Launch an entry with .reqntid");
    }

    @Test
    void privateArraysAreZeroedLocalArraysAndMatmulsAreLoopsOfFmas() {
        String scratch = emitter.emit(GroupSamples.all().get("private_scratch")).text();
        assertInOrder(scratch,
                ".local .align 8 .b8 $l1_h[160];  // private h: i64[20];",
                ".local .align 8 .b8 $l2_seen[8];  // private seen: bool[5];",
                "// private h: i64[20];", "mov.u32 %r", ", $l1_h;  // h", "mov.b64 %rd", ", 0;",
                "_zero_h:", "st.local.u64 [%r", "add.s32 %r", ", 8;", "setp.lt.u32", "bra $L",
                "// private seen: bool[5];", "st.local.u64 [$l2_seen], %rd",
                "ld.local.s64", "st.local.s64", "st.local.u8 [%r", "st.local.u8 [$l2_seen+4]",
                "ld.local.u8 %r", "ld.local.u8 %r", "// seen[4]");
        String attention = emitter.emit(GroupSamples.all().get("attention_tile")).text();
        assertInOrder(attention,
                ".shared .align 8 .b8 $s1_k_tile[384];", ".shared .align 8 .b8 $s2_v_tile[384];",
                ".local .align 8 .b8 $l3_q_row[24];", ".local .align 8 .b8 $l4_acc[24];",
                ".local .align 8 .b8 $l5_s[64];", ".local .align 8 .b8 $l6_s2[64];",
                "bar.sync 0;",
                "// matmul s2{@0, 16, 1} = q_row{@0, 6, 1} x k_tile{@0, 1, 6} [1 x 16, depth 6];",
                "_for_mm1_r:", "_for_mm1_q:", "mov.f32 %f", ", 0f00000000;", "_for_mm1_p:",
                "ld.local.f32", "ld.shared.f32", "fma.rn.f32", "st.local.f32",
                "_for_mm2_r:", "_for_mm2_q:", "ld.local.f32", "_for_mm2_p:", "fma.rn.f32", "st.local.f32",
                "bar.sync 0;");
    }

    @Test
    void aPrivateArrayWithoutAConstantSizeIsAProblemNamingTheKernel() {
        Kernel k = new Kernel("dynamic", List.of(L.out("y", DType.F32), L.scalar("N", DType.I32)), List.of(L.dim("i", L.i32("N"))),
                Optional.empty(),
                List.of(L.comment("y[i] = ...   (d.tsr:1, lower)"),
                        new LStmt.Alloc("buf", DType.F32, L.i32("N"), LStmt.Space.PRIVATE),
                        L.store("buf", L.c(0), L.f(1)),
                        L.store("y", L.i32("i"), L.load("buf", L.c(0), DType.F32))),
                "y[i] = ...");
        Module m = L.module("m", k);
        assertThat(LoopVerifier.check(m)).isEmpty();
        List<PtxProblem> problems = emitter.check(m, PtxOptions.defaults());
        assertThat(problems).extracting(PtxProblem::render).containsExactly("kernel 'dynamic', statement 'y[i] = ...   (d.tsr:1, lower)': "
                + "private array 'buf' has a size that is not a constant (N); the ptx backend needs a constant size");
        assertThatThrownBy(() -> emitter.emit(m)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("kernel 'dynamic'").hasMessageContaining("private array 'buf'");
    }

    @Test
    void sharedArraysOverTheStaticLimitAndOversizedGroupsAreProblems() {
        Kernel big = new Kernel("big", List.of(L.out("y", DType.F64)), List.of(), Optional.of(new Kernel.Group("lid", 2048)),
                List.of(L.shared("a", DType.F64, 4096), L.shared("b", DType.F64, 4096), L.barrier(),
                        L.store("y", L.c(0), L.load("a", L.c(0), DType.F64))),
                "y = ...");
        assertThat(emitter.check(L.module("m", big), PtxOptions.defaults())).extracting(PtxProblem::message).containsExactly(
                "a group of 2048 work items; a CTA has at most 1024 threads",
                "shared array 'b' of 4096 f64 elements does not fit: a CTA has at most 49152 bytes of static shared memory");
    }
}
