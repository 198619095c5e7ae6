package tessera.passes;

import tessera.ir.loop.Module;

/** A pure function from one Loop IR module to the next, for one target. */
public interface LoopPass {
    /** A kebab-case name, as shown by {@code tessera explain}. */
    String name();

    Module apply(Module module, Target target);
}
