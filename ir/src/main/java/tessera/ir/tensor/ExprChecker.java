package tessera.ir.tensor;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import tessera.ir.tensor.Program.TensorDecl;
import tessera.runtime.DType;

/**
 * The {@link Verifier}'s check of one expression tree: names in scope, reads of declared tensors
 * with their rank and read type, and the typing rules of {@link Types}. Adds a line per problem
 * and returns the expression's type.
 */
final class ExprChecker {
    /**
     * What an expression may refer to where it stands.
     *
     * @param where names the place, for messages ("statement 3 (s)")
     * @param tensorsDefined the tensors that may be read
     * @param lets the lets defined so far, with their types
     * @param allowParams whether scalar parameters may appear (not in input shapes)
     * @param allowReads whether tensors may be read (only in statements)
     */
    record Context(String where, Set<String> tensorsDefined, Map<String, DType> lets, boolean allowParams, boolean allowReads) {}

    private final Program program;
    private final Context c;
    private final Map<String, DType> params;
    private final List<String> problems;

    /**
     * @param params the parameters visible (for a default: those declared before it), or null for all
     * @param problems where problems are added
     */
    ExprChecker(Program program, Context c, Map<String, DType> params, List<String> problems) {
        this.program = program;
        this.c = c;
        this.params = params;
        this.problems = problems;
    }

    private void problem(String message, Expr at) {
        problems.add(c.where() + ": " + message + " in " + Printer.expr(at));
    }

    DType check(Expr e, Set<String> scope) {
        if (e == null) {
            problems.add(c.where() + ": a missing expression");
            return null;
        }
        DType t = e.type();
        if (t == null || !Types.isExprType(t)) {
            problem("an expression of type " + (t == null ? "null" : t.sourceName()) + " (expressions are bool, i32, i64, f32 or f64)", e);
            return null;
        }
        switch (e) {
            case Expr.Const k -> {
                if (t == DType.BOOL && k.value() != 0 && k.value() != 1) problem("a bool literal that is not 0 or 1", e);
                if (t.isInteger() && (k.value() != Math.rint(k.value()) || Double.isInfinite(k.value()))) problem("an integer literal that is not an integer", e);
            }
            case Expr.Scalar s -> scalar(s);
            case Expr.Index i -> {
                if (!scope.contains(i.name())) problem("the index variable '" + i.name() + "' is not in scope", e);
            }
            case Expr.Read r -> read(r, scope);
            case Expr.Unary u -> {
                DType x = check(u.x(), scope);
                if (x != null) {
                    switch (u.op()) {
                        case NEG -> expect(Types.isNumber(x) && t == x, "negation of " + x.sourceName() + " typed " + t.sourceName(), e);
                        case NOT -> expect(x == DType.BOOL && t == DType.BOOL, "! of " + x.sourceName() + " typed " + t.sourceName(), e);
                    }
                }
            }
            case Expr.Binary b -> binary(b, scope);
            case Expr.Select s -> {
                DType k = check(s.cond(), scope);
                DType a = check(s.a(), scope);
                DType y = check(s.b(), scope);
                if (k != null) expect(k == DType.BOOL, "a condition of type " + k.sourceName(), e);
                if (a != null && y != null) {
                    DType want = a == DType.BOOL && y == DType.BOOL ? DType.BOOL
                            : Types.isNumber(a) && Types.isNumber(y) ? Types.promote(a, y) : null;
                    expect(want == t, "branches " + a.sourceName() + " and " + y.sourceName() + " typed " + t.sourceName(), e);
                }
            }
            case Expr.Call k -> call(k, scope);
            case Expr.Reduce r -> {
                Set<String> inner = new HashSet<>(scope);
                Set<String> own = new HashSet<>();
                for (IndexVar v : r.vars()) {
                    extent(v, scope);
                    if (!own.add(v.name())) problem("the variable '" + v.name() + "' is bound twice", e);
                    inner.add(v.name());
                }
                r.filter().ifPresent(f -> {
                    DType ft = check(f, inner);
                    if (ft != null) expect(ft == DType.BOOL, "a filter of type " + ft.sourceName(), e);
                });
                DType body = check(r.body(), inner);
                if (body != null) {
                    DType want = switch (r.op()) {
                        case SUM, MAX, MIN -> body;
                        case MEAN, LOGSUMEXP -> Types.floatOf(body);
                    };
                    expect(Types.isNumber(body) && want == t, r.op().sourceName() + " of " + body.sourceName() + " typed " + t.sourceName(), e);
                }
            }
            case Expr.Softmax s -> {
                if (!scope.contains(s.var().name())) {
                    problem("softmax[" + s.var().name() + "] outside any binding of '" + s.var().name() + "' (its value is the softmax at the current " + s.var().name() + ")", e);
                }
                extent(s.var(), scope);
                Set<String> inner = new HashSet<>(scope);
                inner.add(s.var().name());
                DType body = check(s.body(), inner);
                if (body != null) expect(Types.isNumber(body) && t == Types.floatOf(body), "softmax of " + body.sourceName() + " typed " + t.sourceName(), e);
            }
        }
        return t;
    }

