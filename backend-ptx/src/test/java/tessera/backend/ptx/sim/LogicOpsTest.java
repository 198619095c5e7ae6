package tessera.backend.ptx.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static tessera.backend.ptx.sim.PtxType.B32;
import static tessera.backend.ptx.sim.PtxType.B64;
import static tessera.backend.ptx.sim.PtxType.F32;
import static tessera.backend.ptx.sim.PtxType.F64;
import static tessera.backend.ptx.sim.PtxType.PRED;
import static tessera.backend.ptx.sim.PtxType.S32;
import static tessera.backend.ptx.sim.PtxType.S64;
import static tessera.backend.ptx.sim.PtxType.U32;
import static tessera.backend.ptx.sim.PtxType.U64;
import static tessera.backend.ptx.sim.Snippet.f32;
import static tessera.backend.ptx.sim.Snippet.f64;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongBinaryOperator;
import org.junit.jupiter.api.Test;

/** Comparisons (signed, unsigned, ordered and unordered floats, combined with predicates), selp, logic and mov. */
class LogicOpsTest extends SnippetTests {

    interface LongPredicate2 {
        boolean test(long a, long b);
    }

    private void checkSetp(String cmp, PtxType t, long[] values, LongPredicate2 expected) throws Exception {
        long[][] in = pairs(values);
        long[][] got = snippet2("setp." + cmp + "." + t.spelling() + " %d|%q, %a, %b;", PRED, PRED, t, t).runBoth(in);
        for (int i = 0; i < in.length; i++) {
            boolean want = expected.test(in[i][0], in[i][1]);
            assertThat(got[0][i]).as("setp.%s.%s %x %x", cmp, t.spelling(), in[i][0], in[i][1]).isEqualTo(want ? 1 : 0);
            assertThat(got[1][i]).as("the complement").isEqualTo(want ? 0 : 1);
        }
    }

    @Test
    void signedAndUnsignedComparisons() throws Exception {
        long[] v = ints32();
        checkSetp("lt", S32, v, (a, b) -> (int) a < (int) b);
        checkSetp("ge", S32, v, (a, b) -> (int) a >= (int) b);
        checkSetp("lt", U32, v, (a, b) -> Integer.compareUnsigned((int) a, (int) b) < 0);
        checkSetp("hi", U32, v, (a, b) -> Integer.compareUnsigned((int) a, (int) b) > 0);
        checkSetp("ls", U32, v, (a, b) -> Integer.compareUnsigned((int) a, (int) b) <= 0);
        checkSetp("ne", B32, v, (a, b) -> (int) a != (int) b);
        checkSetp("le", S64, ints64(), (a, b) -> a <= b);
        checkSetp("gt", U64, ints64(), (a, b) -> Long.compareUnsigned(a, b) > 0);
    }

    @Test
    void floatComparisonsOrderedAndUnordered() throws Exception {
        float[] fs = floats();
        long[] v = new long[fs.length];
        for (int i = 0; i < fs.length; i++) v[i] = f32(fs[i]);
        checkSetp("lt", F32, v, (a, b) -> Snippet.asF32(a) < Snippet.asF32(b));
        checkSetp("ne", F32, v, (a, b) -> !Float.isNaN(Snippet.asF32(a)) && !Float.isNaN(Snippet.asF32(b)) && Snippet.asF32(a) != Snippet.asF32(b));
        checkSetp("neu", F32, v, (a, b) -> Snippet.asF32(a) != Snippet.asF32(b));
        checkSetp("geu", F32, v, (a, b) -> !(Snippet.asF32(a) < Snippet.asF32(b)));
        checkSetp("equ", F32, v, (a, b) -> Float.isNaN(Snippet.asF32(a)) || Float.isNaN(Snippet.asF32(b)) || Snippet.asF32(a) == Snippet.asF32(b));
        checkSetp("nan", F32, v, (a, b) -> Float.isNaN(Snippet.asF32(a)) || Float.isNaN(Snippet.asF32(b)));
        checkSetp("num", F32, v, (a, b) -> !Float.isNaN(Snippet.asF32(a)) && !Float.isNaN(Snippet.asF32(b)));
        double[] ds = doubles();
        long[] w = new long[ds.length];
        for (int i = 0; i < ds.length; i++) w[i] = f64(ds[i]);
        checkSetp("le", F64, w, (a, b) -> Snippet.asF64(a) <= Snippet.asF64(b));
        checkSetp("gtu", F64, w, (a, b) -> !(Snippet.asF64(a) <= Snippet.asF64(b)));
    }

