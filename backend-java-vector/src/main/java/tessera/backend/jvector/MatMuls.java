package tessera.backend.jvector;

import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import java.util.List;
import tessera.ir.loop.LExpr;
import tessera.ir.loop.LStmt;
import tessera.ir.loop.LoopPrinter;
import tessera.runtime.DType;

/**
 * Loop IR {@code MatMul} statements as Java. When A and B hold C's element type (f32 or f64
 * arrays all three) the statement is one call, {@code VectorTileKernels.matmul(c, cOff, cRs,
 * cCs, a, ..., b, ..., rows, cols, depth, accumulate)}: the register-blocked Vector API kernel,
 * which checks the strides at run time and falls back on the scalar loops itself; without
 * vectors it is {@link TileKernels#matmul}. Operands of another type (an f16 buffer, an integer
 * array) are converted element by element in three inline loops with the same order of terms.
 * The IR statement precedes the code as a comment.
 */
final class MatMuls {
    static final ClassName TILE_KERNELS = ClassName.get(TileKernels.class);
    static final ClassName VECTOR_TILE_KERNELS = ClassName.get(MatMuls.class.getPackageName(), "VectorTileKernels");

    private final Names names;
    private final ScalarExprs exprs;
    private final Helpers helpers;
    private final boolean vectors;

    /**
     * @param vectors call {@code VectorTileKernels} (the JVM running the code has
     *                {@code jdk.incubator.vector}); else {@link TileKernels}
     */
    MatMuls(Names names, ScalarExprs exprs, Helpers helpers, boolean vectors) {
        this.names = names;
        this.exprs = exprs;
        this.helpers = helpers;
        this.vectors = vectors;
    }

    void emit(LStmt.MatMul mm, CodeBlock.Builder out) {
        String printed = LoopPrinter.stmt(mm).strip();
        ScalarStmts.comment(printed.endsWith(";") ? printed.substring(0, printed.length() - 1) : printed, out);
        Names.Binding c = names.buffer(mm.c().array());
        Names.Binding a = names.buffer(mm.a().array());
        Names.Binding b = names.buffer(mm.b().array());
        DType t = c.type();
        if (t != DType.F32 && t != DType.F64) {
            throw new IllegalStateException("internal error: a matmul into '" + mm.c().array() + "' of type " + t.sourceName());
        }
        if (a.type() == t && b.type() == t) {
            ClassName kernels = TILE_KERNELS;
            if (vectors) {
                helpers.useVectorKernels();
                kernels = VECTOR_TILE_KERNELS;
            }
            CodeBlock args = CodeBlock.join(List.of(operand(mm.c(), c), operand(mm.a(), a), operand(mm.b(), b),
                    i32(mm.rows()), i32(mm.cols()), i32(mm.depth()), CodeBlock.of("$L", mm.accumulate())), ", ");
            out.addStatement("$T.matmul($L)", kernels, args);
        } else {
            loops(mm, t, out);
        }
    }

    private CodeBlock operand(LStmt.Operand o, Names.Binding array) {
        return CodeBlock.of("$L, $L, $L, $L", array.java(), i32(o.offset()), i32(o.rowStride()), i32(o.colStride()));
    }

    private CodeBlock i32(LExpr e) {
        return exprs.as(e, DType.I32).code();
    }

    /**
     * The three loops, operands converted to C's type {@code t}; offsets, strides and sizes are
     * evaluated once, before them, as the statement says.
     */
    private void loops(LStmt.MatMul mm, DType t, CodeBlock.Builder out) {
        out.add("{\n").indent();
        names.push();
        String cArr = names.buffer(mm.c().array()).java();
        String[] c = bind(mm.c(), "c", out);
        String[] a = bind(mm.a(), "a", out);
        String[] b = bind(mm.b(), "b", out);
        String rows = local("rows", mm.rows(), out);
        String cols = local("cols", mm.cols(), out);
        String depth = local("depth", mm.depth(), out);
        String r = names.fresh("r");
        String q = names.fresh("q");
        String p = names.fresh("p");
        String ci = names.fresh("ci");
        String sum = names.fresh("sum");
        // the elements of A and B as IR loads at indices named in a scope of their own, so the
        // usual conversions (f16, integers) apply
        names.push();
        String ai = names.declare("a index", DType.I32);
        String bi = names.declare("b index", DType.I32);
        JExpr x = exprs.as(new LExpr.Load(mm.a().array(), new LExpr.Ref("a index", DType.I32), loadType(mm.a())), t);
        JExpr y = exprs.as(new LExpr.Load(mm.b().array(), new LExpr.Ref("b index", DType.I32), loadType(mm.b())), t);
        out.beginControlFlow("for (int $L = 0; $L < $L; $L++)", r, r, rows, r);
        out.beginControlFlow("for (int $L = 0; $L < $L; $L++)", q, q, cols, q);
        out.addStatement("int $L = $L + $L * $L + $L * $L", ci, c[0], r, c[1], q, c[2]);
        out.addStatement("$T $L = $L", JavaTypes.value(t), sum,
                mm.accumulate() ? CodeBlock.of("$L[$L]", cArr, ci) : ScalarExprs.constant(0, t).code());
        out.beginControlFlow("for (int $L = 0; $L < $L; $L++)", p, p, depth, p);
        out.addStatement("int $L = $L + $L * $L + $L * $L", ai, a[0], r, a[1], p, a[2]);
        out.addStatement("int $L = $L + $L * $L + $L * $L", bi, b[0], p, b[1], q, b[2]);
        out.addStatement("$L = $T.fma($L, $L, $L)", sum, ScalarExprs.MATH, x.code(), y.code(), sum);
        out.endControlFlow();
        out.addStatement("$L[$L] = $L", cArr, ci, sum);
        out.endControlFlow();
        out.endControlFlow();
        names.pop();
        names.pop();
        out.unindent().add("}\n");
    }

    /** Declares an operand's offset and strides as {@code int} locals; returns their names. */
    private String[] bind(LStmt.Operand o, String role, CodeBlock.Builder out) {
        return new String[] {
            local(role + "Off", o.offset(), out), local(role + "Rs", o.rowStride(), out), local(role + "Cs", o.colStride(), out)
        };
    }

    private String local(String hint, LExpr value, CodeBlock.Builder out) {
        CodeBlock code = i32(value);
        String name = names.fresh(hint);
        out.addStatement("int $L = $L", name, code);
        return name;
    }

    /** The type a load of the operand's array gives: its compute type. */
    private DType loadType(LStmt.Operand o) {
        return JavaTypes.computeType(names.buffer(o.array()).type());
    }
}
