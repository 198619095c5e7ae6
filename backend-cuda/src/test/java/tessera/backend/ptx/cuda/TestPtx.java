package tessera.backend.ptx.cuda;

import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tessera.ir.loop.Kernel;
import tessera.ir.loop.LExpr;
import tessera.ir.loop.LStmt;
import tessera.ir.loop.LaunchPlan;
import tessera.ir.loop.Module;
import tessera.ir.tensor.Expr.BinOp;
import tessera.runtime.DType;

/**
 * Hand-written PTX for the tests, the Loop IR kernels it implements, and Java emulations of it
 * for {@link FakeCuda}. The PTX follows the launch convention of {@link PtxImage} and targets
 * sm_70 with PTX ISA 7.0, so every GPU of the last years JIT-compiles it; {@code TestPtxTest}
 * assembles it with ptxas where the toolkit is installed.
 */
final class TestPtx {
    private TestPtx() {}

    /** {@code vadd}: c[i] = a[i] + b[i] for i < n, and {@code scalars}: each scalar argument stored as f64. */
    static final String TEXT = """
            .version 7.0
            .target sm_70
            .address_size 64

            // c[i] = a[i] + b[i] for i < n: one work item per element, ctaid.x * ntid.x + tid.x
            .visible .entry vadd(
                .param .u64 a,
                .param .u64 b,
                .param .u64 c,
                .param .s32 n
            )
            {
                .reg .pred %p<2>;
                .reg .b32 %r<5>;
                .reg .f32 %f<4>;
                .reg .b64 %rd<11>;

                ld.param.u64 %rd1, [a];
                ld.param.u64 %rd2, [b];
                ld.param.u64 %rd3, [c];
                ld.param.s32 %r1, [n];
                mov.u32 %r2, %ctaid.x;
                mov.u32 %r3, %ntid.x;
                mov.u32 %r4, %tid.x;
                mad.lo.s32 %r2, %r2, %r3, %r4;
                setp.ge.s32 %p1, %r2, %r1;
                @%p1 bra DONE;
                cvta.to.global.u64 %rd4, %rd1;
                cvta.to.global.u64 %rd5, %rd2;
                cvta.to.global.u64 %rd6, %rd3;
                mul.wide.s32 %rd7, %r2, 4;
                add.s64 %rd8, %rd4, %rd7;
                add.s64 %rd9, %rd5, %rd7;
                add.s64 %rd10, %rd6, %rd7;
                ld.global.f32 %f1, [%rd8];
                ld.global.f32 %f2, [%rd9];
                add.rn.f32 %f3, %f1, %f2;
                st.global.f32 [%rd10], %f3;
            DONE:
                ret;
            }

            // out[0..4] = (f64) a, b, c, d, flag from work item 0: checks each scalar's size and byte order
            .visible .entry scalars(
                .param .u64 out,
                .param .s32 a,
                .param .s64 b,
                .param .f32 c,
                .param .f64 d,
                .param .u8 flag
            )
            {
                .reg .pred %p<2>;
                .reg .b32 %r<6>;
                .reg .f32 %f<2>;
                .reg .f64 %fd<6>;
                .reg .b64 %rd<3>;

                mov.u32 %r1, %ctaid.x;
                mov.u32 %r2, %ntid.x;
                mov.u32 %r3, %tid.x;
                mad.lo.s32 %r1, %r1, %r2, %r3;
                setp.ne.s32 %p1, %r1, 0;
                @%p1 bra DONE;
                ld.param.u64 %rd1, [out];
                cvta.to.global.u64 %rd1, %rd1;
                ld.param.s32 %r4, [a];
                cvt.rn.f64.s32 %fd1, %r4;
                st.global.f64 [%rd1], %fd1;
                ld.param.s64 %rd2, [b];
                cvt.rn.f64.s64 %fd2, %rd2;
                st.global.f64 [%rd1+8], %fd2;
                ld.param.f32 %f1, [c];
                cvt.f64.f32 %fd3, %f1;
                st.global.f64 [%rd1+16], %fd3;
                ld.param.f64 %fd4, [d];
                st.global.f64 [%rd1+24], %fd4;
                ld.param.u8 %r5, [flag];
                cvt.rn.f64.u32 %fd5, %r5;
                st.global.f64 [%rd1+32], %fd5;
            DONE:
                ret;
            }
            """;

    /** {@link #TEXT} with an instruction type that does not exist, which the JIT rejects. */
    static final String BROKEN = TEXT.replace("add.rn.f32 %f3", "add.rn.f33 %f3");

