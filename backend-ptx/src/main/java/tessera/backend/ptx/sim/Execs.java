package tessera.backend.ptx.sim;

/**
 * Builders of {@link Exec}s for register-to-register instructions: the operation is a small
 * function of the source registers' raw values, captured with the slots once at decode time.
 */
final class Execs {
    private Execs() {}

    @FunctionalInterface
    interface L1 {
        long f(long a);
    }

    @FunctionalInterface
    interface L2 {
        long f(long a, long b);
    }

    @FunctionalInterface
    interface L3 {
        long f(long a, long b, long c);
    }

    static Exec un(int d, int a, L1 f) {
        return (t, pc) -> {
            long[] r = t.r;
            r[d] = f.f(r[a]);
            return pc + 1;
        };
    }

    static Exec bin(int d, int a, int b, L2 f) {
        return (t, pc) -> {
            long[] r = t.r;
            r[d] = f.f(r[a], r[b]);
            return pc + 1;
        };
    }

    static Exec ter(int d, int a, int b, int c, L3 f) {
        return (t, pc) -> {
            long[] r = t.r;
            r[d] = f.f(r[a], r[b], r[c]);
            return pc + 1;
        };
    }
}
