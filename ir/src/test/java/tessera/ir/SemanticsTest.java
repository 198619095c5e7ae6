package tessera.ir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;
import tessera.ir.tensor.Expr.BinOp;
import tessera.ir.tensor.Expr.Builtin;
import tessera.runtime.DType;

class SemanticsTest {
    @Test
    void integerDivisionTruncatesAndRemainderFollowsTheDividend() {
        assertThat(Semantics.intArithmetic(BinOp.DIV, -7, 2, DType.I32)).isEqualTo(-3);
        assertThat(Semantics.intArithmetic(BinOp.MOD, -7, 2, DType.I32)).isEqualTo(-1);
        assertThat(Semantics.intArithmetic(BinOp.MOD, 7, -2, DType.I32)).isEqualTo(1);
        assertThatThrownBy(() -> Semantics.intArithmetic(BinOp.DIV, 1, 0, DType.I32)).isInstanceOf(ArithmeticException.class);
    }

    @Test
    void i32WrapsAndI64DoesNotAt32Bits() {
        assertThat(Semantics.intArithmetic(BinOp.ADD, Integer.MAX_VALUE, 1, DType.I32)).isEqualTo(Integer.MIN_VALUE);
        assertThat(Semantics.intArithmetic(BinOp.ADD, Integer.MAX_VALUE, 1, DType.I64)).isEqualTo(1L << 31);
        assertThat(Semantics.intArithmetic(BinOp.DIV, Integer.MIN_VALUE, -1, DType.I32)).isEqualTo(Integer.MIN_VALUE);
    }

    @Test
    void conversionsTruncateTowardZeroAndSaturate() {
        assertThat(Semantics.truncate(-2.7, DType.I32)).isEqualTo(-2);
        assertThat(Semantics.truncate(3e10, DType.I32)).isEqualTo(Integer.MAX_VALUE);
        assertThat(Semantics.truncate(Double.NaN, DType.I64)).isZero();
    }

    @Test
    void foldingLeavesDivisionByZeroToTheRunTime() {
        assertThat(Semantics.fold(BinOp.DIV, 1, DType.I32, 0, DType.I32, DType.I32)).isEmpty();
        assertThat(Semantics.fold(BinOp.DIV, 1, DType.F32, 0, DType.F32, DType.F32)).hasValue(Double.POSITIVE_INFINITY);
        assertThat(Semantics.fold(BinOp.LE, 2, DType.I32, 2, DType.I32, DType.BOOL)).hasValue(1.0);
        assertThat(Semantics.foldCall(Builtin.PHILOX, List.of(1.0, 2.0, 3.0), DType.I64)).isEmpty();
        assertThat(Semantics.foldCall(Builtin.INT, List.of(-2.5), DType.I32)).hasValue(-2.0);
        assertThat(Semantics.foldCall(Builtin.MAX, List.of(1.0, Double.NaN), DType.F32)).hasValueSatisfying(v -> assertThat(v).isNaN());
    }

    @Property(tries = 300)
    void i32ArithmeticIsJavasIntArithmetic(@ForAll int a, @ForAll int b) {
        assertThat(Semantics.intArithmetic(BinOp.ADD, a, b, DType.I32)).isEqualTo(a + b);
        assertThat(Semantics.intArithmetic(BinOp.MUL, a, b, DType.I32)).isEqualTo(a * b);
        if (b != 0) {
            assertThat(Semantics.intArithmetic(BinOp.DIV, a, b, DType.I32)).isEqualTo(a / b);
            assertThat(Semantics.intArithmetic(BinOp.MOD, a, b, DType.I32)).isEqualTo(a % b);
        }
    }
}
