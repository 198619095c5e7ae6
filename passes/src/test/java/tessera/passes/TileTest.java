package tessera.passes;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tessera.ir.loop.Kernel;
import tessera.ir.loop.LExpr;
import tessera.ir.loop.LStmt;
import tessera.ir.loop.LaunchPlan;
import tessera.ir.loop.LoopInterpreter;
import tessera.ir.loop.LoopPrinter;
import tessera.ir.loop.LoopVerifier;
import tessera.ir.loop.Module;
import tessera.ir.loop.PlanRunner;
import tessera.ir.tensor.Expr;
import tessera.ir.tensor.Interpreter;
import tessera.runtime.DType;
import tessera.runtime.Tensor;

class TileTest {
    static final LExpr N = new LExpr.Ref("N", DType.I32);
    static final LExpr M = new LExpr.Ref("M", DType.I32);

    /** y[i, j] = 10 * i + j over an N x M grid. */
    static Module module() {
        LExpr i = new LExpr.Ref("i", DType.I32);
        LExpr j = new LExpr.Ref("j", DType.I32);
        LExpr flat = new LExpr.Binary(Expr.BinOp.ADD, new LExpr.Binary(Expr.BinOp.MUL, i, M, DType.I32), j, DType.I32);
        LExpr value = new LExpr.Cast(new LExpr.Binary(Expr.BinOp.ADD, new LExpr.Binary(Expr.BinOp.MUL, i, LExpr.Const.i32(10), DType.I32), j, DType.I32), DType.F32);
        Kernel k = new Kernel("fill", List.of(new Kernel.BufferParam("y", DType.F32, Kernel.Access.WRITE),
                new Kernel.ScalarParam("N", DType.I32), new Kernel.ScalarParam("M", DType.I32)),
                List.of(new Kernel.GridDim("i", N), new Kernel.GridDim("j", M)), List.of(new LStmt.Store("y", flat, value)), "test");
        LaunchPlan plan = new LaunchPlan(
                List.of(new LaunchPlan.HostScalar("N", DType.I32, LaunchPlan.ScalarSource.PARAM, java.util.Optional.empty(), "", -1),
                        new LaunchPlan.HostScalar("M", DType.I32, LaunchPlan.ScalarSource.PARAM, java.util.Optional.empty(), "", -1)),
                List.of(), List.of(new LaunchPlan.Buffer("y", DType.F32, LaunchPlan.Role.OUTPUT, List.of(N, M))),
                List.of(new LaunchPlan.Launch("fill")));
        return new Module("m", List.of(k), plan);
    }

    static final Target CPU = new Target("cpu", "test", 1, 8, 0, 4, 3);

    @Test
    void theTwoInnermostGridLoopsBecomeTilesWalkedSerially() {
        Module tiled = new Tile().apply(module(), CPU);
        assertThat(LoopVerifier.check(tiled)).isEmpty();
        String text = LoopPrinter.print(tiled);
        int a = text.indexOf("for all (i__tile < (N + 3) / 4, j__tile < (M + 2) / 3)");
        int b = text.indexOf("for (i__in = 0; i__in < 4; i__in++)");
        int c = text.indexOf("let i: i32 = i__tile * 4 + i__in");
        int d = text.indexOf("if (i < N)");
        int e = text.indexOf("for (j__in = 0; j__in < 3; j__in++)");
        assertThat(List.of(a, b, c, d, e)).as(text).allMatch(x -> x >= 0).isSorted();
    }

    @Test
    void resultsAreTheSameForRaggedEdges() {
        for (long[] nm : new long[][] {{1, 1}, {4, 3}, {5, 7}, {9, 2}}) {
            Map<String, Double> s = Map.of("N", (double) nm[0], "M", (double) nm[1]);
            Tensor plain = ((Interpreter.Outcome.Ok) PlanRunner.run(module(), new LoopInterpreter(), Map.of(), s)).outputs().get("y");
            Tensor tiled = ((Interpreter.Outcome.Ok) PlanRunner.run(new Tile().apply(module(), CPU), new LoopInterpreter(), Map.of(), s)).outputs().get("y");
            assertThat(tiled.toDoubleArray()).containsExactly(plain.toDoubleArray());
        }
    }

    @Test
    void gpuTargetsAndOneDimensionalGridsAreLeftAlone() {
        assertThat(new Tile().apply(module(), Target.opencl())).isEqualTo(module());
        assertThat(new Tile().apply(module(), new Target("cpu", "untiled", 1, 8, 0, 1, 1))).isEqualTo(module());
    }
}
