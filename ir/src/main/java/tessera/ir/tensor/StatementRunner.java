package tessera.ir.tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import tessera.ir.SourceSpan;
import tessera.ir.tensor.Program.TensorDecl;

/**
 * Runs the statements of a {@link KernelRun} in order. Each statement is compiled
 * ({@link ExprCompiler}) right before it runs, when every scalar it mentions has its value, and then
 * loops over its index space in row-major order of its variables.
 */
final class StatementRunner {
    private final KernelRun run;

    StatementRunner(KernelRun run) {
        this.run = run;
    }

    void run(Stmt s) {
        switch (s) {
            case Stmt.Let l -> run.let(l.name(), run.evalScalar(l.value(), l.span()));
            case Stmt.Define d -> define(d);
            case Stmt.Scatter sc -> scatter(sc);
            case Stmt.TopK t -> topk(t);
            case Stmt.Attention a -> attention(a);
        }
    }

    /**
     * Fused attention, computed as the statements it replaces define it (not by the online
     * recurrence the compiled kernels use), so that running a program before and after
     * FlashFusion must agree: per row, the present scores (mask true, score present) and the
     * sink; softmax with the NaN-propagating max, 0 where that max is -inf; logsumexp and max
     * exactly as {@link ReduceNode} computes them; o the sum over keys, in key order, of
     * softmax * factor * value, skipping keys whose factor or value is absent.
     */
    private void attention(Stmt.Attention a) {
        SourceSpan span = a.span();
        String where = "attention over '" + a.scores() + "'";
        long[] ext = extents(a.rows(), span);
        long keys = run.evalExtent(a.key().extent(), "the extent of '" + a.key().name() + "'", span);
        if (keys > Buffer.MAX_ENTRIES) throw new RunFailure(where + ": too many keys (" + keys + ")", span);
        ExprCompiler c = new ExprCompiler(run, span);
        int[] slots = bind(c, a.rows());
        int keySlot = c.bind(a.key().name());
        Node score = c.compile(a.score());
        Node mask = a.mask().map(c::compile).orElse(null);
        Node sink = a.sink().map(c::compile).orElse(null);
        Buffer out = null;
        Node value = null;
        Node factor = null;
        int valueSlot = -1;
        long valueExt = 0;
        if (a.out().isPresent()) {
            Stmt.Output o = a.out().get();
            valueExt = run.evalExtent(o.var().extent(), "the extent of '" + o.var().name() + "'", span);
            valueSlot = c.bind(o.var().name());
            value = c.compile(o.value());
            factor = o.factor().map(c::compile).orElse(null);
            long[] oext = Arrays.copyOf(ext, ext.length + 1);
            oext[ext.length] = valueExt;
            TensorDecl decl = declaration(o.tensor(), span);
            run.resolveDims(decl, span);
            checkShape(decl, oext, span);
            out = Buffer.allocate(o.tensor(), oext, span);
            Arrays.fill(out.present, true);
        }
        Buffer lse = rowBuffer(a.lse(), ext, span);
        Buffer max = rowBuffer(a.max(), ext, span);
        int n = (int) keys;
        double[] scores = new double[n];
        boolean[] present = new boolean[n];
        Frame f = c.newFrame();
        long total = Frame.count(ext, () -> new RunFailure(where + " has too many rows", span));
        f.start(slots);
        for (long row = 0; row < total; row++) {
            if (row > 0) f.advance(slots, ext);
            double propagatingMax = Double.NEGATIVE_INFINITY;
            double lseMax = Double.NEGATIVE_INFINITY;
            double lseSum = 0;
            double sinkValue = 0;
            boolean sinkPresent = false;
            if (sink != null) {
                sinkValue = sink.d(f);
                sinkPresent = !f.absent;
                f.absent = false;
            }
            for (int j = 0; j <= n; j++) {
                double x;
                if (j < n) {
                    f.idx[keySlot] = j;
                    present[j] = false;
                    if (mask != null) {
                        long holds = mask.l(f);
                        if (f.absent || holds == 0) {
                            f.absent = false;
                            continue;
                        }
                    }
                    x = score.d(f);
                    if (f.absent) {
                        f.absent = false;
                        continue;
                    }
                    scores[j] = x;
                    present[j] = true;
                } else {
                    if (!sinkPresent) continue;
                    x = sinkValue;
                }
                propagatingMax = Math.max(propagatingMax, x);
                if (x > lseMax) {
                    lseSum = lseSum * Math.exp(lseMax - x) + 1;
                    lseMax = x;
                } else if (x == lseMax) {
                    lseSum += 1;
                } else if (x != Double.NEGATIVE_INFINITY) {
                    lseSum += Math.exp(x - lseMax);
                }
            }
            long at = 0;
            for (int k = 0; k < slots.length; k++) at += f.idx[slots[k]] * (lse != null ? lse.strides[k] : max != null ? max.strides[k] : 0);
            if (lse != null) {
                lse.data[(int) at] = Double.isInfinite(lseMax) || Double.isNaN(lseMax) ? lseMax : lseMax + Math.log(lseSum);
                lse.present[(int) at] = true;
            }
            if (max != null) {
                max.data[(int) at] = propagatingMax; // max[key](s): the sink is an entry of s
                max.present[(int) at] = true;
            }
            if (out == null) continue;
            double l = 0;
            if (propagatingMax != Double.NEGATIVE_INFINITY) {
                for (int j = 0; j < n; j++) if (present[j]) l += Math.exp(scores[j] - propagatingMax);
                if (sinkPresent) l += Math.exp(sinkValue - propagatingMax);
            }
            long base = 0;
            for (int k = 0; k < slots.length; k++) base += f.idx[slots[k]] * out.strides[k];
            long eStride = out.strides[slots.length];
            for (long e = 0; e < valueExt; e++) {
                f.idx[valueSlot] = e;
                double sum = 0;
                for (int j = 0; j < n; j++) {
                    if (!present[j]) continue;
                    f.idx[keySlot] = j;
                    double p = propagatingMax == Double.NEGATIVE_INFINITY ? 0 : Math.exp(scores[j] - propagatingMax) / l;
                    if (factor != null) {
                        double w = factor.d(f);
                        if (f.absent) {
                            f.absent = false;
                            continue;
                        }
                        p *= w;
                    }
                    double v = value.d(f);
                    if (f.absent) {
                        f.absent = false;
                        continue;
                    }
                    sum += p * v;
                }
                out.data[(int) (base + e * eStride)] = sum;
            }
        }
        if (out != null) {
            out.compact();
            run.put(out);
        }
        if (lse != null) {
            lse.compact();
            run.put(lse);
        }
        if (max != null) {
            max.compact();
            run.put(max);
        }
    }

