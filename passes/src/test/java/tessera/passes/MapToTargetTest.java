package tessera.passes;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import tessera.ir.loop.LExpr;
import tessera.ir.loop.LStmt;
import tessera.ir.tensor.Expr;
import tessera.runtime.DType;

class MapToTargetTest {
    static final LExpr D = new LExpr.Ref("d", DType.I32);
    static final LExpr I = new LExpr.Ref("i", DType.I32);
    static final LExpr ACC = new LExpr.Ref("acc", DType.F32);

    static LExpr bin(Expr.BinOp op, LExpr a, LExpr b, DType t) {
        return new LExpr.Binary(op, a, b, t);
    }

    static LStmt.For loop(LExpr index, String accName) {
        LExpr load = new LExpr.Load("x", index, DType.F32);
        return new LStmt.For("d", LExpr.Const.i32(0), new LExpr.Ref("D", DType.I32), LStmt.LoopKind.SERIAL,
                List.of(new LStmt.Assign(accName, bin(Expr.BinOp.ADD, new LExpr.Ref(accName, DType.F32), load, DType.F32))));
    }

    static List<LStmt> mapped(Target t, LStmt.For f) {
        List<LStmt> body = List.of(new LStmt.Var("acc", DType.F32, new LExpr.Const(0, DType.F32)), f,
                new LStmt.Store("y", I, ACC));
        return new MapToTarget().apply(SimplifyTest.module(body), t).kernels().getFirst().body();
    }

    static LStmt.LoopKind kind(List<LStmt> body) {
        return ((LStmt.For) body.get(1)).kind();
    }

    static final Target VECTOR = new Target("v", "test", 1, 8, 0, 64, 64);

    @Test
    void aUnitStrideSumIsVectorized() {
        LExpr index = bin(Expr.BinOp.ADD, bin(Expr.BinOp.MUL, I, new LExpr.Ref("D", DType.I32), DType.I32), D, DType.I32);
        assertThat(kind(mapped(VECTOR, loop(index, "acc")))).isEqualTo(LStmt.LoopKind.VECTORIZED);
    }

    @Test
    void stridedOrIndirectLoadsAndForeignAssignmentsAreNot() {
        LExpr strided = bin(Expr.BinOp.MUL, D, LExpr.Const.i32(2), DType.I32);
        assertThat(kind(mapped(VECTOR, loop(strided, "acc")))).isEqualTo(LStmt.LoopKind.SERIAL);
        LExpr indirect = new LExpr.Load("idx", D, DType.I32);
        assertThat(kind(mapped(VECTOR, loop(indirect, "acc")))).isEqualTo(LStmt.LoopKind.SERIAL);
        // An accumulator not declared outside the loop cannot be combined across lanes.
        assertThat(kind(mapped(VECTOR, loop(D, "other")))).isEqualTo(LStmt.LoopKind.SERIAL);
    }

    @Test
    void aBodyThatReadsAnAccumulatorIsNot() {
        // let mnew = max(acc, x); acc2 = acc2 + exp(x - mnew); acc = max(acc, x): right serially, wrong on lanes.
        LExpr x = new LExpr.Load("x", D, DType.F32);
        LExpr acc2 = new LExpr.Ref("acc2", DType.F32);
        LStmt.For f = new LStmt.For("d", LExpr.Const.i32(0), new LExpr.Ref("D", DType.I32), LStmt.LoopKind.SERIAL, List.of(
                new LStmt.Let("mnew", new LExpr.Call(Expr.Builtin.MAX, List.of(ACC, x), DType.F32)),
                new LStmt.Assign("acc2", bin(Expr.BinOp.ADD, acc2, new LExpr.Call(Expr.Builtin.EXP,
                        List.of(bin(Expr.BinOp.SUB, x, new LExpr.Ref("mnew", DType.F32), DType.F32)), DType.F32), DType.F32)),
                new LStmt.Assign("acc", new LExpr.Call(Expr.Builtin.MAX, List.of(ACC, x), DType.F32))));
        List<LStmt> body = List.of(new LStmt.Var("acc", DType.F32, new LExpr.Const(0, DType.F32)),
                new LStmt.Var("acc2", DType.F32, new LExpr.Const(0, DType.F32)), f);
        List<LStmt> out = new MapToTarget().apply(SimplifyTest.module(body), VECTOR).kernels().getFirst().body();
        assertThat(((LStmt.For) out.get(2)).kind()).isEqualTo(LStmt.LoopKind.SERIAL);
    }

    @Test
    void aTargetWithoutVectorLanesLeavesLoopsSerial() {
        assertThat(kind(mapped(Target.opencl(), loop(D, "acc")))).isEqualTo(LStmt.LoopKind.SERIAL);
    }
}
