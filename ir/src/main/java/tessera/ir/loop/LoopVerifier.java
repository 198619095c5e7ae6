package tessera.ir.loop;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tessera.ir.loop.LaunchPlan.Buffer;
import tessera.ir.loop.LaunchPlan.HostScalar;
import tessera.ir.tensor.Expr;
import tessera.ir.tensor.Types;
import tessera.runtime.DType;

/**
 * Checks the invariants of a Loop IR {@link Module}. A violation is a compiler bug (in {@code Lower}
 * or a later pass), never the user's: the passes run the verifier after each step and
 * {@link PlanRunner} refuses a module that fails it.
 *
 * <ul>
 *   <li>names: kernels, host scalars and buffers are declared once (a scalar and a buffer may not
 *       share a name); a kernel's parameters and grid variables are distinct; a local or loop
 *       variable does not redeclare a name in scope (sibling blocks may reuse names); every
 *       {@link LExpr.Ref} in a kernel is a grid variable, a loop variable, a local declared before it
 *       in an enclosing block, or a scalar parameter, with its declared type; in the plan, a host
 *       scalar's formula uses only earlier host scalars, and shapes, checks and grid extents only
 *       host scalars (grid extents only the kernel's scalar parameters);
 *   <li>buffers: every Load and Store names a buffer parameter of its kernel; a Load needs READ or
 *       READ_WRITE access and has the buffer's read type (f16/bf16 load as f32), a Store needs WRITE
 *       or READ_WRITE and a value of the same kind (bool into bool, integers into integers, numbers
 *       into floats); no Load in the plan;
 *   <li>types (the Tensor IR rules of {@link Types}): arithmetic on numbers with the promoted
 *       type, comparisons give bool ({@code ==}/{@code !=} also on bools), logic and conditions on
 *       bools, indices, loop bounds, extents and dims integers; {@code float}/{@code int} convert to
 *       f32 or f64 / i32 or i64; a Var's initial value and an Assign's value have the Var's kind; only
 *       a Var is assigned;
 *   <li>the plan: a DIM comes from an existing INPUT buffer's axis; a COMPUTED scalar has a formula;
 *       every launch names a kernel whose buffer parameters are plan buffers of the same element
 *       type and whose scalar parameters are host scalars of the same type.
 * </ul>
 * Problems are one line each, prefixed by where they are ({@code kernel 'k': }, {@code dim 'N': },
 * ...), ending with the expression at fault when there is one.
 */
public final class LoopVerifier {
    private enum Kind { HOST, PARAM, GRID, LOOP, LET, VAR, ARRAY }

    private record Name(Kind kind, DType type) {}

    /**
     * Where an expression stands.
     *
     * @param where the prefix of problems
     * @param frames the names in scope, innermost first
     * @param buffers the buffer parameters, or null where no buffer may be touched (the plan)
     * @param declaredLater every name the kernel declares somewhere, to say "used before its declaration"
     * @param allowed what a name may be here, for messages ("an earlier host scalar")
     */
    private record Scope(String where, Deque<Map<String, Name>> frames, Map<String, Kernel.BufferParam> buffers, Set<String> declaredLater,
                         String allowed, boolean group) {
        Scope(String where, Deque<Map<String, Name>> frames, Map<String, Kernel.BufferParam> buffers, Set<String> declaredLater, String allowed) {
            this(where, frames, buffers, declaredLater, allowed, false);
        }

        /** The buffer parameter or local array {@code name}, as a READ_WRITE parameter for arrays. */
        Kernel.BufferParam array(String name) {
            Name n = lookup(name);
            if (n != null && n.kind() == Kind.ARRAY) return new Kernel.BufferParam(name, n.type(), Kernel.Access.READ_WRITE);
            return buffers == null ? null : buffers.get(name);
        }

        Name lookup(String name) {
            for (Map<String, Name> f : frames) {
                Name n = f.get(name);
                if (n != null) return n;
            }
            return null;
        }

        void declare(String name, Name n) {
            frames.peek().put(name, n);
        }
    }

