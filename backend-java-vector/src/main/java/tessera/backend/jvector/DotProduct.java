package tessera.backend.jvector;

import com.palantir.javapoet.CodeBlock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tessera.ir.loop.LExpr;
import tessera.ir.loop.LStmt;
import tessera.ir.tensor.Expr;
import tessera.runtime.DType;

/**
 * Runs serial dot-product loops on vector lanes. A loop qualifies when its body (comments aside)
 * is the single statement {@code acc = acc + a[ia] * b[ib]} (either operand order of {@code +}),
 * where {@code acc} is an f32 or f64 {@code Var}, {@code a} and {@code b} are buffers of that
 * type, both indices are the loop variable plus something that does not change in the loop, and
 * the bounds do not depend on the loop variable or {@code acc}. Full vectors accumulate with
 * fused multiply-adds, their lanes are summed into {@code acc}, and the rest of the range runs the
 * scalar statement. The sum is reassociated (and fused), so the result differs from the serial
 * loop's in the last bits; {@link JavaOptions#vectoriseReductions()} turns this off.
 */
final class DotProduct {
    private final Names names;
    private final ScalarExprs exprs;
    private final Map<String, DType> buffers;
    private final Helpers helpers;

    DotProduct(Names names, ScalarExprs exprs, Map<String, DType> buffers, Helpers helpers) {
        this.names = names;
        this.exprs = exprs;
        this.buffers = Map.copyOf(buffers);
        this.helpers = helpers;
    }

    /** The parts of a recognised loop. */
    private record Match(String acc, DType type, LExpr.Load a, LExpr.Load b, LExpr value) {}

    /** Emits {@code f} on lanes and returns true if it is a dot product; else emits nothing. */
    boolean tryEmit(LStmt.For f, CodeBlock.Builder out) {
        Optional<Match> m = match(f);
        m.ifPresent(match -> emit(f, match, out));
        return m.isPresent();
    }

    private Optional<Match> match(LStmt.For f) {
        if (f.kind() == LStmt.LoopKind.UNROLLED) {
            return Optional.empty();
        }
        List<LStmt> body = f.body().stream().filter(s -> !(s instanceof LStmt.Comment)).toList();
        if (body.size() != 1 || !(body.get(0) instanceof LStmt.Assign assign)) {
            return Optional.empty();
        }
        Optional<Names.Binding> acc = names.lookup(assign.name());
        if (acc.isEmpty() || acc.get().lanes() || !(assign.value() instanceof LExpr.Binary sum)
                || sum.op() != Expr.BinOp.ADD) {
            return Optional.empty();
        }
        DType t = acc.get().type();
        if ((t != DType.F32 && t != DType.F64) || sum.type() != t) {
            return Optional.empty();
        }
        LExpr product = isRef(sum.a(), assign.name()) ? sum.b() : isRef(sum.b(), assign.name()) ? sum.a() : null;
        if (!(product instanceof LExpr.Binary mul) || mul.op() != Expr.BinOp.MUL || mul.type() != t
                || !(mul.a() instanceof LExpr.Load a) || !(mul.b() instanceof LExpr.Load b)) {
            return Optional.empty();
        }
        boolean ok = contiguous(a, f.var(), t, assign.name()) && contiguous(b, f.var(), t, assign.name())
                && !mentions(f.lo(), f.var()) && !mentions(f.hi(), f.var())
                && !mentions(f.lo(), assign.name()) && !mentions(f.hi(), assign.name());
        return ok ? Optional.of(new Match(assign.name(), t, a, b, assign.value())) : Optional.empty();
    }

    private boolean contiguous(LExpr.Load load, String var, DType t, String acc) {
        return load.type() == t && buffers.get(load.buffer()) == t && !mentions(load.index(), acc)
                && new VectorAnalysis(var, buffers).kind(load.index()) == VectorAnalysis.Kind.INDEX;
    }

    private static boolean isRef(LExpr e, String name) {
        return e instanceof LExpr.Ref r && r.name().equals(name);
    }

    /** True if {@code e} reads the value named {@code name}. */
    static boolean mentions(LExpr e, String name) {
        return switch (e) {
            case LExpr.Const c -> false;
            case LExpr.Ref r -> r.name().equals(name);
            case LExpr.Load l -> mentions(l.index(), name);
            case LExpr.Unary u -> mentions(u.x(), name);
            case LExpr.Binary b -> mentions(b.a(), name) || mentions(b.b(), name);
            case LExpr.Select s -> mentions(s.cond(), name) || mentions(s.a(), name) || mentions(s.b(), name);
            case LExpr.Call c -> c.args().stream().anyMatch(x -> mentions(x, name));
            case LExpr.Cast c -> mentions(c.x(), name);
        };
    }

    private void emit(LStmt.For f, Match m, CodeBlock.Builder out) {
        helpers.useSpecies(m.type());
        String s = VectorBody.species(m.type());
        for (LStmt st : f.body()) {
            if (st instanceof LStmt.Comment c) {
                ScalarStmts.comment(c.text(), out);
            }
        }
        out.add("// dot product over $L on vector lanes (the sum is reassociated)\n", f.var());
        out.add("{\n").indent();
        names.push();
        CodeBlock lo = exprs.as(f.lo(), DType.I32).code();
        String k = names.declare(f.var(), DType.I32);
        out.addStatement("int $L = $L", k, lo);
        String end = names.fresh("end");
        out.addStatement("int $L = $L", end, exprs.as(f.hi(), DType.I32).code());
        Names.Binding acc = names.get(m.acc());
        String partial = names.fresh(acc.java() + "Lanes");
        out.addStatement("$T $L = $T.zero($L)", VectorBody.vectorClass(m.type()), partial, VectorBody.vectorClass(m.type()), s);
        names.push();
        String upper = names.fresh("upper");
        out.beginControlFlow("for (int $L = $L + $L.loopBound($L - $L); $L < $L; $L += $L.length())",
                upper, k, s, end, k, k, upper, k, s);
        out.addStatement("$L = $L.fma($L, $L)", partial, load(m.a(), m.type()), load(m.b(), m.type()), partial);
        out.endControlFlow();
        names.pop();
        out.addStatement("$L = $L + $L.reduceLanes($T.ADD)", acc.java(), acc.java(), partial, VectorBody.VECTOR_OPERATORS);
        out.beginControlFlow("for (; $L < $L; $L++)", k, end, k);
        out.addStatement("$L = $L", acc.java(), exprs.as(m.value(), m.type()).code());
        out.endControlFlow();
        names.pop();
        out.unindent().add("}\n");
    }

    private CodeBlock load(LExpr.Load l, DType t) {
        return CodeBlock.of("$T.fromArray($L, $L, $L)", VectorBody.vectorClass(t), VectorBody.species(t),
                names.buffer(l.buffer()).java(), exprs.as(l.index(), DType.I32).code());
    }
}
