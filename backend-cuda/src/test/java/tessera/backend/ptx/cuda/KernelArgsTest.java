package tessera.backend.ptx.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Assumptions;
import tessera.ir.loop.Device.DeviceException;
import tessera.ir.loop.Kernel;
import tessera.runtime.DType;

/** The bytes each argument becomes, and the pointer array cuLaunchKernel reads them through. */
class KernelArgsTest {
    private static final Kernel K = new Kernel("k", List.of(), List.of(), List.of(), "test");

    @BeforeAll
    static void littleEndianHost() {
        Assumptions.assumeTrue(ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN,
                "the expected bytes are written little-endian, like every host CUDA runs on");
    }

    private static String hex(KernelArgs.Arg arg) {
        return HexFormat.of().formatHex(arg.bytes());
    }

    private static KernelArgs.Arg scalar(DType type, double value) throws DeviceException {
        return KernelArgs.scalar(K, new Kernel.ScalarParam("x", type), value);
    }

    @Test
    void aBufferIsItsEightByteDeviceAddress() {
        KernelArgs.Arg p = KernelArgs.pointer("q", 0x0123456789ABCDEFL);
        assertThat(p.name()).isEqualTo("q");
        assertThat(hex(p)).isEqualTo("efcdab8967452301");
        assertThat(hex(KernelArgs.pointer("q", 0x7f00_0000_1000L))).isEqualTo("00100000007f0000");
    }

    @Test
    void i32IsFourBytesTruncatedLikeAJavaCast() throws DeviceException {
        assertThat(hex(scalar(DType.I32, -7))).isEqualTo("f9ffffff");
        assertThat(hex(scalar(DType.I32, 258))).isEqualTo("02010000");
        assertThat(hex(scalar(DType.I32, 3.9))).isEqualTo("03000000");
        assertThat(hex(scalar(DType.I32, -3.9))).isEqualTo("fdffffff");
        assertThat(hex(scalar(DType.I32, 1e12))).isEqualTo("ffffff7f"); // (int) saturates
    }

    @Test
    void i64IsEightBytes() throws DeviceException {
        assertThat(hex(scalar(DType.I64, (1L << 40) + 3))).isEqualTo("0300000000010000");
        assertThat(hex(scalar(DType.I64, -2))).isEqualTo("feffffffffffffff");
    }

    @Test
    void f32IsFourBytesRoundedToNearest() throws DeviceException {
        assertThat(hex(scalar(DType.F32, 1.5))).isEqualTo("0000c03f");
        assertThat(hex(scalar(DType.F32, 0.1))).isEqualTo("cdcccc3d"); // 0.1f is 0x3dcccccd
        assertThat(hex(scalar(DType.F32, Double.NEGATIVE_INFINITY))).isEqualTo("000080ff");
    }

    @Test
    void f64IsEightBytes() throws DeviceException {
        assertThat(hex(scalar(DType.F64, Math.PI))).isEqualTo("182d4454fb210940"); // 0x400921fb54442d18
        assertThat(hex(scalar(DType.F64, -0.0))).isEqualTo("0000000000000080");
    }

    @Test
    void boolIsOneByteHoldingZeroOrOne() throws DeviceException {
        assertThat(hex(scalar(DType.BOOL, 0))).isEqualTo("00");
        assertThat(hex(scalar(DType.BOOL, 1))).isEqualTo("01");
        assertThat(hex(scalar(DType.BOOL, 2))).isEqualTo("01");
        assertThat(hex(scalar(DType.BOOL, -0.0))).isEqualTo("00");
    }

    @Test
    void halfTypesAndMissingValuesAreRefusedByName() {
        assertThatThrownBy(() -> scalar(DType.F16, 1)).isInstanceOf(DeviceException.class)
                .hasMessage("kernel k: scalar parameter 'x' has the storage-only type f16");
        assertThatThrownBy(() -> scalar(DType.BF16, 1)).hasMessageContaining("storage-only type bf16");
        assertThatThrownBy(() -> KernelArgs.scalar(K, new Kernel.ScalarParam("n", DType.I32), null))
                .isInstanceOf(DeviceException.class).hasMessage("kernel k: no value for scalar parameter 'n'");
    }

    @Test
    @SuppressWarnings("restricted")
    void packGivesOnePointerPerArgumentInOrderEachToItsAlignedBytes() throws DeviceException {
        List<KernelArgs.Arg> args = List.of(KernelArgs.pointer("a", 0x1122334455667788L), scalar(DType.BOOL, 1),
                scalar(DType.I32, -7), scalar(DType.F64, Math.PI), scalar(DType.F32, 1.5), scalar(DType.I64, 5));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment array = KernelArgs.pack(arena, args);
            assertThat(array.byteSize()).isEqualTo(8L * args.size());
            for (int i = 0; i < args.size(); i++) {
                byte[] expected = args.get(i).bytes();
                MemorySegment value = array.getAtIndex(ADDRESS, i).reinterpret(expected.length);
                assertThat(value.toArray(JAVA_BYTE)).as("argument %d", i).isEqualTo(expected);
                assertThat(value.address() % expected.length).as("alignment of argument %d", i).isZero();
            }
        }
    }

    @Test
    void aKernelWithoutParametersGetsNull() {
        try (Arena arena = Arena.ofConfined()) {
            assertThat(KernelArgs.pack(arena, List.of())).isEqualTo(MemorySegment.NULL);
        }
    }
}