    private static final String EARLIER_HOST = "an earlier host scalar";
    private static final String HOST = "a host scalar";

    private final Module module;
    private final List<String> problems = new ArrayList<>();

    private LoopVerifier(Module module) {
        this.module = module;
    }

    /** Every problem found, one line each; empty when the module is well formed. */
    public static List<String> check(Module m) {
        LoopVerifier v = new LoopVerifier(m);
        v.checkModule();
        return List.copyOf(v.problems);
    }

    /** Throws {@link IllegalStateException} listing every problem, if there is any. */
    public static void verify(Module m) {
        List<String> problems = check(m);
        if (!problems.isEmpty()) {
            throw new IllegalStateException("Loop IR of '" + (m == null ? null : m.name()) + "' is invalid:\n  " + String.join("\n  ", problems));
        }
    }

    // ---- the module and its plan ----

    private void checkModule() {
        if (module == null) {
            problems.add("no module");
            return;
        }
        Set<String> kernelNames = new HashSet<>();
        for (Kernel k : module.kernels()) {
            if (!kernelNames.add(k.name())) problems.add("kernel '" + k.name() + "' is declared twice");
        }
        LaunchPlan plan = module.plan();
        if (plan == null) problems.add("the module has no plan");
        else checkPlan(plan);
        for (Kernel k : module.kernels()) checkKernel(k);
    }

    private void checkPlan(LaunchPlan plan) {
        Map<String, Buffer> buffers = new LinkedHashMap<>();
        for (Buffer b : plan.buffers()) {
            if (buffers.putIfAbsent(b.name(), b) != null) problems.add("buffer '" + b.name() + "' is declared twice");
            if (b.type() == null || b.role() == null) problems.add("buffer '" + b.name() + "' has no element type or role");
        }
        Scope hosts = new Scope("", new ArrayDeque<>(List.of(new LinkedHashMap<>())), null, Set.of(), EARLIER_HOST);
        for (HostScalar s : plan.scalars()) {
            String where = (s.source() == null ? "host scalar" : s.source().name().toLowerCase(java.util.Locale.ROOT)) + " '" + s.name() + "'";
            Scope earlier = new Scope(where, hosts.frames(), null, Set.of(), EARLIER_HOST);
            if (hosts.lookup(s.name()) != null) problems.add("host scalar '" + s.name() + "' is declared twice");
            if (buffers.containsKey(s.name())) problems.add("'" + s.name() + "' is both a host scalar and a buffer");
            if (s.type() == null || !Types.isExprType(s.type())) {
                problems.add(where + ": type " + name(s.type()) + " (scalars are bool, i32, i64, f32 or f64)");
                continue;
            }
            if (s.source() == null || s.value() == null) {
                problems.add(where + ": no source or value");
                continue;
            }
            switch (s.source()) {
                case DIM -> {
                    if (!s.type().isInteger()) problems.add(where + ": a dim of type " + s.type().sourceName() + " (dims are i32 or i64)");
                    boolean fromInput = s.input() != null && !s.input().isEmpty();
                    if (fromInput) {
                        Buffer b = buffers.get(s.input());
                        if (b == null || b.role() != LaunchPlan.Role.INPUT) problems.add(where + ": comes from '" + s.input() + "', which is not an input buffer");
                        else if (s.axis() < 0 || s.axis() >= b.shape().size()) {
                            problems.add(where + ": comes from axis " + s.axis() + " of '" + s.input() + "', which has rank " + b.shape().size());
                        }
                    }
                    s.value().ifPresent(e -> stored(s.type(), type(e, earlier), earlier, e));
                }
                case PARAM -> s.value().ifPresent(e -> stored(s.type(), type(e, earlier), earlier, e));
                case COMPUTED -> {
                    if (s.value().isEmpty()) problems.add(where + ": a computed scalar without a formula");
                    else stored(s.type(), type(s.value().get(), earlier), earlier, s.value().get());
                }
            }
            hosts.declare(s.name(), new Name(Kind.HOST, s.type()));
        }
        for (LaunchPlan.Check c : plan.checks()) {
            Scope at = new Scope("check '" + c.text() + "'", hosts.frames(), null, Set.of(), HOST);
            expect(at, c.predicate(), DType.BOOL, "the predicate");
        }
        for (Buffer b : plan.buffers()) {
            Scope at = new Scope("buffer '" + b.name() + "'", hosts.frames(), null, Set.of(), HOST);
            for (LExpr e : b.shape()) integer(at, e, "an axis");
        }
        int n = 0;
        for (LaunchPlan.Launch l : plan.launches()) {
            n++;
            String where = "launch " + n + " (" + l.kernel() + ")";
            Kernel k = module.kernel(l.kernel()).orElse(null);
            if (k == null) {
                problems.add(where + ": launch of unknown kernel '" + l.kernel() + "'");
                continue;
            }
            for (Kernel.Param p : k.params()) {
                switch (p) {
                    case Kernel.BufferParam bp -> {
                        Buffer b = buffers.get(bp.name());
                        if (b == null) problems.add(where + ": buffer parameter '" + bp.name() + "' is not a plan buffer");
                        else if (b.type() != bp.type()) {
                            problems.add(where + ": buffer parameter '" + bp.name() + "' is " + name(bp.type()) + " but the plan buffer is " + name(b.type()));
                        }
                    }
                    case Kernel.ScalarParam sp -> {
                        Name h = hosts.lookup(sp.name());
                        if (h == null) problems.add(where + ": scalar parameter '" + sp.name() + "' is not a host scalar");
                        else if (h.type() != sp.type()) {
                            problems.add(where + ": scalar parameter '" + sp.name() + "' is " + name(sp.type()) + " but the host scalar is " + name(h.type()));
                        }
                    }
                }
            }
        }
    }

