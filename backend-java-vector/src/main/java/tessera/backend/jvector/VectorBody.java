package tessera.backend.jvector;

import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.ParameterizedTypeName;
import com.palantir.javapoet.TypeName;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import tessera.ir.loop.LExpr;
import tessera.ir.loop.LStmt;
import tessera.ir.tensor.Expr;
import tessera.runtime.DType;

/**
 * Emits a loop that {@link VectorAnalysis} accepted as a Vector API loop: full vectors of the
 * preferred species while they fit, then one masked vector for the tail, so every element goes
 * through the same code. Invariant values are scalar code (broadcast where they meet lanes);
 * index values are scalar code for the first lane.
 */
final class VectorBody {
    static final String PACKAGE = "jdk.incubator.vector";
    static final ClassName FLOAT_VECTOR = ClassName.get(PACKAGE, "FloatVector");
    static final ClassName DOUBLE_VECTOR = ClassName.get(PACKAGE, "DoubleVector");
    static final ClassName VECTOR_MASK = ClassName.get(PACKAGE, "VectorMask");
    static final ClassName VECTOR_SPECIES = ClassName.get(PACKAGE, "VectorSpecies");
    static final ClassName VECTOR_OPERATORS = ClassName.get(PACKAGE, "VectorOperators");
    static final String FLOAT_SPECIES = "FLOAT_SPECIES";
    static final String DOUBLE_SPECIES = "DOUBLE_SPECIES";

    private final Names names;
    private final ScalarExprs exprs;
    private final VectorAnalysis analysis;
    private final DType lanes;
    private Optional<String> mask = Optional.empty();
    /**
     * While emitting a side of a varying {@code Select}, {@code &&} or {@code ||}: the mask of
     * the lanes that take it; contiguous loads there are masked with it (and the tail's mask).
     */
    private Optional<CodeBlock> guard = Optional.empty();
    /** Where the statement being emitted goes: masks that guard loads are declared there first. */
    private CodeBlock.Builder current;
    /** In a reduction loop: the vector of partial results of each accumulator, by IR name. */
    private final Map<String, Partial> partials = new LinkedHashMap<>();

    /** An accumulator's lanes: the Java name of its vector of partial results and how it combines. */
    private record Partial(String lanes, VectorAnalysis.Op op) {}

    VectorBody(Names names, ScalarExprs exprs, VectorAnalysis analysis, DType lanes) {
        this.names = names;
        this.exprs = exprs;
        this.analysis = analysis;
        this.lanes = lanes;
    }

    /** The vector class for lanes of {@code t} (F32 or F64). */
    static ClassName vectorClass(DType t) {
        return t == DType.F64 ? DOUBLE_VECTOR : FLOAT_VECTOR;
    }

    /** The name of the species field for lanes of {@code t}. */
    static String species(DType t) {
        return t == DType.F64 ? DOUBLE_SPECIES : FLOAT_SPECIES;
    }

    /** {@code VectorMask<Float>} or {@code VectorMask<Double>}. */
    static TypeName maskType(DType t) {
        return ParameterizedTypeName.get(VECTOR_MASK, t == DType.F64 ? ScalarExprs.DOUBLE : ScalarExprs.FLOAT);
    }

    /** {@code VectorSpecies<Float>} or {@code VectorSpecies<Double>}. */
    static TypeName speciesType(DType t) {
        return ParameterizedTypeName.get(VECTOR_SPECIES, t == DType.F64 ? ScalarExprs.DOUBLE : ScalarExprs.FLOAT);
    }

    /**
     * The loop of {@code var} over {@code [lo, hi)} running {@code body}; {@code lo} and {@code hi}
     * must be names or literals (they are read more than once). Declares {@code var} in the current block.
     */
    void loop(String var, CodeBlock lo, CodeBlock hi, List<LStmt> body, CodeBlock.Builder out) {
        String s = species(lanes);
        String j = names.declare(var, DType.I32);
        out.add("// $L runs on vector lanes ($L lanes of $L), the tail under a mask\n", var, s, lanes.sourceName());
        out.addStatement("int $L = $L", j, lo);
        names.push();
        String upper = names.fresh("upper");
        out.beginControlFlow("for (int $L = $L + $L.loopBound($L - $L); $L < $L; $L += $L.length())",
                upper, j, s, hi, j, j, upper, j, s);
        block(body, Optional.empty(), out);
        out.endControlFlow();
        names.pop();
        out.beginControlFlow("if ($L < $L)", j, hi);
        names.push();
        String m = names.fresh("tail");
        out.addStatement("$T $L = $L.indexInRange($L, $L)", maskType(lanes), m, s, j, hi);
        block(body, Optional.of(m), out);
        names.pop();
        out.endControlFlow();
    }

