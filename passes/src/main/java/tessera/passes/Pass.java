package tessera.passes;

import tessera.ir.tensor.Program;

/** A pure function from one Tensor IR program to the next. */
public interface Pass {
    /** A kebab-case name, as shown by {@code tessera explain}. */
    String name();

    Program apply(Program program);
}