    // ---- kernels ----

    private void checkKernel(Kernel k) {
        String where = "kernel '" + k.name() + "'";
        Map<String, Kernel.BufferParam> buffers = new HashMap<>();
        Map<String, Name> top = new HashMap<>();
        Set<String> seen = new HashSet<>();
        for (Kernel.Param p : k.params()) {
            if (!seen.add(p.name())) problems.add(where + ": parameter '" + p.name() + "' is declared twice");
            switch (p) {
                case Kernel.BufferParam b -> {
                    if (b.type() == null || b.access() == null) problems.add(where + ": buffer parameter '" + b.name() + "' has no element type or access");
                    buffers.put(b.name(), b);
                }
                case Kernel.ScalarParam s -> {
                    if (s.type() == null || !Types.isExprType(s.type())) problems.add(where + ": scalar parameter '" + s.name() + "' has type " + name(s.type()));
                    top.put(s.name(), new Name(Kind.PARAM, s.type()));
                }
            }
        }
        Scope params = new Scope(where, new ArrayDeque<>(List.of(top)), null, Set.of(), "a scalar parameter");
        for (Kernel.GridDim g : k.grid()) integer(params, g.extent(), "the grid extent of '" + g.var() + "'");
        Map<String, Name> gridFrame = new HashMap<>();
        for (Kernel.GridDim g : k.grid()) {
            if (!seen.add(g.var())) problems.add(where + ": grid variable '" + g.var() + "' is declared twice or is also a parameter");
            gridFrame.put(g.var(), new Name(Kind.GRID, DType.I32));
        }
        k.group().ifPresent(g -> {
            if (!seen.add(g.var())) problems.add(where + ": group variable '" + g.var() + "' is declared twice or is also a parameter");
            gridFrame.put(g.var(), new Name(Kind.GRID, DType.I32));
        });
        Set<String> declared = new HashSet<>();
        declaredIn(k.body(), declared);
        Deque<Map<String, Name>> frames = new ArrayDeque<>();
        frames.push(top);
        frames.push(gridFrame);
        Scope scope = new Scope(where, frames, buffers, declared, "a grid variable, loop variable, local or scalar parameter", k.group().isPresent());
        scope.frames().push(new HashMap<>());
        for (LStmt st : k.body()) {
            if (st instanceof LStmt.Alloc a && a.space() == LStmt.Space.SHARED) sharedAlloc(a, scope);
            else stmt(st, scope);
        }
        scope.frames().pop();
    }

