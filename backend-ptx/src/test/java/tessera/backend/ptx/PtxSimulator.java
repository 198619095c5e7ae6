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
 * the PTX ISA's instruction descriptions; approximate instructions ({@code ex2.approx},
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
    private sealed interface Opnd {}

    private record Reg(int index, String name) implements Opnd {}

    private record Imm(long bits) implements Opnd {}

    /** {@code %tid.x}, {@code %ntid.x} or {@code %ctaid.x}. */
    private record Special(String name) implements Opnd {}

    /** {@code [base+offset]}: a register or a parameter name, and a byte offset. */
    private record Address(Opnd base, String param, long offset) implements Opnd {}

    /** {@code {a, b}}: the halves of a 64-bit move. */
    private record Pair(Reg low, Reg high) implements Opnd {}

    private record Label(String name) implements Opnd {}

    private record Instr(Reg guard, boolean negated, String opcode, String[] parts, Opnd[] ops, String text) {}

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
    private static final class SimThread {
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
                        default -> Semantics.execute(this, in);
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

    /** What each instruction does, by opcode family and type. */
    private static final class Semantics {
        private Semantics() {}

        static void execute(SimThread t, Instr in) {
            String[] p = in.parts();
            Opnd[] o = in.ops();
            String type = p[p.length - 1];
            switch (p[0]) {
                case "ld" -> load(t, p, o, type);
                case "st" -> store(t, o, type);
                case "mov" -> {
                    if (o[0] instanceof Pair pair) {
                        long v = t.get(o[1]);
                        t.set(pair.low(), v & 0xFFFF_FFFFL);
                        t.set(pair.high(), v >>> 32);
                    } else {
                        t.set(o[0], width(t.get(o[1]), type));
                    }
                }
                case "cvta" -> t.set(o[0], t.get(o[1]));
                case "add", "sub", "mul", "div", "rem", "min", "max", "and", "or", "xor", "shl", "shr" ->
                        t.set(o[0], binary(p, type, t.get(o[1]), t.get(o[2])));
                case "neg", "abs", "not", "sqrt", "rsqrt", "rcp", "ex2", "lg2" -> t.set(o[0], unary(p[0], type, t.get(o[1])));
                case "fma" -> t.set(o[0], f32(Math.fma(f32(t.get(o[1])), f32(t.get(o[2])), f32(t.get(o[3])))));
                case "setp" -> t.set(o[0], compare(p[1], type, t.get(o[1]), t.get(o[2])) ? 1 : 0);
                case "selp" -> t.set(o[0], t.get(o[3]) != 0 ? t.get(o[1]) : t.get(o[2]));
                case "cvt" -> t.set(o[0], Conversions.convert(p, t.get(o[1])));
                default -> throw new Fault("the simulator does not know " + in.opcode());
            }
        }

        private static void load(SimThread t, String[] p, Opnd[] o, String type) {
            Address a = (Address) o[1];
            if (p[1].equals("param")) {
                t.set(o[0], width(t.param(a), type));
                return;
            }
            ByteBuffer b = t.memory(a, bytes(type));
            long v = switch (type) {
                case "u8" -> b.get() & 0xFFL;
                case "u16", "b16" -> b.getShort() & 0xFFFFL;
                case "s32", "u32", "b32", "f32" -> b.getInt() & 0xFFFF_FFFFL;
                case "s64", "u64", "b64", "f64" -> b.getLong();
                default -> throw new Fault("load of ." + type);
            };
            t.set(o[0], v);
        }

        private static void store(SimThread t, Opnd[] o, String type) {
            ByteBuffer b = t.memory((Address) o[0], bytes(type));
            long v = t.get(o[1]);
            switch (type) {
                case "u8" -> b.put((byte) v);
                case "u16", "b16" -> b.putShort((short) v);
                case "s32", "u32", "b32", "f32" -> b.putInt((int) v);
                case "s64", "u64", "b64", "f64" -> b.putLong(v);
                default -> throw new Fault("store of ." + type);
            }
        }

        static int bytes(String type) {
            return switch (type) {
                case "u8", "s8", "b8" -> 1;
                case "u16", "s16", "b16", "f16", "bf16" -> 2;
                case "u32", "s32", "b32", "f32" -> 4;
                case "u64", "s64", "b64", "f64" -> 8;
                case "pred" -> 0;
                default -> throw new Fault("no size for ." + type);
            };
        }

        /** {@code v} cut to the width of {@code type} (predicates to 0/1). */
        static long width(long v, String type) {
            return switch (bytes(type)) {
                case 0 -> v != 0 ? 1 : 0;
                case 1 -> v & 0xFF;
                case 2 -> v & 0xFFFF;
                case 4 -> v & 0xFFFF_FFFFL;
                default -> v;
            };
        }

        static float f32(long bits) {
            return Float.intBitsToFloat((int) bits);
        }

        static long f32(float f) {
            return Float.floatToRawIntBits(f) & 0xFFFF_FFFFL;
        }

        static double f64(long bits) {
            return Double.longBitsToDouble(bits);
        }

        static long f64(double d) {
            return Double.doubleToRawLongBits(d);
        }

        private static long binary(String[] p, String type, long a, long b) {
            String op = p[0];
            String mode = p.length > 2 ? p[1] : "";
            if (type.equals("f32")) {
                float x = f32(a), y = f32(b);
                return f32(switch (op) {
                    case "add" -> x + y;
                    case "sub" -> x - y;
                    case "mul" -> x * y;
                    case "div" -> x / y;
                    // PTX min/max: a NaN operand gives the other operand.
                    case "min" -> Float.isNaN(x) ? y : Float.isNaN(y) ? x : Math.min(x, y);
                    case "max" -> Float.isNaN(x) ? y : Float.isNaN(y) ? x : Math.max(x, y);
                    default -> throw new Fault(op + ".f32");
                });
            }
            if (type.equals("f64")) {
                double x = f64(a), y = f64(b);
                return f64(switch (op) {
                    case "add" -> x + y;
                    case "sub" -> x - y;
                    case "mul" -> x * y;
                    case "div" -> x / y;
                    case "min" -> Double.isNaN(x) ? y : Double.isNaN(y) ? x : Math.min(x, y);
                    case "max" -> Double.isNaN(x) ? y : Double.isNaN(y) ? x : Math.max(x, y);
                    default -> throw new Fault(op + ".f64");
                });
            }
            if (type.equals("pred")) {
                return switch (op) {
                    case "and" -> a & b;
                    case "or" -> a | b;
                    case "xor" -> a ^ b;
                    default -> throw new Fault(op + ".pred");
                };
            }
            boolean wide = mode.equals("wide");
            boolean is64 = bytes(type) == 8;
            boolean signed = type.startsWith("s");
            long x = signed ? (is64 ? a : (int) a) : (is64 ? a : a & 0xFFFF_FFFFL);
            long y = signed ? (is64 ? b : (int) b) : (is64 ? b : b & 0xFFFF_FFFFL);
            long r = switch (op) {
                case "add" -> x + y;
                case "sub" -> x - y;
                case "mul" -> switch (mode) {
                    case "wide", "lo" -> x * y;
                    case "hi" -> is64 ? (signed ? Math.multiplyHigh(x, y) : Math.unsignedMultiplyHigh(x, y))
                            : signed ? (x * y) >> 32 : (x * y) >>> 32;
                    default -> throw new Fault("mul without .lo/.hi/.wide on integers");
                };
                case "div" -> {
                    if (y == 0) throw new Fault("integer division by zero");
                    yield signed || !is64 ? x / y : Long.divideUnsigned(x, y);
                }
                case "rem" -> {
                    if (y == 0) throw new Fault("integer remainder by zero");
                    yield signed || !is64 ? x % y : Long.remainderUnsigned(x, y);
                }
                case "min" -> signed ? Math.min(x, y) : (Long.compareUnsigned(x, y) < 0 ? x : y);
                case "max" -> signed ? Math.max(x, y) : (Long.compareUnsigned(x, y) > 0 ? x : y);
                case "and" -> x & y;
                case "or" -> x | y;
                case "xor" -> x ^ y;
                case "shl" -> x << y;
                case "shr" -> signed ? x >> y : x >>> y;
                default -> throw new Fault(op + "." + type);
            };
            return wide ? r : width(r, type);
        }

        private static long unary(String op, String type, long a) {
            if (type.equals("pred")) return a == 0 ? 1 : 0;
            if (type.equals("f32")) {
                float x = f32(a);
                return switch (op) {
                    case "neg" -> a ^ 0x8000_0000L;
                    case "abs" -> a & 0x7FFF_FFFFL;
                    case "sqrt" -> f32((float) Math.sqrt(x));
                    case "rsqrt" -> f32((float) (1 / Math.sqrt(x)));
                    case "rcp" -> f32(1 / x);
                    case "ex2" -> f32((float) Math.pow(2, x));
                    case "lg2" -> f32((float) (Math.log(x) / Math.log(2)));
                    default -> throw new Fault(op + ".f32");
                };
            }
            if (type.equals("f64")) {
                return switch (op) {
                    case "neg" -> a ^ Long.MIN_VALUE;
                    case "abs" -> a & Long.MAX_VALUE;
                    case "sqrt" -> f64(Math.sqrt(f64(a)));
                    case "rcp" -> f64(1 / f64(a));
                    default -> throw new Fault(op + ".f64");
                };
            }
            boolean is64 = bytes(type) == 8;
            long x = is64 ? a : (int) a;
            return width(switch (op) {
                case "neg" -> -x;
                case "abs" -> Math.abs(x);
                case "not" -> ~x;
                default -> throw new Fault(op + "." + type);
            }, type);
        }

        private static boolean compare(String cmp, String type, long a, long b) {
            if (type.equals("f32") || type.equals("f64")) {
                double x = type.equals("f32") ? f32(a) : f64(a);
                double y = type.equals("f32") ? f32(b) : f64(b);
                boolean unordered = Double.isNaN(x) || Double.isNaN(y);
                return switch (cmp) {
                    case "eq" -> !unordered && x == y;
                    case "ne" -> !unordered && x != y;
                    case "lt" -> !unordered && x < y;
                    case "le" -> !unordered && x <= y;
                    case "gt" -> !unordered && x > y;
                    case "ge" -> !unordered && x >= y;
                    case "equ" -> unordered || x == y;
                    case "neu" -> unordered || x != y;
                    case "ltu" -> unordered || x < y;
                    case "leu" -> unordered || x <= y;
                    case "gtu" -> unordered || x > y;
                    case "geu" -> unordered || x >= y;
                    case "nan" -> unordered;
                    case "num" -> !unordered;
                    default -> throw new Fault("setp." + cmp);
                };
            }
            boolean is64 = bytes(type) == 8;
            int c = type.startsWith("s") ? Long.compare(is64 ? a : (int) a, is64 ? b : (int) b)
                    : Long.compareUnsigned(is64 ? a : a & 0xFFFF_FFFFL, is64 ? b : b & 0xFFFF_FFFFL);
            return switch (cmp) {
                case "eq" -> c == 0;
                case "ne" -> c != 0;
                case "lt" -> c < 0;
                case "le" -> c <= 0;
                case "gt" -> c > 0;
                case "ge" -> c >= 0;
                default -> throw new Fault("setp." + cmp + "." + type);
            };
        }
    }

    /** {@code cvt}: integer widths, int/float, float/float with the rounding modifier, f16 and bf16. */
    private static final class Conversions {
        private Conversions() {}

        static long convert(String[] p, long a) {
            String to = p[p.length - 2];
            String from = p[p.length - 1];
            String rounding = p.length > 3 ? p[1] : "";
            boolean fromFloat = isFloat(from);
            boolean toFloat = isFloat(to);
            if (!fromFloat && !toFloat) return Semantics.width(integer(from, a), to);
            if (!fromFloat) {
                long v = integer(from, a);
                boolean unsigned64 = from.equals("u64") && v < 0;
                double d = unsigned64 ? Double.parseDouble(Long.toUnsignedString(v)) : v;
                if (to.equals("f32")) return Semantics.f32(unsigned64 ? (float) d : (float) v);
                return Semantics.f64(d);
            }
            double x = switch (from) {
                case "f32" -> Semantics.f32(a);
                case "f64" -> Semantics.f64(a);
                case "f16" -> Float.float16ToFloat((short) a);
                case "bf16" -> Float.intBitsToFloat((int) (a << 16));
                default -> throw new Fault("cvt from ." + from);
            };
            if (!toFloat) {
                // Float to integer: round as the modifier says, clamp to the range, NaN to 0.
                if (Double.isNaN(x)) return 0;
                double r = round(rounding, x);
                return Semantics.width(switch (to) {
                    case "s32" -> (long) (int) r;
                    case "s64" -> (long) r;
                    case "u32" -> r <= 0 ? 0 : r >= 4294967295.0 ? 0xFFFF_FFFFL : (long) r;
                    default -> throw new Fault("cvt to ." + to);
                }, to);
            }
            return switch (to) {
                case "f32" -> Semantics.f32((float) (rounding.endsWith("i") ? round(rounding, x) : x));
                case "f64" -> Semantics.f64(rounding.endsWith("i") ? round(rounding, x) : x);
                case "f16" -> Float.floatToFloat16((float) x) & 0xFFFFL;
                case "bf16" -> bf16((float) x);
                default -> throw new Fault("cvt to ." + to);
            };
        }

        private static boolean isFloat(String t) {
            return t.startsWith("f") || t.equals("bf16");
        }

        private static long integer(String from, long a) {
            return switch (from) {
                case "s32" -> (int) a;
                case "u32", "b32" -> a & 0xFFFF_FFFFL;
                case "u16" -> a & 0xFFFF;
                case "u8" -> a & 0xFF;
                case "s64", "u64", "b64" -> a;
                default -> throw new Fault("cvt from ." + from);
            };
        }

        private static double round(String rounding, double x) {
            return switch (rounding) {
                case "rzi" -> x < 0 ? Math.ceil(x) : Math.floor(x);
                case "rmi" -> Math.floor(x);
                case "rpi" -> Math.ceil(x);
                case "rni" -> Math.rint(x);
                default -> x;
            };
        }

        /** Round to nearest even bf16; NaN to the canonical 0x7FFF. */
        private static long bf16(float x) {
            if (Float.isNaN(x)) return 0x7FFF;
            int bits = Float.floatToRawIntBits(x);
            return ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16) & 0xFFFF;
        }
    }
}
