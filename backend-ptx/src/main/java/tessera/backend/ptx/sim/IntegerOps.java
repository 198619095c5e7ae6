package tessera.backend.ptx.sim;

import static tessera.backend.ptx.sim.Decoder.arity;
import static tessera.backend.ptx.sim.Decoder.operand;

import tessera.backend.ptx.sim.Execs.L2;
import tessera.backend.ptx.sim.Execs.L3;

/**
 * Integer arithmetic: {@code add}, {@code sub} (with {@code .sat} for .s32), {@code mul} and
 * {@code mad} ({@code .lo}, {@code .hi}, {@code .wide}), {@code div}, {@code rem}, {@code abs},
 * {@code neg}, {@code min}, {@code max}, {@code shl}, {@code shr}, {@code popc}, {@code clz},
 * {@code brev}. Results wrap to the type's width (two's complement); shift amounts are unsigned
 * and clamp at the width; division by zero is a fault, since a GPU returns an unspecified value.
 */
final class IntegerOps {
    private IntegerOps() {}

    static Exec decode(Decoder dec, Ptx.Instruction ins, Mods m) throws Unsupported {
        return switch (ins.opcode()) {
            case "add", "sub" -> addSub(dec, ins, m);
            case "mul" -> mul(dec, ins, m);
            case "mad" -> mad(dec, ins, m);
            case "div", "rem" -> divRem(dec, ins, m);
            case "abs", "neg" -> absNeg(dec, ins, m);
            case "min", "max" -> minMax(dec, ins, m);
            case "shl", "shr" -> shift(dec, ins, m);
            case "popc", "clz", "brev" -> bits(dec, ins, m);
            default -> throw new Unsupported("not an integer instruction");
        };
    }

    private static PtxType intType(Mods m, Ptx.Instruction ins) throws Unsupported {
        PtxType t = m.type();
        if (!t.isInteger() || t.bits < 16) throw new Unsupported(ins.opcode() + " does not take ." + t.spelling());
        return t;
    }

    private static Exec binary(Decoder dec, Ptx.Instruction ins, PtxType t, L2 f) throws Unsupported {
        arity(ins, 3);
        return Execs.bin(dec.dst(operand(ins, 0)), dec.src(operand(ins, 1), t), dec.src(operand(ins, 2), t), f);
    }

    private static Exec addSub(Decoder dec, Ptx.Instruction ins, Mods m) throws Unsupported {
        boolean sat = m.take("sat");
        PtxType t = intType(m, ins);
        m.done();
        boolean add = ins.opcode().equals("add");
        if (sat) {
            if (t != PtxType.S32) throw new Unsupported(".sat needs .s32");
            return binary(dec, ins, t, add ? (a, b) -> clamp32((long) (int) a + (int) b) : (a, b) -> clamp32((long) (int) a - (int) b));
        }
        arity(ins, 3);
        int d = dec.dst(operand(ins, 0));
        int a = dec.src(operand(ins, 1), t);
        int b = dec.src(operand(ins, 2), t);
        return add ? Fast.add(t, d, a, b) : Fast.sub(t, d, a, b);
    }

