package tessera.backend.ptx.sim;

import static tessera.backend.ptx.sim.Decoder.arity;
import static tessera.backend.ptx.sim.Decoder.operand;

import java.util.List;

/**
 * Memory instructions: {@code ld}/{@code ldu}/{@code st} on {@code .param}, {@code .global},
 * {@code .const}, {@code .shared}, {@code .local} and generic addresses (scalars and
 * {@code .v2}/{@code .v4} vectors; cache and ordering hints are accepted and mean nothing to a
 * sequential simulation), {@code atom} and {@code red} on global, shared and generic addresses,
 * and {@code cvta}. A load extends its value to the destination register (sign for signed types,
 * zeros otherwise); a store writes the low bytes of its source.
 *
 * <p>Generic addresses: global addresses are themselves; shared address {@code s} is
 * {@code SHARED_WINDOW + s} and local address {@code l} is {@code LOCAL_WINDOW + l}.
 */
final class MemoryOps {
    private MemoryOps() {}

    static final long SHARED_WINDOW = GlobalMemory.GENERIC_WINDOWS;
    static final long LOCAL_WINDOW = GlobalMemory.GENERIC_WINDOWS + (1L << 40);
    /** Local variables start here in the .local window (so address 0 is never valid). */
    static final long LOCAL_BASE = 1L << 20;

    private enum Space { PARAM, GLOBAL, SHARED, LOCAL, GENERIC }

    static Exec decode(Decoder dec, Ptx.Instruction ins, Mods m) throws Unsupported {
        return switch (ins.opcode()) {
            case "ld", "ldu" -> load(dec, ins, m);
            case "st" -> store(dec, ins, m);
            case "atom", "red" -> atomic(dec, ins, m);
            case "cvta" -> cvta(dec, ins, m);
            default -> throw new Unsupported("not a memory instruction");
        };
    }

    private static Space space(Mods m) throws Unsupported {
        String s = m.takeAny("param", "global", "const", "shared", "shared::cta", "local");
        if (m.take("shared::cluster")) throw new Unsupported("cluster shared memory is not supported");
        if (s == null) return Space.GENERIC;
        return switch (s) {
            case "param" -> Space.PARAM;
            case "global", "const" -> Space.GLOBAL;
            case "shared", "shared::cta" -> Space.SHARED;
            default -> Space.LOCAL;
        };
    }

    private static int vector(Mods m) {
        String v = m.takeAny("v2", "v4");
        return v == null ? 1 : v.equals("v2") ? 2 : 4;
    }

    private static Decoder.Addr address(Decoder dec, Ptx.Operand o, Space space) throws Unsupported {
        Decoder.Addr a = dec.address(o);
        if (a.param() != (space == Space.PARAM)) throw new Unsupported(space == Space.PARAM ? "ld.param needs a parameter name" : "a parameter name outside ld.param");
        if (a.space() != null && space != Space.GENERIC) {
            boolean ok = switch (a.space()) {
                case SHARED -> space == Space.SHARED;
                case LOCAL -> space == Space.LOCAL;
                case GLOBAL, CONST -> space == Space.GLOBAL;
            };
            if (!ok) throw new Unsupported("variable " + Decoder.describe(o) + " is not in the ." + space.name().toLowerCase() + " space");
        }
        if (a.space() != null && space == Space.GENERIC) throw new Unsupported("a variable name as a generic address (use cvta)");
        return a;
    }

    private static List<Ptx.Operand> elements(Ptx.Operand o, int n) throws Unsupported {
        if (n == 1) {
            if (o instanceof Ptx.Vector) throw new Unsupported("a vector operand without .v2/.v4");
            return List.of(o);
        }
        if (!(o instanceof Ptx.Vector v) || v.elements().size() != n) throw new Unsupported("expected a vector of " + n + " registers");
        return v.elements();
    }

    private static Exec load(Decoder dec, Ptx.Instruction ins, Mods m) throws Unsupported {
        m.dropHints();
        Space space = space(m);
        int n = vector(m);
        m.dropHints();
        PtxType t = m.type();
        m.done();
        arity(ins, 2);
        if (t == PtxType.PRED) throw new Unsupported("ld.pred");
        List<Ptx.Operand> ds = elements(operand(ins, 0), n);
        int[] d = new int[n];
        for (int i = 0; i < n; i++) d[i] = dec.dst(ds.get(i));
        Decoder.Addr a = address(dec, operand(ins, 1), space);
        int size = t.bytes();
        if (space == Space.PARAM) {
            int off = (int) a.offset();
            return (th, pc) -> {
                byte[] params = th.cta.launch.params;
                for (int i = 0; i < n; i++) {
                    int o = off + i * size;
                    if (o < 0 || o + size > params.length) throw new Trap(FaultKind.OUT_OF_BOUNDS, "ld.param outside the parameters");
                    th.r[d[i]] = t.norm(Bytes.get(params, o, size));
                }
                return pc + 1;
            };
        }
        int base = a.slot();
        long off = a.offset();
        int total = size * n;
        if (n == 1 && space == Space.GLOBAL) return Fast.loadGlobal(t, d[0], base, off);
        return (th, pc) -> {
            long addr = th.r[base] + off;
            checkVectorAlignment(addr, total, n);
            for (int i = 0; i < n; i++) th.r[d[i]] = t.norm(read(th, space, addr + (long) i * size, size, pc));
            return pc + 1;
        };
    }

