package tessera.backend.ptx;

import java.util.ArrayList;
import java.util.List;
import tessera.runtime.DType;

/**
 * The body of one entry as it is emitted: instructions (indented, each ending in {@code ;}),
 * labels, comments and blank lines, in order, with fresh label names, and the {@link Regs} that
 * hand out its registers. Operands are formatted by the caller; this class lays the lines out and
 * moves values into registers.
 */
final class Asm {
    static final String INDENT = "    ";

    private final List<String> lines = new ArrayList<>();
    private final List<String> variables = new ArrayList<>();
    private final Regs regs = new Regs();
    private int labels;

    /** A fresh register for a value of type {@code t}. */
    Operand.Reg fresh(DType t) {
        return regs.fresh(t);
    }

    /** A fresh register of kind {@code cls}. */
    Operand.Reg fresh(RegClass cls) {
        return regs.fresh(cls);
    }

    /** The variables declared so far ({@link #variable}), then the registers, one {@code .reg} line per kind. */
    List<String> declarations() {
        List<String> out = new ArrayList<>(variables);
        out.addAll(regs.declarations());
        return out;
    }

    /**
     * Declares a {@code .shared} or {@code .local} array of {@code bytes} bytes, aligned to 8, at
     * the top of the entry, and returns its fresh name ({@code $s1_tile}, {@code $l2_q}: the
     * {@code $} keeps it apart from entry and parameter names); {@code hint} must be made of
     * identifier characters.
     */
    String variable(String stateSpace, long bytes, String hint, String comment) {
        String name = "$" + stateSpace.charAt(1) + (variables.size() + 1) + "_" + hint;
        variables.add(stateSpace + " .align 8 .b8 " + name + "[" + bytes + "];  // " + PtxComments.ascii(comment));
        return name;
    }

    /** {@code o} (of type {@code t}) in a register: an immediate is moved into a fresh one. */
    Operand.Reg reg(Operand o, DType t) {
        return reg(o, PtxTypes.regClass(t));
    }

    /** {@code o} in a register of kind {@code cls}: an immediate is moved into a fresh one. */
    Operand.Reg reg(Operand o, RegClass cls) {
        return switch (o) {
            case Operand.Reg r -> r;
            case Operand.Imm i -> {
                Operand.Reg r = fresh(cls);
                mov(r, i);
                yield r;
            }
        };
    }

    /** {@code d = value}, typed by the register's kind ({@code mov.f32}, {@code mov.pred}, ...). */
    void mov(Operand.Reg d, Operand value) {
        op("mov" + d.cls().declType + " " + d + ", " + value);
    }

    /**
     * {@code opcode d, a, b} into a fresh register for type {@code t}; {@code a} goes into a
     * register first when both operands are immediates.
     */
    Operand.Reg op3(String opcode, DType t, Operand a, Operand b) {
        return op3(opcode, PtxTypes.regClass(t), a, b);
    }

    /** {@code opcode d, a, b} into a fresh register of kind {@code cls}. */
    Operand.Reg op3(String opcode, RegClass cls, Operand a, Operand b) {
        Operand x = a instanceof Operand.Imm && b instanceof Operand.Imm ? reg(a, cls) : a;
        Operand.Reg d = fresh(cls);
        op(opcode + " " + d + ", " + x + ", " + b);
        return d;
    }

    /** {@code opcode d, a} into a fresh register of kind {@code cls}. */
    Operand.Reg op2(String opcode, RegClass cls, Operand a) {
        Operand.Reg d = fresh(cls);
        op(opcode + " " + d + ", " + a);
        return d;
    }

    /** {@code selp d, a, b, p} (a where p holds, else b) into a fresh register for type {@code t} (not bool). */
    Operand.Reg selp(DType t, Operand a, Operand b, Operand.Reg p) {
        Operand.Reg d = fresh(t);
        op("selp" + PtxTypes.op(t) + " " + d + ", " + a + ", " + b + ", " + p);
        return d;
    }

    /** An instruction, e.g. {@code add.s32 %r3, %r1, %r2} (the {@code ;} is added). */
    void op(String instruction) {
        lines.add(INDENT + instruction + ";");
    }

    /** An instruction with a trailing comment saying what it computes. */
    void op(String instruction, String comment) {
        lines.add(INDENT + instruction + ";  // " + PtxComments.ascii(comment));
    }

    /** An instruction run only where {@code p} holds ({@code negate}: where it does not). */
    void guarded(Operand.Reg p, boolean negate, String instruction) {
        lines.add(INDENT + "@" + (negate ? "!" : "") + p.text() + " " + instruction + ";");
    }

    /** A conditional branch to {@code label} where {@code p} holds ({@code negate}: where it does not). */
    void branchIf(Operand.Reg p, boolean negate, String label) {
        guarded(p, negate, "bra " + label);
    }

    /** An unconditional branch. */
    void branch(String label) {
        op("bra " + label);
    }

    /** Places {@code label} here. */
    void label(String label) {
        lines.add(label + ":");
    }

    /** A fresh label such as {@code $L7_for_j}; {@code hint} must be made of identifier characters. */
    String freshLabel(String hint) {
        return "$L" + (++labels) + "_" + hint;
    }

    /** {@code text} as comment lines at instruction indentation. */
    void comment(String text) {
        PtxComments.lines(text).forEach(l -> lines.add(INDENT + l));
    }

    void blank() {
        if (!lines.isEmpty() && !lines.getLast().isEmpty()) lines.add("");
    }

    List<String> lines() {
        return List.copyOf(lines);
    }
}