    /** The Loop IR kernel {@code vadd} implements. */
    static final Kernel VADD = new Kernel("vadd",
            List.of(buffer("a", Kernel.Access.READ), buffer("b", Kernel.Access.READ), buffer("c", Kernel.Access.WRITE),
                    new Kernel.ScalarParam("n", DType.I32)),
            List.of(new Kernel.GridDim("i", ref("n"))),
            List.of(new LStmt.Store("c", ref("i"), new LExpr.Binary(BinOp.ADD,
                    new LExpr.Load("a", ref("i"), DType.F32), new LExpr.Load("b", ref("i"), DType.F32), DType.F32))),
            "c[i] = a[i] + b[i]");

    /** The parameters {@code scalars} takes, on a grid of no dimensions (one point); launched directly, never verified. */
    static final Kernel SCALARS = new Kernel("scalars",
            List.of(new Kernel.BufferParam("out", DType.F64, Kernel.Access.WRITE), new Kernel.ScalarParam("a", DType.I32),
                    new Kernel.ScalarParam("b", DType.I64), new Kernel.ScalarParam("c", DType.F32),
                    new Kernel.ScalarParam("d", DType.F64), new Kernel.ScalarParam("flag", DType.BOOL)),
            List.of(), List.of(), "out = (a, b, c, d, flag)");

    /** Values for {@link #SCALARS} that show a wrong size, order or conversion, and what it must store. */
    static final Map<String, Double> SCALAR_VALUES = Map.of("a", -7.0, "b", (double) ((1L << 40) + 3), "c", 1.5,
            "d", Math.PI, "flag", 1.0);
    static final double[] SCALAR_EXPECTED = {-7, (1L << 40) + 3, 1.5, Math.PI, 1};

    /** Both kernels, under their Loop IR names. */
    static PtxImage image() {
        return new PtxImage("test", TEXT, Map.of("vadd", "vadd", "scalars", "scalars"));
    }

    /** A module whose plan adds two f32 vectors of the same length n with {@link #VADD}. */
    static Module vaddModule() {
        LaunchPlan plan = new LaunchPlan(
                List.of(new LaunchPlan.HostScalar("n", DType.I32, LaunchPlan.ScalarSource.DIM, Optional.empty(), "a", 0)),
                List.of(),
                List.of(new LaunchPlan.Buffer("a", DType.F32, LaunchPlan.Role.INPUT, List.of(ref("n"))),
                        new LaunchPlan.Buffer("b", DType.F32, LaunchPlan.Role.INPUT, List.of(ref("n"))),
                        new LaunchPlan.Buffer("c", DType.F32, LaunchPlan.Role.OUTPUT, List.of(ref("n")))),
                List.of(new LaunchPlan.Launch("vadd")));
        return new Module("vadd_module", List.of(VADD), plan);
    }

    /** What {@code vadd} does, for {@link FakeCuda}. */
    static void vadd(long threads, List<byte[]> args, FakeCuda gpu) {
        int n = (int) value(args.get(3));
        MemorySegment a = gpu.memory(value(args.get(0)), 4L * n);
        MemorySegment b = gpu.memory(value(args.get(1)), 4L * n);
        MemorySegment c = gpu.memory(value(args.get(2)), 4L * n);
        for (long i = 0; i < Math.min(threads, n); i++) {
            c.setAtIndex(JAVA_FLOAT, i, a.getAtIndex(JAVA_FLOAT, i) + b.getAtIndex(JAVA_FLOAT, i));
        }
    }

    /** What {@code scalars} does, for {@link FakeCuda}. */
    static void scalars(long threads, List<byte[]> args, FakeCuda gpu) {
        MemorySegment out = gpu.memory(value(args.get(0)), 5 * 8);
        out.setAtIndex(JAVA_DOUBLE, 0, (int) value(args.get(1)));
        out.setAtIndex(JAVA_DOUBLE, 1, value(args.get(2)));
        out.setAtIndex(JAVA_DOUBLE, 2, Float.intBitsToFloat((int) value(args.get(3))));
        out.setAtIndex(JAVA_DOUBLE, 3, Double.longBitsToDouble(value(args.get(4))));
        out.setAtIndex(JAVA_DOUBLE, 4, value(args.get(5)));
    }

    /** An argument's bits in host order: 1 byte zero-extended, 4 bytes sign-extended, 8 bytes as they are. */
    static long value(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder());
        return switch (bytes.length) {
            case 1 -> b.get() & 0xFF;
            case 4 -> b.getInt();
            case 8 -> b.getLong();
            default -> throw new IllegalArgumentException(bytes.length + "-byte argument");
        };
    }

    private static Kernel.BufferParam buffer(String name, Kernel.Access access) {
        return new Kernel.BufferParam(name, DType.F32, access);
    }

    private static LExpr.Ref ref(String name) {
        return new LExpr.Ref(name, DType.I32);
    }
}
