package tessera.backend.ptx.sim;

import static tessera.backend.ptx.sim.Decoder.arity;
import static tessera.backend.ptx.sim.Decoder.operand;

import java.util.List;

/**
 * Bitwise and predicate logic ({@code and}, {@code or}, {@code xor}, {@code not}, {@code cnot}),
 * comparisons ({@code setp} with every comparison and boolean operator), {@code selp} and
 * {@code mov} (registers, immediates, special registers, variable addresses, and packing and
 * unpacking of vectors such as {@code mov.b64 {%r1, %r2}, %rd1}).
 */
final class LogicOps {
    private LogicOps() {}

    static Exec decode(Decoder dec, Ptx.Instruction ins, Mods m) throws Unsupported {
        return switch (ins.opcode()) {
            case "and", "or", "xor" -> bitwise(dec, ins, m);
            case "not", "cnot" -> not(dec, ins, m);
            case "setp" -> setp(dec, ins, m);
            case "selp" -> selp(dec, ins, m);
            case "mov" -> mov(dec, ins, m);
            default -> throw new Unsupported("not a logic instruction");
        };
    }

    private static PtxType bitType(Ptx.Instruction ins, Mods m) throws Unsupported {
        PtxType t = m.type();
        m.done();
        if (t != PtxType.PRED && t.kind != PtxType.Kind.BITS || t == PtxType.B8) throw new Unsupported(ins.opcode() + " does not take ." + t.spelling());
        return t;
    }

    private static Exec bitwise(Decoder dec, Ptx.Instruction ins, Mods m) throws Unsupported {
        PtxType t = bitType(ins, m);
        arity(ins, 3);
        int d = dec.dst(operand(ins, 0));
        int a = t == PtxType.PRED ? dec.pred(operand(ins, 1)) : dec.src(operand(ins, 1), t);
        int b = t == PtxType.PRED ? dec.pred(operand(ins, 2)) : dec.src(operand(ins, 2), t);
        return switch (ins.opcode()) {
            case "and" -> Execs.bin(d, a, b, (x, y) -> t.norm(x & y));
            case "or" -> Execs.bin(d, a, b, (x, y) -> t.norm(x | y));
            default -> Execs.bin(d, a, b, (x, y) -> t.norm(x ^ y));
        };
    }

    private static Exec not(Decoder dec, Ptx.Instruction ins, Mods m) throws Unsupported {
        PtxType t = bitType(ins, m);
        arity(ins, 2);
        int d = dec.dst(operand(ins, 0));
        int a = t == PtxType.PRED ? dec.pred(operand(ins, 1)) : dec.src(operand(ins, 1), t);
        if (ins.opcode().equals("cnot")) return Execs.un(d, a, x -> t.norm(x) == 0 ? 1 : 0);
        return t == PtxType.PRED ? Execs.un(d, a, x -> x ^ 1) : Execs.un(d, a, x -> t.norm(~x));
    }

    /** A comparison of two raw register values. */
    @FunctionalInterface
    interface Compare {
        boolean test(long a, long b);
    }

    private static final List<String> CMP = List.of("eq", "ne", "lt", "le", "gt", "ge", "lo", "ls", "hi", "hs",
            "equ", "neu", "ltu", "leu", "gtu", "geu", "num", "nan");

