package tessera.grammar;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tessera.grammar.ast.Ast;
import tessera.ir.Diagnostic;
import tessera.ir.tensor.Program;

/**
 * Resolves parsed files to Tensor IR: one {@link Program} per kernel, or diagnostics. Defs of
 * every file of the unit are visible to every kernel (imports bring them in).
 */
public final class Resolver {
    private Resolver() {}

    /** The programs of every kernel that resolved, and every diagnostic. */
    public record Result(List<Program> programs, List<Diagnostic> diagnostics) {
        public Result {
            programs = List.copyOf(programs);
            diagnostics = List.copyOf(diagnostics);
        }
    }

    /**
     * @param files the unit: the root file and what it imports
     * @param fixedDims dims fixed at compile time ({@code --dim N=2048})
     */
    public static Result resolve(List<Ast.File> files, Map<String, Long> fixedDims) {
        List<Diagnostic> diagnostics = new ArrayList<>();
        Map<String, Ast.Def> defs = new HashMap<>();
        for (Ast.File f : files) {
            for (Ast.Def d : f.defs()) {
                Ast.Def old = defs.putIfAbsent(d.name(), d);
                if (old != null && old != d) {
                    diagnostics.add(Diagnostic.error(d.span(), "def '" + d.name() + "' is already defined at "
                            + old.span().location(), "rename one of them"));
                }
            }
        }
        Map<String, Ast.Kernel> seen = new LinkedHashMap<>();
        List<Program> programs = new ArrayList<>();
        for (Ast.File f : files) {
            for (Ast.Kernel k : f.kernels()) {
                Ast.Kernel old = seen.putIfAbsent(k.name(), k);
                if (old != null) {
                    diagnostics.add(Diagnostic.error(k.nameSpan(), "kernel '" + k.name() + "' is already defined at "
                            + old.nameSpan().location(), "rename one of them"));
                    continue;
                }
                Optional<Program> p = new KernelResolver(k, defs, fixedDims, diagnostics).resolve();
                p.ifPresent(programs::add);
            }
        }
        return new Result(programs, diagnostics);
    }
}
