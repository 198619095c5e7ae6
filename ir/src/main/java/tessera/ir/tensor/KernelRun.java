package tessera.ir.tensor;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import tessera.ir.SourceSpan;
import tessera.ir.tensor.Program.Dim;
import tessera.ir.tensor.Program.Role;
import tessera.ir.tensor.Program.TensorDecl;
import tessera.runtime.DType;
import tessera.runtime.Tensor;

/**
 * One run of a {@link Program} by the {@link Interpreter}: binds the inputs, dims and scalar
 * parameters, checks the {@code where} clauses, runs the statements in order ({@link StatementRunner})
 * and converts the outputs. Holds the run's state: every dim, parameter, let and tensor so far.
 * Problems are thrown as {@link RunFailure}.
 */
final class KernelRun implements ExprCompiler.Env {
    /** Where a dim got its value: an input's axis, or nowhere (fixed at compile time). */
    private record Origin(String input, int axis) {}

    private final Program program;
    private final Map<String, Long> dims = new HashMap<>();
    private final Map<String, Origin> origins = new HashMap<>();
    private final Set<String> resolving = new HashSet<>();
    private final Map<String, Double> params = new HashMap<>();
    private final Map<String, Double> lets = new HashMap<>();
    private final Map<String, Buffer> buffers = new HashMap<>();

    KernelRun(Program program) {
        this.program = program;
    }

    Map<String, Tensor> execute(Map<String, Tensor> inputs, Map<String, Double> scalars) {
        bindInputs(inputs);
        checkEveryDimHasAValue();
        bindScalars(scalars);
        checkComputedInputAxes(inputs);
        checkConstraints();
        StatementRunner statements = new StatementRunner(this);
        for (Stmt s : program.body()) statements.run(s);
        return outputs();
    }

    // ---- the environment statements compile against ----

    @Override public double scalar(Expr.Scalar s, SourceSpan span) {
        return switch (s.kind()) {
            case DIM -> dim(s.name(), span);
            case PARAM -> {
                Double v = params.get(s.name());
                if (v == null) throw new RunFailure("scalar parameter '" + s.name() + "' has no value here", span);
                yield v;
            }
            case LET -> {
                Double v = lets.get(s.name());
                if (v == null) throw new RunFailure("'" + s.name() + "' is used before its let", span);
                yield v;
            }
        };
    }

    @Override public Buffer tensor(String name, SourceSpan span) {
        Buffer b = buffers.get(name);
        if (b == null) throw new RunFailure("'" + name + "' is read before it is defined", span);
        return b;
    }

    Program program() {
        return program;
    }

    Optional<Buffer> buffer(String name) {
        return Optional.ofNullable(buffers.get(name));
    }

    void put(Buffer b) {
        buffers.put(b.name, b);
    }

    void let(String name, double value) {
        lets.put(name, value);
    }

    /** Evaluates a scalar expression (no index variables) now. */
    double evalScalar(Expr e, SourceSpan span) {
        ExprCompiler c = new ExprCompiler(this, span);
        Node n = c.compile(e);
        Frame f = c.newFrame();
        double v = n.d(f);
        if (f.absent) throw new RunFailure("'" + Printer.expr(e) + "' has no value: it reads an entry that does not exist", span);
        return v;
    }

    /** Evaluates an integer-valued scalar expression that must be a non-negative count; {@code what} names it. */
    long evalExtent(Expr e, String what, SourceSpan span) {
        double v = evalScalar(e, span);
        if (v < 0 || v != Math.rint(v) || v > Long.MAX_VALUE) {
            throw new RunFailure(what + " is " + Printer.number(v) + " (" + Printer.expr(e) + "); it must be a non-negative integer", span);
        }
        return (long) v;
    }

    /**
     * The value of a dim: bound from an input, fixed, or derived (evaluated now, on first use; the
     * statement runner asks before each statement that defines a tensor whose shape mentions it).
     */
    long dim(String name, SourceSpan span) {
        Long v = dims.get(name);
        if (v != null) return v;
        Dim d = program.dim(name).orElseThrow(() -> new RunFailure("unknown dim '" + name + "'", span));
        if (d.derived().isEmpty()) throw new RunFailure("dim " + name + " has no value: no input carries it", span);
        if (!resolving.add(name)) throw new RunFailure("derived dim " + name + " depends on itself", span);
        SourceSpan where = d.span() != null && d.span().isKnown() ? d.span() : span;
        long value = evalExtent(d.derived().get(), "derived dim " + name, where);
        resolving.remove(name);
        dims.put(name, value);
        return value;
    }