    private static void checkVectorAlignment(long addr, int total, int n) {
        if (n > 1 && (addr & (total - 1)) != 0) {
            throw new Trap(FaultKind.MISALIGNED, "a vector access of " + total + " bytes at 0x" + Long.toHexString(addr) + " is not aligned to " + total, addr);
        }
    }

    private static Exec store(Decoder dec, Ptx.Instruction ins, Mods m) throws Unsupported {
        m.dropHints();
        Space space = space(m);
        int n = vector(m);
        m.dropHints();
        PtxType t = m.type();
        m.done();
        arity(ins, 2);
        if (space == Space.PARAM) throw new Unsupported("st.param (only kernel parameters, which are read-only)");
        if (t == PtxType.PRED) throw new Unsupported("st.pred");
        Decoder.Addr a = address(dec, operand(ins, 0), space);
        List<Ptx.Operand> vs = elements(operand(ins, 1), n);
        int[] v = new int[n];
        for (int i = 0; i < n; i++) v[i] = dec.src(vs.get(i), t);
        int size = t.bytes();
        int base = a.slot();
        long off = a.offset();
        int total = size * n;
        if (n == 1 && space == Space.GLOBAL) return Fast.storeGlobal(t, v[0], base, off);
        return (th, pc) -> {
            long addr = th.r[base] + off;
            checkVectorAlignment(addr, total, n);
            for (int i = 0; i < n; i++) write(th, space, addr + (long) i * size, size, th.r[v[i]], pc);
            return pc + 1;
        };
    }

    private static long read(SimThread th, Space space, long addr, int size, int pc) {
        return switch (space) {
            case GLOBAL -> th.cta.launch.memory.load(addr, size, th.cta.launch.namer);
            case SHARED -> th.cta.shared.load(th, addr, size, pc);
            case LOCAL -> Bytes.get(th.local, local(th, addr, size, "read"), size);
            case GENERIC -> {
                if (addr >= LOCAL_WINDOW) yield read(th, Space.LOCAL, addr - LOCAL_WINDOW, size, pc);
                if (addr >= SHARED_WINDOW) yield read(th, Space.SHARED, addr - SHARED_WINDOW, size, pc);
                yield read(th, Space.GLOBAL, addr, size, pc);
            }
            case PARAM -> throw new IllegalStateException("param reads are decoded apart");
        };
    }

    private static void write(SimThread th, Space space, long addr, int size, long bits, int pc) {
        switch (space) {
            case GLOBAL -> th.cta.launch.memory.store(addr, size, bits, th.cta.launch.namer);
            case SHARED -> th.cta.shared.store(th, addr, size, bits, pc);
            case LOCAL -> Bytes.set(th.local, local(th, addr, size, "write"), size, bits);
            case GENERIC -> {
                if (addr >= LOCAL_WINDOW) write(th, Space.LOCAL, addr - LOCAL_WINDOW, size, bits, pc);
                else if (addr >= SHARED_WINDOW) write(th, Space.SHARED, addr - SHARED_WINDOW, size, bits, pc);
                else write(th, Space.GLOBAL, addr, size, bits, pc);
            }
            case PARAM -> throw new IllegalStateException("param writes are rejected at decode");
        }
    }

    private static int local(SimThread th, long addr, int size, String what) {
        long off = addr - LOCAL_BASE;
        if (off < 0 || off + size > th.local.length) {
            throw new Trap(FaultKind.OUT_OF_BOUNDS, what + " of " + size + " bytes at local address 0x" + Long.toHexString(addr)
                    + " is outside this thread's " + th.local.length + " bytes of .local memory", addr);
        }
        if ((addr & (size - 1)) != 0) throw new Trap(FaultKind.MISALIGNED, what + " of " + size + " bytes at local address 0x" + Long.toHexString(addr) + " is not aligned", addr);
        return (int) off;
    }

    // ---- atomics ----

