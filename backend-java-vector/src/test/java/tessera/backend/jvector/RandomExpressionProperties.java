package tessera.backend.jvector;

import static org.assertj.core.api.Assertions.assertThat;
import static tessera.backend.jvector.L.*;

import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import tessera.ir.loop.Kernel;
import tessera.ir.loop.LExpr;
import tessera.ir.loop.LaunchPlan.Role;
import tessera.ir.loop.LoopPrinter;
import tessera.ir.loop.Module;
import tessera.ir.tensor.Expr;
import tessera.runtime.DType;
import tessera.runtime.Tensor;

/**
 * Random elementwise expressions {@code z[i] = e}: in f64 the Java device (vector and scalar)
 * agrees with the LoopInterpreter; in f32 the vector loop gives the scalar loop's bits (every
 * operation the generator uses is exactly rounded in both).
 */
class RandomExpressionProperties {
    private static JavaDevice vector;
    private static JavaDevice scalar;

    @BeforeContainer
    static void open() {
        vector = new JavaDevice(JavaOptions.defaults().withThreads(2));
        scalar = new JavaDevice(JavaOptions.defaults().withThreads(2).withVectorise(false));
    }

    @AfterContainer
    static void close() {
        vector.close();
        scalar.close();
    }

    /** A random expression of type {@code t} of at most {@code depth} levels over x[i], y[i], w[0], a and constants. */
    static LExpr expr(Random r, DType t, int depth) {
        if (depth == 0 || r.nextInt(4) == 0) {
            return switch (r.nextInt(6)) {
                case 0 -> load("x", i32("i"), t);
                case 1 -> load("y", i32("i"), t);
                case 2 -> load("w", ci(0), t);
                case 3 -> ref("a", t);
                case 4 -> new LExpr.Const(Math.round(r.nextGaussian() * 8) / 4.0, t);
                default -> r.nextInt(3) == 0 ? cast(i32("i"), t) : load("x", i32("i"), t);
            };
        }
        return switch (r.nextInt(10)) {
            case 0 -> add(expr(r, t, depth - 1), expr(r, t, depth - 1));
            case 1 -> sub(expr(r, t, depth - 1), expr(r, t, depth - 1));
            case 2 -> mul(expr(r, t, depth - 1), expr(r, t, depth - 1));
            case 3 -> div(expr(r, t, depth - 1), add(call(Expr.Builtin.ABS, t, expr(r, t, depth - 1)), new LExpr.Const(1, t)));
            case 4 -> neg(expr(r, t, depth - 1));
            case 5 -> call(r.nextBoolean() ? Expr.Builtin.MIN : Expr.Builtin.MAX, t, expr(r, t, depth - 1), expr(r, t, depth - 1));
            case 6 -> call(Expr.Builtin.SQRT, t, call(Expr.Builtin.ABS, t, expr(r, t, depth - 1)));
            case 7 -> select(condition(r, t, depth - 1), expr(r, t, depth - 1), expr(r, t, depth - 1));
            case 8 -> call(Expr.Builtin.FLOAT, t, expr(r, t, depth - 1));
            default -> new LExpr.Select(cb(r.nextBoolean()), expr(r, t, depth - 1), expr(r, t, depth - 1), t);
        };
    }

    static LExpr condition(Random r, DType t, int depth) {
        Expr.BinOp[] cmp = {Expr.BinOp.LT, Expr.BinOp.LE, Expr.BinOp.GT, Expr.BinOp.GE, Expr.BinOp.EQ, Expr.BinOp.NE};
        LExpr c = bin(cmp[r.nextInt(cmp.length)], expr(r, t, depth), expr(r, t, depth));
        return switch (r.nextInt(4)) {
            case 0 -> and(c, bin(cmp[r.nextInt(cmp.length)], expr(r, t, depth), new LExpr.Const(0, t)));
            case 1 -> or(c, not(bin(Expr.BinOp.GT, expr(r, t, depth), ref("a", t))));
            default -> c;
        };
    }

    static Module module(LExpr e, DType t) {
        LExpr n = i32("n");
        Kernel k = new Kernel("expr", List.of(in("x", t), in("y", t), in("w", t), out("z", t), scalar("a", t), scalar("n", DType.I32)),
                List.of(dim("i", n)), List.of(store("z", i32("i"), e)), LoopPrinter.expr(e));
        return AgainstLoopInterpreterTest.module("expr", List.of(k),
                List.of(AgainstLoopInterpreterTest.dimOf("n", "x", 0), AgainstLoopInterpreterTest.param("a", t, new LExpr.Const(0.75, t))),
                List.of(AgainstLoopInterpreterTest.buffer("x", t, Role.INPUT, n), AgainstLoopInterpreterTest.buffer("y", t, Role.INPUT, n),
                        AgainstLoopInterpreterTest.buffer("w", t, Role.INPUT, ci(1)), AgainstLoopInterpreterTest.buffer("z", t, Role.OUTPUT, n)));
    }

    static Map<String, Tensor> inputs(DType t, int n, long seed) {
        return Map.of("x", AgainstLoopInterpreterTest.random(t, seed, n), "y", AgainstLoopInterpreterTest.random(t, seed + 1, n),
                "w", AgainstLoopInterpreterTest.random(t, seed + 2, 1));
    }

    @Property(tries = 25)
    void doubleExpressionsAgreeWithTheInterpreter(@ForAll long seed, @ForAll @IntRange(min = 1, max = 40) int n) {
        Module m = module(expr(new Random(seed), DType.F64, 4), DType.F64);
        AgainstLoopInterpreterTest.agree(m, inputs(DType.F64, n, seed), Map.of(), vector, scalar);
    }

    @Property(tries = 25)
    void floatVectorLoopsGiveTheScalarBits(@ForAll long seed, @ForAll @IntRange(min = 1, max = 40) int n) {
        Module m = module(expr(new Random(seed), DType.F32, 4), DType.F32);
        Map<String, Tensor> in = inputs(DType.F32, n, seed);
        Tensor v = AgainstLoopInterpreterTest.ok(m, vector, in, Map.of()).get("z");
        Tensor s = AgainstLoopInterpreterTest.ok(m, scalar, in, Map.of()).get("z");
        assertThat(v.toDoubleArray()).as(LoopPrinter.print(m)).containsExactly(s.toDoubleArray());
    }
}