    /**
     * The loop {@code f} inside a kernel body that {@link VectorAnalysis#analyseLoop} accepted, with
     * its {@code accumulations} (maybe none): full vectors and then a masked tail run the body;
     * each accumulator gets a vector of partial results (starting at the operation's identity)
     * that they update, and its lanes are combined into the accumulator after the loop (the
     * result is reassociated). The bounds are evaluated once, before the loop.
     */
    void innerLoop(LStmt.For f, List<VectorAnalysis.Accumulation> accumulations, CodeBlock.Builder out) {
        String s = species(lanes);
        out.add("// $L runs on vector lanes ($L lanes of $L), the tail under a mask$L\n", f.var(), s, lanes.sourceName(),
                accumulations.isEmpty() ? "" : "; the reduction is reassociated");
        out.add("{\n").indent();
        names.push();
        CodeBlock lo = exprs.as(f.lo(), DType.I32).code();
        String k = names.declare(f.var(), DType.I32);
        out.addStatement("int $L = $L", k, lo);
        String end = names.fresh("end");
        out.addStatement("int $L = $L", end, exprs.as(f.hi(), DType.I32).code());
        for (VectorAnalysis.Accumulation a : accumulations) {
            String partial = names.fresh(names.get(a.acc()).java() + "Lanes");
            double identity = switch (a.op()) {
                case SUM -> -0.0;
                case MAX -> Double.NEGATIVE_INFINITY;
                case MIN -> Double.POSITIVE_INFINITY;
            };
            out.addStatement("$T $L = $L", vectorClass(lanes), partial, broadcast(ScalarExprs.constant(identity, lanes).code()));
            partials.put(a.acc(), new Partial(partial, a.op()));
        }
        names.push();
        String upper = names.fresh("upper");
        out.beginControlFlow("for (int $L = $L + $L.loopBound($L - $L); $L < $L; $L += $L.length())",
                upper, k, s, end, k, k, upper, k, s);
        block(f.body(), Optional.empty(), out);
        out.endControlFlow();
        names.pop();
        out.beginControlFlow("if ($L < $L)", k, end);
        names.push();
        String m = names.fresh("tail");
        out.addStatement("$T $L = $L.indexInRange($L, $L)", maskType(lanes), m, s, k, end);
        block(f.body(), Optional.of(m), out);
        names.pop();
        out.endControlFlow();
        for (VectorAnalysis.Accumulation a : accumulations) {
            String acc = names.get(a.acc()).java();
            String partial = partials.get(a.acc()).lanes();
            switch (a.op()) {
                case SUM -> out.addStatement("$L = $L + $L.reduceLanes($T.ADD)", acc, acc, partial, VECTOR_OPERATORS);
                case MAX -> out.addStatement("$L = $T.max($L, $L.reduceLanes($T.MAX))", acc, ScalarExprs.MATH, acc, partial, VECTOR_OPERATORS);
                case MIN -> out.addStatement("$L = $T.min($L, $L.reduceLanes($T.MIN))", acc, ScalarExprs.MATH, acc, partial, VECTOR_OPERATORS);
            }
        }
        partials.clear();
        names.pop();
        out.unindent().add("}\n");
    }

    /** {@code partial = partial op term}; a sum of products is a fused multiply-add on full vectors. */
    private void accumulate(LStmt.Assign a, CodeBlock.Builder out) {
        VectorAnalysis.Accumulation acc = VectorAnalysis.accumulation(a)
                .orElseThrow(() -> new IllegalStateException("internal error: not an accumulation: " + a));
        Partial p = partials.get(a.name());
        if (p == null) {
            throw new IllegalStateException("internal error: Assign to '" + a.name() + "' in a vector loop");
        }
        String op = switch (p.op()) {
            case SUM -> "ADD";
            case MAX -> "MAX";
            case MIN -> "MIN";
        };
        LExpr term = acc.term();
        if (mask.isEmpty() && p.op() == VectorAnalysis.Op.SUM && term instanceof LExpr.Binary b
                && b.op() == Expr.BinOp.MUL && analysis.kind(term) == VectorAnalysis.Kind.LANES) {
            out.addStatement("$L = $L.fma($L, $L)", p.lanes(), lanes(b.a()), lanes(b.b()), p.lanes());
        } else if (mask.isEmpty()) {
            out.addStatement("$L = $L.lanewise($T.$L, $L)", p.lanes(), p.lanes(), VECTOR_OPERATORS, op, lanes(term));
        } else {
            out.addStatement("$L = $L.lanewise($T.$L, $L, $L)", p.lanes(), p.lanes(), VECTOR_OPERATORS, op, lanes(term), mask.get());
        }
    }

