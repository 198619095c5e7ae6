package tessera.compiler;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import tessera.runtime.DType;
import tessera.runtime.Tensor;

class CompareTest {
    static Tensor f32(double... v) {
        return Tensor.fromDoubles(DType.F32, new long[] {v.length}, v);
    }

    @Test
    void withinTheF32ToleranceIsOk() {
        Compare.Diff d = Compare.tensor("o", f32(1.00001, 2, -3), f32(1, 2, -3));
        assertThat(d.ok()).isTrue();
        assertThat(d.maxAbs()).isCloseTo(1e-5, org.assertj.core.data.Offset.offset(1e-6));
    }

    @Test
    void outsideItIsCountedAndTheFirstMismatchNamed() {
        Compare.Diff d = Compare.tensor("o", f32(1, 2.01, -3, 5), f32(1, 2, -3, 4));
        assertThat(d.ok()).isFalse();
        assertThat(d.mismatches()).isEqualTo(2);
        assertThat(d.summary()).contains("2 of 4 outside tolerance").contains("element 1");
    }

    @Test
    void infinitiesAndNaNMustMatchExactly() {
        double inf = Double.POSITIVE_INFINITY;
        assertThat(Compare.tensor("l", f32(-inf, Double.NaN), f32(-inf, Double.NaN)).ok()).isTrue();
        assertThat(Compare.tensor("l", f32(-inf), f32(-1e30)).ok()).isFalse();
        assertThat(Compare.tensor("l", f32(0), f32(Double.NaN)).ok()).isFalse();
    }

    @Test
    void integersMustBeEqualAndMissingOutputsFail() {
        Tensor a = Tensor.fromInts(DType.I32, new long[] {2}, new long[] {1, 2});
        Tensor b = Tensor.fromInts(DType.I32, new long[] {2}, new long[] {1, 3});
        assertThat(Compare.tensor("top", a, b).ok()).isFalse();
        assertThat(Compare.outputs(Map.of(), Map.of("o", a))).singleElement().satisfies(d -> assertThat(d.ok()).isFalse());
    }

    @Test
    void theBoundScalesWithTheOutput() {
        // An error of 0.5 on values around 1e5 is within 1e-5 * 1e5 + 1e-4 * |ref|.
        assertThat(Compare.tensor("o", f32(100000.5), f32(100000)).ok()).isTrue();
        assertThat(Compare.tensor("o", f32(1.5), f32(1)).ok()).isFalse();
    }
}