    private static Exec atomic(Decoder dec, Ptx.Instruction ins, Mods m) throws Unsupported {
        boolean red = ins.opcode().equals("red");
        m.dropHints();
        Space space = space(m);
        if (space == Space.PARAM || space == Space.LOCAL) throw new Unsupported(ins.opcode() + " on ." + space.name().toLowerCase());
        String op = m.takeAny("and", "or", "xor", "cas", "exch", "add", "inc", "dec", "min", "max");
        if (op == null) throw new Unsupported(ins.opcode() + " needs an operation");
        if (red && (op.equals("cas") || op.equals("exch"))) throw new Unsupported("red." + op);
        m.dropHints();
        PtxType t = m.type();
        m.done();
        boolean cas = op.equals("cas");
        int first = red ? 0 : 1;
        arity(ins, first + (cas ? 3 : 2));
        int d = red ? DecodedKernel.SINK : dec.dst(operand(ins, 0));
        Decoder.Addr a = address(dec, operand(ins, first), space);
        int b = dec.src(operand(ins, first + 1), t);
        int c = cas ? dec.src(operand(ins, first + 2), t) : b;
        Execs.L3 f = update(op, t);
        int size = t.bytes();
        int base = a.slot();
        long off = a.offset();
        return (th, pc) -> {
            long addr = th.r[base] + off;
            Space s = space;
            if (s == Space.GENERIC) {
                if (addr >= LOCAL_WINDOW) throw new Trap(FaultKind.OUT_OF_BOUNDS, "an atomic on .local memory", addr);
                if (addr >= SHARED_WINDOW) {
                    s = Space.SHARED;
                    addr -= SHARED_WINDOW;
                } else {
                    s = Space.GLOBAL;
                }
            }
            long old;
            if (s == Space.SHARED) {
                old = th.cta.shared.atomicLoad(addr, size);
                th.cta.shared.atomicStore(addr, size, f.f(old, th.r[b], th.r[c]));
            } else {
                old = th.cta.launch.memory.load(addr, size, th.cta.launch.namer);
                th.cta.launch.memory.store(addr, size, f.f(old, th.r[b], th.r[c]), th.cta.launch.namer);
            }
            th.r[d] = t.norm(old);
            return pc + 1;
        };
    }

    /** The new value of an atomic: {@code f(old, b, c)}. */
    private static Execs.L3 update(String op, PtxType t) throws Unsupported {
        boolean fl = t.isFloat();
        if (fl && !op.equals("add") && !op.equals("exch") && !op.equals("min") && !op.equals("max")) throw new Unsupported("atomic " + op + " on ." + t.spelling());
        if (fl && t != PtxType.F32 && t != PtxType.F64) throw new Unsupported("atomic on ." + t.spelling());
        return switch (op) {
            case "and" -> (o, b, c) -> t.norm(o & b);
            case "or" -> (o, b, c) -> t.norm(o | b);
            case "xor" -> (o, b, c) -> t.norm(o ^ b);
            case "exch" -> (o, b, c) -> t.norm(b);
            case "cas" -> (o, b, c) -> t.norm(o) == t.norm(b) ? t.norm(c) : t.norm(o);
            case "add" -> t == PtxType.F32 ? (o, b, c) -> FloatMath.bits(FloatMath.f(o) + FloatMath.f(b))
                    : t == PtxType.F64 ? (o, b, c) -> FloatMath.bits(FloatMath.d(o) + FloatMath.d(b))
                    : (o, b, c) -> t.norm(o + b);
            case "inc" -> (o, b, c) -> Long.compareUnsigned(t.norm(o), t.norm(b)) >= 0 ? 0 : t.norm(o + 1);
            case "dec" -> (o, b, c) -> t.norm(o) == 0 || Long.compareUnsigned(t.norm(o), t.norm(b)) > 0 ? t.norm(b) : t.norm(o - 1);
            case "min", "max" -> {
                boolean max = op.equals("max");
                if (t == PtxType.F32) yield (o, b, c) -> FloatMath.bits((float) (max ? FloatMath.max(FloatMath.f(o), FloatMath.f(b), false) : FloatMath.min(FloatMath.f(o), FloatMath.f(b), false)));
                if (t == PtxType.F64) yield (o, b, c) -> FloatMath.bits(max ? FloatMath.max(FloatMath.d(o), FloatMath.d(b), false) : FloatMath.min(FloatMath.d(o), FloatMath.d(b), false));
                LogicOps.Compare gt = LogicOps.compare("gt", t, false);
                yield max ? (o, b, c) -> gt.test(o, b) ? t.norm(o) : t.norm(b) : (o, b, c) -> gt.test(b, o) ? t.norm(o) : t.norm(b);
            }
            default -> throw new Unsupported("atomic " + op);
        };
    }

    // ---- cvta ----

    private static Exec cvta(Decoder dec, Ptx.Instruction ins, Mods m) throws Unsupported {
        boolean to = m.take("to");
        String s = m.takeAny("global", "shared", "shared::cta", "local", "const", "param");
        if (s == null) throw new Unsupported("cvta needs a state space");
        PtxType t = m.type();
        m.done();
        if (t != PtxType.U32 && t != PtxType.U64) throw new Unsupported("cvta." + t.spelling());
        arity(ins, 2);
        int d = dec.dst(operand(ins, 0));
        int a = dec.src(operand(ins, 1), t);
        long window = switch (s) {
            case "global", "const" -> 0;
            case "shared", "shared::cta" -> SHARED_WINDOW;
            case "local" -> LOCAL_WINDOW;
            default -> throw new Unsupported("cvta of .param");
        };
        if (window == 0) return Execs.un(d, a, t::norm);
        if (!to) return Execs.un(d, a, v -> v + window);
        String name = s;
        return Execs.un(d, a, v -> {
            long x = v - window;
            if (x < 0 || x >= (1L << 40)) throw new Trap(FaultKind.OUT_OF_BOUNDS, "cvta.to." + name + " of 0x" + Long.toHexString(v) + ", which is not a generic ." + name + " address", v);
            return t.norm(x);
        });
    }
}
