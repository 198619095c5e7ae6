package tessera.backend.ptx.sim;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tessera.backend.ptx.sim.DecodedKernel.ParamLayout;
import tessera.backend.ptx.sim.DecodedKernel.Relocation;
import tessera.backend.ptx.sim.DecodedKernel.SharedVar;

/**
 * Decodes one {@code .entry} into a {@link DecodedKernel}: gives every register, special
 * register and immediate a slot of the register file, labels their pc, lays out the parameter,
 * shared and local spaces, and turns each instruction into an {@link Exec} through the
 * instruction families ({@link IntegerOps}, {@link FloatOps}, {@link LogicOps},
 * {@link Conversions}, {@link MemoryOps}, {@link ControlOps}). An instruction the families do not
 * implement decodes to an {@code Exec} that faults with {@link FaultKind#UNSUPPORTED}, naming it
 * and its line, so a kernel that never reaches it still runs.
 */
final class Decoder {
    /** A declared register: its slot and declared type. */
    record Reg(int slot, PtxType type) {}

    /**
     * A memory operand: the address is {@code r[slot] + offset}. {@code space} is the state space
     * the base names, if it is a variable or parameter (null for a register base).
     */
    record Addr(int slot, long offset, Ptx.Space space, boolean param) {}

    private static final Map<String, Integer> SPECIAL = specials();

    private final Ptx.Module module;
    private final Ptx.Entry entry;
    private final Map<String, Reg> regs = new HashMap<>();
    private final Map<Long, Integer> constantSlots = new HashMap<>();
    private final List<Long> constants = new ArrayList<>();
    private final Map<String, Integer> labels = new HashMap<>();
    private final Map<String, ParamLayout> params = new LinkedHashMap<>();
    private final Map<String, Integer> sharedIndex = new HashMap<>();
    private final List<SharedVar> shared = new ArrayList<>();
    private final Map<String, Long> localAddress = new HashMap<>();
    private final Map<String, Ptx.VarDecl> moduleGlobals = new HashMap<>();
    private final List<Relocation> relocations = new ArrayList<>();
    private final int firstConstant;
    private int paramBytes;
    private int localBytes;

    private Decoder(Ptx.Module module, Ptx.Entry entry) throws PtxSyntaxException {
        this.module = module;
        this.entry = entry;
        int slot = DecodedKernel.FIRST_REGISTER;
        for (Ptx.RegDecl d : entry.regs()) {
            if (d.count() < 0) {
                regs.put(d.name(), new Reg(slot++, d.type()));
            } else {
                for (int i = 0; i < d.count(); i++) regs.put(d.name() + i, new Reg(slot++, d.type()));
            }
        }
        firstConstant = slot;
        for (Ptx.Param p : entry.params()) {
            paramBytes = align(paramBytes, Math.max(1, p.align()));
            params.put(p.name(), new ParamLayout(p.name(), p.type(), paramBytes, p.size()));
            paramBytes += p.size();
        }
        List<Ptx.VarDecl> vars = new ArrayList<>();
        for (Ptx.VarDecl v : module.globals()) {
            if (v.space() == Ptx.Space.SHARED) vars.add(v);
            else moduleGlobals.put(v.name(), v);
        }
        vars.addAll(entry.vars());
        for (Ptx.VarDecl v : vars) {
            switch (v.space()) {
                case SHARED -> {
                    if (v.elements() < 0 && shared.stream().anyMatch(SharedVar::dynamic)) {
                        throw new PtxSyntaxException(v.line(), "only one unsized .extern .shared array is supported");
                    }
                    sharedIndex.put(v.name(), shared.size());
                    shared.add(new SharedVar(v.name(), (int) v.bytes(), v.elements() < 0));
                }
                case LOCAL -> {
                    localBytes = align(localBytes, Math.max(1, v.align()));
                    localAddress.put(v.name(), MemoryOps.LOCAL_BASE + localBytes);
                    localBytes += (int) v.bytes();
                }
                case GLOBAL, CONST -> throw new PtxSyntaxException(v.line(), "." + v.space().name().toLowerCase() + " variables must be at module scope");
            }
        }
    }

    static int align(int offset, int alignment) {
        return (offset + alignment - 1) / alignment * alignment;
    }

