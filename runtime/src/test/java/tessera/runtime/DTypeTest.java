package tessera.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DTypeTest {

    @Test
    void sizesAndKinds() {
        assertThat(DType.F16.byteSize()).isEqualTo(2);
        assertThat(DType.BF16.byteSize()).isEqualTo(2);
        assertThat(DType.F32.byteSize()).isEqualTo(4);
        assertThat(DType.F64.byteSize()).isEqualTo(8);
        assertThat(DType.I32.byteSize()).isEqualTo(4);
        assertThat(DType.I64.byteSize()).isEqualTo(8);
        assertThat(DType.BOOL.byteSize()).isEqualTo(1);
        assertThat(DType.values()).filteredOn(DType::isFloat)
                .containsExactly(DType.F16, DType.BF16, DType.F32, DType.F64);
        assertThat(DType.values()).filteredOn(DType::isInteger).containsExactly(DType.I32, DType.I64);
        assertThat(DType.BOOL.isFloat()).isFalse();
        assertThat(DType.BOOL.isInteger()).isFalse();
    }

    @Test
    void sourceNamesRoundTrip() {
        assertThat(DType.values()).extracting(DType::sourceName)
                .containsExactly("f16", "bf16", "f32", "f64", "i32", "i64", "bool");
        for (DType t : DType.values()) {
            assertThat(DType.fromSourceName(t.sourceName())).contains(t);
        }
    }

    @Test
    void unknownNamesAreEmpty() {
        assertThat(DType.fromSourceName("F32")).isEmpty();
        assertThat(DType.fromSourceName("u8")).isEmpty();
        assertThat(DType.fromSourceName("")).isEmpty();
        assertThat(DType.fromSourceName(null)).isEmpty();
    }
}
