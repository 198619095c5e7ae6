package tessera.backend.jvector;

import com.palantir.javapoet.ArrayTypeName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.TypeName;
import java.util.List;
import java.util.Optional;
import tessera.ir.loop.LStmt;
import tessera.runtime.DType;

/**
 * Loop IR statements as plain Java statements: lets and vars become typed locals, stores convert
 * to the element type, {@code For} becomes a counted {@code for} (its bound re-read every
 * iteration, as written), {@code If} an {@code if}, a comment a {@code //} line, a private
 * {@code Alloc} a new (zero-filled) Java array of the element type, local to its block, and a
 * {@code MatMul} what {@link MatMuls} makes of it. Loops go to {@link VectorLoops} first when it
 * is given. Group kernels (shared arrays, barriers) never get here: {@link KernelEmitter} rejects
 * them.
 */
final class ScalarStmts {
    private final Names names;
    private final ScalarExprs exprs;
    private final Optional<VectorLoops> vectorLoops;
    private final MatMuls matmuls;

    private final java.util.Set<String> hoisted;

    ScalarStmts(Names names, ScalarExprs exprs, Optional<VectorLoops> vectorLoops, MatMuls matmuls) {
        this(names, exprs, vectorLoops, matmuls, java.util.Set.of());
    }

    /** @param hoisted private arrays already allocated (and in scope): their declarations re-zero them */
    ScalarStmts(Names names, ScalarExprs exprs, Optional<VectorLoops> vectorLoops, MatMuls matmuls, java.util.Set<String> hoisted) {
        this.names = names;
        this.exprs = exprs;
        this.vectorLoops = vectorLoops;
        this.matmuls = matmuls;
        this.hoisted = java.util.Set.copyOf(hoisted);
    }

    void emit(List<LStmt> body, CodeBlock.Builder out) {
        for (LStmt s : body) {
            emit(s, out);
        }
    }

    private void emit(LStmt s, CodeBlock.Builder out) {
        switch (s) {
            case LStmt.Let l -> {
                CodeBlock value = exprs.expr(l.value()).code();
                DType t = l.value().type();
                out.addStatement("$T $L = $L", JavaTypes.value(t), names.declare(l.name(), t), value);
            }
            case LStmt.Var v -> {
                CodeBlock init = exprs.as(v.init(), v.type()).code();
                out.addStatement("$T $L = $L", JavaTypes.value(v.type()), names.declare(v.name(), v.type()), init);
            }
            case LStmt.Assign a -> {
                Names.Binding b = names.get(a.name());
                out.addStatement("$L = $L", b.java(), exprs.as(a.value(), b.type()).code());
            }
            case LStmt.Store st -> {
                Names.Binding buf = names.buffer(st.buffer());
                out.addStatement("$L[$L] = $L", buf.java(), exprs.as(st.index(), DType.I32).code(),
                        exprs.storeValue(st.value(), buf.type()).code());
            }
            case LStmt.For f -> {
                if (vectorLoops.isEmpty() || !vectorLoops.get().tryEmit(f, out)) {
                    loop(f, out);
                }
            }
            case LStmt.If i -> {
                out.beginControlFlow("if ($L)", exprs.as(i.cond(), DType.BOOL).code());
                block(i.then(), out);
                if (!i.otherwise().isEmpty()) {
                    out.nextControlFlow("else");
                    block(i.otherwise(), out);
                }
                out.endControlFlow();
            }
            case LStmt.Comment c -> comment(c.text(), out);
            case LStmt.Alloc a -> {
                if (a.space() != LStmt.Space.PRIVATE) {
                    throw new IllegalStateException("internal error: shared array '" + a.name() + "' outside a group kernel");
                }
                if (hoisted.contains(a.name())) {
                    out.addStatement("$T.fill($L, $L)", java.util.Arrays.class, names.buffer(a.name()).java(), zero(a.type()));
                    return;
                }
                TypeName array = JavaTypes.array(a.type());
                CodeBlock size = exprs.as(a.size(), DType.I32).code();
                out.addStatement("$T $L = new $T[$L]", array, names.declareBuffer(a.name(), a.type()),
                        ((ArrayTypeName) array).componentType(), size);
            }
            case LStmt.Barrier b -> throw new IllegalStateException("internal error: a barrier outside a group kernel");
            case LStmt.MatMul mm -> matmuls.emit(mm, out);
        }
    }

    /** A zero of an array's element type, as {@code Arrays.fill} takes it. */
    private static CodeBlock zero(DType t) {
        return switch (t) {
            case F32 -> CodeBlock.of("0f");
            case F64 -> CodeBlock.of("0.0");
            case I32 -> CodeBlock.of("0");
            case I64 -> CodeBlock.of("0L");
            case BOOL -> CodeBlock.of("(byte) 0");
            case F16, BF16 -> CodeBlock.of("(short) 0");
        };
    }

    /** {@code for (int v = lo; v < hi; v++) { body }}. */
    void loop(LStmt.For f, CodeBlock.Builder out) {
        CodeBlock lo = exprs.as(f.lo(), DType.I32).code();
        names.push();
        String v = names.declare(f.var(), DType.I32);
        JExpr hi = exprs.as(f.hi(), DType.I32);
        out.beginControlFlow("for (int $L = $L; $L < $L; $L++)", v, lo, v, hi.atLeast(JExpr.RELATIONAL + 1), v);
        emit(f.body(), out);
        out.endControlFlow();
        names.pop();
    }

    private void block(List<LStmt> body, CodeBlock.Builder out) {
        names.push();
        emit(body, out);
        names.pop();
    }

    /** {@code text} as {@code //} lines; a backslash-u cannot start a Unicode escape in them. */
    static void comment(String text, CodeBlock.Builder out) {
        for (String line : text.split("\\R", -1)) {
            out.add("// $L\n", safe(line));
        }
    }

    /** Text that is safe in a line comment: no Unicode escape (javac reads those even in comments). */
    static String safe(String text) {
        return text.replace("\\u", "\\ u");
    }

    /** Text that is safe in Javadoc: no Unicode escape, no comment terminator, HTML characters escaped. */
    static String javadocSafe(String text) {
        return safe(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("*/", "*&#47;");
    }
}