    private void block(List<LStmt> body, Optional<String> laneMask, CodeBlock.Builder out) {
        mask = laneMask;
        current = out;
        names.push();
        for (LStmt st : body) {
            statement(st, out);
        }
        names.pop();
    }

    private void statement(LStmt st, CodeBlock.Builder out) {
        switch (st) {
            case LStmt.Let l -> {
                DType t = l.value().type();
                switch (analysis.kind(l.value())) {
                    case INVARIANT, INDEX -> {
                        CodeBlock v = exprs.expr(l.value()).code();
                        out.addStatement("$T $L = $L", JavaTypes.value(t), names.declare(l.name(), t), v);
                    }
                    case LANES -> {
                        CodeBlock v = lanes(l.value());
                        out.addStatement("$T $L = $L", vectorClass(lanes), names.declareLanes(l.name(), lanes), v);
                    }
                    case MASK -> {
                        CodeBlock v = mask(l.value());
                        out.addStatement("$T $L = $L", maskType(lanes), names.declareLanes(l.name(), DType.BOOL), v);
                    }
                    case NONE -> throw unexpected(l.value());
                }
            }
            case LStmt.Store s -> {
                Names.Binding buf = names.buffer(s.buffer());
                CodeBlock value = analysis.kind(s.value()) == VectorAnalysis.Kind.LANES
                        ? lanes(s.value())
                        : broadcast(exprs.storeValue(s.value(), buf.type()).code());
                CodeBlock index = exprs.as(s.index(), DType.I32).code();
                if (mask.isPresent()) {
                    out.addStatement("$L.intoArray($L, $L, $L)", value, buf.java(), index, mask.get());
                } else {
                    out.addStatement("$L.intoArray($L, $L)", value, buf.java(), index);
                }
            }
            case LStmt.Comment c -> ScalarStmts.comment(c.text(), out);
            case LStmt.Var v -> throw new IllegalStateException("internal error: Var in a vector loop");
            case LStmt.Assign a -> accumulate(a, out);
            case LStmt.For f -> throw new IllegalStateException("internal error: For in a vector loop");
            case LStmt.If i -> throw new IllegalStateException("internal error: If in a vector loop");
            case LStmt.Alloc x -> throw new IllegalStateException("internal error: Alloc in a vector loop");
            case LStmt.Barrier x -> throw new IllegalStateException("internal error: Barrier in a vector loop");
            case LStmt.MatMul x -> throw new IllegalStateException("internal error: MatMul in a vector loop");
        }
    }

    /** {@code e} as a vector of lanes (an invariant is broadcast). */
    private CodeBlock lanes(LExpr e) {
        if (analysis.kind(e) == VectorAnalysis.Kind.INVARIANT) {
            return broadcast(exprs.as(e, lanes).code());
        }
        return switch (e) {
            case LExpr.Ref r -> CodeBlock.of("$L", names.get(r.name()).java());
            case LExpr.Load l -> {
                Names.Binding buf = names.buffer(l.buffer());
                CodeBlock index = exprs.as(l.index(), DType.I32).code();
                Optional<CodeBlock> m = loadMask();
                yield m.isPresent()
                        ? CodeBlock.of("$T.fromArray($L, $L, $L, $L)", vectorClass(lanes), species(lanes), buf.java(), index, m.get())
                        : CodeBlock.of("$T.fromArray($L, $L, $L)", vectorClass(lanes), species(lanes), buf.java(), index);
            }
            case LExpr.Unary u -> CodeBlock.of("$L.neg()", lanes(u.x()));
            case LExpr.Binary b -> switch (b.op()) {
                case ADD -> method(b.a(), "add", b.b());
                case SUB -> method(b.a(), "sub", b.b());
                case MUL -> method(b.a(), "mul", b.b());
                case DIV -> method(b.a(), "div", b.b());
                case MOD, LT, LE, GT, GE, EQ, NE, AND, OR -> throw unexpected(e);
            };
            case LExpr.Select s -> {
                if (analysis.kind(s.cond()) == VectorAnalysis.Kind.INVARIANT) {
                    yield CodeBlock.of("($L ? $L : $L)", exprs.as(s.cond(), DType.BOOL).atLeast(JExpr.OR), lanes(s.a()), lanes(s.b()));
                }
                CodeBlock cond = guardName(mask(s.cond()), "cond", s.a(), s.b());
                CodeBlock a = guarded(s.a(), cond, () -> lanes(s.a()));
                CodeBlock b = guarded(s.b(), not(cond), () -> lanes(s.b()));
                yield CodeBlock.of("$L.blend($L, $L)", b, a, cond);
            }
            case LExpr.Call c -> call(c);
            case LExpr.Cast c -> lanes(c.x());
            case LExpr.Const c -> throw unexpected(e);
        };
    }