    private static void declaredIn(List<LStmt> body, Set<String> out) {
        for (LStmt s : body) {
            switch (s) {
                case LStmt.Let l -> out.add(l.name());
                case LStmt.Var v -> out.add(v.name());
                case LStmt.For f -> {
                    out.add(f.var());
                    declaredIn(f.body(), out);
                }
                case LStmt.If i -> {
                    declaredIn(i.then(), out);
                    declaredIn(i.otherwise(), out);
                }
                case LStmt.Alloc a -> out.add(a.name());
                case LStmt.Assign a -> { }
                case LStmt.Store st -> { }
                case LStmt.Comment c -> { }
                case LStmt.Barrier b -> { }
                case LStmt.MatMul mm -> { }
            }
        }
    }

    private void block(List<LStmt> body, Scope s) {
        s.frames().push(new HashMap<>());
        for (LStmt st : body) stmt(st, s);
        s.frames().pop();
    }

    private void stmt(LStmt st, Scope s) {
        switch (st) {
            case null -> problems.add(s.where() + ": a missing statement");
            case LStmt.Let l -> {
                DType t = type(l.value(), s);
                fresh(l.name(), s);
                s.declare(l.name(), new Name(Kind.LET, t));
            }
            case LStmt.Var v -> {
                DType t = type(v.init(), s);
                if (v.type() == null || !Types.isExprType(v.type())) {
                    problems.add(s.where() + ": var '" + v.name() + "' has type " + name(v.type()));
                } else if (t != null && !storable(v.type(), t)) {
                    problems.add(s.where() + ": var '" + v.name() + "' is " + v.type().sourceName() + " but its initial value is " + t.sourceName() + " in " + LoopPrinter.expr(v.init()));
                }
                fresh(v.name(), s);
                s.declare(v.name(), new Name(Kind.VAR, v.type()));
            }
            case LStmt.Assign a -> {
                DType t = type(a.value(), s);
                Name target = s.lookup(a.name());
                if (target == null) {
                    problems.add(s.where() + ": assignment to '" + a.name() + "', which is not declared here");
                } else if (target.kind() != Kind.VAR) {
                    problems.add(s.where() + ": assignment to '" + a.name() + "', which is a " + kindName(target.kind()) + " (only vars are assigned)");
                } else if (t != null && target.type() != null && !storable(target.type(), t)) {
                    problems.add(s.where() + ": assignment of " + t.sourceName() + " to '" + a.name() + "' of type " + target.type().sourceName()
                            + " in " + LoopPrinter.expr(a.value()));
                }
            }
            case LStmt.Store st2 -> {
                integer(s, st2.index(), "an index");
                DType t = type(st2.value(), s);
                Kernel.BufferParam b = s.array(st2.buffer());
                String text = st2.buffer() + "[" + LoopPrinter.expr(st2.index()) + "] = " + LoopPrinter.expr(st2.value());
                if (b == null) {
                    problems.add(s.where() + ": '" + st2.buffer() + "' is not a buffer parameter in " + text);
                    return;
                }
                if (b.access() == Kernel.Access.READ) problems.add(s.where() + ": store to '" + b.name() + "', which is read-only, in " + text);
                if (t != null && b.type() != null && !storable(b.type(), t)) {
                    problems.add(s.where() + ": stores a " + t.sourceName() + " value into '" + b.name() + "' of type " + b.type().sourceName() + " in " + text);
                }
            }
            case LStmt.For f -> {
                integer(s, f.lo(), "the lower bound of '" + f.var() + "'");
                integer(s, f.hi(), "the upper bound of '" + f.var() + "'");
                if (f.kind() == null) problems.add(s.where() + ": loop '" + f.var() + "' has no kind");
                s.frames().push(new HashMap<>());
                fresh(f.var(), s);
                s.declare(f.var(), new Name(Kind.LOOP, DType.I32));
                block(f.body(), s);
                s.frames().pop();
            }
            case LStmt.If i -> {
                expect(s, i.cond(), DType.BOOL, "the condition");
                block(i.then(), s);
                block(i.otherwise(), s);
            }
            case LStmt.Comment c -> {
                if (c.text() == null) problems.add(s.where() + ": a comment without text");
            }
            case LStmt.Alloc a -> {
                if (a.space() == LStmt.Space.SHARED) {
                    problems.add(s.where() + ": shared array '" + a.name() + "' is not declared at the top level of a group kernel's body");
                }
                alloc(a, s);
            }
            case LStmt.Barrier b -> {
                if (!s.group()) problems.add(s.where() + ": a barrier outside a group kernel");
            }
            case LStmt.MatMul mm -> matmul(mm, s);
        }
    }

