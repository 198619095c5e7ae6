package tessera.ir.tensor;

/** An index variable with its range {@code [0, extent)}; the extent is an integer scalar expression. */
public record IndexVar(String name, Expr extent) {
    public IndexVar {
        if (name == null || extent == null) throw new IllegalArgumentException("null field");
    }
}