    private CodeBlock call(LExpr.Call c) {
        List<LExpr> args = c.args();
        return switch (c.fn()) {
            case ABS -> CodeBlock.of("$L.abs()", lanes(args.get(0)));
            case SQRT -> CodeBlock.of("$L.sqrt()", lanes(args.get(0)));
            case MIN -> method(args.get(0), "min", args.get(1));
            case MAX -> method(args.get(0), "max", args.get(1));
            case EXP -> lanewise(lanes(args.get(0)), "EXP");
            case LOG -> lanewise(lanes(args.get(0)), "LOG");
            case TANH -> lanewise(lanes(args.get(0)), "TANH");
            case POW -> CodeBlock.of("$L.lanewise($T.POW, $L)", lanes(args.get(0)), VECTOR_OPERATORS, operand(args.get(1)));
            case SIGMOID -> CodeBlock.of("$L.div($L.add($L))", one(),
                    lanewise(CodeBlock.of("$L.neg()", lanes(args.get(0))), "EXP"), ScalarExprs.constant(1, lanes).code());
            case RSQRT -> CodeBlock.of("$L.div($L.sqrt())", one(), lanes(args.get(0)));
            case FLOAT -> lanes(args.get(0));
            case FLOOR, CEIL, INT, PHILOX, UNIFORM -> throw unexpected(c);
        };
    }

    /** {@code a.name(b)}, with b as a scalar when it is invariant. */
    private CodeBlock method(LExpr a, String name, LExpr b) {
        return CodeBlock.of("$L.$L($L)", lanes(a), name, operand(b));
    }

    /** An operand of a lanewise method: a scalar of the lane type when invariant, else a vector. */
    private CodeBlock operand(LExpr e) {
        return analysis.kind(e) == VectorAnalysis.Kind.INVARIANT ? exprs.as(e, lanes).code() : lanes(e);
    }

    private static CodeBlock lanewise(CodeBlock x, String op) {
        return CodeBlock.of("$L.lanewise($T.$L)", x, VECTOR_OPERATORS, op);
    }

    private CodeBlock one() {
        return broadcast(ScalarExprs.constant(1, lanes).code());
    }

    private CodeBlock broadcast(CodeBlock scalar) {
        return CodeBlock.of("$T.broadcast($L, $L)", vectorClass(lanes), species(lanes), scalar);
    }

    /** {@code e} as a mask of lanes (an invariant bool becomes an all-true or all-false mask). */
    private CodeBlock mask(LExpr e) {
        if (analysis.kind(e) == VectorAnalysis.Kind.INVARIANT) {
            return CodeBlock.of("$L.maskAll($L)", species(lanes), exprs.as(e, DType.BOOL).code());
        }
        return switch (e) {
            case LExpr.Ref r -> CodeBlock.of("$L", names.get(r.name()).java());
            case LExpr.Unary u -> CodeBlock.of("$L.not()", mask(u.x()));
            case LExpr.Binary b -> switch (b.op()) {
                case AND -> {
                    CodeBlock left = guardName(mask(b.a()), "left", b.b());
                    yield CodeBlock.of("$L.and($L)", left, guarded(b.b(), left, () -> mask(b.b())));
                }
                case OR -> {
                    CodeBlock left = guardName(mask(b.a()), "left", b.b());
                    yield CodeBlock.of("$L.or($L)", left, guarded(b.b(), not(left), () -> mask(b.b())));
                }
                case LT -> compare(b, "LT");
                case LE -> compare(b, "LE");
                case GT -> compare(b, "GT");
                case GE -> compare(b, "GE");
                case EQ -> compare(b, "EQ");
                case NE -> compare(b, "NE");
                case ADD, SUB, MUL, DIV, MOD -> throw unexpected(e);
            };
            case LExpr.Const c -> throw unexpected(e);
            case LExpr.Load l -> throw unexpected(e);
            case LExpr.Select s -> throw unexpected(e);
            case LExpr.Call c -> throw unexpected(e);
            case LExpr.Cast c -> throw unexpected(e);
        };
    }

