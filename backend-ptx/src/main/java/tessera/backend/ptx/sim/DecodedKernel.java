package tessera.backend.ptx.sim;

import java.util.List;

/**
 * An entry decoded once for every launch: instructions as {@link Exec}s indexed by pc, the PTX
 * line of each, the initial register file ({@code template}: constants, zeros), the parameter
 * layout and the shared and local variables.
 *
 * <p>Register file layout: slots {@code 0..SPECIALS-1} hold the special registers (filled per
 * thread and CTA), then a scratch slot for the sink operand {@code _}, then the declared
 * registers, then one slot per distinct immediate operand.
 */
record DecodedKernel(String name, Exec[] code, Collective[] collectives, int[] lines, String[] texts, long[] template,
                     List<ParamLayout> params, int paramBytes, List<SharedVar> shared, int localBytes,
                     List<Relocation> relocations, List<String> problems, int[] reqntid) {

    static final int TID = 0;
    static final int NTID = 3;
    static final int CTAID = 6;
    static final int NCTAID = 9;
    static final int LANEID = 12;
    static final int WARPID = 13;
    static final int NWARPID = 14;
    static final int LANEMASK_EQ = 15;
    static final int LANEMASK_LT = 16;
    static final int LANEMASK_LE = 17;
    static final int LANEMASK_GT = 18;
    static final int LANEMASK_GE = 19;
    static final int SINK = 20;
    static final int FIRST_REGISTER = 21;

    /** A kernel parameter at {@code offset} in the parameter space. */
    record ParamLayout(String name, PtxType type, int offset, int size) {}

    /** A shared variable; {@code dynamic} for an unsized {@code .extern} array sized at launch. */
    record SharedVar(String name, int bytes, boolean dynamic) {}

    /** A slot whose initial value is the address of a module-scope global or constant variable. */
    record Relocation(int slot, String variable, long offset) {}

    /** The PTX line of the instruction at {@code pc}. */
    int line(int pc) {
        return pc >= 0 && pc < lines.length ? lines[pc] : 0;
    }

    String text(int pc) {
        return pc >= 0 && pc < texts.length ? texts[pc] : "";
    }
}
