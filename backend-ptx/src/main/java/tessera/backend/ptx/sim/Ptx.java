package tessera.backend.ptx.sim;

import java.util.List;
import java.util.Map;

/** The parsed form of a PTX module: what the text says, before {@link Decoder} gives it meaning. */
final class Ptx {
    private Ptx() {}

    /**
     * A module: its header, module-scope variables and entries. {@code lines} is the source split
     * into lines, for messages.
     */
    record Module(String version, String target, int addressSize, List<VarDecl> globals, List<Entry> entries, List<String> lines) {
        Module {
            globals = List.copyOf(globals);
            entries = List.copyOf(entries);
            lines = List.copyOf(lines);
        }

        /** The source text of a 1-based line, trimmed, without its comment. */
        String text(int line) {
            if (line < 1 || line > lines.size()) return "";
            String s = lines.get(line - 1);
            int c = s.indexOf("//");
            return (c >= 0 ? s.substring(0, c) : s).strip();
        }
    }

    /** A {@code .entry}: parameters, declarations and the statements of its body in order. */
    record Entry(String name, int line, List<Param> params, List<RegDecl> regs, List<VarDecl> vars, List<Stmt> body,
                 Map<String, List<Long>> performance) {
        Entry {
            params = List.copyOf(params);
            regs = List.copyOf(regs);
            vars = List.copyOf(vars);
            body = List.copyOf(body);
            performance = Map.copyOf(performance);
        }
    }

    /** A kernel parameter; {@code elements} is 1 unless it is declared as an array ({@code .b8 p[16]}). */
    record Param(String name, PtxType type, int align, long elements, int line) {
        int size() {
            return (int) (type.bytes() * elements);
        }
    }

    /** {@code .reg .b32 %r<8>} ({@code count} 8: %r0..%r7) or {@code .reg .f32 %f} ({@code count} -1). */
    record RegDecl(String name, PtxType type, int count, int line) {}

    enum Space { GLOBAL, CONST, SHARED, LOCAL }

    /**
     * A variable in a state space; {@code elements} is -1 for an unsized {@code .extern} array
     * (dynamic shared memory); {@code init} holds the initializer's values, if any.
     */
    record VarDecl(Space space, String name, PtxType type, int align, long elements, List<Operand> init, int line) {
        VarDecl {
            init = List.copyOf(init);
        }

        long bytes() {
            return Math.max(0, elements) * type.bytes();
        }
    }

    /** A statement of an entry's body. */
    sealed interface Stmt {
        int line();
    }

    record Label(String name, int line) implements Stmt {}

    /**
     * An instruction: {@code @!guard opcode.mod1.mod2 operands;}. {@code guard} is null when
     * there is none.
     */
    record Instruction(int line, String guard, boolean guardNegated, String opcode, List<String> modifiers, List<Operand> operands)
            implements Stmt {
        Instruction {
            modifiers = List.copyOf(modifiers);
            operands = List.copyOf(operands);
        }

        /** {@code opcode.mod1.mod2}, as written. */
        String mnemonic() {
            return modifiers.isEmpty() ? opcode : opcode + "." + String.join(".", modifiers);
        }
    }

    /** An operand as written. */
    sealed interface Operand {}

    /** A register, special register ({@code %tid.x}), label, parameter or variable name. */
    record Name(String name) implements Operand {}

    record IntLit(long value) implements Operand {}

    /**
     * A floating-point literal: {@code 0f...} (single: {@code bits} are its 32 bits), {@code 0d...}
     * or a decimal (double: {@code bits} are its 64 bits). Bits, so NaN payloads survive.
     */
    record FloatLit(long bits, boolean single) implements Operand {
        double value() {
            return single ? Float.intBitsToFloat((int) bits) : Double.longBitsToDouble(bits);
        }

        FloatLit negate() {
            return new FloatLit(bits ^ (single ? 0x80000000L : 0x8000000000000000L), single);
        }
    }

    /** {@code name+offset} outside brackets (an address of a variable). */
    record Offset(String name, long offset) implements Operand {}

    /** {@code [base+offset]}: base is a {@link Name} or null for an absolute address. */
    record Address(Name base, long offset) implements Operand {}

    /** {@code {a, b, ...}}. */
    record Vector(List<Operand> elements) implements Operand {
        Vector {
            elements = List.copyOf(elements);
        }
    }

    /** {@code !p}. */
    record Not(Operand operand) implements Operand {}

    /** {@code d|p}. */
    record Pair(Operand first, Operand second) implements Operand {}

    /** The sink {@code _}. */
    record Sink() implements Operand {}
}