    private static Exec setp(Decoder dec, Ptx.Instruction ins, Mods m) throws Unsupported {
        String cmp = m.takeAny(CMP.toArray(String[]::new));
        if (cmp == null) throw new Unsupported("setp needs a comparison");
        String bool = m.takeAny("and", "or", "xor");
        boolean ftz = m.take("ftz");
        PtxType t = m.type();
        m.done();
        Compare c = compare(cmp, t, ftz);
        if (ins.operands().size() != (bool == null ? 3 : 4)) throw new Unsupported("setp." + cmp + (bool == null ? "" : "." + bool) + " has the wrong number of operands");
        Ptx.Operand dest = operand(ins, 0);
        int p = dec.dst(dest instanceof Ptx.Pair pair ? pair.first() : dest);
        int q = dest instanceof Ptx.Pair pair ? dec.dst(pair.second()) : -1;
        int a = dec.src(operand(ins, 1), t);
        int b = dec.src(operand(ins, 2), t);
        if (bool == null) {
            return (th, pc) -> {
                long[] r = th.r;
                boolean v = c.test(r[a], r[b]);
                r[p] = v ? 1 : 0;
                if (q >= 0) r[q] = v ? 0 : 1;
                return pc + 1;
            };
        }
        Ptx.Operand co = operand(ins, 3);
        boolean negC = co instanceof Ptx.Not;
        int cs = dec.pred(co instanceof Ptx.Not n ? n.operand() : co);
        String op = bool;
        return (th, pc) -> {
            long[] r = th.r;
            boolean v = c.test(r[a], r[b]);
            boolean cv = (r[cs] != 0) != negC;
            r[p] = combine(op, v, cv) ? 1 : 0;
            if (q >= 0) r[q] = combine(op, !v, cv) ? 1 : 0;
            return pc + 1;
        };
    }

    private static boolean combine(String op, boolean a, boolean b) {
        return switch (op) {
            case "and" -> a && b;
            case "or" -> a || b;
            default -> a ^ b;
        };
    }

    /** The comparison {@code cmp} on operands of type {@code t}. */
    static Compare compare(String cmp, PtxType t, boolean ftz) throws Unsupported {
        if (t.isFloat()) {
            if (t != PtxType.F32 && t != PtxType.F64) throw new Unsupported("setp on ." + t.spelling());
            FloatCompare fc = floatCompare(cmp);
            if (t == PtxType.F64) return (a, b) -> fc.test(FloatMath.d(a), FloatMath.d(b));
            if (ftz) return (a, b) -> fc.test(FloatMath.ftz(FloatMath.f(a)), FloatMath.ftz(FloatMath.f(b)));
            return (a, b) -> fc.test(FloatMath.f(a), FloatMath.f(b));
        }
        if (!t.isInteger()) throw new Unsupported("setp on ." + t.spelling());
        if (t.bits == 64 && !t.isSigned()) {
            return switch (cmp) {
                case "eq" -> (a, b) -> a == b;
                case "ne" -> (a, b) -> a != b;
                case "lt", "lo" -> (a, b) -> Long.compareUnsigned(a, b) < 0;
                case "le", "ls" -> (a, b) -> Long.compareUnsigned(a, b) <= 0;
                case "gt", "hi" -> (a, b) -> Long.compareUnsigned(a, b) > 0;
                case "ge", "hs" -> (a, b) -> Long.compareUnsigned(a, b) >= 0;
                default -> throw new Unsupported("comparison ." + cmp + " on integers");
            };
        }
        boolean unsignedOnly = switch (cmp) {
            case "lo", "ls", "hi", "hs" -> true;
            default -> false;
        };
        PtxType n = t.isSigned() && !unsignedOnly ? t : t.unsignedOrSelf();
        PtxType u = n.isSigned() ? PtxType.of("u" + t.bits).orElseThrow() : n;
        return switch (cmp) {
            case "eq" -> (a, b) -> n.norm(a) == n.norm(b);
            case "ne" -> (a, b) -> n.norm(a) != n.norm(b);
            case "lt" -> (a, b) -> n.norm(a) < n.norm(b);
            case "le" -> (a, b) -> n.norm(a) <= n.norm(b);
            case "gt" -> (a, b) -> n.norm(a) > n.norm(b);
            case "ge" -> (a, b) -> n.norm(a) >= n.norm(b);
            case "lo" -> (a, b) -> u.norm(a) < u.norm(b);
            case "ls" -> (a, b) -> u.norm(a) <= u.norm(b);
            case "hi" -> (a, b) -> u.norm(a) > u.norm(b);
            case "hs" -> (a, b) -> u.norm(a) >= u.norm(b);
            default -> throw new Unsupported("comparison ." + cmp + " on integers");
        };
    }

