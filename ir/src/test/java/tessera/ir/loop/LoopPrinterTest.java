package tessera.ir.loop;

import static org.assertj.core.api.Assertions.assertThat;
import static tessera.ir.loop.L.BOOL;
import static tessera.ir.loop.L.F32;
import static tessera.ir.loop.L.I32;
import static tessera.ir.loop.L.add;
import static tessera.ir.loop.L.and;
import static tessera.ir.loop.L.bool;
import static tessera.ir.loop.L.div;
import static tessera.ir.loop.L.f;
import static tessera.ir.loop.L.i;
import static tessera.ir.loop.L.lt;
import static tessera.ir.loop.L.mul;
import static tessera.ir.loop.L.neg;
import static tessera.ir.loop.L.not;
import static tessera.ir.loop.L.or;
import static tessera.ir.loop.L.ref;
import static tessera.ir.loop.L.select;
import static tessera.ir.loop.L.sub;
import static tessera.ir.loop.L.v;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import tessera.ir.loop.LaunchPlan.Role;
import tessera.ir.loop.LaunchPlan.ScalarSource;

/** The stable text of modules (golden) and of expressions (minimal parentheses). */
class LoopPrinterTest {
    @Test void matvecGolden() {
        assertThat(LoopPrinter.print(Modules.matvec())).isEqualTo("""
                module matvec
                  dim    M: i32 = a.shape[0]
                  dim    N: i32 = a.shape[1]
                  param  alpha: f32 = 1.0
                  input  a: f32[M, N]
                  input  x: f32[N]
                  output y: f32[M]
                  launch matvec_y (i < M)

                kernel matvec_y(read a: f32[], read x: f32[], write y: f32[], M: i32, N: i32, alpha: f32)
                  // origin: y[i] = alpha * sum[j](a[i, j] * x[j])
                  for all (i < M) {
                    // y[i] = alpha * sum[j](a[i, j] * x[j])
                    var acc: f32 = 0.0;
                    for (j = 0; j < N; j++) {
                      acc = acc + a[i * N + j] * x[j];
                    }
                    y[i] = alpha * acc;
                  }
                """);
    }

    @Test void countGolden() {
        assertThat(LoopPrinter.print(Modules.count())).isEqualTo("""
                module count
                  dim    N: i32 = x.shape[0]
                  dim    M: i32 = x.shape[1]
                  param  lim: i32 = 2
                  check  lim > 0
                  input  x: f32[N, M]
                  output cnt: i32[N]
                  output first: i32[N]
                  output half: i32[N]
                  output rem: i32[N]
                  launch count (i < N)

                kernel count(read x: f32[], write cnt: i32[], write first: i32[], write half: i32[], write rem: i32[], N: i32, M: i32, lim: i32)
                  // origin: cnt[i] = min(lim, sum[j](x[i, j] > 0.0 ? 1 : 0))
                  for all (i < N) {
                    var c: i32 = 0;
                    var at: i32 = -1;
                    for (j = 0; j < M; j++) {
                      let x_ij: f32 = x[i * M + j];
                      if (x_ij > 0.0) {
                        c = c + 1;
                        if (at < 0) {
                          at = j;
                        }
                      } else {
                        // not positive
                      }
                    }
                    cnt[i] = c > lim ? lim : c;
                    first[i] = at;
                    half[i] = (c - 3) / 2;
                    rem[i] = (c - 3) % 2;
                  }
                """);
    }

    @Test void dropoutShowsComputedScalarsParamsWithoutDefaultsAndCasts() {
        String text = LoopPrinter.print(Modules.dropout());
        assertThat(text).contains("  param  seed: i64\n", "  let    scale: f32 = 1.0 / keep\n",
                "    let u: f32 = uniform(seed, i64(i), 7);\n", "    r[i] = i32(philox(seed, i, 1));\n", "    s[i] = i % 2 == 0 ? int(x[i]) : -1;\n");
        assertThat(LoopPrinter.print(Modules.dropout())).isEqualTo(text);
    }

