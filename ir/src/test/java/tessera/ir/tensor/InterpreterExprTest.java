package tessera.ir.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static tessera.ir.tensor.Runs.eval;
import static tessera.ir.tensor.Runs.evalError;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import tessera.runtime.DType;
import tessera.runtime.Philox;

/** Every operator and builtin on hand-computed values; inputs x = [1, 2, 3] (f32), n = [-7, 2, 0] (i32). */
class InterpreterExprTest {
    private static final DType I = DType.I64;
    private static final DType B = DType.BOOL;

    @Test void floatArithmetic() {
        assertThat(eval("7.5 + 2.0")).isEqualTo(9.5);
        assertThat(eval("7.5 - 2.0")).isEqualTo(5.5);
        assertThat(eval("7.5 * 2.0")).isEqualTo(15.0);
        assertThat(eval("7.0 / 2.0")).isEqualTo(3.5);
        assertThat(eval("7.5 % 2.0")).isEqualTo(1.5);
        assertThat(eval("-7.5 % 2.0")).isEqualTo(-1.5);
        assertThat(eval("1.0 / 0.0")).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(eval("x[0] + x[1] * x[2]")).isEqualTo(7.0);
        assertThat(eval("1.0 - 2.0 - 3.0")).isEqualTo(-4.0);
        assertThat(eval("1.0 - (2.0 - 3.0)")).isEqualTo(2.0);
    }

    @Test void doublePrecisionThroughout() {
        // 0.1 is not rounded to f32 anywhere before the f64 output.
        assertThat(eval("0.1d * 3.0d")).isEqualTo(0.1 * 3.0);
        assertThat(eval("1.0 + 1e-12")).isEqualTo(1.0 + 1e-12);
    }

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource({
        "7 / 2, 3", "-7 / 2, -3", "7 / -2, -3", "-7 / -2, 3",
        "7 % 2, 1", "-7 % 2, -1", "7 % -2, 1", "-7 % -2, -1",
        "n[0] / n[1], -3", "n[0] % n[1], -1", "2 + 3 * 4, 14", "(2 + 3) * 4, 20", "-(3 - 5), 2",
        "2147483647 + 1, -2147483648", "2147483647L + 1, 2147483648", "0 - 2147483647 - 2, 2147483647",
    })
    void integerArithmetic(String expr, long expected) {
        assertThat(eval(expr, I)).isEqualTo(expected);
    }

    @Test void mixedArithmeticPromotesToFloat() {
        assertThat(eval("7 / 2.0")).isEqualTo(3.5);
        assertThat(eval("n[0] / 2.0")).isEqualTo(-3.5);
        assertThat(eval("float(7) / 2")).isEqualTo(3.5);
    }

    @Test void integerDivisionAndModuloByZeroAreErrors() {
        assertThat(evalError("7 / (z - z)", I)).isEqualTo("test.tsr:1:1: error: integer division by zero in 7 / (z - z)");
        assertThat(evalError("n[0] % n[2]", I)).isEqualTo("test.tsr:1:1: error: integer modulo by zero in n[0] % n[2]");
    }

    @ParameterizedTest(name = "{0} is {1}")
    @CsvSource({
        "1 < 2, true", "2 < 2, false", "2 <= 2, true", "3 <= 2, false", "3 > 2, true", "2 > 2, false",
        "2 >= 2, true", "1 >= 2, false", "2 == 2, true", "2 == 3, false", "2 != 3, true", "2 != 2, false",
        "2.5 < 3, true", "3 < 2.5, false", "x[1] == 2, true", "n[0] < n[2], true", "true == true, true", "true != false, true",
        "0.0 == -0.0, true", "nan == nan, false", "nan != nan, true",
        "true && true, true", "true && false, false", "false && true, false", "false || false, false",
        "false || true, true", "true || false, true", "!true, false", "!false, true", "!(1 > 2) && 2 > 1, true",
    })
    void comparisonsAndLogic(String expr, boolean expected) {
        assertThat(eval(expr, B)).isEqualTo(expected ? 1 : 0);
    }

    @Test void logicShortCircuits() {
        // x has 3 entries: x[5] would be out of range if it were evaluated.
        assertThat(eval("false && x[5] > 0", B)).isZero();
        assertThat(eval("true || x[5] > 0", B)).isOne();
        assertThat(evalError("true && x[5] > 0", B)).isEqualTo("test.tsr:1:1: error: index 5 out of range [0, 3) for axis 0 of 'x' in x[5]");
        assertThat(evalError("false || x[5] > 0", B)).contains("index 5 out of range");
    }

    @Test void negation() {
        assertThat(eval("-x[2]")).isEqualTo(-3.0);
        assertThat(eval("-(-2.5)")).isEqualTo(2.5);
        assertThat(eval("-n[0]", I)).isEqualTo(7);
    }

    @Test void selectEvaluatesOnlyTheChosenSide() {
        assertThat(eval("z < 1 ? x[z] : x[z + 7]")).isEqualTo(1.0);
        assertThat(eval("z > 0 ? x[z + 7] : x[2]")).isEqualTo(3.0);
        assertThat(eval("z == 0 ? n[0] : n[99]", I)).isEqualTo(-7);
        assertThat(eval("1 > 2 ? 1 : 2.5")).isEqualTo(2.5);
        assertThat(evalError("z == 0 ? x[9] : 0.0", DType.F64)).contains("index 9 out of range [0, 3) for axis 0 of 'x' in x[9]");
    }