    private Buffer rowBuffer(java.util.Optional<String> tensor, long[] ext, SourceSpan span) {
        if (tensor.isEmpty()) return null;
        TensorDecl decl = declaration(tensor.get(), span);
        run.resolveDims(decl, span);
        checkShape(decl, ext, span);
        return Buffer.allocate(tensor.get(), ext, span);
    }

    /** Allocates the tensor and computes every entry; the domain false or the value absent leaves it absent. */
    private void define(Stmt.Define d) {
        SourceSpan span = d.span();
        TensorDecl decl = declaration(d.tensor(), span);
        if (run.buffer(d.tensor()).isPresent()) throw new RunFailure("'" + d.tensor() + "' is defined twice", span);
        run.resolveDims(decl, span);
        long[] ext = extents(d.vars(), span);
        checkShape(decl, ext, span);
        ExprCompiler c = new ExprCompiler(run, span);
        int[] slots = bind(c, d.vars());
        Node domain = d.domain().map(c::compile).orElse(null);
        Node value = c.compile(d.value());
        Buffer buf = Buffer.allocate(d.tensor(), ext, span);
        Frame f = c.newFrame();
        f.start(slots);
        for (int t = 0; t < buf.size(); t++) {
            if (t > 0) f.advance(slots, ext);
            if (domain != null) {
                long holds = domain.l(f);
                if (f.absent || holds == 0) {
                    f.absent = false;
                    continue;
                }
            }
            double v = value.d(f);
            if (f.absent) {
                f.absent = false;
                continue;
            }
            buf.data[t] = v;
            buf.present[t] = true;
        }
        buf.compact();
        run.put(buf);
    }