    private static long clamp32(long v) {
        return Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, v));
    }

    /** The type twice as wide, for {@code .wide}. */
    private static PtxType wide(PtxType t) throws Unsupported {
        return switch (t) {
            case S16 -> PtxType.S32;
            case S32 -> PtxType.S64;
            case U16 -> PtxType.U32;
            case U32 -> PtxType.U64;
            default -> throw new Unsupported(".wide does not take ." + t.spelling());
        };
    }

    /** The high half of the double-width product. */
    private static L2 high(PtxType t) {
        return switch (t.bits) {
            case 64 -> t.isSigned() ? Math::multiplyHigh : Math::unsignedMultiplyHigh;
            default -> t.isSigned() ? (a, b) -> t.norm((t.norm(a) * t.norm(b)) >> t.bits)
                    : (a, b) -> t.norm((t.norm(a) * t.norm(b)) >>> t.bits);
        };
    }

    private static L2 product(String mode, PtxType t) throws Unsupported {
        return switch (mode) {
            case "lo" -> (a, b) -> t.norm(a * b);
            case "hi" -> high(t);
            case "wide" -> {
                PtxType w = wide(t);
                yield (a, b) -> w.norm(t.norm(a) * t.norm(b));
            }
            default -> throw new Unsupported("mode ." + mode);
        };
    }

    private static Exec mul(Decoder dec, Ptx.Instruction ins, Mods m) throws Unsupported {
        String mode = m.takeAny("lo", "hi", "wide");
        if (mode == null) throw new Unsupported("integer mul needs .lo, .hi or .wide");
        PtxType t = intType(m, ins);
        m.done();
        arity(ins, 3);
        int d = dec.dst(operand(ins, 0));
        int a = dec.src(operand(ins, 1), t);
        int b = dec.src(operand(ins, 2), t);
        Exec fast = Fast.mul(mode, t, d, a, b);
        return fast != null ? fast : Execs.bin(d, a, b, product(mode, t));
    }

    private static Exec mad(Decoder dec, Ptx.Instruction ins, Mods m) throws Unsupported {
        String mode = m.takeAny("lo", "hi", "wide");
        if (mode == null) throw new Unsupported("integer mad needs .lo, .hi or .wide");
        PtxType t = intType(m, ins);
        m.done();
        arity(ins, 4);
        L2 p = product(mode, t);
        PtxType r = mode.equals("wide") ? wide(t) : t;
        L3 f = (a, b, c) -> r.norm(p.f(a, b) + c);
        return Execs.ter(dec.dst(operand(ins, 0)), dec.src(operand(ins, 1), t), dec.src(operand(ins, 2), t), dec.src(operand(ins, 3), r), f);
    }

    private static Exec divRem(Decoder dec, Ptx.Instruction ins, Mods m) throws Unsupported {
        PtxType t = intType(m, ins);
        m.done();
        boolean div = ins.opcode().equals("div");
        boolean unsigned64 = t.bits == 64 && !t.isSigned();
        String what = div ? "integer division by zero" : "integer remainder by zero";
        return binary(dec, ins, t, (a, b) -> {
            long x = t.norm(a);
            long y = t.norm(b);
            if (y == 0) throw new Trap(FaultKind.DIVISION_BY_ZERO, what + " (a GPU gives an unspecified value)");
            if (unsigned64) return div ? Long.divideUnsigned(x, y) : Long.remainderUnsigned(x, y);
            return t.norm(div ? x / y : x % y);
        });
    }

    private static Exec absNeg(Decoder dec, Ptx.Instruction ins, Mods m) throws Unsupported {
        PtxType t = intType(m, ins);
        m.done();
        if (!t.isSigned()) throw new Unsupported(ins.opcode() + " needs a signed type");
        arity(ins, 2);
        Execs.L1 f = ins.opcode().equals("abs") ? a -> t.norm(Math.abs(t.norm(a))) : a -> t.norm(-a);
        return Execs.un(dec.dst(operand(ins, 0)), dec.src(operand(ins, 1), t), f);
    }

    private static Exec minMax(Decoder dec, Ptx.Instruction ins, Mods m) throws Unsupported {
        if (m.take("relu")) throw new Unsupported(".relu is not supported");
        PtxType t = intType(m, ins);
        m.done();
        boolean max = ins.opcode().equals("max");
        if (t.isSigned() || t.bits < 64) {
            PtxType n = t.isSigned() ? t : t.unsignedOrSelf();
            return binary(dec, ins, t, max ? (a, b) -> Math.max(n.norm(a), n.norm(b)) : (a, b) -> Math.min(n.norm(a), n.norm(b)));
        }
        return binary(dec, ins, t, max ? (a, b) -> Long.compareUnsigned(a, b) >= 0 ? a : b : (a, b) -> Long.compareUnsigned(a, b) <= 0 ? a : b);
    }

    private static Exec shift(Decoder dec, Ptx.Instruction ins, Mods m) throws Unsupported {
        PtxType t = m.type();
        m.done();
        if (!t.isInteger() || t.bits < 16) throw new Unsupported(ins.opcode() + " does not take ." + t.spelling());
        arity(ins, 3);
        int bits = t.bits;
        L2 f;
        if (ins.opcode().equals("shl")) {
            f = (a, b) -> (b & 0xffffffffL) >= bits ? 0 : t.norm(a << b);
        } else if (t.isSigned()) {
            f = (a, b) -> t.norm(t.norm(a) >> Math.min(b & 0xffffffffL, 63));
        } else {
            PtxType u = t.unsignedOrSelf();
            f = (a, b) -> (b & 0xffffffffL) >= bits ? 0 : u.norm(u.norm(a) >>> b);
        }
        return Execs.bin(dec.dst(operand(ins, 0)), dec.src(operand(ins, 1), t), dec.src(operand(ins, 2), PtxType.U32), f);
    }

    private static Exec bits(Decoder dec, Ptx.Instruction ins, Mods m) throws Unsupported {
        PtxType t = m.type();
        m.done();
        if (t != PtxType.B32 && t != PtxType.B64) throw new Unsupported(ins.opcode() + " needs .b32 or .b64");
        arity(ins, 2);
        boolean b64 = t == PtxType.B64;
        Execs.L1 f = switch (ins.opcode()) {
            case "popc" -> a -> Long.bitCount(t.norm(a));
            case "clz" -> b64 ? Long::numberOfLeadingZeros : a -> Integer.numberOfLeadingZeros((int) a);
            default -> b64 ? Long::reverse : a -> Integer.reverse((int) a) & 0xffffffffL;
        };
        return Execs.un(dec.dst(operand(ins, 0)), dec.src(operand(ins, 1), t), f);
    }
}
