package tessera.ir.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import tessera.ir.SourceSpan;
import tessera.ir.tensor.Expr.BinOp;
import tessera.runtime.DType;

/** The verifier accepts well-formed programs and names what is wrong with deliberately broken ones. */
class VerifierTest {
    private static final DType F = DType.F32;
    private static final DType I = DType.I32;
    private static final Expr N = new Expr.Scalar("N", Expr.ScalarKind.DIM, I);

    /** x: f32[N], h: f16[N], o: f32[N] (output). */
    private static KernelBuilder base() {
        return KernelBuilder.kernel("v").in("x", F, "N").in("h", DType.F16, "N").out("o", F, "N");
    }

    private static Expr.Index ix(String name) {
        return new Expr.Index(name);
    }

    private static Expr.Read read(String tensor, DType t, Expr... indices) {
        return new Expr.Read(tensor, List.of(indices), t);
    }

    private static Stmt define(String tensor, Expr value) {
        return new Stmt.Define(tensor, List.of(new IndexVar("i", N)), Optional.empty(), value, SourceSpan.NONE);
    }

    /** The problems of base() plus {@code stmts}. */
    private static List<String> problems(Stmt... stmts) {
        KernelBuilder b = base();
        for (Stmt s : stmts) b.raw(s);
        return Verifier.check(b.build());
    }

    private static final Stmt DEFINE_O = define("o", read("x", F, ix("i")));

    @Test void wellFormedProgramsPass() {
        assertThat(Verifier.check(FlashAttentionTest.flashAttention())).isEmpty();
        assertThat(problems(DEFINE_O)).isEmpty();
        assertThat(problems(define("o", read("h", F, ix("i"))))).isEmpty(); // f16 reads as f32
        Verifier.verify(FlashAttentionTest.flashAttention());
    }

    @Test void readsNameDeclaredTensorsWithTheirRankAndType() {
        assertThat(problems(define("o", read("y", F, ix("i")))))
                .containsExactly("statement 1 (o): 'y' is not a declared tensor in y[i]");
        assertThat(problems(define("o", read("x", F, ix("i"), ix("i")))))
                .containsExactly("statement 1 (o): 'x' has rank 1 but is read with 2 indices in x[i, i]");
        assertThat(problems(define("o", new Expr.Call(Expr.Builtin.FLOAT, List.of(read("h", DType.F16, ix("i"))), F))))
                .contains("statement 1 (o): an expression of type f16 (expressions are bool, i32, i64, f32 or f64) in h[i]");
        assertThat(problems(define("o", read("x", DType.F64, ix("i")))))
                .containsExactly("statement 1 (o): 'x' is f32 but read as f64 in x[i]");
    }

    @Test void indexVariablesMustBeInScope() {
        assertThat(problems(define("o", read("x", F, ix("j")))))
                .containsExactly("statement 1 (o): the index variable 'j' is not in scope in j");
        Expr softmax = new Expr.Softmax(new IndexVar("j", N), read("x", F, ix("j")), F);
        assertThat(problems(define("o", softmax)))
                .containsExactly("statement 1 (o): softmax[j] outside any binding of 'j' (its value is the softmax at the current j) in softmax[j](x[j])");
        Expr reduced = new Expr.Reduce(Expr.ReduceOp.SUM, List.of(new IndexVar("j", N)), Optional.empty(), read("x", F, ix("j")), F);
        assertThat(problems(define("o", reduced))).isEmpty();
    }

    @Test void scalarsMustBeDeclaredAndLetsDefinedEarlier() {
        Expr g = new Expr.Scalar("g", Expr.ScalarKind.LET, F);
        assertThat(problems(define("o", g), new Stmt.Let("g", Expr.Const.f32(2), SourceSpan.NONE)))
                .containsExactly("statement 1 (o): 'g' is not a let defined before this point in g");
        assertThat(problems(define("o", new Expr.Call(Expr.Builtin.FLOAT, List.of(new Expr.Scalar("Q", Expr.ScalarKind.DIM, I)), F))))
                .containsExactly("statement 1 (o): 'Q' is not a declared dim in Q");
        assertThat(problems(define("o", new Expr.Scalar("p", Expr.ScalarKind.PARAM, F))))
                .containsExactly("statement 1 (o): 'p' is not a declared parameter in p");
    }

