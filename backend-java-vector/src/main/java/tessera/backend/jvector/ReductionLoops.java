package tessera.backend.jvector;

import com.palantir.javapoet.CodeBlock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tessera.ir.loop.LStmt;
import tessera.runtime.DType;

/**
 * Runs reduction loops on vector lanes: a {@code VECTORIZED} loop (as MapToTarget marks them) or a
 * {@code SERIAL} one of the same form, whose body {@link VectorAnalysis#analyseReduction} accepts
 * and whose bounds depend neither on the loop variable nor on an accumulator; {@link VectorBody}
 * emits it. Anything else, and {@code UNROLLED} loops, stay serial. Reassociating a float
 * reduction changes its last bits; {@link JavaOptions#vectoriseReductions()} turns this off.
 */
final class ReductionLoops {
    private final Names names;
    private final ScalarExprs exprs;
    private final Map<String, DType> buffers;
    private final Helpers helpers;

    ReductionLoops(Names names, ScalarExprs exprs, Map<String, DType> buffers, Helpers helpers) {
        this.names = names;
        this.exprs = exprs;
        this.buffers = Map.copyOf(buffers);
        this.helpers = helpers;
    }

    /** Emits {@code f} on lanes and returns true if it qualifies; else emits nothing. */
    boolean tryEmit(LStmt.For f, CodeBlock.Builder out) {
        if (f.kind() == LStmt.LoopKind.UNROLLED) {
            return false;
        }
        List<VectorAnalysis.Accumulation> accs = VectorAnalysis.accumulations(f.body());
        boolean bounds = accs.stream().noneMatch(a -> VectorAnalysis.mentions(f.lo(), a.acc()) || VectorAnalysis.mentions(f.hi(), a.acc()))
                && !VectorAnalysis.mentions(f.lo(), f.var()) && !VectorAnalysis.mentions(f.hi(), f.var());
        if (accs.isEmpty() || !bounds) {
            return false;
        }
        VectorAnalysis analysis = new VectorAnalysis(f.var(), buffers);
        Optional<DType> lanes = analysis.analyseReduction(f.body(),
                name -> names.lookup(name).filter(b -> !b.lanes()).map(Names.Binding::type));
        if (lanes.isEmpty()) {
            return false;
        }
        helpers.useSpecies(lanes.get());
        new VectorBody(names, exprs, analysis, lanes.get()).reduction(f, accs, out);
        return true;
    }
}
