package tessera.backend.jvector;

import com.palantir.javapoet.CodeBlock;
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

    /**
     * @param maps       whether loops with stores may run on lanes
     * @param reductions whether loops with accumulations may run on lanes (reassociated)
     */
    VectorLoops(Names names, ScalarExprs exprs, Helpers helpers, boolean maps, boolean reductions) {
        this.names = names;
        this.exprs = exprs;
        this.helpers = helpers;
        this.maps = maps;
        this.reductions = reductions;
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
        new VectorBody(names, exprs, analysis, lanes.get()).innerLoop(f, accs, out);
        return true;
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
