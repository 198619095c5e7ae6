package tessera.backend.ptx;

/**
 * The kinds of virtual register a kernel declares, one {@code .reg} line each: predicates hold
 * bools, {@code .b32}/{@code .b64} hold i32/i64 and raw bits, {@code .f32}/{@code .f64} floats,
 * {@code .b16} the halves that f16/bf16 stores convert through.
 */
enum RegClass {
    PRED("%p", ".pred"),
    B16("%rs", ".b16"),
    B32("%r", ".b32"),
    B64("%rd", ".b64"),
    F32("%f", ".f32"),
    F64("%fd", ".f64");

    /** The register name prefix ({@code %f} in {@code %f3}). */
    final String prefix;
    /** The type in the {@code .reg} declaration. */
    final String declType;

    RegClass(String prefix, String declType) {
        this.prefix = prefix;
        this.declType = declType;
    }
}