    @Test void operatorTypes() {
        Expr i32 = ix("i");
        Expr f32 = read("x", F, ix("i"));
        assertThat(problems(define("o", new Expr.Binary(BinOp.ADD, i32, f32, I))))
                .containsExactly("statement 1 (o): i32 + f32 typed i32 in i + x[i]");
        assertThat(problems(define("o", read("n", I, ix("i"))))).contains("statement 1 (o): 'n' is not a declared tensor in n[i]");
        KernelBuilder ints = KernelBuilder.kernel("v").in("x", F, "N").out("o", I, "N").raw(define("o", read("x", F, ix("i"))));
        assertThat(Verifier.check(ints.build())).containsExactly("statement 1 (o): stores a f32 value into 'o' of type i32");
        assertThat(problems(define("o", new Expr.Select(new Expr.Binary(BinOp.LT, i32, f32, F), f32, f32, F))))
                .containsExactly("statement 1 (o): i32 < f32 typed f32 in i < x[i]", "statement 1 (o): a condition of type f32 in i < x[i] ? x[i] : x[i]");
        assertThat(problems(define("o", new Expr.Select(new Expr.Binary(BinOp.AND, i32, i32, DType.BOOL), f32, f32, F))))
                .containsExactly("statement 1 (o): i32 && i32 typed bool in i && i");
        assertThat(problems(define("o", new Expr.Unary(Expr.UnOp.NOT, f32, DType.BOOL))))
                .contains("statement 1 (o): ! of f32 typed bool in !x[i]");
        assertThat(problems(define("o", new Expr.Call(Expr.Builtin.EXP, List.of(f32), DType.F64))))
                .contains("statement 1 (o): exp(f32) typed f64 in exp(x[i])");
        assertThat(problems(define("o", new Expr.Reduce(Expr.ReduceOp.MEAN, List.of(new IndexVar("j", N)), Optional.empty(), ix("j"), I))))
                .contains("statement 1 (o): mean of i32 typed i32 in mean[j](j)");
    }

    @Test void indicesExtentsDomainsAndFiltersHaveTheirTypes() {
        Expr f32 = read("x", F, ix("i"));
        assertThat(problems(define("o", read("x", F, f32))))
                .containsExactly("statement 1 (o): an index of type f32 in x[x[i]]");
        assertThat(problems(new Stmt.Define("o", List.of(new IndexVar("i", N)), Optional.of(f32), f32, SourceSpan.NONE)))
                .containsExactly("statement 1 (o): the domain is f32, not bool: x[i]");
        assertThat(problems(new Stmt.Define("o", List.of(new IndexVar("i", Expr.Const.f32(3))), Optional.empty(), f32, SourceSpan.NONE)))
                .containsExactly("statement 1 (o): the extent of 'i' is f32, not an integer: 3.0");
        Expr filtered = new Expr.Reduce(Expr.ReduceOp.SUM, List.of(new IndexVar("j", N)), Optional.of(ix("j")), read("x", F, ix("j")), F);
        assertThat(problems(define("o", filtered))).containsExactly("statement 1 (o): a filter of type i32 in sum[j | j](x[j])");
    }

    @Test void definitions() {
        assertThat(problems()).containsExactly("output 'o' is never defined");
        assertThat(problems(DEFINE_O, DEFINE_O)).containsExactly("statement 2 (o): 'o' is defined a second time");
        assertThat(problems(define("x", Expr.Const.f32(1)), DEFINE_O)).containsExactly("statement 1 (x): writes the input 'x'");
        Stmt scatter = new Stmt.Scatter("o", List.of(new IndexVar("i", N)), List.of(ix("i")), Optional.empty(), Expr.Const.f32(1), SourceSpan.NONE);
        assertThat(problems(scatter, DEFINE_O)).containsExactly("statement 1 (scatter into o): scatter into 'o' before its definition");
        assertThat(problems(DEFINE_O, scatter)).isEmpty();
        assertThat(problems(define("o", read("o", F, ix("i"))))).containsExactly("statement 1 (o): 'o' is read before its definition in o[i]");
        assertThat(problems(DEFINE_O, define("t", Expr.Const.f32(1)))).containsExactly("statement 2 (t): 't' is not declared");
        assertThat(problems(DEFINE_O, define("o", Expr.Const.bool(true))).get(1)).isEqualTo("statement 2 (o): stores a bool value into 'o' of type f32");
    }

    @Test void topk() {
        KernelBuilder b = base().temp("top", I, "2").temp("bad", F, "2").raw(DEFINE_O);
        IndexVar r = new IndexVar("r", Expr.Const.i32(2));
        IndexVar over = new IndexVar("i", N);
        b.raw(new Stmt.TopK("top", List.of(r), "q", over, Expr.Const.i32(2), read("x", F, ix("i")), SourceSpan.NONE));
        b.raw(new Stmt.TopK("bad", List.of(r), "r", over, Expr.Const.i32(2), read("x", F, ix("r")), SourceSpan.NONE));
        assertThat(Verifier.check(b.build())).containsExactly(
                "statement 2 (topk into top): the axis 'q' is not one of its variables",
                "statement 3 (topk into bad): a topk gives indices, but 'bad' is f32, not i32",
                "statement 3 (topk into bad): the index variable 'r' is not in scope in r");
    }

    @Test void verifyThrowsListingEveryProblem() {
        Program broken = base().raw(define("o", read("y", F, ix("j")))).build();
        assertThatThrownBy(() -> Verifier.verify(broken))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("""
                        Tensor IR of 'v' is invalid:
                          statement 1 (o): the index variable 'j' is not in scope in j
                          statement 1 (o): 'y' is not a declared tensor in y[j]""");
    }
}
