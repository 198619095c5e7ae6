package tessera.grammar;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import tessera.grammar.ast.Ast;
import tessera.ir.tensor.Schedule;

/** Checks one schedule directive ({@code tile}, {@code split}, {@code fft}, {@code direct}) and builds it. */
final class ScheduleDirectives {
    private ScheduleDirectives() {}

    static Optional<Schedule.Directive> parse(Ast.Directive d, Set<String> indexVars, Scope scope) {
        return switch (d.name()) {
            case "tile" -> tile(d, indexVars, scope);
            case "split" -> split(d, indexVars, scope);
            case "fft", "direct" -> single(d, indexVars, scope);
            default -> {
                scope.error(d.span(), "unknown schedule directive '" + d.name() + "'",
                        "expected tile, split, fft or direct");
                yield Optional.empty();
            }
        };
    }

    private static boolean knownVar(Ast.Word w, Set<String> indexVars, Scope scope) {
        if (w.isNumber()) {
            scope.error(w.span(), "expected an index variable, got " + w.text(), null);
            return false;
        }
        if (!indexVars.contains(w.text())) {
            scope.error(w.span(), "schedule: '" + w.text() + "' is not an index variable of this kernel", null);
            return false;
        }
        return true;
    }

    private static OptionalInt positive(Ast.Word w, Scope scope, String what) {
        if (!w.isNumber()) {
            scope.error(w.span(), what + " must be a positive integer, got '" + w.text() + "'", null);
            return OptionalInt.empty();
        }
        try {
            int v = Integer.parseInt(w.text());
            if (v > 0) return OptionalInt.of(v);
        } catch (NumberFormatException e) {
            // fall through
        }
        scope.error(w.span(), what + " must be a positive integer below 2^31, got " + w.text(), null);
        return OptionalInt.empty();
    }

    private static Optional<Schedule.Directive> tile(Ast.Directive d, Set<String> vars, Scope scope) {
        List<Schedule.TileSize> sizes = new ArrayList<>();
        for (List<Ast.Word> g : d.groups()) {
            if (g.size() != 2) {
                scope.error(d.span(), "tile takes pairs of a variable and a size: tile i 64, j 64;", null);
                return Optional.empty();
            }
            if (!knownVar(g.get(0), vars, scope)) return Optional.empty();
            OptionalInt size = positive(g.get(1), scope, "a tile size");
            if (size.isEmpty()) return Optional.empty();
            sizes.add(new Schedule.TileSize(g.get(0).text(), size.getAsInt()));
        }
        return Optional.of(new Schedule.Tile(sizes, d.span()));
    }

    private static Optional<Schedule.Directive> split(Ast.Directive d, Set<String> vars, Scope scope) {
        if (d.groups().size() != 1 || d.groups().getFirst().size() != 2) {
            scope.error(d.span(), "split takes a variable and 'streamk' or a count: split j streamk; or split j 8;", null);
            return Optional.empty();
        }
        List<Ast.Word> g = d.groups().getFirst();
        if (!knownVar(g.get(0), vars, scope)) return Optional.empty();
        Ast.Word how = g.get(1);
        if (!how.isNumber()) {
            if (!how.text().equals("streamk")) {
                scope.error(how.span(), "unknown split kind '" + how.text() + "'", "expected streamk or a number of splits");
                return Optional.empty();
            }
            return Optional.of(new Schedule.Split(g.get(0).text(), OptionalInt.empty(), d.span()));
        }
        OptionalInt n = positive(how, scope, "the number of splits");
        if (n.isEmpty()) return Optional.empty();
        return Optional.of(new Schedule.Split(g.get(0).text(), n, d.span()));
    }

    private static Optional<Schedule.Directive> single(Ast.Directive d, Set<String> vars, Scope scope) {
        if (d.groups().size() != 1 || d.groups().getFirst().size() != 1) {
            scope.error(d.span(), d.name() + " takes one index variable: " + d.name() + " j;", null);
            return Optional.empty();
        }
        Ast.Word w = d.groups().getFirst().getFirst();
        if (!knownVar(w, vars, scope)) return Optional.empty();
        return Optional.of(d.name().equals("fft") ? new Schedule.Fft(w.text(), d.span()) : new Schedule.Direct(w.text(), d.span()));
    }
}