    /** Decodes {@code entry} of {@code module}. */
    static DecodedKernel decode(Ptx.Module module, Ptx.Entry entry) throws PtxSyntaxException {
        return new Decoder(module, entry).decode();
    }

    private DecodedKernel decode() {
        List<Ptx.Instruction> instructions = new ArrayList<>();
        for (Ptx.Stmt s : entry.body()) {
            switch (s) {
                case Ptx.Label l -> labels.put(l.name(), instructions.size());
                case Ptx.Instruction i -> instructions.add(i);
            }
        }
        int n = instructions.size();
        Exec[] code = new Exec[n + 1];
        Collective[] collectives = new Collective[n + 1];
        int[] lines = new int[n + 1];
        String[] texts = new String[n + 1];
        List<String> problems = new ArrayList<>();
        for (int pc = 0; pc < n; pc++) {
            Ptx.Instruction ins = instructions.get(pc);
            lines[pc] = ins.line();
            texts[pc] = module.text(ins.line());
            Exec e;
            try {
                e = decodeOne(ins);
                if (e instanceof Collective c) collectives[pc] = c;
                if (ins.guard() != null) e = guarded(pred(new Ptx.Name(ins.guard())), ins.guardNegated(), e);
            } catch (Unsupported u) {
                String message = "unsupported instruction " + ins.mnemonic() + ": " + u.getMessage();
                problems.add("PTX line " + ins.line() + ": " + message);
                e = (t, p) -> {
                    throw new Trap(FaultKind.UNSUPPORTED, message);
                };
            }
            code[pc] = e;
        }
        lines[n] = n > 0 ? lines[n - 1] : entry.line();
        texts[n] = "(end of " + entry.name() + ")";
        code[n] = ControlOps.exit();
        long[] template = new long[firstConstant + constants.size()];
        for (int i = 0; i < constants.size(); i++) template[firstConstant + i] = constants.get(i);
        int[] reqntid = entry.performance().containsKey(".reqntid")
                ? entry.performance().get(".reqntid").stream().mapToInt(Long::intValue).toArray() : null;
        return new DecodedKernel(entry.name(), code, collectives, lines, texts, template, List.copyOf(params.values()), paramBytes,
                shared, localBytes, relocations, problems, reqntid);
    }

    private static Exec guarded(int pred, boolean negated, Exec e) {
        return negated ? (t, pc) -> t.r[pred] == 0 ? e.run(t, pc) : pc + 1
                : (t, pc) -> t.r[pred] != 0 ? e.run(t, pc) : pc + 1;
    }

    private Exec decodeOne(Ptx.Instruction ins) throws Unsupported {
        Mods mods = new Mods(ins);
        return switch (ins.opcode()) {
            case "add", "sub", "mul", "mad", "div", "rem", "abs", "neg", "min", "max" -> {
                PtxType t = peekType(ins);
                yield t.isFloat() ? FloatOps.decode(this, ins, mods) : IntegerOps.decode(this, ins, mods);
            }
            case "fma", "sqrt", "rsqrt", "rcp", "ex2", "lg2", "sin", "cos", "tanh", "copysign" -> FloatOps.decode(this, ins, mods);
            case "popc", "clz", "brev", "shl", "shr" -> IntegerOps.decode(this, ins, mods);
            case "and", "or", "xor", "not", "cnot", "setp", "selp", "mov" -> LogicOps.decode(this, ins, mods);
            case "cvt" -> Conversions.decode(this, ins, mods);
            case "ld", "ldu", "st", "atom", "red", "cvta" -> MemoryOps.decode(this, ins, mods);
            case "bra", "ret", "exit", "bar", "barrier", "membar", "fence", "shfl", "vote", "nanosleep" -> ControlOps.decode(this, ins, mods);
            default -> throw new Unsupported("the simulator does not implement '" + ins.opcode() + "'");
        };
    }

    /** The last type modifier of an instruction (its operation type), without consuming it. */
    private static PtxType peekType(Ptx.Instruction ins) throws Unsupported {
        for (int i = ins.modifiers().size() - 1; i >= 0; i--) {
            var t = PtxType.of(ins.modifiers().get(i));
            if (t.isPresent()) return t.get();
        }
        throw new Unsupported(ins.mnemonic() + " needs a type modifier");
    }