    /**
     * Computes every write first and applies them at the end, so that the statement reads the
     * tensor as it was; two points writing one entry is an error.
     */
    private void scatter(Stmt.Scatter sc) {
        SourceSpan span = sc.span();
        Buffer buf = run.buffer(sc.tensor())
                .orElseThrow(() -> new RunFailure("scatter into '" + sc.tensor() + "' before it is defined", span));
        if (sc.target().size() != buf.shape.length) {
            throw new RunFailure("scatter into '" + sc.tensor() + "' has " + sc.target().size() + " indices, but it has rank " + buf.shape.length, span);
        }
        long[] ext = extents(sc.vars(), span);
        ExprCompiler c = new ExprCompiler(run, span);
        int[] slots = bind(c, sc.vars());
        Node domain = sc.domain().map(c::compile).orElse(null);
        Node value = c.compile(sc.value());
        Node[] target = sc.target().stream().map(c::compile).toArray(Node[]::new);
        Frame f = c.newFrame();
        long total = Frame.count(ext, () -> new RunFailure("scatter into '" + sc.tensor() + "' has too many points", span));
        BitSet written = new BitSet(buf.size());
        int[] offsets = new int[16];
        double[] values = new double[16];
        int n = 0;
        f.start(slots);
        points:
        for (long t = 0; t < total; t++) {
            if (t > 0) f.advance(slots, ext);
            if (domain != null) {
                long holds = domain.l(f);
                if (f.absent || holds == 0) {
                    f.absent = false;
                    continue;
                }
            }
            double v = value.d(f);
            if (f.absent) {
                f.absent = false;
                continue;
            }
            long off = 0;
            long[] at = new long[target.length];
            for (int k = 0; k < target.length; k++) {
                at[k] = target[k].l(f);
                if (f.absent) {
                    f.absent = false;
                    continue points;
                }
                if (at[k] < 0 || at[k] >= buf.shape[k]) {
                    throw new RunFailure("index " + at[k] + " out of range [0, " + buf.shape[k] + ") for axis " + k + " of '"
                            + sc.tensor() + "' in the scatter " + Printer.stmt(sc) + " (at " + point(sc.vars(), slots, f) + ")", span);
                }
                off += at[k] * buf.strides[k];
            }
            if (written.get((int) off)) {
                throw new RunFailure("the scatter " + Printer.stmt(sc) + " writes " + sc.tensor() + Arrays.toString(at)
                        + " twice (again at " + point(sc.vars(), slots, f) + ")", span);
            }
            written.set((int) off);
            if (n == offsets.length) {
                offsets = Arrays.copyOf(offsets, 2 * n);
                values = Arrays.copyOf(values, 2 * n);
            }
            offsets[n] = (int) off;
            values[n++] = v;
        }
        for (int i = 0; i < n; i++) {
            buf.data[offsets[i]] = values[i];
            if (buf.present != null) buf.present[offsets[i]] = true;
        }
        buf.compact();
    }

