package tessera.backend.ptx.sim;

import static tessera.backend.ptx.sim.Decoder.arity;
import static tessera.backend.ptx.sim.Decoder.operand;

import java.util.List;

/**
 * Control flow and synchronisation: {@code bra}, {@code ret}, {@code exit}, {@code bar.sync} /
 * {@code barrier.sync} (the CTA scheduler checks that every thread reaches the same barrier),
 * {@code bar.warp.sync}, {@code shfl.sync} (up, down, bfly, idx, with the clamp and segment mask
 * of operand c), {@code vote.sync} (all, any, uni, ballot), and {@code membar}, {@code fence}
 * and {@code nanosleep}, which mean nothing to a sequential simulation.
 */
final class ControlOps {
    private ControlOps() {}

    static Exec decode(Decoder dec, Ptx.Instruction ins, Mods m) throws Unsupported {
        return switch (ins.opcode()) {
            case "bra" -> branch(dec, ins, m);
            case "ret", "exit" -> {
                m.take("uni");
                m.done();
                arity(ins, 0);
                yield exit();
            }
            case "bar", "barrier" -> barrier(dec, ins, m);
            case "membar", "fence", "nanosleep" -> {
                m.dropHints();
                m.take("proxy");
                m.take("async");
                m.done();
                yield (t, pc) -> pc + 1;
            }
            case "shfl" -> shfl(dec, ins, m);
            case "vote" -> vote(dec, ins, m);
            default -> throw new Unsupported("not a control instruction");
        };
    }

    static Exec exit() {
        return (t, pc) -> {
            t.pc = pc;
            t.state = SimThread.State.EXITED;
            return -1;
        };
    }

    private static Exec branch(Decoder dec, Ptx.Instruction ins, Mods m) throws Unsupported {
        m.take("uni");
        m.done();
        arity(ins, 1);
        int target = dec.label(operand(ins, 0));
        return (t, pc) -> {
            if (target <= pc && ++t.backwardBranches > t.cta.launch.options.maxBackwardBranches()) {
                throw new Trap(FaultKind.STEP_LIMIT, "more than " + t.cta.launch.options.maxBackwardBranches()
                        + " backward branches in one thread (an infinite loop?)");
            }
            return target;
        };
    }

    private static Exec barrier(Decoder dec, Ptx.Instruction ins, Mods m) throws Unsupported {
        m.take("cta");
        if (m.take("warp")) {
            if (!m.take("sync")) throw new Unsupported("bar.warp needs .sync");
            m.done();
            arity(ins, 1);
            return new WarpSync(dec.src(operand(ins, 0), PtxType.U32));
        }
        if (!m.take("sync")) throw new Unsupported("only bar.sync / barrier.sync are supported (not bar.arrive or bar.red)");
        m.take("aligned");
        m.done();
        if (ins.operands().isEmpty() || ins.operands().size() > 2) throw new Unsupported("bar.sync takes a barrier and an optional thread count");
        int id = dec.src(operand(ins, 0), PtxType.U32);
        int count = ins.operands().size() == 2 ? dec.src(operand(ins, 1), PtxType.U32) : -1;
        return (t, pc) -> {
            long b = t.r[id] & 0xffffffffL;
            if (b > 15) throw new Trap(FaultKind.UNSUPPORTED, "barrier " + b + " (barriers are 0..15)");
            if (count >= 0 && (t.r[count] & 0xffffffffL) < t.cta.size()) {
                throw new Trap(FaultKind.UNSUPPORTED, "bar.sync with a thread count (" + (t.r[count] & 0xffffffffL)
                        + ") below the CTA's " + t.cta.size() + " threads");
            }
            t.waitMask = (int) b;
            t.pc = pc;
            t.state = SimThread.State.BARRIER;
            return -1;
        };
    }

    /** {@code bar.warp.sync mask}: orders the members' shared-memory accesses. */
    private static final class WarpSync extends Collective {
        WarpSync(int mask) {
            super(mask);
        }

        @Override String key() {
            return "bar.warp.sync";
        }

        @Override void complete(List<SimThread> group, SimThread[] lanes, int mask) {
            Cta cta = group.get(0).cta;
            cta.warpEpoch[group.get(0).warp]++;
        }
    }

    private static Exec shfl(Decoder dec, Ptx.Instruction ins, Mods m) throws Unsupported {
        if (!m.take("sync")) throw new Unsupported("only shfl.sync is supported");
        String mode = m.takeAny("up", "down", "bfly", "idx");
        if (mode == null) throw new Unsupported("shfl.sync needs .up, .down, .bfly or .idx");
        PtxType t = m.type();
        m.done();
        if (t != PtxType.B32) throw new Unsupported("shfl.sync." + mode + "." + t.spelling());
        arity(ins, 5);
        Ptx.Operand dest = operand(ins, 0);
        int d = dec.dst(dest instanceof Ptx.Pair p ? p.first() : dest);
        int p = dest instanceof Ptx.Pair pair ? dec.dst(pair.second()) : -1;
        return new Shuffle("shfl.sync." + mode + ".b32", mode, d, p, dec.src(operand(ins, 1), t), dec.src(operand(ins, 2), PtxType.U32),
                dec.src(operand(ins, 3), PtxType.U32), dec.src(operand(ins, 4), PtxType.U32));
    }