    // ---- operands, for the instruction families ----

    /** The operand at {@code index}, or an error naming the instruction's arity. */
    static Ptx.Operand operand(Ptx.Instruction ins, int index) throws Unsupported {
        if (index >= ins.operands().size()) throw new Unsupported(ins.mnemonic() + " has too few operands");
        return ins.operands().get(index);
    }

    static void arity(Ptx.Instruction ins, int n) throws Unsupported {
        if (ins.operands().size() != n) {
            throw new Unsupported(ins.mnemonic() + " takes " + n + " operands, got " + ins.operands().size());
        }
    }

    /** The slot a source operand reads: a register, special register, variable address or immediate (as a {@code type}). */
    int src(Ptx.Operand o, PtxType type) throws Unsupported {
        return switch (o) {
            case Ptx.Name n -> name(n.name(), type);
            case Ptx.IntLit i -> constant(immediate(i.value(), type));
            case Ptx.FloatLit f -> constant(floatImmediate(f, type));
            case Ptx.Offset off -> variableAddress(off.name(), off.offset());
            default -> throw new Unsupported("operand " + describe(o) + " cannot be a source here");
        };
    }

    private int name(String name, PtxType type) throws Unsupported {
        Reg r = regs.get(name);
        if (r != null) return r.slot();
        Integer special = SPECIAL.get(name);
        if (special != null) return special;
        if (name.equals("WARP_SZ")) return constant(32);
        if (name.startsWith("%")) throw new Unsupported("unknown register " + name);
        return variableAddress(name, 0);
    }

    /** A slot holding the address of a shared, local or module-scope variable plus {@code offset}. */
    private int variableAddress(String name, long offset) throws Unsupported {
        Integer s = sharedIndex.get(name);
        if (s != null) return constant(SharedMemory.address(s) + offset);
        Long l = localAddress.get(name);
        if (l != null) return constant(l + offset);
        if (moduleGlobals.containsKey(name)) {
            int slot = constants.size() + firstConstant;
            constants.add(0L);
            relocations.add(new Relocation(slot, name, offset));
            return slot;
        }
        if (params.containsKey(name)) throw new Unsupported("the address of parameter " + name + " is not supported (use ld.param)");
        throw new Unsupported("unknown name " + name);
    }

    /** The slot a destination operand writes: a register, or a scratch slot for {@code _}. */
    int dst(Ptx.Operand o) throws Unsupported {
        if (o instanceof Ptx.Sink) return DecodedKernel.SINK;
        if (o instanceof Ptx.Name n && regs.containsKey(n.name())) return regs.get(n.name()).slot();
        throw new Unsupported("destination " + describe(o) + " is not a declared register");
    }

    /** The declared type of a register operand, or null for anything else. */
    PtxType declared(Ptx.Operand o) {
        if (o instanceof Ptx.Name n && regs.containsKey(n.name())) return regs.get(n.name()).type();
        return null;
    }

    /** A predicate operand's slot (a .pred register, or an immediate 0/1). */
    int pred(Ptx.Operand o) throws Unsupported {
        if (o instanceof Ptx.Name n) {
            Reg r = regs.get(n.name());
            if (r == null || r.type() != PtxType.PRED) throw new Unsupported(n.name() + " is not a .pred register");
            return r.slot();
        }
        if (o instanceof Ptx.IntLit i) return constant(i.value() != 0 ? 1 : 0);
        throw new Unsupported("operand " + describe(o) + " is not a predicate");
    }

    /** The pc of a label operand. */
    int label(Ptx.Operand o) throws Unsupported {
        if (o instanceof Ptx.Name n && labels.containsKey(n.name())) return labels.get(n.name());
        throw new Unsupported("unknown label " + describe(o));
    }