    private void expect(boolean ok, String message, Expr at) {
        if (!ok) problem(message, at);
    }

    private void extent(IndexVar v, Set<String> scope) {
        DType t = check(v.extent(), scope);
        if (t != null && !t.isInteger()) problem("the extent of '" + v.name() + "' is " + t.sourceName(), v.extent());
    }

    private void scalar(Expr.Scalar s) {
        DType t = s.type();
        switch (s.kind()) {
            case DIM -> {
                if (program.dim(s.name()).isEmpty()) problem("'" + s.name() + "' is not a declared dim", s);
                else expect(t.isInteger(), "the dim '" + s.name() + "' typed " + t.sourceName(), s);
            }
            case PARAM -> {
                Optional<DType> declared = params != null
                        ? Optional.ofNullable(params.get(s.name()))
                        : program.scalars().stream().filter(p -> p.name().equals(s.name())).map(Program.ScalarParam::type).findFirst();
                if (!c.allowParams()) problem("a scalar parameter where only dims may appear", s);
                else if (declared.isEmpty()) problem("'" + s.name() + "' is not a " + (params != null ? "parameter declared before this one" : "declared parameter"), s);
                else expect(declared.get() == t, "the parameter '" + s.name() + "' is " + declared.get().sourceName() + " but typed " + t.sourceName(), s);
            }
            case LET -> {
                DType declared = c.lets().get(s.name());
                if (declared == null) problem("'" + s.name() + "' is not a let defined before this point", s);
                else expect(declared == t, "the let '" + s.name() + "' is " + declared.sourceName() + " but typed " + t.sourceName(), s);
            }
        }
    }

    private void read(Expr.Read r, Set<String> scope) {
        for (Expr i : r.indices()) {
            DType t = check(i, scope);
            if (t != null && !t.isInteger()) problem("an index of type " + t.sourceName(), r);
        }
        if (!c.allowReads()) {
            problem("a tensor read where only scalars may appear", r);
            return;
        }
        Optional<TensorDecl> decl = program.tensor(r.tensor());
        if (decl.isEmpty()) {
            problem("'" + r.tensor() + "' is not a declared tensor", r);
            return;
        }
        TensorDecl d = decl.get();
        if (d.rank() != r.indices().size()) problem("'" + d.name() + "' has rank " + d.rank() + " but is read with " + r.indices().size() + " indices", r);
        if (d.dtype() != null && Types.readType(d.dtype()) != r.type()) {
            problem("'" + d.name() + "' is " + d.dtype().sourceName() + " but read as " + r.type().sourceName(), r);
        }
        if (!c.tensorsDefined().contains(d.name())) problem("'" + d.name() + "' is read before its definition", r);
    }

    private void binary(Expr.Binary b, Set<String> scope) {
        DType x = check(b.a(), scope);
        DType y = check(b.b(), scope);
        if (x == null || y == null) return;
        DType t = b.type();
        String shape = x.sourceName() + " " + b.op().symbol + " " + y.sourceName() + " typed " + t.sourceName();
        if (b.op().isLogical()) {
            expect(x == DType.BOOL && y == DType.BOOL && t == DType.BOOL, shape, b);
        } else if (b.op().isComparison()) {
            boolean equality = b.op() == Expr.BinOp.EQ || b.op() == Expr.BinOp.NE;
            boolean operands = Types.isNumber(x) && Types.isNumber(y) || equality && x == DType.BOOL && y == DType.BOOL;
            expect(operands && t == DType.BOOL, shape, b);
        } else {
            expect(Types.isNumber(x) && Types.isNumber(y) && t == Types.promote(x, y), shape, b);
        }
    }

    private void call(Expr.Call k, Set<String> scope) {
        List<DType> args = new ArrayList<>();
        for (Expr a : k.args()) args.add(check(a, scope));
        if (args.contains(null)) return;
        DType t = k.type();
        DType a0 = args.get(0);
        boolean numbers = args.stream().allMatch(Types::isNumber);
        DType want = switch (k.fn()) {
            case EXP, LOG, SQRT, RSQRT, TANH, SIGMOID, FLOOR, CEIL -> numbers ? Types.floatOf(a0) : null;
            case ABS -> numbers ? a0 : null;
            case MIN, MAX -> numbers ? Types.promote(a0, args.get(1)) : null;
            case POW -> numbers ? Types.floatOf(Types.promote(a0, args.get(1))) : null;
            case FLOAT -> numbers || a0 == DType.BOOL ? DType.F32 : null;
            case INT -> numbers || a0 == DType.BOOL ? DType.I32 : null;
            case PHILOX -> args.stream().allMatch(DType::isInteger) ? DType.I64 : null;
            case UNIFORM -> args.stream().allMatch(DType::isInteger) ? DType.F32 : null;
        };
        String sig = k.fn().sourceName() + "(" + String.join(", ", args.stream().map(DType::sourceName).toList()) + ") typed " + t.sourceName();
        expect(want == t, sig, k);
    }
}