    @FunctionalInterface
    private interface FloatCompare {
        boolean test(double a, double b);
    }

    /** Ordered comparisons are false on NaN; the unordered ones ({@code ...u}) are true. */
    private static FloatCompare floatCompare(String cmp) throws Unsupported {
        return switch (cmp) {
            case "eq" -> (a, b) -> a == b;
            case "ne" -> (a, b) -> a != b && a == a && b == b;
            case "lt" -> (a, b) -> a < b;
            case "le" -> (a, b) -> a <= b;
            case "gt" -> (a, b) -> a > b;
            case "ge" -> (a, b) -> a >= b;
            case "equ" -> (a, b) -> a == b || a != a || b != b;
            case "neu" -> (a, b) -> a != b;
            case "ltu" -> (a, b) -> !(a >= b);
            case "leu" -> (a, b) -> !(a > b);
            case "gtu" -> (a, b) -> !(a <= b);
            case "geu" -> (a, b) -> !(a < b);
            case "num" -> (a, b) -> a == a && b == b;
            case "nan" -> (a, b) -> a != a || b != b;
            default -> throw new Unsupported("comparison ." + cmp + " on floats");
        };
    }

    private static Exec selp(Decoder dec, Ptx.Instruction ins, Mods m) throws Unsupported {
        PtxType t = m.type();
        m.done();
        arity(ins, 4);
        int d = dec.dst(operand(ins, 0));
        int a = dec.src(operand(ins, 1), t);
        int b = dec.src(operand(ins, 2), t);
        int c = dec.pred(operand(ins, 3));
        return (th, pc) -> {
            long[] r = th.r;
            r[d] = t.norm(r[c] != 0 ? r[a] : r[b]);
            return pc + 1;
        };
    }

    private static Exec mov(Decoder dec, Ptx.Instruction ins, Mods m) throws Unsupported {
        PtxType t = m.type();
        m.done();
        arity(ins, 2);
        Ptx.Operand dst = operand(ins, 0);
        Ptx.Operand src = operand(ins, 1);
        if (dst instanceof Ptx.Vector v) return unpack(dec, t, v, dec.src(src, t));
        if (src instanceof Ptx.Vector v) return pack(dec, t, dec.dst(dst), v);
        int d = dec.dst(dst);
        int a = t == PtxType.PRED ? dec.pred(src) : dec.src(src, t);
        return Execs.un(d, a, t::norm);
    }

    private static int part(PtxType whole, int parts) throws Unsupported {
        if (whole.bits != 32 && whole.bits != 64 || parts != 2 && parts != 4 || whole.bits / parts < 8) {
            throw new Unsupported("mov." + whole.spelling() + " with " + parts + " vector elements");
        }
        return whole.bits / parts;
    }

    private static Exec pack(Decoder dec, PtxType t, int d, Ptx.Vector v) throws Unsupported {
        int width = part(t, v.elements().size());
        PtxType pt = PtxType.of("b" + width).orElseThrow();
        int[] slots = new int[v.elements().size()];
        for (int i = 0; i < slots.length; i++) slots[i] = dec.src(v.elements().get(i), pt);
        long mask = width == 64 ? -1L : (1L << width) - 1;
        return (th, pc) -> {
            long[] r = th.r;
            long x = 0;
            for (int i = 0; i < slots.length; i++) x |= (r[slots[i]] & mask) << (i * width);
            r[d] = t.norm(x);
            return pc + 1;
        };
    }

    private static Exec unpack(Decoder dec, PtxType t, Ptx.Vector v, int a) throws Unsupported {
        int width = part(t, v.elements().size());
        PtxType pt = PtxType.of("b" + width).orElseThrow();
        int[] slots = new int[v.elements().size()];
        for (int i = 0; i < slots.length; i++) slots[i] = dec.dst(v.elements().get(i));
        return (th, pc) -> {
            long[] r = th.r;
            long x = r[a];
            for (int i = 0; i < slots.length; i++) r[slots[i]] = pt.norm(x >>> (i * width));
            return pc + 1;
        };
    }
}
