package tessera.backend.ptx.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static tessera.backend.ptx.sim.PtxType.B32;
import static tessera.backend.ptx.sim.PtxType.B64;
import static tessera.backend.ptx.sim.PtxType.S16;
import static tessera.backend.ptx.sim.PtxType.S32;
import static tessera.backend.ptx.sim.PtxType.S64;
import static tessera.backend.ptx.sim.PtxType.U16;
import static tessera.backend.ptx.sim.PtxType.U32;
import static tessera.backend.ptx.sim.PtxType.U64;

import java.math.BigInteger;
import java.util.function.LongBinaryOperator;
import org.junit.jupiter.api.Test;

/** Integer instructions against Java's own arithmetic: wrap-around, signedness, shifts, the high halves of products. */
class IntegerOpsTest extends SnippetTests {

    private void check(String instruction, PtxType d, PtxType t, long[] values, LongBinaryOperator expected) throws Exception {
        long[][] in = pairs(values);
        long[] got = snippet(instruction, d, t, t).run(in);
        for (int i = 0; i < in.length; i++) {
            long want = d.norm(expected.applyAsLong(t.norm(in[i][0]), t.norm(in[i][1])));
            assertThat(got[i]).as("%s with a=%d b=%d", instruction, t.norm(in[i][0]), t.norm(in[i][1])).isEqualTo(want);
        }
    }

    @Test
    void addAndSubWrapAround() throws Exception {
        check("add.s32 %d, %a, %b;", S32, S32, ints32(), (a, b) -> (int) a + (int) b);
        check("sub.s32 %d, %a, %b;", S32, S32, ints32(), (a, b) -> (int) a - (int) b);
        check("add.u32 %d, %a, %b;", U32, U32, ints32(), (a, b) -> a + b);
        check("add.s64 %d, %a, %b;", S64, S64, ints64(), Long::sum);
        check("sub.u64 %d, %a, %b;", U64, U64, ints64(), (a, b) -> a - b);
        check("add.s16 %d, %a, %b;", S16, S16, ints32(), (a, b) -> (short) (a + b));
    }

