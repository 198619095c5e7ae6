package tessera.passes.lower;

import tessera.ir.tensor.Program;
import tessera.passes.Lower;

/** The public door into the package-private lowering machinery. */
public final class LoweringEntry {
    private final Program program;
    private final tessera.passes.Target target;

    public LoweringEntry(Program program, tessera.passes.Target target) {
        this.program = program;
        this.target = target;
    }

    public Lower.Result run() {
        return new Lowering(program, target).run();
    }

    /** Rows and keys per block of fused attention on {@code target}: {@code {rows, keys}}. */
    public static int[] attentionTile(tessera.passes.Target target) {
        return AttentionLowering.tile(target);
    }
}
