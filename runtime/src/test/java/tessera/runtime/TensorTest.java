package tessera.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

class TensorTest {

    @Test
    void zerosHasShapeSizeAndZeroContent() {
        Tensor t = Tensor.zeros(DType.F32, 2, 3);
        assertThat(t.dtype()).isEqualTo(DType.F32);
        assertThat(t.shape()).containsExactly(2, 3);
        assertThat(t.rank()).isEqualTo(2);
        assertThat(t.size()).isEqualTo(6);
        assertThat(t.data().byteSize()).isEqualTo(24);
        assertThat(t.toDoubleArray()).containsOnly(0.0);
    }

    @Test
    void scalarAndEmptyTensors() {
        Tensor scalar = Tensor.zeros(DType.I64);
        assertThat(scalar.rank()).isZero();
        assertThat(scalar.size()).isEqualTo(1);
        assertThat(scalar.shapeString()).isEqualTo("i64[]");
        Tensor empty = Tensor.zeros(DType.F64, 3, 0, 1L << 62);
        assertThat(empty.size()).isZero();
        assertThat(empty.data().byteSize()).isZero();
        assertThat(empty.toDoubleArray()).isEmpty();
    }

    @Test
    void shapeIsDefensivelyCopied() {
        long[] dims = {4, 5};
        Tensor t = Tensor.zeros(DType.BOOL, dims);
        dims[0] = 99;
        t.shape()[1] = 99;
        assertThat(t.shape()).containsExactly(4, 5);
    }

