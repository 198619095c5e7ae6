package tessera.ir.tensor;

/**
 * {@code op[vars | filter](body)}: loops over every point of the reduction variables (the first
 * outermost), evaluates the filter and then the body, and combines the present terms. Never
 * absent. Empty: sum 0, max -inf, min +inf, mean 0, logsumexp -inf. Logsumexp keeps a running
 * maximum and rescales the running sum, so large terms do not overflow.
 */
final class ReduceNode extends Node.DoubleNode {
    private final Expr.ReduceOp op;
    private final int[] slots;
    private final Node[] extents;
    private final Node filter;
    private final Node body;
    private final Nodes.Site site;
    private final long[] ext;

    /** @param filter {@code null} when there is none */
    ReduceNode(Expr.ReduceOp op, int[] slots, Node[] extents, Node filter, Node body, Nodes.Site site) {
        this.op = op;
        this.slots = slots;
        this.extents = extents;
        this.filter = filter;
        this.body = body;
        this.site = site;
        this.ext = new long[slots.length];
    }

    @Override double d(Frame f) {
        for (int k = 0; k < ext.length; k++) {
            long e = extents[k].l(f);
            if (f.absent) throw site.fail("the range of a reduction variable has no value in " + site.text());
            if (e < 0) throw site.fail("reduction variable " + k + " has negative extent " + e + " in " + site.text());
            ext[k] = e;
        }
        long total = Frame.count(ext, () -> site.fail("reduction too large in " + site.text()));
        double acc = switch (op) {
            case SUM, MEAN -> 0;
            case MAX, LOGSUMEXP -> Double.NEGATIVE_INFINITY;
            case MIN -> Double.POSITIVE_INFINITY;
        };
        double lseSum = 0;
        long count = 0;
        f.start(slots);
        for (long t = 0; t < total; t++) {
            if (t > 0) f.advance(slots, ext);
            if (filter != null) {
                long keep = filter.l(f);
                if (f.absent) {
                    f.absent = false;
                    continue;
                }
                if (keep == 0) continue;
            }
            double x = body.d(f);
            if (f.absent) {
                f.absent = false;
                continue;
            }
            count++;
            switch (op) {
                case SUM, MEAN -> acc += x;
                case MAX -> acc = Math.max(acc, x);
                case MIN -> acc = Math.min(acc, x);
                case LOGSUMEXP -> {
                    if (x > acc) {
                        lseSum = lseSum * Math.exp(acc - x) + 1;
                        acc = x;
                    } else if (x == acc) {
                        lseSum += 1;
                    } else if (x != Double.NEGATIVE_INFINITY) {
                        lseSum += Math.exp(x - acc);
                    }
                }
            }
        }
        return switch (op) {
            case SUM, MAX, MIN -> acc;
            case MEAN -> count == 0 ? 0 : acc / count;
            case LOGSUMEXP -> Double.isInfinite(acc) || Double.isNaN(acc) ? acc : acc + Math.log(lseSum);
        };
    }
}