    @Test
    void addSaturates() throws Exception {
        check("add.sat.s32 %d, %a, %b;", S32, S32, ints32(), (a, b) -> Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, a + b)));
        check("sub.sat.s32 %d, %a, %b;", S32, S32, ints32(), (a, b) -> Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, a - b)));
    }

    @Test
    void multiplyLowHighAndWide() throws Exception {
        check("mul.lo.s32 %d, %a, %b;", S32, S32, ints32(), (a, b) -> (int) a * (int) b);
        check("mul.hi.s32 %d, %a, %b;", S32, S32, ints32(), (a, b) -> (a * b) >> 32);
        check("mul.hi.u32 %d, %a, %b;", U32, U32, ints32(), (a, b) -> (a * b) >>> 32);
        check("mul.wide.s32 %d, %a, %b;", S64, S32, ints32(), (a, b) -> a * b);
        check("mul.wide.u32 %d, %a, %b;", U64, U32, ints32(), (a, b) -> a * b);
        check("mul.wide.s16 %d, %a, %b;", S32, S16, ints32(), (a, b) -> a * b);
        check("mul.lo.s64 %d, %a, %b;", S64, S64, ints64(), (a, b) -> a * b);
        check("mul.hi.s64 %d, %a, %b;", S64, S64, ints64(),
                (a, b) -> BigInteger.valueOf(a).multiply(BigInteger.valueOf(b)).shiftRight(64).longValue());
        check("mul.hi.u64 %d, %a, %b;", U64, U64, ints64(), (a, b) -> unsigned(a).multiply(unsigned(b)).shiftRight(64).longValue());
    }

    private static BigInteger unsigned(long v) {
        return new BigInteger(Long.toUnsignedString(v));
    }

    @Test
    void multiplyAdd() throws Exception {
        long[][] in = {{3, 4, 5}, {-3, 4, 5}, {0x7fffffff, 2, 1}, {-1, -1, -1}, {0x10000, 0x10000, 7}};
        long[] lo = snippet("mad.lo.s32 %d, %a, %b, %c;", S32, S32, S32, S32).run(in);
        long[] hi = snippet("mad.hi.s32 %d, %a, %b, %c;", S32, S32, S32, S32).run(in);
        long[] wide = snippet("mad.wide.s32 %d, %a, %b, %c;", S64, S32, S32, S64).run(in);
        for (int i = 0; i < in.length; i++) {
            int a = (int) in[i][0];
            int b = (int) in[i][1];
            int c = (int) in[i][2];
            assertThat(lo[i]).isEqualTo(a * b + c);
            assertThat(hi[i]).isEqualTo((int) (((long) a * b >> 32) + c));
            assertThat(wide[i]).isEqualTo((long) a * b + c);
        }
    }

    @Test
    void divisionTruncatesAndRespectsSignedness() throws Exception {
        long[] nonZero = java.util.Arrays.stream(ints32()).filter(v -> v != 0).toArray();
        check("div.s32 %d, %a, %b;", S32, S32, nonZero, (a, b) -> (int) a / (int) b);
        check("rem.s32 %d, %a, %b;", S32, S32, nonZero, (a, b) -> (int) a % (int) b);
        check("div.u32 %d, %a, %b;", U32, U32, nonZero, (a, b) -> Integer.divideUnsigned((int) a, (int) b));
        check("rem.u32 %d, %a, %b;", U32, U32, nonZero, (a, b) -> Integer.remainderUnsigned((int) a, (int) b));
        long[] nonZero64 = java.util.Arrays.stream(ints64()).filter(v -> v != 0).toArray();
        check("div.s64 %d, %a, %b;", S64, S64, nonZero64, (a, b) -> a / b);
        check("div.u64 %d, %a, %b;", U64, U64, nonZero64, Long::divideUnsigned);
        check("rem.u64 %d, %a, %b;", U64, U64, nonZero64, Long::remainderUnsigned);
    }

    @Test
    void divisionByZeroIsAFaultNotAValue() {
        Snippet s = snippet("div.s32 %d, %a, %b;", S32, S32, S32);
        assertThatThrownBy(() -> s.run(new long[] {7, 0}))
                .isInstanceOfSatisfying(SimFault.class, f -> {
                    assertThat(f.kind()).isEqualTo(FaultKind.DIVISION_BY_ZERO);
                    assertThat(f.instruction()).isEqualTo("div.s32 %d, %a, %b;");
                    assertThat(f.getMessage()).contains("tid (0,0,0)");
                });
    }

    @Test
    void absNegMinMax() throws Exception {
        long[] v = ints32();
        long[] abs = snippet("abs.s32 %d, %a;", S32, S32).run(singles(v));
        long[] neg = snippet("neg.s32 %d, %a;", S32, S32).run(singles(v));
        for (int i = 0; i < v.length; i++) {
            assertThat(abs[i]).isEqualTo(Math.abs((int) v[i]));
            assertThat(neg[i]).isEqualTo(-(int) v[i]);
        }
        check("min.s32 %d, %a, %b;", S32, S32, v, (a, b) -> Math.min((int) a, (int) b));
        check("max.u32 %d, %a, %b;", U32, U32, v, (a, b) -> Integer.compareUnsigned((int) a, (int) b) >= 0 ? a : b);
        check("min.u64 %d, %a, %b;", U64, U64, ints64(), (a, b) -> Long.compareUnsigned(a, b) <= 0 ? a : b);
        check("max.s64 %d, %a, %b;", S64, S64, ints64(), Math::max);
        check("max.u16 %d, %a, %b;", U16, U16, v, (a, b) -> Math.max(a & 0xffff, b & 0xffff));
    }

    @Test
    void shiftsClampAtTheWidth() throws Exception {
        long[] a = {1, -1, 0x80000000L, 0x12345678, -0x12345678};
        long[] amounts = {0, 1, 4, 31, 32, 33, 100, 0xffffffffL};
        long[][] in = new long[a.length * amounts.length][];
        int k = 0;
        for (long x : a) {
            for (long s : amounts) in[k++] = new long[] {x, s};
        }
        long[] shl = snippet("shl.b32 %d, %a, %b;", B32, B32, U32).run(in);
        long[] shrU = snippet("shr.u32 %d, %a, %b;", U32, U32, U32).run(in);
        long[] shrS = snippet("shr.s32 %d, %a, %b;", S32, S32, U32).run(in);
        long[] shl64 = snippet("shl.b64 %d, %a, %b;", B64, B64, U32).run(in);
        for (int i = 0; i < in.length; i++) {
            int x = (int) in[i][0];
            long s = in[i][1];
            assertThat(shl[i]).as("shl %x by %d", x, s).isEqualTo(s >= 32 ? 0 : (x << s) & 0xffffffffL);
            assertThat(shrU[i]).as("shr.u %x by %d", x, s).isEqualTo(s >= 32 ? 0 : (x >>> s) & 0xffffffffL);
            assertThat(shrS[i]).as("shr.s %x by %d", x, s).isEqualTo(s >= 32 ? x >> 31 : x >> s);
            assertThat(shl64[i]).as("shl.b64 %x by %d", in[i][0], s).isEqualTo(s >= 64 ? 0 : in[i][0] << s);
        }
    }

    @Test
    void bitCounting() throws Exception {
        long[] v = ints32();
        long[] popc = snippet("popc.b32 %d, %a;", U32, B32).run(singles(v));
        long[] clz = snippet("clz.b32 %d, %a;", U32, B32).run(singles(v));
        long[] brev = snippet("brev.b32 %d, %a;", B32, B32).run(singles(v));
        for (int i = 0; i < v.length; i++) {
            assertThat(popc[i]).isEqualTo(Integer.bitCount((int) v[i]));
            assertThat(clz[i]).isEqualTo(Integer.numberOfLeadingZeros((int) v[i]));
            assertThat(brev[i]).isEqualTo(Integer.reverse((int) v[i]) & 0xffffffffL);
        }
    }
}
