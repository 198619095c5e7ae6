package tessera.backend.jvector;

import static org.assertj.core.api.Assertions.assertThat;
import static tessera.backend.jvector.L.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tessera.ir.loop.Kernel;
import tessera.ir.loop.LExpr;
import tessera.ir.loop.LStmt;
import tessera.ir.tensor.Expr;
import tessera.runtime.DType;
import tessera.runtime.Tensor;

/**
 * Comparisons of the vector loop's index with an invariant (causal masks) on lanes: every
 * operator, the index on either side, bounds below, inside and past the row, in the innermost
 * grid loop and in a VECTORIZED loop; exactly the interpreter's answers.
 */
class IndexMaskTest {
    private static final List<Expr.BinOp> OPS = List.of(Expr.BinOp.LT, Expr.BinOp.LE, Expr.BinOp.GT, Expr.BinOp.GE,
            Expr.BinOp.EQ, Expr.BinOp.NE);
    private static JavaDevice vector;

    @BeforeAll
    static void open() {
        vector = new JavaDevice(JavaOptions.defaults().withThreads(2));
    }

    @AfterAll
    static void close() {
        vector.close();
    }

    /**
     * {@code y_k[i, c] = (c + 1 OP i - shift) ? x : -x} for each operator (index left) and
     * {@code (i - shift OP c + 1)} (index right); the grid's innermost {@code c} runs on lanes.
     */
    static Kernel gridMasks() {
        LExpr i = i32("i");
        LExpr c = i32("c");
        LExpr at = add(mul(i, i32("C")), c);
        LExpr index = add(c, ci(1));
        LExpr bound = sub(i, i32("shift"));
        List<Kernel.Param> params = new ArrayList<>(List.of(in("x", DType.F32), scalar("R", DType.I32), scalar("C", DType.I32),
                scalar("shift", DType.I32)));
        List<LStmt> body = new ArrayList<>();
        body.add(let("v", f32("x", at)));
        for (int k = 0; k < OPS.size(); k++) {
            params.add(out("left" + k, DType.F32));
            params.add(out("right" + k, DType.F32));
            body.add(store("left" + k, at, select(bin(OPS.get(k), index, bound), ref("v", DType.F32), neg(ref("v", DType.F32)))));
            body.add(store("right" + k, at, select(bin(OPS.get(k), bound, index), ref("v", DType.F32), neg(ref("v", DType.F32)))));
        }
        return new Kernel("grid_masks", params, List.of(dim("i", i32("R")), dim("c", i32("C"))), body, "index masks");
    }

    @ParameterizedTest
    @ValueSource(ints = {-40, -3, 0, 5, 30})
    void indexComparisonsOnLanesMatchTheInterpreter(int shift) throws Exception {
        Kernel k = gridMasks();
        Oracle.verified(k);
        int rows = 40;
        int cols = 37;
        Map<String, Tensor> buffers = new java.util.HashMap<>(Map.of("x", Oracle.random(DType.F32, 4, rows * cols)));
        List<String> read = new ArrayList<>();
        for (int j = 0; j < OPS.size(); j++) {
            for (String side : List.of("left", "right")) {
                buffers.put(side + j, Tensor.zeros(DType.F32, rows * cols));
                read.add(side + j);
            }
        }
        Map<String, Double> s = Map.of("R", (double) rows, "C", (double) cols, "shift", (double) shift);
        long[] grid = {rows, cols};
        Map<String, Tensor> want = Oracle.reference(k, grid, buffers, s, read);
        Map<String, Tensor> got = Oracle.run(vector, k, grid, buffers, s, read);
        for (String name : read) {
            Oracle.same(name, got.get(name), want.get(name));
        }
        if (JavaDevice.vectorModulePresent()) {
            assertThat(vector.lastSource()).contains("runs on vector lanes")
                    .contains("FLOAT_SPECIES.indexInRange(0, Math.clamp((long) (i - shift) - (c + 1), -1, FLOAT_SPECIES.length()))");
        }
    }
}
