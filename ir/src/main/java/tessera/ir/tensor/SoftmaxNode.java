package tessera.ir.tensor;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * {@code softmax[var](body)} at the current value of {@code var}: exp(body - m) / l, with m and l
 * the maximum and the sum of exp(body - m) over the present entries of body along var, all other
 * variables fixed. Absent where body is absent; 0 where every present entry is -inf.
 *
 * <p>A row's (m, l) depends only on the values of the other index variables free in body, so it is
 * computed once per statement for each of their combinations and kept (the last row in fields,
 * every row in a map): the softmax of an N x M score matrix costs O(N M), not O(N M^2).
 */
final class SoftmaxNode extends Node.DoubleNode {
    private final int varSlot;
    private final Node extent;
    private final int[] keySlots;
    private final Node body;
    private final Nodes.Site site;
    private final Map<Key, double[]> rows = new HashMap<>();
    private final long[] key;
    private boolean haveLast;
    private double lastMax;
    private double lastSum;
    private double[] values = new double[0];
    private boolean[] present = new boolean[0];

    /** @param keySlots the slots of the index variables free in body, other than var */
    SoftmaxNode(int varSlot, Node extent, int[] keySlots, Node body, Nodes.Site site) {
        this.varSlot = varSlot;
        this.extent = extent;
        this.keySlots = keySlots;
        this.body = body;
        this.site = site;
        this.key = new long[keySlots.length];
    }

    @Override double d(Frame f) {
        if (!haveLast || !sameKey(f)) {
            for (int k = 0; k < keySlots.length; k++) key[k] = f.idx[keySlots[k]];
            double[] stats = rows.computeIfAbsent(new Key(key.clone()), unused -> row(f));
            lastMax = stats[0];
            lastSum = stats[1];
            haveLast = true;
        }
        double x = body.d(f);
        if (f.absent) return 0;
        if (lastMax == Double.NEGATIVE_INFINITY) return 0;
        return Math.exp(x - lastMax) / lastSum;
    }

    private boolean sameKey(Frame f) {
        for (int k = 0; k < keySlots.length; k++) {
            if (key[k] != f.idx[keySlots[k]]) return false;
        }
        return true;
    }

    /** The (max, sum) of the row through the current point; leaves var and the absence flag as found. */
    private double[] row(Frame f) {
        long e = extent.l(f);
        if (f.absent) throw site.fail("the range of the softmax variable has no value in " + site.text());
        if (e < 0) throw site.fail("softmax variable has negative extent " + e + " in " + site.text());
        if (e > Buffer.MAX_ENTRIES) throw site.fail("softmax row too long (" + e + ") in " + site.text());
        int n = (int) e;
        if (values.length < n) {
            values = new double[n];
            present = new boolean[n];
        }
        long saved = f.idx[varSlot];
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < n; j++) {
            f.idx[varSlot] = j;
            double x = body.d(f);
            present[j] = !f.absent;
            f.absent = false;
            values[j] = x;
            if (present[j]) max = Math.max(max, x);
        }
        double sum = 0;
        if (max != Double.NEGATIVE_INFINITY) {
            for (int j = 0; j < n; j++) {
                if (present[j]) sum += Math.exp(values[j] - max);
            }
        }
        f.idx[varSlot] = saved;
        return new double[] {max, sum};
    }

    /** The values of the key variables, compared by content. */
    private record Key(long[] values) {
        @Override public boolean equals(Object o) {
            return o instanceof Key k && Arrays.equals(values, k.values);
        }

        @Override public int hashCode() {
            return Arrays.hashCode(values);
        }

        @Override public String toString() {
            return Arrays.toString(values);
        }
    }
}
