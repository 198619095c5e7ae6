package tessera.ir.loop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static tessera.ir.loop.L.BOOL;
import static tessera.ir.loop.L.F32;
import static tessera.ir.loop.L.I32;
import static tessera.ir.loop.L.I64;
import static tessera.ir.loop.L.add;
import static tessera.ir.loop.L.and;
import static tessera.ir.loop.L.bool;
import static tessera.ir.loop.L.call;
import static tessera.ir.loop.L.cast;
import static tessera.ir.loop.L.div;
import static tessera.ir.loop.L.eq;
import static tessera.ir.loop.L.f;
import static tessera.ir.loop.L.i;
import static tessera.ir.loop.L.i64;
import static tessera.ir.loop.L.lt;
import static tessera.ir.loop.L.mod;
import static tessera.ir.loop.L.mul;
import static tessera.ir.loop.L.neg;
import static tessera.ir.loop.L.not;
import static tessera.ir.loop.L.or;
import static tessera.ir.loop.L.ref;
import static tessera.ir.loop.L.select;
import static tessera.ir.loop.L.sub;
import static tessera.ir.loop.L.v;

import java.util.Map;
import org.junit.jupiter.api.Test;
import tessera.ir.tensor.Expr.Builtin;
import tessera.runtime.Philox;

/** The host evaluator's semantics: the language's integer arithmetic, laziness, builtins and errors. */
class HostEvalTest {
    private static double eval(LExpr e) throws HostEval.EvalException {
        return HostEval.eval(e, Map.of("N", 5.0, "neg", -7.0, "x", 2.5, "seed", 42.0, "yes", 1.0, "no", 0.0));
    }

    @Test void integerDivisionTruncatesTowardZeroAndModuloTakesTheDividendsSign() throws Exception {
        assertThat(eval(div(i(-7), i(2)))).isEqualTo(-3);
        assertThat(eval(mod(i(-7), i(2)))).isEqualTo(-1);
        assertThat(eval(div(i(7), i(-2)))).isEqualTo(-3);
        assertThat(eval(mod(i(7), i(-2)))).isEqualTo(1);
        assertThat(eval(div(v("neg"), v("N")))).isEqualTo(-1);
        assertThat(eval(mod(v("neg"), v("N")))).isEqualTo(-2);
        // float / and % are IEEE (fmod keeps the dividend's sign too)
        assertThat(eval(div(f(-7), f(2)))).isEqualTo(-3.5);
        assertThat(eval(mod(f(-7), f(2)))).isEqualTo(-1);
    }

    @Test void i32WrapsAndI64DoesNotAt32Bits() throws Exception {
        assertThat(eval(add(i(Integer.MAX_VALUE), i(1)))).isEqualTo(Integer.MIN_VALUE);
        assertThat(eval(mul(i(65536), i(65536)))).isEqualTo(0);
        assertThat(eval(neg(i(Integer.MIN_VALUE)))).isEqualTo(Integer.MIN_VALUE);
        assertThat(eval(div(i(Integer.MIN_VALUE), i(-1)))).isEqualTo(Integer.MIN_VALUE);
        assertThat(eval(add(i64(Integer.MAX_VALUE), i(1)))).isEqualTo(2147483648.0);
        assertThat(eval(mul(i64(1L << 40), i64(1L << 30)))).isEqualTo(0); // 2^70 is 0 mod 2^64
        assertThat(eval(add(i64(Long.MAX_VALUE), i64(1)))).isEqualTo(-0x1p63);
        assertThat(eval(call(Builtin.ABS, i(Integer.MIN_VALUE)))).isEqualTo(Integer.MIN_VALUE);
    }

    @Test void selectAndLogicAreLazy() throws Exception {
        LExpr boom = div(i(1), i(0));
        assertThat(eval(select(bool(false), boom, i(5)))).isEqualTo(5);
        assertThat(eval(select(bool(true), i(4), boom))).isEqualTo(4);
        assertThat(eval(and(bool(false), eq(boom, i(0))))).isEqualTo(0);
        assertThat(eval(or(bool(true), eq(boom, i(0))))).isEqualTo(1);
        assertThat(eval(select(lt(v("N"), i(3)), f(1), add(f(2), ref("x", F32))))).isEqualTo(4.5);
        assertThatThrownBy(() -> eval(and(bool(true), eq(boom, i(0))))).isInstanceOf(HostEval.EvalException.class);
    }

