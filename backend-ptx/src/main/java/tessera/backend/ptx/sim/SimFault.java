package tessera.backend.ptx.sim;

import java.util.Optional;

/**
 * A failed simulated launch: what happened, in which kernel, at which PTX line and instruction,
 * in which thread and (for memory faults) at which address. The message says all of it on one
 * line, e.g. {@code kernel 'k', PTX line 31 (st.global.f32 [%rd4], %f1), ctaid (0,0,0) tid
 * (5,0,0): out of bounds: write of 4 bytes at 0x10000000084 is 4 bytes past the end of buffer
 * 'y' (param p_y, 128 bytes)}.
 */
public final class SimFault extends Exception {
    private static final long serialVersionUID = 1L;

    private final FaultKind kind;
    private final String kernel;
    private final int line;
    private final String instruction;
    private final String thread;
    private final long address;
    private final String detail;

    SimFault(FaultKind kind, String kernel, int line, String instruction, String thread, long address, String detail) {
        super(render(kernel, line, instruction, thread, detail));
        this.kind = kind;
        this.kernel = kernel;
        this.line = line;
        this.instruction = instruction;
        this.thread = thread;
        this.address = address;
        this.detail = detail;
    }

    /** A fault before any thread ran (bad launch arguments, unknown entry). */
    static SimFault launch(String kernel, String detail) {
        return new SimFault(FaultKind.LAUNCH, kernel, 0, "", "", -1, FaultKind.LAUNCH.label() + ": " + detail);
    }

    private static String render(String kernel, int line, String instruction, String thread, String detail) {
        StringBuilder sb = new StringBuilder();
        if (kernel != null && !kernel.isEmpty()) sb.append("kernel '").append(kernel).append("'");
        if (line > 0) sb.append(sb.isEmpty() ? "" : ", ").append("PTX line ").append(line).append(" (").append(instruction).append(")");
        if (thread != null && !thread.isEmpty()) sb.append(sb.isEmpty() ? "" : ", ").append(thread);
        return sb.isEmpty() ? detail : sb + ": " + detail;
    }

    public FaultKind kind() {
        return kind;
    }

    public String kernel() {
        return kernel;
    }

    /** The 1-based PTX line of the faulting instruction, or 0 when no instruction was running. */
    public int line() {
        return line;
    }

    /** The faulting instruction's text as written. */
    public String instruction() {
        return instruction;
    }

    /** The thread, e.g. {@code ctaid (0,0,0) tid (5,0,0)}; empty when not about one thread. */
    public String thread() {
        return thread;
    }

    /** The address involved, if any. */
    public Optional<Long> address() {
        return address < 0 ? Optional.empty() : Optional.of(address);
    }

    /** What happened, without the location. */
    public String detail() {
        return detail;
    }
}
