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
    void aTargetWithoutVectorLanesLeavesLoopsSerial() {
        assertThat(kind(mapped(Target.opencl(), loop(D, "acc")))).isEqualTo(LStmt.LoopKind.SERIAL);
    }
}
