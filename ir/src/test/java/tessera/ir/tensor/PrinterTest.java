package tessera.ir.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import tessera.ir.SourceSpan;
import tessera.runtime.DType;

class PrinterTest {
    private static final String FLASH = """
            kernel flash_attention
              dims   B, H, N, D, KH, M, E
              input  q: f32[B, H, N, D]
              input  k: f32[B, KH, M, D]
              input  v: f32[B, KH, M, E]
              output o: f32[B, H, N, E]
              output lse: f32[B, H, N]
              temp   s: f32[B, H, N, M]
              param  causal: bool = false
              where  H % KH == 0
              let scale = rsqrt(D)  // f32
              let g = H / KH  // i32
              s[b, h, i, j] = scale * sum[d](q[b, h, i, d] * k[b, h / g, j, d]) if !causal || j <= i + M - N  // b < B, h < H, i < N, j < M, d < D
              lse[b, h, i] = logsumexp[j](s[b, h, i, j])  // b < B, h < H, i < N, j < M
              o[b, h, i, e] = sum[j](softmax[j](s[b, h, i, j]) * v[b, h / g, j, e])  // b < B, h < H, i < N, e < E, j < M
              schedule { tile i 64, j 64; split j streamk; }
              schedule ptx { tile i 128, j 64; split j 8; fft j; direct j; }
            """;

    private static Program flashWithSchedules() {
        SourceSpan none = SourceSpan.NONE;
        Schedule any = new Schedule(Optional.empty(), List.of(
                new Schedule.Tile(List.of(new Schedule.TileSize("i", 64), new Schedule.TileSize("j", 64)), none),
                new Schedule.Split("j", OptionalInt.empty(), none)), none);
        Schedule ptx = new Schedule(Optional.of("ptx"), List.of(
                new Schedule.Tile(List.of(new Schedule.TileSize("i", 128), new Schedule.TileSize("j", 64)), none),
                new Schedule.Split("j", OptionalInt.of(8), none), new Schedule.Fft("j", none), new Schedule.Direct("j", none)), none);
        Program p = FlashAttentionTest.flashAttention();
        return new Program(p.name(), p.dims(), p.tensors(), p.scalars(), p.constraints(), p.body(), List.of(any, ptx), p.span());
    }

    @Test void goldenFlashAttention() {
        assertThat(Printer.print(flashWithSchedules())).isEqualTo(FLASH);
    }

    @Test void printingIsDeterministic() {
        assertThat(Printer.print(flashWithSchedules())).isEqualTo(Printer.print(flashWithSchedules()));
    }

    @Test void topkScatterDerivedAndFixedDims() {
        Program p = KernelBuilder.kernel("sparse").fixed("N", 16).in("m", DType.F32, "N").in("x", DType.BF16, "N")
                .param("u", DType.I32, "N / 4").derived("U", "u").out("o", DType.F32, "N")
                .stmt("top[r < U] = topk[i < N, U](m[i])")
                .stmt("o[i < N] = 0.0")
                .stmt("scatter r < U: o[top[r]] = x[top[r]] * -2.0 if r % 2 == 0").build();
        assertThat(Printer.print(p)).isEqualTo("""
                kernel sparse
                  dims   N = 16 (fixed), U = u (derived)
                  input  m: f32[N]
                  input  x: bf16[N]
                  output o: f32[N]
                  temp   top: i32[U]
                  param  u: i32 = N / 4
                  top[r] = topk[i, U](m[i])  // r < U, i < N
                  o[i] = 0.0  // i < N
                  o[top[r]] = x[top[r]] * -2.0 if r % 2 == 0  // scatter over r < U
                """);
    }

    @ParameterizedTest(name = "{0}  ->  {1}")
    @CsvSource(delimiter = ';', value = {
        "(i + j) * k; (i + j) * k",
        "i + j * k; i + j * k",
        "(i - j) - k; i - j - k",
        "i - (j - k); i - (j - k)",
        "i / (j * k); i / (j * k)",
        "-(i + j); -(i + j)",
        "-(-i); -(-i)",
        "i - -1; i - -1",
        "i * -1; i * -1",
        "!(i < j && j < k); !(i < j && j < k)",
        "!(i < j) || (j < k); !(i < j) || j < k",
        "(i < j) == (j < k); i < j == j < k",
        "(i == j) == (j == k); (i == j) == (j == k)",
        "i < j || j < k && k < 3; i < j || j < k && k < 3",
        "(i < j || j < k) && k < 3; (i < j || j < k) && k < 3",
        "(i < 2 ? 1 : 2) + 3; (i < 2 ? 1 : 2) + 3",
        "i < 2 ? 1 : j < 3 ? 2 : 3; i < 2 ? 1 : j < 3 ? 2 : 3",
        "(i < 2 ? true : false) ? 1 : 2; (i < 2 ? true : false) ? 1 : 2",
        "sum[d < 4 | d != i](float(d)) * 2.0; sum[d | d != i](float(d)) * 2.0",
        "max[a < 2, c < 3](a + c); max[a, c](a + c)",
        "min(i, j) + pow(2.0, 3.0); min(i, j) + pow(2.0, 3.0)",
        "2.0 + 0.5 + 1e-6 + 1.5e-7 + 1e20 + 3L; 2.0 + 0.5 + 1e-6 + 1.5e-7 + 1e20 + 3",
        "-inf < inf && true != false; -inf < inf && true != false",
    })
    void minimalParentheses(String source, String printed) {
        Expr e = KernelBuilder.kernel("p").expr(source, "i", "j", "k");
        assertThat(Printer.expr(e)).isEqualTo(printed);
    }
}