    /** A memory operand {@code [base+offset]}. */
    Addr address(Ptx.Operand o) throws Unsupported {
        if (!(o instanceof Ptx.Address a)) throw new Unsupported("expected a memory operand [...], got " + describe(o));
        if (a.base() == null) return new Addr(constant(0), a.offset(), null, false);
        String name = a.base().name();
        Reg r = regs.get(name);
        if (r != null) return new Addr(r.slot(), a.offset(), null, false);
        ParamLayout p = params.get(name);
        if (p != null) return new Addr(-1, p.offset() + a.offset(), null, true);
        if (sharedIndex.containsKey(name)) return new Addr(variableAddress(name, 0), a.offset(), Ptx.Space.SHARED, false);
        if (localAddress.containsKey(name)) return new Addr(variableAddress(name, 0), a.offset(), Ptx.Space.LOCAL, false);
        Ptx.VarDecl g = moduleGlobals.get(name);
        if (g != null) return new Addr(variableAddress(name, 0), a.offset(), g.space(), false);
        throw new Unsupported("unknown name " + name + " in a memory operand");
    }

    /** The slot of a constant; equal constants share one. */
    int constant(long bits) {
        return constantSlots.computeIfAbsent(bits, b -> {
            constants.add(b);
            return firstConstant + constants.size() - 1;
        });
    }

    /** An integer literal as an operand of {@code type}. */
    static long immediate(long value, PtxType type) throws Unsupported {
        return switch (type.kind) {
            case PRED -> value != 0 ? 1 : 0;
            case BITS, UNSIGNED, SIGNED -> type.norm(value);
            case FLOAT -> switch (type) {
                case F32 -> Float.floatToRawIntBits((float) value) & 0xffffffffL;
                case F64 -> Double.doubleToRawLongBits((double) value);
                default -> throw new Unsupported("an integer literal as a ." + type.spelling() + " operand");
            };
        };
    }

    /** A floating-point literal as an operand of {@code type} (bit types take its bits). */
    static long floatImmediate(Ptx.FloatLit f, PtxType type) throws Unsupported {
        return switch (type) {
            case F32 -> f.single() ? f.bits() : Float.floatToRawIntBits((float) f.value()) & 0xffffffffL;
            case F64 -> f.single() ? Double.doubleToRawLongBits(f.value()) : f.bits();
            case B32 -> f.single() ? f.bits() : Float.floatToRawIntBits((float) f.value()) & 0xffffffffL;
            case B64 -> f.single() ? Double.doubleToRawLongBits(f.value()) : f.bits();
            default -> throw new Unsupported("a floating-point literal as a ." + type.spelling() + " operand");
        };
    }

    static String describe(Ptx.Operand o) {
        return switch (o) {
            case Ptx.Name n -> n.name();
            case Ptx.IntLit i -> Long.toString(i.value());
            case Ptx.FloatLit f -> Double.toString(f.value());
            case Ptx.Offset off -> off.name() + "+" + off.offset();
            case Ptx.Address a -> "[" + (a.base() == null ? "" : a.base().name() + "+") + a.offset() + "]";
            case Ptx.Vector v -> "{...}";
            case Ptx.Not n -> "!" + describe(n.operand());
            case Ptx.Pair p -> describe(p.first()) + "|" + describe(p.second());
            case Ptx.Sink s -> "_";
        };
    }

    private static Map<String, Integer> specials() {
        Map<String, Integer> m = new HashMap<>();
        String[] xyz = {"x", "y", "z"};
        for (int i = 0; i < 3; i++) {
            m.put("%tid." + xyz[i], DecodedKernel.TID + i);
            m.put("%ntid." + xyz[i], DecodedKernel.NTID + i);
            m.put("%ctaid." + xyz[i], DecodedKernel.CTAID + i);
            m.put("%nctaid." + xyz[i], DecodedKernel.NCTAID + i);
        }
        m.put("%laneid", DecodedKernel.LANEID);
        m.put("%warpid", DecodedKernel.WARPID);
        m.put("%nwarpid", DecodedKernel.NWARPID);
        m.put("%lanemask_eq", DecodedKernel.LANEMASK_EQ);
        m.put("%lanemask_lt", DecodedKernel.LANEMASK_LT);
        m.put("%lanemask_le", DecodedKernel.LANEMASK_LE);
        m.put("%lanemask_gt", DecodedKernel.LANEMASK_GT);
        m.put("%lanemask_ge", DecodedKernel.LANEMASK_GE);
        return Map.copyOf(m);
    }
}
