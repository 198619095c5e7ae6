package tessera.backend.ptx.sim;

/**
 * Specialised {@link Exec}s for the instructions that dominate emitted kernels (index
 * arithmetic, widening, global loads and stores, f32 arithmetic): each is its own lambda, so the
 * JIT sees one operation per call site instead of a shared generic one. Each computes exactly
 * what the generic form in {@link IntegerOps}, {@link Conversions}, {@link MemoryOps} or
 * {@link FloatOps} computes.
 */
final class Fast {
    private Fast() {}

    private static final long M32 = 0xffffffffL;

    static Exec add(PtxType t, int d, int a, int b) {
        return switch (t) {
            case S64, U64, B64 -> (th, pc) -> {
                long[] r = th.r;
                r[d] = r[a] + r[b];
                return pc + 1;
            };
            case S32 -> (th, pc) -> {
                long[] r = th.r;
                r[d] = (int) (r[a] + r[b]);
                return pc + 1;
            };
            case U32, B32 -> (th, pc) -> {
                long[] r = th.r;
                r[d] = (r[a] + r[b]) & M32;
                return pc + 1;
            };
            default -> Execs.bin(d, a, b, (x, y) -> t.norm(x + y));
        };
    }

    static Exec sub(PtxType t, int d, int a, int b) {
        return switch (t) {
            case S64, U64, B64 -> (th, pc) -> {
                long[] r = th.r;
                r[d] = r[a] - r[b];
                return pc + 1;
            };
            case S32 -> (th, pc) -> {
                long[] r = th.r;
                r[d] = (int) (r[a] - r[b]);
                return pc + 1;
            };
            default -> Execs.bin(d, a, b, (x, y) -> t.norm(x - y));
        };
    }

    /** {@code mul.lo} and {@code mul.wide} on 32 and 64 bits, or null for the generic form. */
    static Exec mul(String mode, PtxType t, int d, int a, int b) {
        if (mode.equals("lo")) {
            return switch (t) {
                case S64, U64 -> (th, pc) -> {
                    long[] r = th.r;
                    r[d] = r[a] * r[b];
                    return pc + 1;
                };
                case S32 -> (th, pc) -> {
                    long[] r = th.r;
                    r[d] = (int) (r[a] * r[b]);
                    return pc + 1;
                };
                case U32 -> (th, pc) -> {
                    long[] r = th.r;
                    r[d] = (r[a] * r[b]) & M32;
                    return pc + 1;
                };
                default -> null;
            };
        }
        if (mode.equals("wide")) {
            return switch (t) {
                case S32 -> (th, pc) -> {
                    long[] r = th.r;
                    r[d] = (long) (int) r[a] * (int) r[b];
                    return pc + 1;
                };
                case U32 -> (th, pc) -> {
                    long[] r = th.r;
                    r[d] = (r[a] & M32) * (r[b] & M32);
                    return pc + 1;
                };
                default -> null;
            };
        }
        return null;
    }

    /** Integer-to-integer {@code cvt} without saturation. */
    static Exec convert(PtxType dt, PtxType at, int d, int a) {
        if (at == PtxType.S32 && dt.bits == 64) {
            return (th, pc) -> {
                long[] r = th.r;
                r[d] = (int) r[a];
                return pc + 1;
            };
        }
        if (at.bits < 32) return Execs.un(d, a, v -> dt.norm(at.norm(v)));
        if (dt == PtxType.S32) {
            return (th, pc) -> {
                long[] r = th.r;
                r[d] = (int) r[a];
                return pc + 1;
            };
        }
        if (dt == PtxType.U32 || dt == PtxType.B32 || at == PtxType.U32 && dt.bits == 64) {
            return (th, pc) -> {
                long[] r = th.r;
                r[d] = r[a] & M32;
                return pc + 1;
            };
        }
        return Execs.un(d, a, v -> dt.norm(at.norm(v)));
    }

    /** A scalar global load of {@code t}. */
    static Exec loadGlobal(PtxType t, int d, int base, long off) {
        int size = t.bytes();
        return (th, pc) -> {
            Launch l = th.cta.launch;
            th.r[d] = t.norm(l.memory.load(th.r[base] + off, size, l.namer));
            return pc + 1;
        };
    }

    /** A scalar global store of {@code t}. */
    static Exec storeGlobal(PtxType t, int v, int base, long off) {
        int size = t.bytes();
        return (th, pc) -> {
            Launch l = th.cta.launch;
            l.memory.store(th.r[base] + off, size, th.r[v], l.namer);
            return pc + 1;
        };
    }

    /**
     * f32 {@code add}, {@code sub}, {@code mul}, {@code div}, {@code fma}, {@code max},
     * {@code min} (rounding to nearest, without .NaN) and {@code ex2.approx}, without .ftz or
     * .sat; null otherwise.
     */
    static Exec f32(String op, int d, int a, int b, int c) {
        return switch (op) {
            case "add" -> (th, pc) -> {
                long[] r = th.r;
                r[d] = FloatMath.bits(FloatMath.f(r[a]) + FloatMath.f(r[b]));
                return pc + 1;
            };
            case "sub" -> (th, pc) -> {
                long[] r = th.r;
                r[d] = FloatMath.bits(FloatMath.f(r[a]) - FloatMath.f(r[b]));
                return pc + 1;
            };
            case "mul" -> (th, pc) -> {
                long[] r = th.r;
                r[d] = FloatMath.bits(FloatMath.f(r[a]) * FloatMath.f(r[b]));
                return pc + 1;
            };
            case "div" -> (th, pc) -> {
                long[] r = th.r;
                r[d] = FloatMath.bits(FloatMath.f(r[a]) / FloatMath.f(r[b]));
                return pc + 1;
            };
            case "max" -> (th, pc) -> {
                long[] r = th.r;
                r[d] = FloatMath.bits((float) FloatMath.max(FloatMath.f(r[a]), FloatMath.f(r[b]), false));
                return pc + 1;
            };
            case "min" -> (th, pc) -> {
                long[] r = th.r;
                r[d] = FloatMath.bits((float) FloatMath.min(FloatMath.f(r[a]), FloatMath.f(r[b]), false));
                return pc + 1;
            };
            case "ex2" -> (th, pc) -> {
                long[] r = th.r;
                r[d] = FloatMath.bits(FloatMath.ex2(FloatMath.f(r[a])));
                return pc + 1;
            };
            case "fma", "mad" -> (th, pc) -> {
                long[] r = th.r;
                r[d] = FloatMath.bits(Math.fma(FloatMath.f(r[a]), FloatMath.f(r[b]), FloatMath.f(r[c])));
                return pc + 1;
            };
            default -> null;
        };
    }
}
