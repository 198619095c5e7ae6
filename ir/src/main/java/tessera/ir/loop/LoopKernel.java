package tessera.ir.loop;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import tessera.ir.tensor.Expr;
import tessera.ir.tensor.Types;
import tessera.runtime.DType;
import tessera.runtime.Philox;

/**
 * A {@link Kernel} compiled for the {@link LoopInterpreter}: every name resolved once to a slot of
 * a {@link Frame} (integers and bools in a {@code long[]}, floats in a {@code double[]}) or to the
 * index of a buffer parameter, every statement and expression turned into a small closure. Running
 * it walks the grid row-major (last variable fastest) and runs the body once per point, reusing
 * one frame: locals are initialised where they are declared, so nothing leaks between points.
 *
 * <p>Semantics are {@link HostEval}'s (integer arithmetic exact with I32 wrap-around, floats in
 * double precision, lazy {@code && || ?:}); a {@code for} re-evaluates its upper bound before each
 * iteration, as the C form {@code for (v = lo; v < hi; v++)} does. Loads and stores are
 * bounds-checked; a fault (an index out of range, an integer division by zero) stops the launch
 * with a one-line message naming the expression.
 */
final class LoopKernel {
    /** The state of one work item: local slots and the launch's buffers, by parameter position. */
    static final class Frame {
        final long[] l;
        final double[] d;
        /** The buffer parameters, then one slot per local array of the kernel. */
        final InterpBuffer[] b;
        /** What a {@link LStmt.Barrier} does: wait for the rest of the group (null outside group kernels). */
        Runnable barrier;

        Frame(int longs, int doubles, InterpBuffer[] buffers) {
            this.l = new long[longs];
            this.d = new double[doubles];
            this.b = buffers;
        }
    }

    @FunctionalInterface
    interface LNode {
        long l(Frame f);
    }

    @FunctionalInterface
    interface DNode {
        double d(Frame f);
    }

    @FunctionalInterface
    interface Exec {
        void run(Frame f);
    }