    private void sharedAlloc(LStmt.Alloc a, Scope s) {
        if (!s.group()) problems.add(s.where() + ": shared array '" + a.name() + "' in a kernel without groups");
        if (!(a.size() instanceof LExpr.Const)) problems.add(s.where() + ": shared array '" + a.name() + "' has a size that is not a constant: " + LoopPrinter.expr(a.size()));
        alloc(a, s);
    }

    private void alloc(LStmt.Alloc a, Scope s) {
        integer(s, a.size(), "the size of '" + a.name() + "'");
        if (a.type() == null || !Types.isExprType(a.type())) problems.add(s.where() + ": array '" + a.name() + "' has type " + name(a.type()));
        if (a.space() == null) problems.add(s.where() + ": array '" + a.name() + "' has no space");
        if (s.buffers() != null && s.buffers().containsKey(a.name())) {
            problems.add(s.where() + ": array '" + a.name() + "' has the name of a buffer parameter");
        }
        fresh(a.name(), s);
        s.declare(a.name(), new Name(Kind.ARRAY, a.type()));
    }

    private void matmul(LStmt.MatMul mm, Scope s) {
        integer(s, mm.rows(), "the rows of a matmul");
        integer(s, mm.cols(), "the columns of a matmul");
        integer(s, mm.depth(), "the depth of a matmul");
        Kernel.BufferParam c = operand(mm.c(), "C", s);
        Kernel.BufferParam a = operand(mm.a(), "A", s);
        Kernel.BufferParam b = operand(mm.b(), "B", s);
        if (c != null) {
            if (c.access() == Kernel.Access.READ) problems.add(s.where() + ": a matmul writes '" + c.name() + "', which is read-only");
            if (mm.accumulate() && c.access() == Kernel.Access.WRITE) problems.add(s.where() + ": an accumulating matmul reads '" + c.name() + "', which is write-only");
            if (c.type() != DType.F32 && c.type() != DType.F64) problems.add(s.where() + ": a matmul into '" + c.name() + "' of type " + name(c.type()) + " (f32 or f64)");
        }
        for (Kernel.BufferParam x : new Kernel.BufferParam[] {a, b}) {
            if (x == null) continue;
            if (x.access() == Kernel.Access.WRITE) problems.add(s.where() + ": a matmul reads '" + x.name() + "', which is write-only");
            if (!Types.isNumber(Types.readType(x.type()))) problems.add(s.where() + ": a matmul reads '" + x.name() + "' of type " + name(x.type()));
            if (c != null && x.name().equals(c.name())) problems.add(s.where() + ": a matmul's C '" + c.name() + "' is also an operand");
        }
    }

    private Kernel.BufferParam operand(LStmt.Operand o, String role, Scope s) {
        if (o == null) {
            problems.add(s.where() + ": a matmul without its " + role);
            return null;
        }
        integer(s, o.offset(), "the offset of " + role);
        integer(s, o.rowStride(), "the row stride of " + role);
        integer(s, o.colStride(), "the column stride of " + role);
        Kernel.BufferParam b = s.array(o.array());
        if (b == null) problems.add(s.where() + ": a matmul's " + role + " '" + o.array() + "' is not a buffer parameter or local array");
        return b;
    }