    @Test void floatBuiltins() {
        assertThat(eval("exp(1.0)")).isEqualTo(Math.E);
        assertThat(eval("log(x[2])")).isEqualTo(Math.log(3));
        assertThat(eval("log(0.0)")).isEqualTo(Double.NEGATIVE_INFINITY);
        assertThat(eval("sqrt(16.0)")).isEqualTo(4.0);
        assertThat(eval("rsqrt(4.0)")).isEqualTo(0.5);
        assertThat(eval("rsqrt(16)")).isEqualTo(0.25);
        assertThat(eval("tanh(0.5)")).isEqualTo(Math.tanh(0.5));
        assertThat(eval("sigmoid(0.0)")).isEqualTo(0.5);
        assertThat(eval("sigmoid(2.0)")).isCloseTo(1 / (1 + Math.exp(-2)), within(1e-15));
        assertThat(eval("sigmoid(-800.0)")).isZero();
        assertThat(eval("abs(-2.5)")).isEqualTo(2.5);
        assertThat(eval("min(2.5, -1.0)")).isEqualTo(-1.0);
        assertThat(eval("max(2.5, -1.0)")).isEqualTo(2.5);
        assertThat(eval("pow(2.0, 10.0)")).isEqualTo(1024.0);
        assertThat(eval("pow(4, 0.5)")).isEqualTo(2.0);
        assertThat(eval("floor(-2.5)")).isEqualTo(-3.0);
        assertThat(eval("ceil(-2.5)")).isEqualTo(-2.0);
        assertThat(eval("floor(2.5)")).isEqualTo(2.0);
        assertThat(eval("ceil(2.1)")).isEqualTo(3.0);
    }

    @Test void integerBuiltins() {
        assertThat(eval("abs(n[0])", I)).isEqualTo(7);
        assertThat(eval("min(n[0], n[1])", I)).isEqualTo(-7);
        assertThat(eval("max(n[0], n[1])", I)).isEqualTo(2);
        assertThat(eval("int(2.7)", I)).isEqualTo(2);
        assertThat(eval("int(-2.7)", I)).isEqualTo(-2);
        assertThat(eval("int(x[2] / 2.0)", I)).isEqualTo(1);
        assertThat(eval("int(1e20)", I)).isEqualTo(Integer.MAX_VALUE);
        assertThat(eval("float(n[0])")).isEqualTo(-7.0);
    }

    @Test void randomBuiltinsAreTheRuntimes() {
        assertThat(eval("philox(42, 3, z + 5)", I)).isEqualTo(Philox.bits(42, 3, 5));
        assertThat(eval("uniform(42, 3, 5)")).isEqualTo(Philox.uniform(42, 3, 5));
        double u = eval("uniform(7, 1, 2)");
        assertThat(u).isGreaterThanOrEqualTo(0).isLessThan(1);
    }

    @Test void indirectReads() {
        Program p = KernelBuilder.kernel("gather").in("x", DType.F32, "N").in("idx", DType.I32, "K").out("y", DType.F32, "K")
                .stmt("y[k < K] = x[idx[k]]").build();
        var out = Runs.ok(p, Runs.inputs("x", Runs.f32(10, 20, 30), "idx", Runs.i32(2, 0, 2, 1)));
        assertThat(out.get("y").toDoubleArray()).containsExactly(30, 10, 30, 20);
        assertThat(Runs.error(p, Runs.inputs("x", Runs.f32(10, 20, 30), "idx", Runs.i32(2, 3))))
                .isEqualTo("test.tsr:1:1: error: index 3 out of range [0, 3) for axis 0 of 'x' in x[idx[k]]");
        assertThat(Runs.error(p, Runs.inputs("x", Runs.f32(10, 20, 30), "idx", Runs.i32(-1))))
                .isEqualTo("test.tsr:1:1: error: index -1 out of range [0, 3) for axis 0 of 'x' in x[idx[k]]");
    }

    @Test void affineReadOutOfRangeNamesTheAxisAndTheRead() {
        Program p = KernelBuilder.kernel("shift").in("k", DType.F32, "B, M").out("y", DType.F32, "B, M")
                .stmt("y[b < B, j < M] = k[b, j + 1]").build();
        assertThat(Runs.error(p, Runs.inputs("k", Runs.tensor(DType.F32, Runs.shape(1, 2), 1, 2))))
                .isEqualTo("test.tsr:1:1: error: index 2 out of range [0, 2) for axis 1 of 'k' in k[b, j + 1]");
    }

    @Test void scalarsDimsAndLets() {
        Program p = KernelBuilder.kernel("s").in("x", DType.F32, "N").out("y", DType.F32, "N").param("a", DType.F32, "0.5")
                .stmt("let c = a * float(N)").stmt("y[i < N] = x[i] * c + float(i)").build();
        assertThat(Runs.ok(p, Runs.inputs("x", Runs.f32(1, 2))).get("y").toDoubleArray()).containsExactly(1, 3);
    }
}
