package tessera.backend.jvector;

import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.ParameterSpec;
import com.palantir.javapoet.TypeName;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import tessera.ir.loop.LExpr;
import tessera.ir.loop.LStmt;
import tessera.runtime.DType;

/**
 * Runs loops inside a kernel body on vector lanes: a {@code VECTORIZED} loop (as MapToTarget marks
 * them) or a {@code SERIAL} one of the same form (an innermost loop that maps arrays elementwise,
 * or reduces), whose body {@link VectorAnalysis#analyseLoop} accepts (straight-line lets,
 * contiguous stores that stay in their iteration, accumulations) and whose bounds depend neither
 * on the loop variable, nor on an accumulator, nor on an array the loop stores; {@link VectorBody}
 * emits it. Anything else, and {@code UNROLLED} loops, stay serial. A loop with accumulations
 * reassociates its float reduction, which changes its last bits; it stays serial unless
 * {@link JavaOptions#vectoriseReductions()}, as a loop with stores does unless
 * {@link JavaOptions#vectorise()}.
 */
final class VectorLoops {
    private final Names names;
    private final ScalarExprs exprs;
    private final Helpers helpers;
    private final boolean maps;
    private final boolean reductions;
    private final Optional<Outliner> outliner;

    /**
     * Makes a private static method of a loop and returns its name. Vector API code must be
     * inlined and intrinsified by C2 to be fast; one huge method full of vector loops exceeds the
     * JIT's inlining budget and runs its vector operations as objects. A method per loop stays
     * small.
     */
    @FunctionalInterface
    interface Outliner {
        String outline(TypeName returns, List<ParameterSpec> params, CodeBlock body);
    }

    /**
     * @param maps       whether loops with stores may run on lanes
     * @param reductions whether loops with accumulations may run on lanes (reassociated)
     */
    VectorLoops(Names names, ScalarExprs exprs, Helpers helpers, boolean maps, boolean reductions) {
        this(names, exprs, helpers, maps, reductions, Optional.empty());
    }

    /** @param outliner where loops go as methods of their own (empty: emitted in place) */
    VectorLoops(Names names, ScalarExprs exprs, Helpers helpers, boolean maps, boolean reductions, Optional<Outliner> outliner) {
        this.names = names;
        this.exprs = exprs;
        this.helpers = helpers;
        this.maps = maps;
        this.reductions = reductions;
        this.outliner = outliner;
    }

    /** Emits {@code f} on lanes and returns true if it qualifies; else emits nothing. */
    boolean tryEmit(LStmt.For f, CodeBlock.Builder out) {
        if (f.kind() == LStmt.LoopKind.UNROLLED) {
            return false;
        }
        List<VectorAnalysis.Accumulation> accs = VectorAnalysis.accumulations(f.body());
        Set<String> stored = VectorAnalysis.stored(f.body());
        if (!accs.isEmpty() && !reductions || !stored.isEmpty() && !maps) {
            return false;
        }
        if (!bound(f.lo(), f, accs, stored) || !bound(f.hi(), f, accs, stored)) {
            return false;
        }
        VectorAnalysis analysis = new VectorAnalysis(f.var(), name -> names.lookupBuffer(name).map(Names.Binding::type).orElse(null));
        Optional<DType> lanes = analysis.analyseLoop(f.body(),
                name -> names.lookup(name).filter(b -> !b.lanes()).map(Names.Binding::type));
        if (lanes.isEmpty()) {
            return false;
        }
        helpers.useSpecies(lanes.get());
        List<String> accNames = accs.stream().map(VectorAnalysis.Accumulation::acc).distinct().toList();
        if (outliner.isPresent() && accNames.size() <= 1) {
            outline(f, accs, accNames, analysis, lanes.get(), out);
            return true;
        }
        new VectorBody(names, exprs, analysis, lanes.get()).innerLoop(f, accs, out);
        return true;
    }

