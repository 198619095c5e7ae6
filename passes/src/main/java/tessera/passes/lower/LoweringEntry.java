package tessera.passes.lower;

import tessera.ir.tensor.Program;
import tessera.passes.Lower;

/** The public door into the package-private lowering machinery. */
public final class LoweringEntry {
    private final Program program;

    public LoweringEntry(Program program) {
        this.program = program;
    }

    public Lower.Result run() {
        return new Lowering(program).run();
    }
}
