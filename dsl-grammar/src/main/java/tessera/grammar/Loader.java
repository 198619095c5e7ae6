package tessera.grammar;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tessera.grammar.ast.Ast;
import tessera.ir.Diagnostic;
import tessera.ir.SourceSpan;

/**
 * Reads a root source and, transitively, the files it imports ({@code import "x.tsr";}, relative
 * to the importing file). Reports unreadable files and import cycles; never throws.
 */
public final class Loader {
    /** Every parsed file (imports first), the text of every file read, and the diagnostics. */
    public record Unit(List<Ast.File> files, Map<String, String> sources, List<Diagnostic> diagnostics) {
        public Unit {
            files = List.copyOf(files);
            sources = Map.copyOf(sources);
            diagnostics = List.copyOf(diagnostics);
        }
    }

    private final Map<String, String> sources = new LinkedHashMap<>();
    private final List<Ast.File> files = new ArrayList<>();
    private final List<Diagnostic> diagnostics = new ArrayList<>();
    private final List<Path> loading = new ArrayList<>();
    private final List<Path> done = new ArrayList<>();

    private Loader() {}

    /** Loads a file from disk with its imports. */
    public static Unit load(Path file) {
        Loader l = new Loader();
        l.visit(file.toAbsolutePath().normalize(), display(file), null);
        return new Unit(l.files, l.sources, l.diagnostics);
    }

    /** Loads a source held in memory; its imports are resolved against {@code baseDir}. */
    public static Unit loadSource(String name, String text, Path baseDir) {
        Loader l = new Loader();
        l.parse(name, text, baseDir.resolve(name).toAbsolutePath().normalize());
        return new Unit(l.files, l.sources, l.diagnostics);
    }

    private static String display(Path p) {
        return p.toString();
    }

    private void visit(Path abs, String name, SourceSpan from) {
        if (done.contains(abs)) return;
        if (loading.contains(abs)) {
            diagnostics.add(Diagnostic.error(from, "import cycle: " + name + " imports itself through " + loading.getLast().getFileName(),
                    "remove one of the imports"));
            return;
        }
        String text;
        try {
            text = Files.readString(abs, StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            String why = Files.exists(abs) ? "cannot read it (" + e.getClass().getSimpleName() + ")" : "no such file";
            diagnostics.add(Diagnostic.error(from == null ? SourceSpan.NONE : from, "cannot open '" + name + "': " + why, null));
            return;
        }
        parse(name, text, abs);
    }

    private void parse(String name, String text, Path abs) {
        loading.add(abs);
        sources.put(name, text);
        Parse.Result r = Parse.file(name, text);
        diagnostics.addAll(r.diagnostics());
        Optional<Ast.File> f = r.file();
        if (f.isPresent()) {
            for (Ast.Import imp : f.get().imports()) {
                Path target;
                try {
                    target = abs.resolveSibling(imp.path()).normalize();
                } catch (RuntimeException e) {
                    diagnostics.add(Diagnostic.error(imp.span(), "bad import path '" + imp.path() + "'", null));
                    continue;
                }
                String shown = Path.of(name).resolveSibling(imp.path()).normalize().toString();
                visit(target, shown, imp.span());
            }
            files.add(f.get());
        }
        loading.removeLast();
        done.add(abs);
    }
}