    /**
     * For each point of the variables other than the axis: the indices along {@code over} of the k
     * largest present values, largest first, ties to the smaller index (NaN counts as largest).
     */
    private void topk(Stmt.TopK t) {
        SourceSpan span = t.span();
        String where = "topk into '" + t.tensor() + "'";
        TensorDecl decl = declaration(t.tensor(), span);
        if (run.buffer(t.tensor()).isPresent()) throw new RunFailure("'" + t.tensor() + "' is defined twice", span);
        run.resolveDims(decl, span);
        long k = run.evalExtent(t.k(), "k of the " + where, span);
        long[] ext = extents(t.vars(), span);
        int axisPos = -1;
        for (int i = 0; i < t.vars().size(); i++) {
            if (t.vars().get(i).name().equals(t.axis())) axisPos = i;
        }
        if (axisPos < 0) throw new RunFailure(where + ": the axis '" + t.axis() + "' is not one of its variables", span);
        if (ext[axisPos] != k) {
            throw new RunFailure(where + ": the axis '" + t.axis() + "' has extent " + ext[axisPos] + " but k = " + k, span);
        }
        long overExt = run.evalExtent(t.over().extent(), "the extent of '" + t.over().name() + "'", span);
        if (k > overExt) {
            throw new RunFailure(where + ": k = " + k + " is larger than the extent " + overExt + " of '" + t.over().name() + "'", span);
        }
        checkShape(decl, ext, span);
        ExprCompiler c = new ExprCompiler(run, span);
        int[] slots = bind(c, t.vars());
        int overSlot = c.bind(t.over().name());
        Node value = c.compile(t.value());
        Buffer buf = Buffer.allocate(t.tensor(), ext, span);
        Arrays.fill(buf.present, true);
        buf.compact();

        List<IndexVar> outerVars = new ArrayList<>(t.vars());
        outerVars.remove(axisPos);
        int[] outerSlots = new int[outerVars.size()];
        long[] outerExt = new long[outerVars.size()];
        long[] outerStride = new long[outerVars.size()];
        for (int i = 0, j = 0; i < slots.length; i++) {
            if (i == axisPos) continue;
            outerSlots[j] = slots[i];
            outerExt[j] = ext[i];
            outerStride[j++] = buf.strides[i];
        }
        long axisStride = buf.strides[axisPos];
        Frame f = c.newFrame();
        long total = Frame.count(outerExt, () -> new RunFailure(where + " has too many points", span));
        int n = (int) overExt;
        double[] vals = new double[n];
        Integer[] order = new Integer[n];
        f.start(outerSlots);
        for (long p = 0; p < total; p++) {
            if (p > 0) f.advance(outerSlots, outerExt);
            int present = 0;
            for (int o = 0; o < n; o++) {
                f.idx[overSlot] = o;
                double v = value.d(f);
                if (f.absent) {
                    f.absent = false;
                    continue;
                }
                vals[o] = v;
                order[present++] = o;
            }
            if (present < k) {
                throw new RunFailure(where + ": only " + present + " present values along '" + t.over().name() + "' at "
                        + point(outerVars, outerSlots, f) + ", fewer than k = " + k, span);
            }
            Arrays.sort(order, 0, present, (a, b) -> vals[a] == vals[b] ? 0 : Double.compare(vals[b], vals[a]));
            long base = 0;
            for (int i = 0; i < outerSlots.length; i++) base += f.idx[outerSlots[i]] * outerStride[i];
            for (int r = 0; r < k; r++) buf.data[(int) (base + r * axisStride)] = order[r];
        }
        run.put(buf);
    }

    private TensorDecl declaration(String tensor, SourceSpan span) {
        return run.program().tensor(tensor).orElseThrow(() -> new RunFailure("'" + tensor + "' is not declared", span));
    }

    private long[] extents(List<IndexVar> vars, SourceSpan span) {
        long[] ext = new long[vars.size()];
        for (int i = 0; i < ext.length; i++) {
            ext[i] = run.evalExtent(vars.get(i).extent(), "the extent of '" + vars.get(i).name() + "'", span);
        }
        return ext;
    }

    private static int[] bind(ExprCompiler c, List<IndexVar> vars) {
        int[] slots = new int[vars.size()];
        for (int i = 0; i < slots.length; i++) slots[i] = c.bind(vars.get(i).name());
        return slots;
    }

    /** The declared shape, evaluated now, must be the shape the statement gives the tensor. */
    private void checkShape(TensorDecl decl, long[] ext, SourceSpan span) {
        if (decl.rank() != ext.length) {
            throw new RunFailure("'" + decl.name() + "' is declared with rank " + decl.rank() + " but its statement has " + ext.length + " variables", span);
        }
        long[] want = new long[ext.length];
        for (int i = 0; i < want.length; i++) {
            want[i] = run.evalExtent(decl.shape().get(i), "axis " + i + " of '" + decl.name() + "'", span);
        }
        if (!Arrays.equals(want, ext)) {
            throw new RunFailure("'" + decl.name() + "' is declared " + Printer.type(decl) + " = " + Arrays.toString(want)
                    + " but its statement gives it shape " + Arrays.toString(ext), span);
        }
    }

    /** {@code "b = 0, h = 1"}: the current values of the variables. */
    private static String point(List<IndexVar> vars, int[] slots, Frame f) {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < slots.length; i++) parts.add(vars.get(i).name() + " = " + f.idx[slots[i]]);
        return String.join(", ", parts);
    }
}