    @Test void fixedDimsLoopKindsEmptyGridsAndMultiLineComments() {
        Kernel k = new Kernel("once", List.of(L.out("y", F32)), List.of(),
                List.of(L.note("line one\nline two"),
                        new LStmt.For("j", i(0), i(4), LStmt.LoopKind.UNROLLED, List.of(L.store("y", v("j"), f(1)))),
                        new LStmt.For("j", i(0), i(8), LStmt.LoopKind.VECTORIZED, List.of())), "");
        LaunchPlan plan = new LaunchPlan(
                List.of(L.fixedDim("N", 4, "x", 0), L.fixedDim("E", 2, null, 0),
                        new LaunchPlan.HostScalar("Q", I32, ScalarSource.DIM, Optional.empty(), null, 0)),
                List.of(new LaunchPlan.Check(lt(v("E"), v("N")), "E<N")),
                List.of(L.buffer("x", F32, Role.INPUT, v("N")), L.buffer("y", F32, Role.OUTPUT, i(4))),
                List.of(new LaunchPlan.Launch("once"), new LaunchPlan.Launch("missing")));
        assertThat(LoopPrinter.print(new Module("m", List.of(k), plan))).isEqualTo("""
                module m
                  dim    N: i32 = 4 (fixed, checked against x.shape[0])
                  dim    E: i32 = 2 (fixed)
                  dim    Q: i32 = ?
                  check  E < N  // "E<N"
                  input  x: f32[N]
                  output y: f32[4]
                  launch once (once)
                  launch missing

                kernel once(write y: f32[])
                  run once {
                    // line one
                    // line two
                    unrolled for (j = 0; j < 4; j++) {
                      y[j] = 1.0;
                    }
                    vectorized for (j = 0; j < 8; j++) {
                    }
                  }
                """);
    }

    @Test void expressionsUseMinimalParentheses() {
        assertThat(LoopPrinter.expr(mul(add(v("a"), v("b")), v("c")))).isEqualTo("(a + b) * c");
        assertThat(LoopPrinter.expr(sub(v("a"), sub(v("b"), v("c"))))).isEqualTo("a - (b - c)");
        assertThat(LoopPrinter.expr(sub(sub(v("a"), v("b")), v("c")))).isEqualTo("a - b - c");
        assertThat(LoopPrinter.expr(div(v("a"), mul(v("b"), v("c"))))).isEqualTo("a / (b * c)");
        assertThat(LoopPrinter.expr(or(and(ref("p", BOOL), ref("q", BOOL)), not(ref("r", BOOL))))).isEqualTo("p && q || !r");
        assertThat(LoopPrinter.expr(and(or(ref("p", BOOL), ref("q", BOOL)), ref("r", BOOL)))).isEqualTo("(p || q) && r");
        assertThat(LoopPrinter.expr(neg(neg(v("a"))))).isEqualTo("-(-a)");
        assertThat(LoopPrinter.expr(neg(i(-1)))).isEqualTo("-(-1)");
        assertThat(LoopPrinter.expr(not(lt(v("a"), v("b"))))).isEqualTo("!(a < b)");
        assertThat(LoopPrinter.expr(select(ref("p", BOOL), select(ref("q", BOOL), i(1), i(2)), i(3)))).isEqualTo("p ? (q ? 1 : 2) : 3");
        assertThat(LoopPrinter.expr(select(ref("p", BOOL), i(1), select(ref("q", BOOL), i(2), i(3))))).isEqualTo("p ? 1 : q ? 2 : 3");
        assertThat(LoopPrinter.expr(L.eq(lt(v("a"), v("b")), bool(true)))).isEqualTo("a < b == true");
        assertThat(LoopPrinter.expr(f(1e-6))).isEqualTo("1e-6");
        assertThat(LoopPrinter.expr(f(-0.0))).isEqualTo("-0.0");
        assertThat(LoopPrinter.expr(f(Double.NEGATIVE_INFINITY))).isEqualTo("-inf");
        assertThat(LoopPrinter.expr(L.cast(f(2.5), I32))).isEqualTo("i32(2.5)");
    }
}