    /** Emits the loop as a method of its own, its free names as parameters, its accumulator (if any) returned. */
    private void outline(LStmt.For f, List<VectorAnalysis.Accumulation> accs, List<String> accNames, VectorAnalysis analysis,
                         DType lanes, CodeBlock.Builder out) {
        Set<String> inside = new java.util.HashSet<>();
        inside.add(f.var());
        for (LStmt s : f.body()) if (s instanceof LStmt.Let l) inside.add(l.name());
        Set<String> scalars = new java.util.LinkedHashSet<>();
        Set<String> arrays = new java.util.LinkedHashSet<>();
        free(f.lo(), inside, scalars, arrays);
        free(f.hi(), inside, scalars, arrays);
        for (LStmt s : f.body()) {
            switch (s) {
                case LStmt.Let l -> free(l.value(), inside, scalars, arrays);
                case LStmt.Store st -> {
                    arrays.add(st.buffer());
                    free(st.index(), inside, scalars, arrays);
                    free(st.value(), inside, scalars, arrays);
                }
                case LStmt.Assign a -> {
                    scalars.add(a.name());
                    free(a.value(), inside, scalars, arrays);
                }
                default -> { }
            }
        }
        List<ParameterSpec> params = new ArrayList<>();
        List<String> args = new ArrayList<>();
        for (String a : arrays) {
            Names.Binding b = names.buffer(a);
            params.add(ParameterSpec.builder(JavaTypes.array(b.type()), b.java()).build());
            args.add(b.java());
        }
        for (String v : scalars) {
            Names.Binding b = names.get(v);
            params.add(ParameterSpec.builder(JavaTypes.value(b.type()), b.java()).build());
            args.add(b.java());
        }
        CodeBlock.Builder body = CodeBlock.builder();
        new VectorBody(names, exprs, analysis, lanes).innerLoop(f, accs, body);
        TypeName returns = TypeName.VOID;
        if (!accNames.isEmpty()) {
            Names.Binding acc = names.get(accNames.getFirst());
            body.addStatement("return $L", acc.java());
            returns = JavaTypes.value(acc.type());
        }
        String method = outliner.orElseThrow().outline(returns, params, body.build());
        if (accNames.isEmpty()) out.addStatement("$L($L)", method, String.join(", ", args));
        else out.addStatement("$L = $L($L)", names.get(accNames.getFirst()).java(), method, String.join(", ", args));
    }

    private static void free(LExpr e, Set<String> inside, Set<String> scalars, Set<String> arrays) {
        switch (e) {
            case LExpr.Const c -> { }
            case LExpr.Ref r -> {
                if (!inside.contains(r.name())) scalars.add(r.name());
            }
            case LExpr.Load l -> {
                arrays.add(l.buffer());
                free(l.index(), inside, scalars, arrays);
            }
            case LExpr.Unary u -> free(u.x(), inside, scalars, arrays);
            case LExpr.Binary b -> {
                free(b.a(), inside, scalars, arrays);
                free(b.b(), inside, scalars, arrays);
            }
            case LExpr.Select s -> {
                free(s.cond(), inside, scalars, arrays);
                free(s.a(), inside, scalars, arrays);
                free(s.b(), inside, scalars, arrays);
            }
            case LExpr.Call c -> c.args().forEach(x -> free(x, inside, scalars, arrays));
            case LExpr.Cast c -> free(c.x(), inside, scalars, arrays);
        }
    }

    /** True if a bound of {@code f} can be computed once, before the loop. */
    private static boolean bound(LExpr e, LStmt.For f, List<VectorAnalysis.Accumulation> accs, Set<String> stored) {
        if (VectorAnalysis.mentions(e, f.var()) || accs.stream().anyMatch(a -> VectorAnalysis.mentions(e, a.acc()))) {
            return false;
        }
        List<LExpr.Load> loads = new ArrayList<>();
        VectorAnalysis.loads(e, loads);
        return loads.stream().noneMatch(l -> stored.contains(l.buffer()));
    }
}