    @Test
    void rejectsBadShapes() {
        assertThatThrownBy(() -> Tensor.zeros(DType.F32, 2, -1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Tensor.zeros(DType.F32, 1L << 40, 1L << 40))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Tensor.zeros(DType.F64, 1L << 61))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Tensor.fromDoubles(DType.F32, new long[] {2}, new double[3]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expected 2 values");
        assertThatThrownBy(() -> Tensor.fromInts(DType.I32, new long[] {2, 2}, new long[3]))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shapeString() {
        assertThat(Tensor.zeros(DType.F32, 2, 3).shapeString()).isEqualTo("f32[2, 3]");
        assertThat(Tensor.zeros(DType.BF16, 7).shapeString()).isEqualTo("bf16[7]");
        assertThat(Tensor.zeros(DType.BOOL, 1, 2, 3).toString()).isEqualTo("bool[1, 2, 3]");
    }

    @Test
    void indexesAreBoundsChecked() {
        Tensor t = Tensor.zeros(DType.I32, 2, 2);
        assertThatThrownBy(() -> t.getDouble(4)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> t.setLong(-1, 0)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> Tensor.zeros(DType.F16, 0).getLong(0))
                .isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void dataIsLittleEndianRowMajor() {
        Tensor t = Tensor.fromInts(DType.I32, new long[] {2}, new long[] {0x01020304, -2});
        assertThat(t.data().toArray(ValueLayout.JAVA_BYTE))
                .containsExactly(4, 3, 2, 1, -2, -1, -1, -1);
        Tensor f = Tensor.fromDoubles(DType.F32, new long[] {1}, new double[] {1.0});
        assertThat(f.data().toArray(ValueLayout.JAVA_BYTE)).containsExactly(0, 0, (byte) 0x80, 0x3f);
        Tensor h = Tensor.fromDoubles(DType.F16, new long[] {1}, new double[] {1.0});
        assertThat(h.data().toArray(ValueLayout.JAVA_BYTE)).containsExactly(0, 0x3c);
        Tensor b = Tensor.fromDoubles(DType.BF16, new long[] {1}, new double[] {-2.0});
        assertThat(b.data().toArray(ValueLayout.JAVA_BYTE)).containsExactly(0, (byte) 0xc0);
    }

    @Test
    void writesThroughTheSegmentAreVisible() {
        Tensor t = Tensor.zeros(DType.I64, 3);
        t.data().setAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, 2, 77L);
        assertThat(t.toLongArray()).containsExactly(0, 0, 77);
    }

    @Test
    void f32RoundsToNearest() {
        Tensor t = Tensor.fromDoubles(DType.F32, new long[] {3}, new double[] {0.1, 1e300, Double.NaN});
        assertThat(t.getDouble(0)).isEqualTo((double) 0.1f);
        assertThat(t.getDouble(1)).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(t.getDouble(2)).isNaN();
    }

    @Test
    void f16Conversions() {
        Tensor t = Tensor.fromDoubles(DType.F16, new long[] {6},
                new double[] {1.0 / 3, 65504, 70000, -0.0, Double.NaN, 1e-8});
        assertThat(t.getDouble(0)).isEqualTo((double) Float.float16ToFloat(Float.floatToFloat16(1f / 3)));
        assertThat(t.getDouble(1)).isEqualTo(65504.0);
        assertThat(t.getDouble(2)).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(Double.doubleToRawLongBits(t.getDouble(3))).isEqualTo(Double.doubleToRawLongBits(-0.0));
        assertThat(t.getDouble(4)).isNaN();
        assertThat(t.getDouble(5)).isZero();
    }

    @Test
    void f16HasNoDoubleRounding() {
        // Halfway between 1 and 1 + 2^-10, nudged up by far less than a float ulp: a cast to
        // float first would land exactly on the tie and round down to 1.
        double v = 1 + 0x1p-11 + 0x1p-40;
        assertThat(Tensor.fromDoubles(DType.F16, new long[] {1}, new double[] {v}).getDouble(0))
                .isEqualTo(1 + 0x1p-10);
        double exactTie = 1 + 0x1p-11;
        assertThat(Tensor.fromDoubles(DType.F16, new long[] {1}, new double[] {exactTie}).getDouble(0))
                .isEqualTo(1.0);
    }

    @Test
    void bf16RoundsToNearestEven() {
        Tensor t = Tensor.fromDoubles(DType.BF16, new long[] {7}, new double[] {
            1 + 0x1p-8,             // tie, rounds to the even 1.0
            1 + 3 * 0x1p-8,         // tie, rounds to the even 1 + 2^-6
            1 + 0x1p-8 + 0x1p-40,   // just above the tie (lost by a cast to float)
            0.1,
            3.5e38,                 // above bf16 max + half ulp
            Double.NaN,
            Double.NEGATIVE_INFINITY});
        assertThat(t.getDouble(0)).isEqualTo(1.0);
        assertThat(t.getDouble(1)).isEqualTo(1 + 0x1p-6);
        assertThat(t.getDouble(2)).isEqualTo(1 + 0x1p-7);
        assertThat(t.getDouble(3)).isEqualTo(0.10009765625);
        assertThat(t.getDouble(4)).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(t.getDouble(5)).isNaN();
        assertThat(t.getDouble(6)).isEqualTo(Double.NEGATIVE_INFINITY);
    }

    @Test
    void integersTruncateTowardZero() {
        Tensor t = Tensor.fromDoubles(DType.I32, new long[] {5}, new double[] {2.9, -2.9, Double.NaN, 1e20, -1e20});
        assertThat(t.toLongArray()).containsExactly(2, -2, 0, Integer.MAX_VALUE, Integer.MIN_VALUE);
        Tensor l = Tensor.fromDoubles(DType.I64, new long[] {2}, new double[] {-7.99, 0x1p60});
        assertThat(l.toLongArray()).containsExactly(-7, 1L << 60);
    }

    @Test
    void bools() {
        Tensor t = Tensor.fromDoubles(DType.BOOL, new long[] {4}, new double[] {0.0, -0.0, 0.5, Double.NaN});
        assertThat(t.toLongArray()).containsExactly(0, 0, 1, 1);
        assertThat(t.toDoubleArray()).containsExactly(0, 0, 1, 1);
        assertThat(t.data().toArray(ValueLayout.JAVA_BYTE)).containsExactly(0, 0, 1, 1);
        Tensor u = Tensor.fromInts(DType.BOOL, new long[] {3}, new long[] {0, -5, Long.MIN_VALUE});
        assertThat(u.toLongArray()).containsExactly(0, 1, 1);
    }

    @Test
    void longConversions() {
        Tensor i32 = Tensor.fromInts(DType.I32, new long[] {2}, new long[] {(1L << 32) + 5, -1});
        assertThat(i32.toLongArray()).containsExactly(5, -1);
        Tensor i64 = Tensor.fromInts(DType.I64, new long[] {2}, new long[] {Long.MAX_VALUE, Long.MIN_VALUE});
        assertThat(i64.toLongArray()).containsExactly(Long.MAX_VALUE, Long.MIN_VALUE);
        Tensor f32 = Tensor.fromInts(DType.F32, new long[] {3}, new long[] {(1 << 24) + 1, (1 << 24) + 3, Long.MAX_VALUE});
        assertThat(f32.toDoubleArray()).containsExactly(0x1p24, 0x1p24 + 4, 0x1p63);
        Tensor f64 = Tensor.fromInts(DType.F64, new long[] {1}, new long[] {(1L << 53) + 1});
        assertThat(f64.getDouble(0)).isEqualTo(0x1p53);
        Tensor floats = Tensor.fromDoubles(DType.F64, new long[] {3}, new double[] {-2.5, 1e30, Double.NaN});
        assertThat(floats.toLongArray()).containsExactly(-2, Long.MAX_VALUE, 0);
    }

    @Test
    void longToBf16HasNoDoubleRounding() {
        // 2^62 + 2^54 is exactly halfway between the bf16 values 2^62 and 2^62 + 2^55; adding 1
        // must round up. Converting the long to double first would drop the 1 and tie to even.
        long v = (1L << 62) + (1L << 54) + 1;
        Tensor t = Tensor.fromInts(DType.BF16, new long[] {2}, new long[] {v, v - 1});
        assertThat(t.getDouble(0)).isEqualTo(0x1p62 + 0x1p55);
        assertThat(t.getDouble(1)).isEqualTo(0x1p62);
        Tensor h = Tensor.fromInts(DType.F16, new long[] {2}, new long[] {2049, 2051});
        assertThat(h.toDoubleArray()).containsExactly(2048, 2052);
    }

    @org.junit.jupiter.api.Test
    void heapTensorsBehaveAsNativeOnes() {
        Tensor h = Tensor.zerosOnHeap(DType.F32, 2, 3);
        Tensor n = Tensor.zeros(DType.F32, 2, 3);
        org.assertj.core.api.Assertions.assertThat(h.data().isNative()).isFalse();
        for (int k = 0; k < 6; k++) {
            h.setDouble(k, k * 1.5 - 2);
            n.setDouble(k, k * 1.5 - 2);
        }
        org.assertj.core.api.Assertions.assertThat(h.toDoubleArray()).containsExactly(n.toDoubleArray());
        org.assertj.core.api.Assertions.assertThat(h.shape()).containsExactly(2, 3);
        org.assertj.core.api.Assertions.assertThat(Tensor.zerosOnHeap(DType.I64, 4).toDoubleArray()).containsOnly(0.0);
    }
}