    /**
     * The code {@code side} gives for {@code e}, with its contiguous loads masked by
     * {@code lanesTaking} (the lanes that evaluate {@code e} in the scalar code); no mask when
     * {@code e} loads nothing.
     */
    private CodeBlock guarded(LExpr e, CodeBlock lanesTaking, Supplier<CodeBlock> side) {
        if (!loads(e)) {
            return side.get();
        }
        Optional<CodeBlock> outer = guard;
        guard = Optional.of(outer.map(g -> CodeBlock.of("$L.and($L)", g, lanesTaking)).orElse(lanesTaking));
        try {
            return side.get();
        } finally {
            guard = outer;
        }
    }

    /**
     * {@code m} as a mask local declared before the current statement when one of {@code guarded}
     * loads anything (the mask is then used twice: to pick and to guard the loads); else {@code m}.
     */
    private CodeBlock guardName(CodeBlock m, String hint, LExpr... guarded) {
        if (Arrays.stream(guarded).noneMatch(VectorBody::loads)) {
            return m;
        }
        String name = names.fresh(hint);
        current.addStatement("$T $L = $L", maskType(lanes), name, m);
        return CodeBlock.of("$L", name);
    }

    /** True if {@code e} loads anything. */
    private static boolean loads(LExpr e) {
        List<LExpr.Load> found = new ArrayList<>();
        VectorAnalysis.loads(e, found);
        return !found.isEmpty();
    }

    /** The mask a contiguous load uses: the tail's and the guard's, either, or none. */
    private Optional<CodeBlock> loadMask() {
        if (mask.isPresent() && guard.isPresent()) {
            return Optional.of(CodeBlock.of("$L.and($L)", mask.get(), guard.get()));
        }
        return guard.isPresent() ? guard : mask.map(m -> CodeBlock.of("$L", m));
    }

    /** {@code m.not()}. */
    private static CodeBlock not(CodeBlock m) {
        return CodeBlock.of("$L.not()", m);
    }

    private CodeBlock compare(LExpr.Binary b, String op) {
        if (VectorAnalysis.indexComparison(b, analysis.kind(b.a()), analysis.kind(b.b()))) {
            return indexCompare(b);
        }
        return CodeBlock.of("$L.compare($T.$L, $L)", lanes(b.a()), VECTOR_OPERATORS, op, operand(b.b()));
    }

    /**
     * An index {@code x} (lane {@code l} holds {@code x + l}) compared with an invariant {@code y}:
     * {@code x + l < y} exactly for the lanes {@code l < y - x}, which {@code indexInRange(0, y - x)}
     * sets (the difference in {@code long}, so it cannot wrap, then clamped to {@code [-1, lanes]}); the other comparisons follow from
     * it ({@code <=} is {@code < y + 1}, {@code >} and {@code >=} negate, {@code ==} is one lane).
     */
    private CodeBlock indexCompare(LExpr.Binary b) {
        boolean indexLeft = analysis.kind(b.a()) == VectorAnalysis.Kind.INDEX;
        LExpr x = indexLeft ? b.a() : b.b();
        LExpr y = indexLeft ? b.b() : b.a();
        Expr.BinOp op = indexLeft ? b.op() : switch (b.op()) {
            case LT -> Expr.BinOp.GT;
            case LE -> Expr.BinOp.GE;
            case GT -> Expr.BinOp.LT;
            case GE -> Expr.BinOp.LE;
            case EQ, NE, ADD, SUB, MUL, DIV, MOD, AND, OR -> b.op();
        };
        CodeBlock d = CodeBlock.of("(long) $L - $L", exprs.as(y, DType.I32).prefixOperand(),
                exprs.as(x, DType.I32).atLeast(JExpr.ADDITIVE + 1));
        String s = species(lanes);
        // The int form of indexInRange is the intrinsic one; the long difference is clamped to [-1, lanes] first.
        CodeBlock below = CodeBlock.of("$L.indexInRange(0, $T.clamp($L, -1, $L.length()))", s, Math.class, d, s);
        CodeBlock upTo = CodeBlock.of("$L.indexInRange(0, $T.clamp($L + 1, -1, $L.length()))", s, Math.class, d, s);
        return switch (op) {
            case LT -> below;
            case LE -> upTo;
            case GT -> CodeBlock.of("$L.not()", upTo);
            case GE -> CodeBlock.of("$L.not()", below);
            case EQ -> CodeBlock.of("$L.andNot($L)", upTo, below);
            case NE -> CodeBlock.of("$L.andNot($L).not()", upTo, below);
            case ADD, SUB, MUL, DIV, MOD, AND, OR -> throw new IllegalStateException("internal error: not a comparison: " + b);
        };
    }

    private static IllegalStateException unexpected(LExpr e) {
        return new IllegalStateException("internal error: not a vector expression: " + e);
    }
}