    /** A new local or loop variable must not hide a name in scope. */
    private void fresh(String name, Scope s) {
        Name n = s.lookup(name);
        if (n != null) problems.add(s.where() + ": '" + name + "' is declared again (it is already a " + kindName(n.kind()) + " here)");
    }

    private static String kindName(Kind k) {
        return switch (k) {
            case HOST -> "host scalar";
            case PARAM -> "scalar parameter";
            case GRID -> "grid variable";
            case LOOP -> "loop variable";
            case LET -> "let";
            case VAR -> "var";
            case ARRAY -> "local array";
        };
    }

    // ---- expressions ----

    private void integer(Scope s, LExpr e, String what) {
        DType t = type(e, s);
        if (t != null && !t.isInteger()) problems.add(s.where() + ": " + what + " is " + t.sourceName() + ", not an integer: " + LoopPrinter.expr(e));
    }

    private void expect(Scope s, LExpr e, DType want, String what) {
        DType t = type(e, s);
        if (t != null && t != want) problems.add(s.where() + ": " + what + " is " + t.sourceName() + ", not " + want.sourceName() + ": " + LoopPrinter.expr(e));
    }

    private void stored(DType target, DType value, Scope s, LExpr e) {
        if (value != null && !storable(target, value)) {
            problems.add(s.where() + ": a " + value.sourceName() + " value for a " + target.sourceName() + " scalar: " + LoopPrinter.expr(e));
        }
    }

    /** Bool into bool, integers into integers, any number into floats (f16/bf16 included). */
    static boolean storable(DType storage, DType value) {
        if (storage == DType.BOOL || value == DType.BOOL) return storage == value;
        if (storage.isInteger()) return value.isInteger();
        return Types.isNumber(value);
    }

    private static String name(DType t) {
        return t == null ? "none" : t.sourceName();
    }

    private void problem(Scope s, String message, LExpr at) {
        problems.add(s.where() + ": " + message + " in " + LoopPrinter.expr(at));
    }

    private void require(Scope s, boolean ok, String message, LExpr at) {
        if (!ok) problem(s, message, at);
    }

    /** Checks {@code e} and returns its type, or null when it is too broken to have one. */
    private DType type(LExpr e, Scope s) {
        if (e == null) {
            problems.add(s.where() + ": a missing expression");
            return null;
        }
        DType t = e.type();
        if (t == null || !Types.isExprType(t)) {
            problem(s, "an expression of type " + name(t) + " (expressions are bool, i32, i64, f32 or f64)", e);
            return null;
        }
        switch (e) {
            case LExpr.Const c -> {
                if (t == DType.BOOL && c.value() != 0 && c.value() != 1) problem(s, "a bool literal that is not 0 or 1", e);
                if (t.isInteger() && (c.value() != Math.rint(c.value()) || Double.isInfinite(c.value()))) problem(s, "an integer literal that is not an integer", e);
            }
            case LExpr.Ref r -> ref(r, s);
            case LExpr.Load l -> load(l, s);
            case LExpr.Unary u -> {
                DType x = type(u.x(), s);
                if (x != null) {
                    switch (u.op()) {
                        case NEG -> require(s, Types.isNumber(x) && t == x, "negation of " + x.sourceName() + " typed " + t.sourceName(), e);
                        case NOT -> require(s, x == DType.BOOL && t == DType.BOOL, "! of " + x.sourceName() + " typed " + t.sourceName(), e);
                    }
                }
            }
            case LExpr.Binary b -> binary(b, s);
            case LExpr.Select sel -> {
                DType k = type(sel.cond(), s);
                DType a = type(sel.a(), s);
                DType y = type(sel.b(), s);
                if (k != null) require(s, k == DType.BOOL, "a condition of type " + k.sourceName(), e);
                if (a != null && y != null) {
                    DType want = a == DType.BOOL && y == DType.BOOL ? DType.BOOL
                            : Types.isNumber(a) && Types.isNumber(y) ? Types.promote(a, y) : null;
                    require(s, want == t, "branches " + a.sourceName() + " and " + y.sourceName() + " typed " + t.sourceName(), e);
                }
            }
            case LExpr.Call c -> call(c, s);
            case LExpr.Cast c -> type(c.x(), s);
        }
        return t;
    }

