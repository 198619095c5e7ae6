package tessera.ir.tensor;

import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import tessera.ir.SourceSpan;

/**
 * A {@code schedule [target] { ... }} block: hints that never change results beyond
 * floating-point reassociation. Parsed, checked and kept; later passes read them.
 */
public record Schedule(Optional<String> target, List<Directive> directives, SourceSpan span) {
    public Schedule {
        directives = List.copyOf(directives);
    }

    public sealed interface Directive {
        SourceSpan span();
    }

    /** {@code tile i 64, j 64;} */
    public record Tile(List<TileSize> sizes, SourceSpan span) implements Directive {
        public Tile {
            sizes = List.copyOf(sizes);
        }
    }

    public record TileSize(String var, int size) {}

    /** {@code split j streamk;} (count empty) or {@code split j 8;} */
    public record Split(String var, OptionalInt count, SourceSpan span) implements Directive {
        public boolean streamK() { return count.isEmpty(); }
    }

    /** {@code fft j;} */
    public record Fft(String var, SourceSpan span) implements Directive {}

    /** {@code direct j;} */
    public record Direct(String var, SourceSpan span) implements Directive {}
}
