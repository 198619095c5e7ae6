package tessera.ir.tensor;

/**
 * The mutable state of one statement's evaluation: the current value of every index variable (one
 * slot each, handed out by {@link ExprCompiler}) and the absence flag.
 *
 * <p>Absence protocol: every node is entered with {@code absent == false}. A node whose value does
 * not exist returns with {@code absent == true} (its return value is then meaningless); a parent
 * checks the flag after each child and passes absence up at once. Reductions, softmax and the
 * statement loop are the only places that clear it again.
 */
final class Frame {
    final long[] idx;
    boolean absent;

    Frame(int slots) {
        this.idx = new long[slots];
    }

    /** The number of points of an index space with these (non-negative) extents. */
    static long count(long[] extents, java.util.function.Supplier<RunFailure> tooLarge) {
        for (long e : extents) {
            if (e == 0) return 0;
        }
        long n = 1;
        try {
            for (long e : extents) n = Math.multiplyExact(n, e);
        } catch (ArithmeticException overflow) {
            throw tooLarge.get();
        }
        return n;
    }

    /** Sets the variables in {@code slots} to the first point, all zeros. */
    void start(int[] slots) {
        for (int s : slots) idx[s] = 0;
    }

    /** Moves the variables in {@code slots} to the next point in row-major order (last slot fastest). */
    void advance(int[] slots, long[] extents) {
        int k = slots.length - 1;
        while (k >= 0 && ++idx[slots[k]] == extents[k]) {
            idx[slots[k]] = 0;
            k--;
        }
    }
}