    @Test void comparisonsAndBools() throws Exception {
        assertThat(eval(lt(i(2), ref("x", F32)))).isEqualTo(1);
        assertThat(eval(eq(ref("yes", BOOL), bool(true)))).isEqualTo(1);
        assertThat(eval(not(ref("no", BOOL)))).isEqualTo(1);
        assertThat(eval(and(ref("yes", BOOL), ref("no", BOOL)))).isEqualTo(0);
    }

    @Test void conversionsTruncateWrapAndSaturate() throws Exception {
        assertThat(eval(call(Builtin.INT, f(-2.7)))).isEqualTo(-2);
        assertThat(eval(cast(f(-2.7), I64))).isEqualTo(-2);
        assertThat(eval(call(Builtin.INT, f(3e10)))).isEqualTo(Integer.MAX_VALUE);
        assertThat(eval(call(Builtin.INT, f(Double.NaN)))).isEqualTo(0);
        assertThat(eval(cast(i64(0x1_0000_0005L), I32))).isEqualTo(5);
        assertThat(eval(cast(i(-3), BOOL))).isEqualTo(1);
        assertThat(eval(cast(f(0.0), BOOL))).isEqualTo(0);
        assertThat(eval(call(Builtin.FLOAT, v("N")))).isEqualTo(5);
        assertThat(eval(cast(bool(true), F32))).isEqualTo(1);
        assertThat(HostEval.toType(-2.5, I32)).isEqualTo(-2);
        assertThat(HostEval.toType(3, BOOL)).isEqualTo(1);
    }

    @Test void floatBuiltins() throws Exception {
        assertThat(eval(call(Builtin.RSQRT, f(4)))).isEqualTo(0.5);
        assertThat(eval(call(Builtin.SIGMOID, f(0)))).isEqualTo(0.5);
        assertThat(eval(call(Builtin.POW, i(2), i(10)))).isEqualTo(1024);
        assertThat(eval(call(Builtin.FLOOR, f(-1.5)))).isEqualTo(-2);
        assertThat(eval(call(Builtin.CEIL, f(-1.5)))).isEqualTo(-1);
        assertThat(eval(call(Builtin.MAX, i(3), ref("x", F32)))).isEqualTo(3);
        assertThat(eval(call(Builtin.MIN, i(3), i(-4)))).isEqualTo(-4);
        assertThat(eval(call(Builtin.EXP, f(0)))).isEqualTo(1);
        assertThat(eval(call(Builtin.LOG, f(1)))).isEqualTo(0);
        assertThat(eval(call(Builtin.TANH, f(0)))).isEqualTo(0);
        assertThat(eval(call(Builtin.SQRT, f(9)))).isEqualTo(3);
        assertThat(eval(call(Builtin.ABS, f(-9)))).isEqualTo(9);
    }

    @Test void philoxAndUniformAreTheRuntimes() throws Exception {
        assertThat(eval(call(Builtin.PHILOX, ref("seed", I64), i(3), i(1)))).isEqualTo(Philox.bits(42, 3, 1));
        assertThat(eval(call(Builtin.UNIFORM, ref("seed", I64), i(3), i(1)))).isEqualTo(Philox.uniform(42, 3, 1));
        assertThat(eval(call(Builtin.PHILOX, i64(-1), i64(1L << 40), i(0)))).isEqualTo(Philox.bits(-1, 1L << 40, 0));
    }

    @Test void errorsAreOneLine() {
        assertThatThrownBy(() -> eval(add(v("M"), i(1)))).isInstanceOf(HostEval.EvalException.class).hasMessage("unknown name 'M'");
        assertThatThrownBy(() -> eval(div(v("N"), sub(v("N"), i(5))))).hasMessage("integer division by zero in N / (N - 5)");
        assertThatThrownBy(() -> eval(mod(i(1), i(0)))).hasMessage("integer modulo by zero in 1 % 0");
        assertThatThrownBy(() -> eval(L.load("x", i(0), F32))).hasMessage("a host expression cannot load from buffer 'x' (in x[0])");
    }
}