    /** Evaluates the derived dims that the shape of {@code decl} mentions. */
    void resolveDims(TensorDecl decl, SourceSpan span) {
        for (Expr e : decl.shape()) {
            for (String d : dimsIn(e)) dim(d, span);
        }
    }

    // ---- binding ----

    private void bindInputs(Map<String, Tensor> inputs) {
        List<TensorDecl> declared = program.inputs();
        for (String name : new TreeSet<>(inputs.keySet())) {
            if (declared.stream().noneMatch(t -> t.name().equals(name))) {
                String role = program.tensor(name).map(t -> t.role() == Role.OUTPUT ? ": it is an output" : ": it is the kernel's own tensor").orElse("");
                String names = String.join(", ", declared.stream().map(TensorDecl::name).toList());
                throw new RunFailure("unknown input '" + name + "'" + role + " (the inputs are " + (names.isEmpty() ? "none" : names) + ")", program.span());
            }
        }
        for (Dim d : program.dims()) {
            if (d.fixed().isPresent()) dims.put(d.name(), d.fixed().getAsLong());
        }
        for (TensorDecl decl : declared) {
            Tensor t = inputs.get(decl.name());
            String declaredType = Printer.type(decl);
            if (t == null) throw new RunFailure("missing input '" + decl.name() + "' (" + declaredType + ")", decl.span());
            if (t.rank() != decl.rank()) {
                throw new RunFailure("input '" + decl.name() + "' has rank " + t.rank() + ", expected " + decl.rank() + ": " + declaredType, decl.span());
            }
            if (t.dtype() != decl.dtype()) {
                throw new RunFailure("input '" + decl.name() + "' is " + t.dtype().sourceName() + ", expected " + decl.dtype().sourceName(), decl.span());
            }
            long[] shape = t.shape();
            for (int axis = 0; axis < shape.length; axis++) {
                bindAxis(decl, axis, shape[axis]);
            }
            if (t.size() > Buffer.MAX_ENTRIES) throw new RunFailure("input '" + decl.name() + "' is too large for the reference interpreter", decl.span());
            buffers.put(decl.name(), Buffer.ofInput(decl.name(), shape, t.toDoubleArray()));
        }
    }

    private void bindAxis(TensorDecl decl, int axis, long size) {
        Expr e = decl.shape().get(axis);
        if (e instanceof Expr.Scalar s && s.kind() == Expr.ScalarKind.DIM) {
            Long have = dims.get(s.name());
            if (have == null) {
                dims.put(s.name(), size);
                origins.put(s.name(), new Origin(decl.name(), axis));
            } else if (have != size) {
                Origin o = origins.get(s.name());
                String before = o == null
                        ? s.name() + " is fixed to " + have
                        : "'" + o.input() + "' gave " + s.name() + " = " + have + " at axis " + o.axis();
                throw new RunFailure("dim " + s.name() + ": input '" + decl.name() + "' has " + size + " at axis " + axis + ", but " + before, decl.span());
            }
        } else if (e instanceof Expr.Const c && (long) c.value() != size) {
            throw new RunFailure("input '" + decl.name() + "' axis " + axis + " must be " + (long) c.value() + ", got " + size, decl.span());
        }
        // any other axis is computed: checked once every dim and parameter has its value
    }

    private void checkEveryDimHasAValue() {
        for (Dim d : program.dims()) {
            if (!dims.containsKey(d.name()) && d.derived().isEmpty()) {
                throw new RunFailure("dim " + d.name() + " has no value: no input carries it and it is neither fixed nor derived", d.span());
            }
        }
    }

    private void checkComputedInputAxes(Map<String, Tensor> inputs) {
        for (TensorDecl decl : program.inputs()) {
            long[] shape = inputs.get(decl.name()).shape();
            for (int axis = 0; axis < shape.length; axis++) {
                Expr e = decl.shape().get(axis);
                if (e instanceof Expr.Const || e instanceof Expr.Scalar s && s.kind() == Expr.ScalarKind.DIM) continue;
                long want = evalExtent(e, "axis " + axis + " of input '" + decl.name() + "'", decl.span());
                if (want != shape[axis]) {
                    throw new RunFailure("input '" + decl.name() + "' axis " + axis + " must be " + Printer.expr(e) + " = " + want + ", got " + shape[axis], decl.span());
                }
            }
        }
    }