    private void ref(LExpr.Ref r, Scope s) {
        Name n = s.lookup(r.name());
        if (n == null) {
            if (s.declaredLater().contains(r.name())) problem(s, "'" + r.name() + "' is used before its declaration or outside its scope", r);
            else problem(s, "'" + r.name() + "' is not " + s.allowed(), r);
            return;
        }
        if (n.type() != null && n.type() != r.type()) {
            problem(s, "the " + kindName(n.kind()) + " '" + r.name() + "' is " + n.type().sourceName() + " but typed " + r.type().sourceName(), r);
        }
    }

    private void load(LExpr.Load l, Scope s) {
        integer(s, l.index(), "an index");
        if (s.buffers() == null) {
            problem(s, "a buffer load where only scalars may appear", l);
            return;
        }
        Kernel.BufferParam b = s.array(l.buffer());
        if (b == null) {
            problem(s, "'" + l.buffer() + (s.declaredLater().contains(l.buffer())
                    ? "' is used before its declaration or outside its scope" : "' is not a buffer parameter or local array"), l);
            return;
        }
        if (b.access() == Kernel.Access.WRITE) problem(s, "load from '" + b.name() + "', which is write-only", l);
        if (b.type() != null && Types.readType(b.type()) != l.type()) {
            problem(s, "'" + b.name() + "' is " + b.type().sourceName() + " but loaded as " + l.type().sourceName(), l);
        }
    }

    private void binary(LExpr.Binary b, Scope s) {
        DType x = type(b.a(), s);
        DType y = type(b.b(), s);
        if (x == null || y == null) return;
        DType t = b.type();
        String shape = x.sourceName() + " " + b.op().symbol + " " + y.sourceName() + " typed " + t.sourceName();
        if (b.op().isLogical()) {
            require(s, x == DType.BOOL && y == DType.BOOL && t == DType.BOOL, shape, b);
        } else if (b.op().isComparison()) {
            boolean equality = b.op() == Expr.BinOp.EQ || b.op() == Expr.BinOp.NE;
            boolean operands = Types.isNumber(x) && Types.isNumber(y) || equality && x == DType.BOOL && y == DType.BOOL;
            require(s, operands && t == DType.BOOL, shape, b);
        } else {
            require(s, Types.isNumber(x) && Types.isNumber(y) && t == Types.promote(x, y), shape, b);
        }
    }

    private void call(LExpr.Call c, Scope s) {
        List<DType> args = new ArrayList<>();
        for (LExpr a : c.args()) args.add(type(a, s));
        if (args.size() != c.fn().arity) {
            problem(s, c.fn().sourceName() + " takes " + c.fn().arity + " arguments, not " + args.size(), c);
            return;
        }
        if (args.contains(null)) return;
        DType t = c.type();
        DType a0 = args.get(0);
        boolean numbers = args.stream().allMatch(Types::isNumber);
        boolean ok = switch (c.fn()) {
            case EXP, LOG, SQRT, RSQRT, TANH, SIGMOID, FLOOR, CEIL -> numbers && t == Types.floatOf(a0);
            case ABS -> numbers && t == a0;
            case MIN, MAX -> numbers && t == Types.promote(a0, args.get(1));
            case POW -> numbers && t == Types.floatOf(Types.promote(a0, args.get(1)));
            case FLOAT -> (numbers || a0 == DType.BOOL) && (t == DType.F32 || t == DType.F64);
            case INT -> (numbers || a0 == DType.BOOL) && t.isInteger();
            case PHILOX -> args.stream().allMatch(DType::isInteger) && t == DType.I64;
            case UNIFORM -> args.stream().allMatch(DType::isInteger) && t == DType.F32;
        };
        require(s, ok, c.fn().sourceName() + "(" + String.join(", ", args.stream().map(DType::sourceName).toList()) + ") typed " + t.sourceName(), c);
    }
}