    /** {@code shfl.sync.mode.b32 d|p, a, b, c, mask}, as the PTX ISA's pseudocode says. */
    private static final class Shuffle extends Collective {
        private final String key;
        private final String mode;
        private final int d;
        private final int p;
        private final int a;
        private final int b;
        private final int c;

        Shuffle(String key, String mode, int d, int p, int a, int b, int c, int mask) {
            super(mask);
            this.key = key;
            this.mode = mode;
            this.d = d;
            this.p = p;
            this.a = a;
            this.b = b;
            this.c = c;
        }

        @Override String key() {
            return key;
        }

        @Override void complete(List<SimThread> group, SimThread[] lanes, int mask) {
            long[] source = new long[32];
            for (SimThread t : group) source[t.lane] = ((Shuffle) at(t)).sourceValue(t);
            for (SimThread t : group) {
                Shuffle s = (Shuffle) at(t);
                int lane = t.lane;
                int bval = (int) (t.r[s.b] & 31);
                long cv = t.r[s.c];
                int cval = (int) (cv & 31);
                int segmask = (int) ((cv >>> 8) & 31);
                int maxLane = (lane & segmask) | (cval & ~segmask);
                int minLane = lane & segmask;
                int j;
                boolean pval;
                switch (mode) {
                    case "up" -> { j = lane - bval; pval = j >= maxLane; }
                    case "down" -> { j = lane + bval; pval = j <= maxLane; }
                    case "bfly" -> { j = lane ^ bval; pval = j <= maxLane; }
                    default -> { j = minLane | (bval & ~segmask); pval = j <= maxLane; }
                }
                if (!pval) j = lane;
                if (j != lane && ((mask >>> j) & 1) == 0) {
                    throw new Trap(FaultKind.WARP_DIVERGENCE, "shfl.sync in lane " + lane + " reads lane " + j
                            + ", which is not in the membermask 0x" + Integer.toHexString(mask) + " (undefined on a GPU)");
                }
                if (j != lane && (lanes[j] == null || lanes[j].state != SimThread.State.COLLECTIVE)) {
                    throw new Trap(FaultKind.WARP_DIVERGENCE, "shfl.sync in lane " + lane + " reads lane " + j
                            + ", which " + (lanes[j] == null ? "does not exist (past the end of the CTA)" : "has exited") + " (undefined on a GPU)");
                }
                t.r[s.d] = source[j];
                if (s.p >= 0) t.r[s.p] = pval ? 1 : 0;
            }
        }

        private long sourceValue(SimThread t) {
            return t.r[a] & 0xffffffffL;
        }
    }

    private static Exec vote(Decoder dec, Ptx.Instruction ins, Mods m) throws Unsupported {
        if (!m.take("sync")) throw new Unsupported("only vote.sync is supported");
        String mode = m.takeAny("all", "any", "uni", "ballot");
        if (mode == null) throw new Unsupported("vote.sync needs .all, .any, .uni or .ballot");
        PtxType t = m.type();
        m.done();
        if (mode.equals("ballot") != (t == PtxType.B32) || !mode.equals("ballot") && t != PtxType.PRED) {
            throw new Unsupported("vote.sync." + mode + "." + t.spelling());
        }
        arity(ins, 3);
        Ptx.Operand src = operand(ins, 1);
        boolean negated = src instanceof Ptx.Not;
        int a = dec.pred(src instanceof Ptx.Not n ? n.operand() : src);
        return new Vote("vote.sync." + mode, mode, dec.dst(operand(ins, 0)), a, negated, dec.src(operand(ins, 2), PtxType.U32));
    }

    /** {@code vote.sync.mode d, {!}a, mask} over the non-exited members. */
    private static final class Vote extends Collective {
        private final String key;
        private final String mode;
        private final int d;
        private final int a;
        private final boolean negated;

        Vote(String key, String mode, int d, int a, boolean negated, int mask) {
            super(mask);
            this.key = key;
            this.mode = mode;
            this.d = d;
            this.a = a;
            this.negated = negated;
        }

        @Override String key() {
            return key;
        }

        @Override void complete(List<SimThread> group, SimThread[] lanes, int mask) {
            long ballot = 0;
            for (SimThread t : group) {
                Vote v = (Vote) at(t);
                if ((t.r[v.a] != 0) != v.negated) ballot |= 1L << t.lane;
            }
            long members = 0;
            for (SimThread t : group) members |= 1L << t.lane;
            long result = switch (mode) {
                case "all" -> ballot == members ? 1 : 0;
                case "any" -> ballot != 0 ? 1 : 0;
                case "uni" -> ballot == members || ballot == 0 ? 1 : 0;
                default -> ballot;
            };
            for (SimThread t : group) t.r[((Vote) at(t)).d] = result;
        }
    }
}