    private void bindScalars(Map<String, Double> given) {
        for (String name : new TreeSet<>(given.keySet())) {
            if (program.scalars().stream().noneMatch(p -> p.name().equals(name))) {
                String dimHint = program.dim(name).isPresent() ? ": it is a dim, which comes from the inputs' shapes" : "";
                throw new RunFailure("unknown scalar parameter '" + name + "'" + dimHint, program.span());
            }
        }
        for (Program.ScalarParam p : program.scalars()) {
            Double v = given.get(p.name());
            if (v == null) {
                if (p.defaultValue().isEmpty()) throw new RunFailure("missing scalar parameter '" + p.name() + "' (" + p.type().sourceName() + ")", p.span());
                v = evalScalar(p.defaultValue().get(), p.span());
            }
            params.put(p.name(), checkScalar(p, v));
        }
    }

    private static double checkScalar(Program.ScalarParam p, double v) {
        String name = "scalar '" + p.name() + "'";
        switch (p.type()) {
            case BOOL -> {
                if (v != 0 && v != 1) throw new RunFailure(name + " is bool and must be 0 or 1, got " + Printer.number(v), p.span());
            }
            case I32, I64 -> {
                if (v != Math.rint(v) || Double.isInfinite(v)) throw new RunFailure(name + " must be an integer, got " + Printer.number(v), p.span());
                boolean fits = p.type() == DType.I32 ? v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE : v >= Long.MIN_VALUE && v < 0x1p63;
                if (!fits) throw new RunFailure(name + " is out of the " + p.type().sourceName() + " range, got " + Printer.number(v), p.span());
            }
            case F16, BF16, F32, F64 -> { }
        }
        return v;
    }

    private void checkConstraints() {
        for (Program.Constraint c : program.constraints()) {
            if (evalScalar(c.predicate(), c.span()) != 0) continue;
            Set<String> names = new LinkedHashSet<>();
            scalarsIn(c.predicate(), names);
            List<String> values = new ArrayList<>();
            for (String n : names) values.add(n + " = " + Printer.number(valueOf(n, c.span())));
            throw new RunFailure("constraint '" + c.text() + "' does not hold" + (values.isEmpty() ? "" : " (" + String.join(", ", values) + ")"), c.span());
        }
    }

    private double valueOf(String scalarName, SourceSpan span) {
        if (params.containsKey(scalarName)) return params.get(scalarName);
        return dim(scalarName, span);
    }

    // ---- outputs ----

    private Map<String, Tensor> outputs() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (TensorDecl decl : program.outputs()) {
            Buffer b = buffers.get(decl.name());
            if (b == null) throw new RunFailure("output '" + decl.name() + "' is never defined", decl.span());
            Tensor t = Tensor.zeros(decl.dtype(), b.shape);
            for (int i = 0; i < b.size(); i++) {
                if (b.isPresent(i)) t.setDouble(i, b.data[i]);
            }
            out.put(decl.name(), t);
        }
        return out;
    }

    // ---- helpers ----

    /** The dims an expression mentions, in order. */
    static Set<String> dimsIn(Expr e) {
        Set<String> out = new LinkedHashSet<>();
        collect(e, out, true);
        return out;
    }

    /** The dims and parameters an expression mentions, in order. */
    private static void scalarsIn(Expr e, Set<String> out) {
        collect(e, out, false);
    }

    private static void collect(Expr e, Set<String> out, boolean dimsOnly) {
        switch (e) {
            case Expr.Const c -> { }
            case Expr.Scalar s -> {
                if (s.kind() == Expr.ScalarKind.DIM || !dimsOnly && s.kind() == Expr.ScalarKind.PARAM) out.add(s.name());
            }
            case Expr.Index i -> { }
            case Expr.Read r -> r.indices().forEach(x -> collect(x, out, dimsOnly));
            case Expr.Unary u -> collect(u.x(), out, dimsOnly);
            case Expr.Binary b -> {
                collect(b.a(), out, dimsOnly);
                collect(b.b(), out, dimsOnly);
            }
            case Expr.Select s -> {
                collect(s.cond(), out, dimsOnly);
                collect(s.a(), out, dimsOnly);
                collect(s.b(), out, dimsOnly);
            }
            case Expr.Call c -> c.args().forEach(x -> collect(x, out, dimsOnly));
            case Expr.Reduce r -> {
                r.vars().forEach(v -> collect(v.extent(), out, dimsOnly));
                r.filter().ifPresent(x -> collect(x, out, dimsOnly));
                collect(r.body(), out, dimsOnly);
            }
            case Expr.Softmax s -> {
                collect(s.var().extent(), out, dimsOnly);
                collect(s.body(), out, dimsOnly);
            }
        }
    }
}
