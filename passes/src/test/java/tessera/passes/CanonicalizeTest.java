package tessera.passes;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import tessera.ir.SourceSpan;
import tessera.ir.tensor.Expr;
import tessera.ir.tensor.IndexVar;
import tessera.ir.tensor.Printer;
import tessera.ir.tensor.Program;
import tessera.ir.tensor.Stmt;
import tessera.ir.tensor.Verifier;
import tessera.runtime.DType;

/** What Canonicalize must produce, checked as lines of printed IR, and that the result verifies. */
class CanonicalizeTest {
    static final Expr.Scalar N = new Expr.Scalar("N", Expr.ScalarKind.DIM, DType.I32);
    static final Expr.Scalar D = new Expr.Scalar("D", Expr.ScalarKind.DIM, DType.I32);

    static Program program(OptionalLong fixedD, List<Stmt> body) {
        return new Program("k",
                List.of(new Program.Dim("N", OptionalLong.empty(), Optional.empty(), SourceSpan.NONE),
                        new Program.Dim("D", fixedD, Optional.empty(), SourceSpan.NONE)),
                List.of(new Program.TensorDecl("x", Program.Role.INPUT, DType.F32, List.of(N, D), SourceSpan.NONE),
                        new Program.TensorDecl("y", Program.Role.OUTPUT, DType.F32, List.of(N), SourceSpan.NONE)),
                List.of(new Program.ScalarParam("flag", DType.BOOL, Optional.of(Expr.Const.bool(false)), SourceSpan.NONE)),
                List.of(), body, List.of(), SourceSpan.NONE);
    }

    static Expr.Read x(Expr i, Expr d) {
        return new Expr.Read("x", List.of(i, d), DType.F32);
    }

    static Expr bin(Expr.BinOp op, Expr a, Expr b, DType t) {
        return new Expr.Binary(op, a, b, t);
    }

    static String canonical(Program p) {
        Program out = new Canonicalize().apply(p);
        assertThat(Verifier.check(out)).isEmpty();
        return Printer.print(out);
    }

    @Test
    void foldsFixedDimsAndConstantLets() {
        Expr.Scalar scale = new Expr.Scalar("scale", Expr.ScalarKind.LET, DType.F32);
        Expr i = new Expr.Index("i");
        Expr d = new Expr.Index("d");
        Program p = program(OptionalLong.of(16), List.of(
                new Stmt.Let("scale", new Expr.Call(Expr.Builtin.RSQRT, List.of(new Expr.Call(Expr.Builtin.FLOAT, List.of(D), DType.F32)), DType.F32), SourceSpan.NONE),
                new Stmt.Define("y", List.of(new IndexVar("i", N)), Optional.empty(),
                        bin(Expr.BinOp.MUL, scale, new Expr.Reduce(Expr.ReduceOp.SUM, List.of(new IndexVar("d", D)), Optional.empty(),
                                x(i, d), DType.F32), DType.F32), SourceSpan.NONE)));
        String text = canonical(p);
        assertThat(text).doesNotContain("let scale");
        assertThat(text).contains("y[i] = 0.25 * sum[d](x[i, d])").contains("d < 16");
        // The signature keeps dim names so run-time messages can name them.
        assertThat(text).contains("input  x: f32[N, D]");
    }

    @Test
    void removesIdentitiesAndConstantConditions() {
        Expr i = new Expr.Index("i");
        Expr zero = Expr.Const.i32(0);
        Expr flag = new Expr.Scalar("flag", Expr.ScalarKind.PARAM, DType.BOOL);
        Expr value = bin(Expr.BinOp.ADD, bin(Expr.BinOp.MUL, x(i, zero), Expr.Const.f32(1), DType.F32), Expr.Const.f32(0), DType.F32);
        Expr domain = bin(Expr.BinOp.AND, Expr.Const.bool(true), bin(Expr.BinOp.OR, flag, Expr.Const.bool(false), DType.BOOL), DType.BOOL);
        Program p = program(OptionalLong.empty(), List.of(new Stmt.Define("y", List.of(new IndexVar("i", N)), Optional.of(domain), value, SourceSpan.NONE)));
        assertThat(canonical(p)).contains("y[i] = x[i, 0] if flag");
    }

    @Test
    void anAlwaysTrueDomainIsDropped() {
        Expr i = new Expr.Index("i");
        Expr domain = bin(Expr.BinOp.LT, Expr.Const.i32(1), Expr.Const.i32(2), DType.BOOL);
        Program p = program(OptionalLong.empty(), List.of(new Stmt.Define("y", List.of(new IndexVar("i", N)), Optional.of(domain),
                x(i, Expr.Const.i32(0)), SourceSpan.NONE)));
        String text = canonical(p);
        assertThat(text).contains("y[i] = x[i, 0]").doesNotContain(" if ");
    }

    @Test
    void integerDivisionFoldsTowardZeroAndDivisionByZeroIsLeftForRunTime() {
        Expr i = new Expr.Index("i");
        Expr idx = bin(Expr.BinOp.ADD, i, bin(Expr.BinOp.DIV, Expr.Const.i32(-7), Expr.Const.i32(2), DType.I32), DType.I32);
        Expr byZero = bin(Expr.BinOp.DIV, Expr.Const.i32(1), Expr.Const.i32(0), DType.I32);
        Program p = program(OptionalLong.empty(), List.of(new Stmt.Define("y", List.of(new IndexVar("i", N)), Optional.empty(),
                bin(Expr.BinOp.ADD, x(idx, byZero), Expr.Const.f32(2), DType.F32), SourceSpan.NONE)));
        assertThat(canonical(p)).contains("x[i + -3, 1 / 0]");
    }

    @Test
    void aProgramWithNothingToFoldIsUnchanged() {
        Expr i = new Expr.Index("i");
        Program p = program(OptionalLong.empty(), List.of(new Stmt.Define("y", List.of(new IndexVar("i", N)), Optional.empty(),
                x(i, Expr.Const.i32(0)), SourceSpan.NONE)));
        assertThat(new Canonicalize().apply(p)).isEqualTo(p);
    }

    @Test
    void passManagerRecordsEachStepAndWhetherItChanged() {
        Expr i = new Expr.Index("i");
        Program p = program(OptionalLong.empty(), List.of(new Stmt.Define("y", List.of(new IndexVar("i", N)), Optional.empty(),
                x(i, Expr.Const.i32(0)), SourceSpan.NONE)));
        List<PassManager.Step> steps = new PassManager(Pipeline.tensorPasses()).run(p);
        assertThat(steps).extracting(PassManager.Step::pass).containsExactly("resolve", "canonicalize", "fuse-elementwise", "flash-fusion", "block-sparsity");
        assertThat(steps.get(1).changed()).isFalse();
        assertThat(steps.get(2).changed()).isFalse();
    }

    @Test
    void passManagerRejectsInvalidIrNamingThePass() {
        Pass broken = new Pass() {
            @Override public String name() { return "break-it"; }
            @Override public Program apply(Program q) {
                return q.withBody(List.of(new Stmt.Define("y", List.of(new IndexVar("i", N)), Optional.empty(),
                        new Expr.Read("nope", List.of(new Expr.Index("i")), DType.F32), SourceSpan.NONE)));
            }
        };
        Expr i = new Expr.Index("i");
        Program p = program(OptionalLong.empty(), List.of(new Stmt.Define("y", List.of(new IndexVar("i", N)), Optional.empty(),
                x(i, Expr.Const.i32(0)), SourceSpan.NONE)));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new PassManager(List.of(broken)).run(p))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("break-it").hasMessageContaining("nope");
    }
}
