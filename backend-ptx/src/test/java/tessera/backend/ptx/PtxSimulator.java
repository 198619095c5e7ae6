package tessera.backend.ptx;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A PTX interpreter for tests, for the subset of PTX ISA 8.0 that generic kernels use: global
 * loads and stores, integer and float arithmetic, conversions, predicates and branches, with no
 * shared memory or barriers. It runs the threads of a launch one after another, each to its
 * {@code ret} (correct for kernels whose threads do not communicate). Semantics are written from
 * the PTX ISA's instruction descriptions (in {@link PtxSimSemantics}); approximate instructions ({@code ex2.approx},
 * {@code lg2.approx}, {@code rsqrt.approx}) compute the exact function rounded to f32.
 * Anything outside the subset, a read of a register never written, an access outside every
 * buffer, or an integer division by zero is a {@link Fault}.
 */
final class PtxSimulator {
    /** A failure of the simulated program (or an instruction the simulator does not know). */
    static final class Fault extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Fault(String message) {
            super(message);
        }
    }

    /** Global memory: buffers at distinct, widely spaced base addresses. */
    static final class Memory {
        private static final long SPACING = 1L << 40;
        private final List<ByteBuffer> buffers = new ArrayList<>();

        /** A zero-filled buffer of {@code bytes} bytes; returns its base address. */
        long allocate(int bytes) {
            buffers.add(ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN));
            return base(buffers.size() - 1);
        }

        ByteBuffer bytes(long base) {
            return buffers.get((int) (base / SPACING) - 1);
        }

        private static long base(int index) {
            return (index + 1) * SPACING;
        }

        /** The buffer holding {@code size} bytes at {@code address}, positioned there. */
        private ByteBuffer at(long address, int size) {
            int index = (int) (address / SPACING) - 1;
            long offset = address - base(Math.max(index, 0));
            if (index < 0 || index >= buffers.size() || offset < 0 || offset + size > buffers.get(index).capacity()) {
                throw new Fault("global access of " + size + " bytes at 0x" + Long.toHexString(address) + " is outside every buffer");
            }
            return buffers.get(index).duplicate().order(ByteOrder.LITTLE_ENDIAN).position((int) offset);
        }
    }

    /** A decoded source operand or destination. */
    sealed interface Opnd {}

    record Reg(int index, String name) implements Opnd {}

    record Imm(long bits) implements Opnd {}

    /** {@code %tid.x}, {@code %ntid.x} or {@code %ctaid.x}. */
    record Special(String name) implements Opnd {}

    /** {@code [base+offset]}: a register or a parameter name, and a byte offset. */
    record Address(Opnd base, String param, long offset) implements Opnd {}

    /** {@code {a, b}}: the halves of a 64-bit move. */
    record Pair(Reg low, Reg high) implements Opnd {}

    record Label(String name) implements Opnd {}

    record Instr(Reg guard, boolean negated, String opcode, String[] parts, Opnd[] ops, String text) {}

    /** One parsed entry. */
    record Entry(String name, List<String> params, List<Instr> code, Map<String, Integer> labels, int registers) {}

    private static final Pattern ENTRY = Pattern.compile("\\.visible \\.entry (\\S+)\\(");
    private static final Pattern PARAM = Pattern.compile("\\.param \\.\\w+ (\\w+)");
    private static final long STEP_LIMIT = 50_000_000L;

    private final Map<String, Entry> entries = new LinkedHashMap<>();

    PtxSimulator(String ptx) {
        String[] lines = ptx.split("\n");
        for (int i = 0; i < lines.length; i++) {
            Matcher m = ENTRY.matcher(lines[i]);
            if (!m.find()) continue;
            List<String> params = new ArrayList<>();
            int at = i + 1;
            for (; !lines[at].strip().equals(")"); at++) {
                Matcher p = PARAM.matcher(lines[at]);
                if (p.find()) params.add(p.group(1));
            }
            List<String> body = new ArrayList<>();
            for (at += 2; !lines[at].equals("}"); at++) body.add(lines[at]);
            entries.put(m.group(1), parseBody(m.group(1), params, body));
            i = at;
        }
    }

    Entry entry(String name) {
        Entry e = entries.get(name);
        if (e == null) throw new Fault("no entry " + name);
        return e;
    }

    // ---- parsing ----

    private static Entry parseBody(String name, List<String> params, List<String> lines) {
        Map<String, Integer> registers = new HashMap<>();
        Map<String, Integer> labels = new HashMap<>();
        List<Instr> code = new ArrayList<>();
        for (String raw : lines) {
            String line = raw.contains("//") ? raw.substring(0, raw.indexOf("//")) : raw;
            line = line.strip();
            if (line.isEmpty() || line.startsWith(".reg")) continue;
            if (line.endsWith(":")) {
                labels.put(line.substring(0, line.length() - 1), code.size());
                continue;
            }
            if (!line.endsWith(";")) throw new Fault("not an instruction: " + raw);
            line = line.substring(0, line.length() - 1).strip();
            Reg guard = null;
            boolean negated = false;
            if (line.startsWith("@")) {
                int space = line.indexOf(' ');
                String g = line.substring(1, space);
                negated = g.startsWith("!");
                guard = reg(negated ? g.substring(1) : g, registers);
                line = line.substring(space + 1).strip();
            }
            int space = line.indexOf(' ');
            String opcode = space < 0 ? line : line.substring(0, space);
            List<Opnd> ops = new ArrayList<>();
            if (space >= 0) {
                for (String o : splitOperands(line.substring(space + 1))) ops.add(operand(o.strip(), registers));
            }
            code.add(new Instr(guard, negated, opcode, opcode.split("\\."), ops.toArray(Opnd[]::new), raw.strip()));
        }
        return new Entry(name, params, code, labels, registers.size());
    }

    /** Operands split at top-level commas (not inside braces). */
    private static List<String> splitOperands(String s) {
        List<String> out = new ArrayList<>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '{' || c == '[') depth++;
            if (c == '}' || c == ']') depth--;
            if (c == ',' && depth == 0) {
                out.add(s.substring(start, i));
                start = i + 1;
            }
        }
        out.add(s.substring(start));
        return out;
    }

    private static Reg reg(String name, Map<String, Integer> registers) {
        return new Reg(registers.computeIfAbsent(name, n -> registers.size()), name);
    }

    private static Opnd operand(String o, Map<String, Integer> registers) {
        if (o.startsWith("{")) {
            String[] halves = o.substring(1, o.length() - 1).split(",");
            return new Pair(reg(halves[0].strip(), registers), reg(halves[1].strip(), registers));
        }
        if (o.startsWith("[")) {
            String inner = o.substring(1, o.length() - 1);
            int plus = inner.indexOf('+');
            String base = plus < 0 ? inner : inner.substring(0, plus);
            long offset = plus < 0 ? 0 : Long.parseLong(inner.substring(plus + 1));
            return base.startsWith("%") ? new Address(reg(base, registers), null, offset) : new Address(null, base, offset);
        }
        if (o.equals("%tid.x") || o.equals("%ntid.x") || o.equals("%ctaid.x")) return new Special(o);
        if (o.startsWith("%")) return reg(o, registers);
        if (o.startsWith("$")) return new Label(o);
        if (o.startsWith("0f")) return new Imm(Long.parseLong(o.substring(2), 16));
        if (o.startsWith("0d")) return new Imm(Long.parseUnsignedLong(o.substring(2), 16));
        if (o.startsWith("0x")) return new Imm(Long.parseUnsignedLong(o.substring(2), 16));
        return new Imm(Long.parseLong(o));
    }

    // ---- running ----

    /**
     * Runs {@code threads} threads of {@code entry} in blocks of {@code blockSize}, thread by thread.
     *
     * @param args each parameter's value as raw bits (a buffer's base address; a scalar's bits)
     */
    void launch(String entry, Map<String, Long> args, Memory memory, long threads, int blockSize) {
        Entry e = entry(entry);
        for (long t = 0; t < threads; t++) new SimThread(e, args, memory, t / blockSize, t % blockSize, blockSize).run();
    }

    /** One thread's state: its registers (raw bits, with a written flag) and where it is. */
    static final class SimThread {
        private final Entry entry;
        private final Map<String, Long> args;
        private final Memory memory;
        private final long block;
        private final long lane;
        private final long blockSize;
        private final long[] regs;
        private final boolean[] written;

        SimThread(Entry entry, Map<String, Long> args, Memory memory, long block, long lane, long blockSize) {
            this.entry = entry;
            this.args = args;
            this.memory = memory;
            this.block = block;
            this.lane = lane;
            this.blockSize = blockSize;
            this.regs = new long[entry.registers()];
            this.written = new boolean[entry.registers()];
        }

        void run() {
            int pc = 0;
            for (long steps = 0; ; steps++) {
                if (steps > STEP_LIMIT) throw new Fault("thread " + (block * blockSize + lane) + " ran over " + STEP_LIMIT + " instructions");
                if (pc >= entry.code().size()) throw new Fault("fell off the end of " + entry.name());
                Instr in = entry.code().get(pc);
                pc++;
                if (in.guard() != null && (get(in.guard()) != 0) == in.negated()) continue;
                try {
                    switch (in.parts()[0]) {
                        case "ret" -> {
                            return;
                        }
                        case "bra" -> pc = target(in);
                        default -> PtxSimSemantics.execute(this, in);
                    }
                } catch (Fault | ArithmeticException | IllegalArgumentException | ClassCastException | IndexOutOfBoundsException f) {
                    throw new Fault(entry.name() + ": " + in.text() + ": " + f.getMessage());
                }
            }
        }

        private int target(Instr in) {
            String label = ((Label) in.ops()[0]).name();
            Integer at = entry.labels().get(label);
            if (at == null) throw new Fault("no label " + label);
            return at;
        }

        long get(Opnd o) {
            return switch (o) {
                case Reg r -> {
                    if (!written[r.index()]) throw new Fault("read of " + r.name() + " before any write");
                    yield regs[r.index()];
                }
                case Imm i -> i.bits();
                case Special s -> switch (s.name()) {
                    case "%tid.x" -> lane;
                    case "%ntid.x" -> blockSize;
                    default -> block;
                };
                case Address _, Pair _, Label _ -> throw new Fault("not a value: " + o);
            };
        }

        void set(Opnd o, long bits) {
            Reg r = (Reg) o;
            regs[r.index()] = bits;
            written[r.index()] = true;
        }

        long param(Address a) {
            Long v = args.get(a.param());
            if (v == null) throw new Fault("no argument for " + a.param());
            return v;
        }

        /** The global address an operand names. */
        long address(Address a) {
            return get(a.base()) + a.offset();
        }

        ByteBuffer memory(Address a, int size) {
            return memory.at(address(a), size);
        }
    }
}
