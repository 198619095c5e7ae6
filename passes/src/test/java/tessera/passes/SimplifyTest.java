package tessera.passes;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import tessera.ir.loop.Kernel;
import tessera.ir.loop.LExpr;
import tessera.ir.loop.LStmt;
import tessera.ir.loop.LaunchPlan;
import tessera.ir.loop.Module;
import tessera.ir.tensor.Expr;
import tessera.runtime.DType;

class SimplifyTest {
    static final LExpr I = new LExpr.Ref("i", DType.I32);
    static final LExpr N = new LExpr.Ref("N", DType.I32);

    static Module module(List<LStmt> body) {
        Kernel k = new Kernel("k", List.of(new Kernel.BufferParam("y", DType.F32, Kernel.Access.WRITE), new Kernel.ScalarParam("N", DType.I32)),
                List.of(new Kernel.GridDim("i", N)), body, "test");
        return new Module("m", List.of(k), new LaunchPlan(List.of(), List.of(), List.of(), List.of(new LaunchPlan.Launch("k"))));
    }

    static List<LStmt> simplified(List<LStmt> body) {
        return new Simplify().apply(module(body), Target.opencl()).kernels().getFirst().body();
    }

    static LExpr bin(Expr.BinOp op, LExpr a, LExpr b, DType t) {
        return new LExpr.Binary(op, a, b, t);
    }

    @Test
    void foldsConstantsAndIdentities() {
        LExpr index = bin(Expr.BinOp.ADD, bin(Expr.BinOp.MUL, I, LExpr.Const.i32(1), DType.I32),
                bin(Expr.BinOp.DIV, LExpr.Const.i32(-7), LExpr.Const.i32(2), DType.I32), DType.I32);
        List<LStmt> out = simplified(List.of(new LStmt.Store("y", index, new LExpr.Const(2, DType.F32))));
        assertThat(out).containsExactly(new LStmt.Store("y", bin(Expr.BinOp.ADD, I, LExpr.Const.i32(-3), DType.I32), new LExpr.Const(2, DType.F32)));
    }

    @Test
    void keepsIntegerDivisionByZeroForTheRunTimeAndFoldsOverflowWithWrapAround() {
        LExpr div = bin(Expr.BinOp.DIV, LExpr.Const.i32(1), LExpr.Const.i32(0), DType.I32);
        LExpr big = bin(Expr.BinOp.MUL, LExpr.Const.i32(1 << 20), LExpr.Const.i32(1 << 20), DType.I32);
        List<LStmt> out = simplified(List.of(new LStmt.Store("y", div, new LExpr.Const(0, DType.F32)), new LStmt.Store("y", big, new LExpr.Const(0, DType.F32))));
        assertThat(((LStmt.Store) out.get(0)).index()).isEqualTo(div);
        // i32 wraps (docs/language.md): 2^20 * 2^20 = 2^40 is 0 in 32 bits.
        assertThat(((LStmt.Store) out.get(1)).index()).isEqualTo(LExpr.Const.i32(0));
    }

    @Test
    void constantBranchesAreReplacedByTheBranchTakenAndEmptyLoopsGo() {
        LStmt store = new LStmt.Store("y", I, new LExpr.Const(1, DType.F32));
        List<LStmt> out = simplified(List.of(
                new LStmt.If(LExpr.Const.bool(true), List.of(store), List.of()),
                new LStmt.If(bin(Expr.BinOp.LT, LExpr.Const.i32(2), LExpr.Const.i32(1), DType.BOOL), List.of(store), List.of()),
                new LStmt.For("d", LExpr.Const.i32(0), LExpr.Const.i32(0), LStmt.LoopKind.SERIAL, List.of(store))));
        assertThat(out).containsExactly(store);
    }

    @Test
    void deadLetsGoAndLiveOnesStay() {
        List<LStmt> out = simplified(List.of(
                new LStmt.Let("dead", I),
                new LStmt.Let("live", I),
                new LStmt.Store("y", new LExpr.Ref("live", DType.I32), new LExpr.Const(1, DType.F32))));
        assertThat(out).extracting(s -> s.getClass().getSimpleName()).containsExactly("Let", "Store");
        assertThat(((LStmt.Let) out.getFirst()).name()).isEqualTo("live");
    }

    @Test
    void aBranchIsNotInlinedWhereItsNamesWouldClash() {
        LStmt letX = new LStmt.Let("x", I);
        LStmt use = new LStmt.Store("y", new LExpr.Ref("x", DType.I32), new LExpr.Const(1, DType.F32));
        List<LStmt> out = simplified(List.of(letX, use, new LStmt.If(LExpr.Const.bool(true), List.of(letX, use), List.of())));
        assertThat(out).hasSize(3);
        assertThat(out.get(2)).isInstanceOf(LStmt.If.class);
    }

    @Test
    void repeatedIndexArithmeticIsNamedOnceAndMutableNamesAreNot() {
        LExpr row = bin(Expr.BinOp.ADD, bin(Expr.BinOp.MUL, I, N, DType.I32), LExpr.Const.i32(7), DType.I32);   // i * N + 7
        LExpr acc = new LExpr.Ref("acc", DType.I32);
        LExpr mutable = bin(Expr.BinOp.ADD, bin(Expr.BinOp.MUL, acc, N, DType.I32), LExpr.Const.i32(7), DType.I32);
        List<LStmt> out = simplified(List.of(
                new LStmt.Var("acc", DType.I32, LExpr.Const.i32(1)),
                new LStmt.Store("y", row, new LExpr.Load("y", row, DType.F32)),
                new LStmt.Store("y", bin(Expr.BinOp.ADD, row, LExpr.Const.i32(1), DType.I32), new LExpr.Const(0, DType.F32)),
                new LStmt.Store("y", mutable, new LExpr.Const(0, DType.F32)),
                new LStmt.Assign("acc", LExpr.Const.i32(2)),
                new LStmt.Store("y", mutable, new LExpr.Const(0, DType.F32))));
        LExpr named = new LExpr.Ref("cse__0", DType.I32);
        assertThat(out.getFirst()).isEqualTo(new LStmt.Let("cse__0", row));
        assertThat(out.get(2)).isEqualTo(new LStmt.Store("y", named, new LExpr.Load("y", named, DType.F32)));
        assertThat(out.get(3)).isEqualTo(new LStmt.Store("y", bin(Expr.BinOp.ADD, named, LExpr.Const.i32(1), DType.I32), new LExpr.Const(0, DType.F32)));
        // acc * N + 7 changes value between its two uses: it must stay as written.
        assertThat(out.get(4)).isEqualTo(new LStmt.Store("y", mutable, new LExpr.Const(0, DType.F32)));
        assertThat(out.get(6)).isEqualTo(new LStmt.Store("y", mutable, new LExpr.Const(0, DType.F32)));
    }
}