    /** A problem found while compiling or running a kernel; becomes a {@link Device.DeviceException}. */
    static final class Fault extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Fault(String message) {
            super(message, null, false, false);
        }
    }

    /** Where a scalar parameter's value goes. */
    private record ScalarSlot(String name, boolean isLong, int slot) {}

    /** A shared array: its buffer slot, element type and size; created afresh for every group. */
    private record SharedSlot(int slot, DType type, int size) {}

    private final Kernel kernel;
    private final int longs;
    private final int doubles;
    private final int[] gridSlots;
    private final List<Kernel.BufferParam> buffers;
    private final List<ScalarSlot> scalars;
    private final Exec body;
    private final int arrays;
    private final int groupSlot;
    private final List<SharedSlot> shared;

    private LoopKernel(Kernel kernel, int longs, int doubles, int[] gridSlots, List<Kernel.BufferParam> buffers,
                       List<ScalarSlot> scalars, Exec body, int arrays, int groupSlot, List<SharedSlot> shared) {
        this.kernel = kernel;
        this.arrays = arrays;
        this.groupSlot = groupSlot;
        this.shared = List.copyOf(shared);
        this.longs = longs;
        this.doubles = doubles;
        this.gridSlots = gridSlots;
        this.buffers = List.copyOf(buffers);
        this.scalars = List.copyOf(scalars);
        this.body = body;
    }

    /** Compiles {@code k}; a name that resolves to nothing is a {@link Fault}. */
    static LoopKernel compile(Kernel k) {
        return new Compiler(k).compile();
    }

    Kernel kernel() {
        return kernel;
    }

    /** The buffer parameters, in the order {@link #run} takes their buffers. */
    List<Kernel.BufferParam> bufferParams() {
        return buffers;
    }

    /**
     * Runs the kernel over {@code grid}.
     *
     * @param bound the buffer of each buffer parameter, in {@link #bufferParams()} order
     * @param values every scalar parameter's value by name
     */
    void run(long[] grid, InterpBuffer[] bound, Map<String, Double> values) {
        Frame f = frame(bound, values);
        for (long extent : grid) {
            if (extent <= 0) return;
        }
        int n = grid.length;
        long[] at = new long[n];
        while (true) {
            for (int k = 0; k < n; k++) f.l[gridSlots[k]] = at[k];
            if (kernel.group().isPresent()) runGroup(at, bound, values);
            else body.run(f);
            int k = n - 1;
            while (k >= 0 && ++at[k] == grid[k]) {
                at[k] = 0;
                k--;
            }
            if (k < 0) return;
        }
    }

    private Frame frame(InterpBuffer[] bound, Map<String, Double> values) {
        Frame f = new Frame(longs, doubles, java.util.Arrays.copyOf(bound, bound.length + arrays));
        for (ScalarSlot s : scalars) {
            double v = values.get(s.name());
            if (s.isLong()) f.l[s.slot()] = (long) v;
            else f.d[s.slot()] = v;
        }
        return f;
    }

    /**
     * Runs one group: a virtual thread per work item, each with its own frame, sharing the
     * group's shared arrays (floats start as NaN, so a read before any write shows) and meeting
     * at barriers. A work item that finishes or faults leaves the barrier's party, so the rest
     * never wait for it; the first fault is rethrown.
     */
    private void runGroup(long[] at, InterpBuffer[] bound, Map<String, Double> values) {
        int size = kernel.group().orElseThrow().size();
        InterpBuffer[] sharedArrays = new InterpBuffer[shared.size()];
        for (int s = 0; s < sharedArrays.length; s++) {
            SharedSlot slot = shared.get(s);
            sharedArrays[s] = new InterpBuffer(slot.type(), slot.size());
            if (!slot.type().isInteger() && slot.type() != DType.BOOL) java.util.Arrays.fill(sharedArrays[s].data, Double.NaN);
        }
        java.util.concurrent.Phaser phaser = new java.util.concurrent.Phaser(size);
        java.util.concurrent.atomic.AtomicReference<RuntimeException> fault = new java.util.concurrent.atomic.AtomicReference<>();
        Thread[] threads = new Thread[size];
        for (int w = 0; w < size; w++) {
            Frame f = frame(bound, values);
            for (int k = 0; k < at.length; k++) f.l[gridSlots[k]] = at[k];
            f.l[groupSlot] = w;
            for (int s = 0; s < sharedArrays.length; s++) f.b[shared.get(s).slot()] = sharedArrays[s];
            f.barrier = () -> {
                if (fault.get() != null) throw new Fault("another work item of the group failed");
                phaser.arriveAndAwaitAdvance();
            };
            threads[w] = Thread.ofVirtual().unstarted(() -> {
                try {
                    body.run(f);
                } catch (RuntimeException e) {
                    fault.compareAndSet(null, e);
                } catch (StackOverflowError e) {
                    fault.compareAndSet(null, new Fault("too deeply nested for the loop interpreter"));
                } finally {
                    phaser.arriveAndDeregister();
                }
            });
        }
        for (Thread t : threads) t.start();
        try {
            for (Thread t : threads) t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Fault("interrupted");
        }
        if (fault.get() != null) throw fault.get();
    }

    /** Resolves names to slots, scope by scope, and builds the closures. */
    private static final class Compiler {
        private enum Kind { GRID, PARAM, LOOP, LET, VAR, ARRAY }

        private record Slot(Kind kind, DType type, boolean isLong, int index) {}

        private final Kernel kernel;
        private final Deque<Map<String, Slot>> scopes = new ArrayDeque<>();
        private final Map<String, Integer> bufferIndex = new HashMap<>();
        private final List<Kernel.BufferParam> buffers = new ArrayList<>();
        private final List<ScalarSlot> scalars = new ArrayList<>();
        private final List<SharedSlot> shared = new ArrayList<>();
        private int longs;
        private int doubles;
        private int arrays;

        Compiler(Kernel kernel) {
            this.kernel = kernel;
        }

        LoopKernel compile() {
            scopes.push(new HashMap<>());
            for (Kernel.Param p : kernel.params()) {
                switch (p) {
                    case Kernel.BufferParam b -> {
                        bufferIndex.put(b.name(), buffers.size());
                        buffers.add(b);
                    }
                    case Kernel.ScalarParam s -> {
                        Slot slot = declare(s.name(), s.type(), Kind.PARAM);
                        scalars.add(new ScalarSlot(s.name(), slot.isLong(), slot.index()));
                    }
                }
            }
            int[] grid = new int[kernel.grid().size()];
            for (int k = 0; k < grid.length; k++) grid[k] = declare(kernel.grid().get(k).var(), DType.I32, Kind.GRID).index();
            int group = kernel.group().map(g -> declare(g.var(), DType.I32, Kind.GRID).index()).orElse(-1);
            Exec body = block(kernel.body());
            return new LoopKernel(kernel, longs, doubles, grid, buffers, scalars, body, arrays, group, shared);
        }

        private Slot declare(String name, DType type, Kind kind) {
            if (type == null || !Types.isExprType(type)) throw new Fault("'" + name + "' has type " + type + ", which is not a value type");
            boolean isLong = Types.isIntegral(type);
            Slot s = new Slot(kind, type, isLong, isLong ? longs++ : doubles++);
            scopes.peek().put(name, s);
            return s;
        }

        private Slot lookup(String name) {
            for (Map<String, Slot> scope : scopes) {
                Slot s = scope.get(name);
                if (s != null) return s;
            }
            throw new Fault("'" + name + "' is not declared here");
        }

        private int buffer(String name) {
            for (Map<String, Slot> scope : scopes) {
                Slot s = scope.get(name);
                if (s != null && s.kind() == Kind.ARRAY) return s.index();
            }
            Integer b = bufferIndex.get(name);
            if (b == null) throw new Fault("'" + name + "' is not a buffer parameter");
            return b;
        }

        // ---- statements ----

        private Exec block(List<LStmt> stmts) {
            scopes.push(new HashMap<>());
            List<Exec> out = new ArrayList<>();
            for (LStmt s : stmts) {
                Exec e = stmt(s);
                if (e != null) out.add(e);
            }
            scopes.pop();
            Exec[] xs = out.toArray(Exec[]::new);
            return switch (xs.length) {
                case 0 -> f -> { };
                case 1 -> xs[0];
                default -> f -> {
                    for (Exec x : xs) x.run(f);
                };
            };
        }

        /** The closure of one statement; null for a comment. */
        private Exec stmt(LStmt s) {
            return switch (s) {
                case LStmt.Let let -> define(let.name(), let.value().type(), Kind.LET, let.value());
                case LStmt.Var v -> define(v.name(), v.type(), Kind.VAR, v.init());
                case LStmt.Assign a -> {
                    Slot slot = lookup(a.name());
                    if (slot.kind() != Kind.VAR) throw new Fault("assignment to '" + a.name() + "', which is not a var");
                    yield assign(slot, a.value());
                }
                case LStmt.Store st -> store(st);
                case LStmt.For fo -> loop(fo);
                case LStmt.If i -> {
                    LNode c = cl(i.cond());
                    Exec then = block(i.then());
                    Exec otherwise = block(i.otherwise());
                    yield f -> {
                        if (c.l(f) != 0) then.run(f);
                        else otherwise.run(f);
                    };
                }
                case LStmt.Comment c -> null;
                case LStmt.Alloc a -> alloc(a);
                case LStmt.Barrier b -> f -> {
                    if (f.barrier == null) throw new Fault("a barrier outside a group kernel");
                    f.barrier.run();
                };
                case LStmt.MatMul mm -> matmul(mm);
            };
        }

        private Exec alloc(LStmt.Alloc a) {
            int slot = buffers.size() + arrays++;
            DType type = a.type();
            if (a.space() == LStmt.Space.SHARED) {
                if (!(a.size() instanceof LExpr.Const c)) throw new Fault("shared array '" + a.name() + "' has no constant size");
                shared.add(new SharedSlot(slot, type, (int) c.value()));
                scopes.peek().put(a.name(), new Slot(Kind.ARRAY, type, false, slot));
                return null;
            }
            LNode size = cl(a.size());
            String name = a.name();
            scopes.peek().put(a.name(), new Slot(Kind.ARRAY, type, false, slot));
            return f -> {
                long n = size.l(f);
                if (n < 0 || n > Integer.MAX_VALUE) throw new Fault("array '" + name + "' of " + n + " elements");
                f.b[slot] = new InterpBuffer(type, (int) n);
            };
        }

        /** The three loops, C's element type throughout (an f32 C rounds at each store, as an f32 accumulator does). */
        private Exec matmul(LStmt.MatMul mm) {
            record Op(int buf, String name, LNode off, LNode rs, LNode cs) {}
            java.util.function.Function<LStmt.Operand, Op> op = o -> new Op(buffer(o.array()), o.array(), cl(o.offset()), cl(o.rowStride()), cl(o.colStride()));
            Op c = op.apply(mm.c());
            Op a = op.apply(mm.a());
            Op b = op.apply(mm.b());
            LNode rows = cl(mm.rows());
            LNode cols = cl(mm.cols());
            LNode depth = cl(mm.depth());
            boolean accumulate = mm.accumulate();
            LExpr site = mm.c().offset();
            return f -> {
                InterpBuffer cb = f.b[c.buf()], ab = f.b[a.buf()], bb = f.b[b.buf()];
                long m = rows.l(f), n = cols.l(f), kk = depth.l(f);
                long co = c.off().l(f), crs = c.rs().l(f), ccs = c.cs().l(f);
                long ao = a.off().l(f), ars = a.rs().l(f), acs = a.cs().l(f);
                long bo = b.off().l(f), brs = b.rs().l(f), bcs = b.cs().l(f);
                boolean f32 = cb.type() == DType.F32;
                for (long r = 0; r < m; r++) {
                    for (long q = 0; q < n; q++) {
                        int ci = at(cb, co + r * crs + q * ccs, c.name(), site, true);
                        double acc = accumulate ? cb.data[ci] : 0;
                        for (long p = 0; p < kk; p++) {
                            double x = ab.data[at(ab, ao + r * ars + p * acs, a.name(), mm.a().offset(), false)];
                            double y = bb.data[at(bb, bo + p * brs + q * bcs, b.name(), mm.b().offset(), false)];
                            acc = f32 ? (float) Math.fma((float) x, (float) y, (float) acc) : Math.fma(x, y, acc);
                        }
                        cb.setDouble(ci, acc);
                    }
                }
            };
        }

        /** Declares a local initialised to {@code value}, which is compiled first: it cannot refer to the new name. */
        private Exec define(String name, DType type, Kind kind, LExpr value) {
            if (type == null || !Types.isExprType(type)) throw new Fault("'" + name + "' has type " + type + ", which is not a value type");
            if (Types.isIntegral(type)) {
                LNode v = convert(value, type);
                int i = declare(name, type, kind).index();
                return f -> f.l[i] = v.l(f);
            }
            DNode v = cd(value);
            int i = declare(name, type, kind).index();
            return f -> f.d[i] = v.d(f);
        }

        /** Writes {@code value}, converted to the slot's type, into the slot. */
        private Exec assign(Slot slot, LExpr value) {
            int i = slot.index();
            if (slot.isLong()) {
                LNode v = convert(value, slot.type());
                return f -> f.l[i] = v.l(f);
            }
            DNode v = cd(value);
            return f -> f.d[i] = v.d(f);
        }

        private Exec store(LStmt.Store st) {
            int b = buffer(st.buffer());
            LNode ix = cl(st.index());
            LExpr site = st.index();
            String buf = st.buffer();
            if (integral(st.value())) {
                LNode v = cl(st.value());
                return f -> {
                    InterpBuffer to = f.b[b];
                    int at = at(to, ix.l(f), buf, site, true);
                    to.setLong(at, v.l(f));
                };
            }
            DNode v = cd(st.value());
            return f -> {
                InterpBuffer to = f.b[b];
                int at = at(to, ix.l(f), buf, site, true);
                to.setDouble(at, v.d(f));
            };
        }

        private Exec loop(LStmt.For fo) {
            LNode lo = cl(fo.lo());
            LNode hi = cl(fo.hi());
            scopes.push(new HashMap<>());
            int slot = declare(fo.var(), DType.I32, Kind.LOOP).index();
            Exec body = block(fo.body());
            scopes.pop();
            return f -> {
                for (long v = lo.l(f); v < hi.l(f); v++) {
                    f.l[slot] = v;
                    body.run(f);
                }
            };
        }

        // ---- expressions ----

        private static boolean integral(LExpr e) {
            return e.type() != null && Types.isIntegral(e.type());
        }

        private static LNode wrap(DType t, LNode n) {
            return t == DType.I32 ? f -> (int) n.l(f) : n;
        }

        /** {@code e} converted to the integer or bool type {@code t} (as {@link HostEval#toType} and a cast do). */
        private LNode convert(LExpr e, DType t) {
            if (integral(e)) {
                LNode n = cl(e);
                return switch (t) {
                    case I32 -> f -> (int) n.l(f);
                    case BOOL -> f -> n.l(f) != 0 ? 1 : 0;
                    case I64, F16, BF16, F32, F64 -> n;
                };
            }
            DNode n = cd(e);
            return switch (t) {
                case I32 -> f -> (int) n.d(f);
                case BOOL -> f -> n.d(f) != 0 ? 1 : 0;
                case I64, F16, BF16, F32, F64 -> f -> (long) n.d(f);
            };
        }

        /** A bounds-checked flat index into {@code buf}. */
        private static int at(InterpBuffer buf, long i, String name, LExpr site, boolean store) {
            if (i < 0 || i >= buf.data.length) {
                throw new Fault("index " + i + " out of range [0, " + buf.data.length + ") of buffer '" + name + "' in "
                        + (store ? "a store to " : "") + name + "[" + LoopPrinter.expr(site) + "]");
            }
            return (int) i;
        }

        /** An integer- or bool-typed expression (a float one is truncated). */
        private LNode cl(LExpr e) {
            if (!integral(e)) {
                DNode n = cd(e);
                return f -> (long) n.d(f);
            }
            DType t = e.type();
            return switch (e) {
                case LExpr.Const c -> {
                    long v = (long) c.value();
                    yield f -> v;
                }
                case LExpr.Ref r -> {
                    Slot s = lookup(r.name());
                    int i = s.index();
                    yield s.isLong() ? f -> f.l[i] : f -> (long) f.d[i];
                }
                case LExpr.Load ld -> {
                    int b = buffer(ld.buffer());
                    LNode ix = cl(ld.index());
                    LExpr site = ld.index();
                    String name = ld.buffer();
                    yield f -> {
                        InterpBuffer from = f.b[b];
                        return (long) from.data[at(from, ix.l(f), name, site, false)];
                    };
                }
                case LExpr.Unary u -> {
                    LNode x = cl(u.x());
                    yield switch (u.op()) {
                        case NEG -> wrap(t, f -> -x.l(f));
                        case NOT -> f -> x.l(f) == 0 ? 1 : 0;
                    };
                }
                case LExpr.Binary b -> binary(b);
                case LExpr.Select s -> {
                    LNode c = cl(s.cond());
                    LNode a = cl(s.a());
                    LNode y = cl(s.b());
                    yield f -> c.l(f) != 0 ? a.l(f) : y.l(f);
                }
                case LExpr.Call c -> call(c);
                case LExpr.Cast c -> convert(c.x(), t);
            };
        }

        private LNode binary(LExpr.Binary b) {
            DType t = b.type();
            Expr.BinOp op = b.op();
            if (op.isComparison()) return compare(b);
            LNode x = cl(b.a());
            LNode y = cl(b.b());
            return switch (op) {
                case ADD -> wrap(t, f -> x.l(f) + y.l(f));
                case SUB -> wrap(t, f -> x.l(f) - y.l(f));
                case MUL -> wrap(t, f -> x.l(f) * y.l(f));
                case DIV, MOD -> {
                    boolean modulo = op == Expr.BinOp.MOD;
                    yield wrap(t, f -> {
                        long p = x.l(f);
                        long q = y.l(f);
                        if (q == 0) throw new Fault("integer " + (modulo ? "modulo" : "division") + " by zero in " + LoopPrinter.expr(b));
                        return modulo ? p % q : p / q;
                    });
                }
                case AND -> f -> x.l(f) != 0 && y.l(f) != 0 ? 1 : 0;
                case OR -> f -> x.l(f) != 0 || y.l(f) != 0 ? 1 : 0;
                case LT, LE, GT, GE, EQ, NE -> compare(b);
            };
        }

        private LNode compare(LExpr.Binary b) {
            if (integral(b.a()) && integral(b.b())) {
                LNode x = cl(b.a());
                LNode y = cl(b.b());
                return switch (b.op()) {
                    case LT -> f -> x.l(f) < y.l(f) ? 1 : 0;
                    case LE -> f -> x.l(f) <= y.l(f) ? 1 : 0;
                    case GT -> f -> x.l(f) > y.l(f) ? 1 : 0;
                    case GE -> f -> x.l(f) >= y.l(f) ? 1 : 0;
                    case EQ -> f -> x.l(f) == y.l(f) ? 1 : 0;
                    case NE -> f -> x.l(f) != y.l(f) ? 1 : 0;
                    case ADD, SUB, MUL, DIV, MOD, AND, OR -> throw new Fault("not a comparison: " + b.op());
                };
            }
            DNode x = cd(b.a());
            DNode y = cd(b.b());
            return switch (b.op()) {
                case LT -> f -> x.d(f) < y.d(f) ? 1 : 0;
                case LE -> f -> x.d(f) <= y.d(f) ? 1 : 0;
                case GT -> f -> x.d(f) > y.d(f) ? 1 : 0;
                case GE -> f -> x.d(f) >= y.d(f) ? 1 : 0;
                case EQ -> f -> x.d(f) == y.d(f) ? 1 : 0;
                case NE -> f -> x.d(f) != y.d(f) ? 1 : 0;
                case ADD, SUB, MUL, DIV, MOD, AND, OR -> throw new Fault("not a comparison: " + b.op());
            };
        }

        private LNode call(LExpr.Call c) {
            DType t = c.type();
            List<LExpr> a = c.args();
            return switch (c.fn()) {
                case ABS -> {
                    LNode x = cl(a.get(0));
                    yield wrap(t, f -> Math.abs(x.l(f)));
                }
                case MIN -> {
                    LNode x = cl(a.get(0));
                    LNode y = cl(a.get(1));
                    yield f -> Math.min(x.l(f), y.l(f));
                }
                case MAX -> {
                    LNode x = cl(a.get(0));
                    LNode y = cl(a.get(1));
                    yield f -> Math.max(x.l(f), y.l(f));
                }
                case INT, FLOAT -> convert(a.get(0), t);
                case PHILOX -> {
                    LNode s = cl(a.get(0));
                    LNode x = cl(a.get(1));
                    LNode y = cl(a.get(2));
                    yield f -> Philox.bits(s.l(f), x.l(f), y.l(f));
                }
                case EXP, LOG, SQRT, RSQRT, TANH, SIGMOID, POW, FLOOR, CEIL, UNIFORM -> {
                    DNode v = callD(c);
                    yield t == DType.I32 ? f -> (int) v.d(f) : t == DType.BOOL ? f -> v.d(f) != 0 ? 1 : 0 : f -> (long) v.d(f);
                }
            };
        }

        /** A float-typed expression (an integer one is widened). */
        private DNode cd(LExpr e) {
            if (integral(e)) {
                LNode n = cl(e);
                return f -> n.l(f);
            }
            return switch (e) {
                case LExpr.Const c -> {
                    double v = c.value();
                    yield f -> v;
                }
                case LExpr.Ref r -> {
                    Slot s = lookup(r.name());
                    int i = s.index();
                    yield s.isLong() ? f -> f.l[i] : f -> f.d[i];
                }
                case LExpr.Load ld -> {
                    int b = buffer(ld.buffer());
                    LNode ix = cl(ld.index());
                    LExpr site = ld.index();
                    String name = ld.buffer();
                    yield f -> {
                        InterpBuffer from = f.b[b];
                        return from.data[at(from, ix.l(f), name, site, false)];
                    };
                }
                case LExpr.Unary u -> {
                    DNode x = cd(u.x());
                    yield switch (u.op()) {
                        case NEG -> f -> -x.d(f);
                        case NOT -> f -> x.d(f) == 0 ? 1 : 0;
                    };
                }
                case LExpr.Binary b -> {
                    DNode x = cd(b.a());
                    DNode y = cd(b.b());
                    yield switch (b.op()) {
                        case ADD -> f -> x.d(f) + y.d(f);
                        case SUB -> f -> x.d(f) - y.d(f);
                        case MUL -> f -> x.d(f) * y.d(f);
                        case DIV -> f -> x.d(f) / y.d(f);
                        case MOD -> f -> x.d(f) % y.d(f);
                        case LT, LE, GT, GE, EQ, NE, AND, OR -> {
                            LNode n = binary(b);
                            yield f -> n.l(f);
                        }
                    };
                }
                case LExpr.Select s -> {
                    LNode c = cl(s.cond());
                    DNode a = cd(s.a());
                    DNode y = cd(s.b());
                    yield f -> c.l(f) != 0 ? a.d(f) : y.d(f);
                }
                case LExpr.Call c -> callD(c);
                case LExpr.Cast c -> cd(c.x());
            };
        }

        private DNode callD(LExpr.Call c) {
            List<LExpr> a = c.args();
            return switch (c.fn()) {
                case EXP -> math(Math::exp, a);
                case LOG -> math(Math::log, a);
                case SQRT -> math(Math::sqrt, a);
                case RSQRT -> math(v -> 1 / Math.sqrt(v), a);
                case TANH -> math(Math::tanh, a);
                case SIGMOID -> math(v -> 1 / (1 + Math.exp(-v)), a);
                case ABS -> math(Math::abs, a);
                case FLOOR -> math(Math::floor, a);
                case CEIL -> math(Math::ceil, a);
                case FLOAT, INT -> cd(a.get(0));
                case MIN -> math2(Math::min, a);
                case MAX -> math2(Math::max, a);
                case POW -> math2(Math::pow, a);
                case PHILOX -> {
                    LNode s = cl(a.get(0));
                    LNode x = cl(a.get(1));
                    LNode y = cl(a.get(2));
                    yield f -> Philox.bits(s.l(f), x.l(f), y.l(f));
                }
                case UNIFORM -> {
                    LNode s = cl(a.get(0));
                    LNode x = cl(a.get(1));
                    LNode y = cl(a.get(2));
                    yield f -> Philox.uniform(s.l(f), x.l(f), y.l(f));
                }
            };
        }

        private DNode math(java.util.function.DoubleUnaryOperator fn, List<LExpr> a) {
            DNode x = cd(a.get(0));
            return f -> fn.applyAsDouble(x.d(f));
        }

        private DNode math2(java.util.function.DoubleBinaryOperator fn, List<LExpr> a) {
            DNode x = cd(a.get(0));
            DNode y = cd(a.get(1));
            return f -> fn.applyAsDouble(x.d(f), y.d(f));
        }
    }
}