    @Test
    void comparisonsCombineWithAPredicate() throws Exception {
        List<long[]> in = new ArrayList<>();
        for (long a : new long[] {-1, 0, 1}) {
            for (long b : new long[] {-1, 0, 1}) {
                for (long c : new long[] {0, 1}) in.add(new long[] {a, b, c});
            }
        }
        long[][] t = in.toArray(long[][]::new);
        long[][] and = snippet2("setp.lt.and.s32 %d|%q, %a, %b, %c;", PRED, PRED, S32, S32, PRED).runBoth(t);
        long[] or = snippet("setp.lt.or.s32 %d, %a, %b, !%c;", PRED, S32, S32, PRED).run(t);
        long[] xor = snippet("setp.eq.xor.s32 %d, %a, %b, %c;", PRED, S32, S32, PRED).run(t);
        for (int i = 0; i < t.length; i++) {
            boolean lt = (int) t[i][0] < (int) t[i][1];
            boolean c = t[i][2] != 0;
            assertThat(and[0][i]).isEqualTo(lt && c ? 1 : 0);
            assertThat(and[1][i]).as("q = !t and c").isEqualTo(!lt && c ? 1 : 0);
            assertThat(or[i]).isEqualTo(lt || !c ? 1 : 0);
            assertThat(xor[i]).isEqualTo(((int) t[i][0] == (int) t[i][1]) ^ c ? 1 : 0);
        }
    }

    @Test
    void selectAndPredicateLogic() throws Exception {
        long[][] in = {{10, 20, 1}, {10, 20, 0}, {-5, 7, 1}};
        assertThat(snippet("selp.s32 %d, %a, %b, %c;", S32, S32, S32, PRED).run(in)).containsExactly(10, 20, -5);
        long[][] p = {{0, 0}, {0, 1}, {1, 0}, {1, 1}};
        assertThat(snippet("and.pred %d, %a, %b;", PRED, PRED, PRED).run(p)).containsExactly(0, 0, 0, 1);
        assertThat(snippet("or.pred %d, %a, %b;", PRED, PRED, PRED).run(p)).containsExactly(0, 1, 1, 1);
        assertThat(snippet("xor.pred %d, %a, %b;", PRED, PRED, PRED).run(p)).containsExactly(0, 1, 1, 0);
        assertThat(snippet("not.pred %d, %a;", PRED, PRED).run(p)).containsExactly(1, 1, 0, 0);
    }

    private void checkBits(String instruction, PtxType t, LongBinaryOperator expected) throws Exception {
        long[][] in = pairs(ints32());
        long[] got = snippet(instruction, t, t, t).run(in);
        for (int i = 0; i < in.length; i++) assertThat(got[i]).isEqualTo(t.norm(expected.applyAsLong(in[i][0], in[i][1])));
    }

    @Test
    void bitwiseLogic() throws Exception {
        checkBits("and.b32 %d, %a, %b;", B32, (a, b) -> a & b);
        checkBits("or.b32 %d, %a, %b;", B32, (a, b) -> a | b);
        checkBits("xor.b32 %d, %a, %b;", B32, (a, b) -> a ^ b);
        long[] not = snippet("not.b32 %d, %a;", B32, B32).run(singles(ints32()));
        long[] v = ints32();
        for (int i = 0; i < v.length; i++) assertThat(not[i]).isEqualTo(~v[i] & 0xffffffffL);
        assertThat(snippet("cnot.b32 %d, %a;", B32, B32).run(new long[] {0}, new long[] {5})).containsExactly(1, 0);
    }

    @Test
    void movPacksAndUnpacksVectors() throws Exception {
        long[] packed = snippet("mov.b64 %d, {%a, %b};", B64, B32, B32).run(new long[] {0x11223344L, 0xaabbccddL});
        assertThat(packed[0]).isEqualTo(0xaabbccdd11223344L);
        long[][] halves = snippet2("mov.b64 {%d, %q}, %a;", B32, B32, B64).runBoth(new long[] {0xaabbccdd11223344L});
        assertThat(halves[0][0]).isEqualTo(0x11223344L);
        assertThat(halves[1][0]).isEqualTo(0xaabbccddL);
        long[] bits = snippet("mov.b32 %d, %a;", F32, B32).run(new long[] {0x3f800000L});
        assertThat(Snippet.asF32(bits[0])).isEqualTo(1f);
        long[] imm = snippet("mov.f32 %d, 0f40490FDB;", F32).run(new long[0]);
        assertThat(Snippet.asF32(imm[0])).isEqualTo((float) Math.PI);
        long[] immNeg = snippet("mov.u64 %d, -7;", U64).run(new long[0]);
        assertThat(immNeg[0]).isEqualTo(-7L);
    }
}
