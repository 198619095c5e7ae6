package tessera.ir.loop;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import tessera.ir.SourceSpan;
import tessera.ir.loop.Device.DeviceBuffer;
import tessera.ir.loop.Device.DeviceException;
import tessera.ir.loop.LaunchPlan.Buffer;
import tessera.ir.loop.LaunchPlan.HostScalar;
import tessera.ir.loop.LaunchPlan.Role;
import tessera.ir.loop.LaunchPlan.ScalarSource;
import tessera.ir.tensor.Interpreter.Outcome;
import tessera.ir.tensor.RunError;
import tessera.runtime.DType;
import tessera.runtime.Tensor;

/**
 * Runs a {@link Module} on a {@link Device} by following its {@link LaunchPlan}; the same driver
 * serves every backend, so a user sees the same message for the same mistake everywhere, worded
 * as the reference {@link tessera.ir.tensor.Interpreter} words it.
 *
 * <ol>
 *   <li>The module is verified ({@link LoopVerifier}); a broken one is a failure, not an exception.
 *   <li>Inputs are bound in plan order: unknown names, then for each INPUT buffer a missing tensor,
 *       the rank, the element type, the DIM scalars it carries (checked against a fixed value) and
 *       each axis that is a dim or a literal ("dim M: input 'v' has 7 at axis 2, but 'k' gave M =
 *       5 at axis 2").
 *   <li>Host scalars are evaluated in order: PARAMs from the caller (checked: integers, bools,
 *       ranges) or their default; unknown caller names are an error; COMPUTED by {@link HostEval}.
 *       Computed input axes ({@code 2 * N + 1}) are checked, then every {@link LaunchPlan.Check}.
 *   <li>{@link Device#prepare}, then every buffer is allocated (its shape evaluated) and the inputs
 *       written; each launch gets its evaluated grid and the buffers and scalars its kernel's
 *       parameters name; the outputs are read back in plan order.
 * </ol>
 * A {@link DeviceException} becomes a failure with its message; anything else unexpected is a
 * failure reading "internal error: ...". Never throws. The caller owns the device (and closes it).
 */
public final class PlanRunner {
    /** A problem found while running; carries the message to the {@link Outcome.Failed}. */
    private static final class Stop extends Exception {
        private static final long serialVersionUID = 1L;

        Stop(String message) {
            super(message, null, false, false);
        }
    }

    private final Module module;
    private final LaunchPlan plan;
    private final Device device;
    private final Map<String, Double> values = new HashMap<>();
    private final Map<String, HostScalar> hostScalars = new LinkedHashMap<>();

    private PlanRunner(Module module, Device device) {
        this.module = module;
        this.plan = module.plan();
        this.device = device;
        for (HostScalar s : plan.scalars()) hostScalars.putIfAbsent(s.name(), s);
    }

    /**
     * Runs {@code m} on {@code device}.
     *
     * @param inputs a tensor for every INPUT buffer, by name
     * @param scalars values of PARAM scalars by name (bools 0/1); those not given take their defaults
     * @return the OUTPUT buffers in plan order, or why the run failed
     */
    public static Outcome run(Module m, Device device, Map<String, Tensor> inputs, Map<String, Double> scalars) {
        if (m == null || m.plan() == null) return failed("no module");
        if (device == null) return failed("no device");
        if (m != lastVerified) {
            List<String> problems = LoopVerifier.check(m);
            if (!problems.isEmpty()) {
                String more = problems.size() == 1 ? "" : " (and " + (problems.size() - 1) + " more)";
                return failed("invalid module '" + m.name() + "': " + problems.get(0) + more);
            }
            // Modules are immutable: the same object run again (a benchmark, a loop) needs no second check.
            lastVerified = m;
        }
        try {
            return new Outcome.Ok(new PlanRunner(m, device).execute(inputs == null ? Map.of() : inputs, scalars == null ? Map.of() : scalars));
        } catch (Stop e) {
            return failed(e.getMessage());
        } catch (DeviceException e) {
            return failed(e.getMessage() == null ? "device error" : e.getMessage());
        } catch (RuntimeException | StackOverflowError e) {
            return failed("internal error: " + e);
        }
    }

    /** The module verified last, by identity. */
    private static volatile Module lastVerified;

    private static Outcome failed(String message) {
        return new Outcome.Failed(new RunError(message, SourceSpan.NONE));
    }

    private Map<String, Tensor> execute(Map<String, Tensor> inputs, Map<String, Double> given) throws Stop, DeviceException {
        bindInputs(inputs);
        checkEveryDimHasAValue();
        bindScalars(given);
        checkComputedInputAxes(inputs);
        checkConstraints();
        device.prepare(module);
        Map<String, DeviceBuffer> buffers = new LinkedHashMap<>();
        try {
            return run(inputs, buffers);
        } finally {
            // Every buffer goes back, whatever happened: a long-lived device must not grow per run.
            for (DeviceBuffer b : buffers.values()) {
                try {
                    device.release(b);
                } catch (DeviceException e) {
                    // Nothing more to do for this buffer; the run's own outcome is what the caller needs.
                }
            }
        }
    }

    private Map<String, Tensor> run(Map<String, Tensor> inputs, Map<String, DeviceBuffer> buffers) throws Stop, DeviceException {
        Map<String, long[]> shapes = new HashMap<>();
        for (Buffer b : plan.buffers()) {
            long[] shape = shape(b);
            long elements = 1;
            for (long d : shape) {
                try {
                    elements = Math.multiplyExact(elements, d);
                } catch (ArithmeticException e) {
                    throw new Stop("buffer '" + b.name() + "' is too large: " + b.type().sourceName() + Arrays.toString(shape));
                }
            }
            DeviceBuffer db = device.allocate(b.type(), elements);
            if (b.role() == Role.INPUT) device.write(db, inputs.get(b.name()));
            buffers.put(b.name(), db);
            shapes.put(b.name(), shape);
        }
        for (LaunchPlan.Launch l : plan.launches()) launch(l, buffers);
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Buffer b : plan.buffers()) {
            if (b.role() == Role.OUTPUT) out.put(b.name(), device.read(buffers.get(b.name()), shapes.get(b.name())));
        }
        return out;
    }

    private void launch(LaunchPlan.Launch l, Map<String, DeviceBuffer> buffers) throws Stop, DeviceException {
        Kernel k = module.kernel(l.kernel()).orElseThrow(() -> new Stop("launch of unknown kernel '" + l.kernel() + "'"));
        long[] grid = new long[k.grid().size()];
        for (int d = 0; d < grid.length; d++) {
            Kernel.GridDim g = k.grid().get(d);
            grid[d] = extent(g.extent(), "grid extent '" + g.var() + "' of kernel '" + k.name() + "'");
        }
        Map<String, DeviceBuffer> args = new LinkedHashMap<>();
        Map<String, Double> scalars = new LinkedHashMap<>();
        for (Kernel.Param p : k.params()) {
            switch (p) {
                case Kernel.BufferParam b -> args.put(b.name(), buffers.get(b.name()));
                case Kernel.ScalarParam s -> scalars.put(s.name(), values.get(s.name()));
            }
        }
        device.launch(k, grid, args, scalars);
    }

    // ---- inputs and dims ----

    private List<Buffer> inputBuffers() {
        return plan.buffers().stream().filter(b -> b.role() == Role.INPUT).toList();
    }

    private void bindInputs(Map<String, Tensor> inputs) throws Stop {
        List<Buffer> declared = inputBuffers();
        for (String name : new TreeSet<>(inputs.keySet())) {
            if (declared.stream().noneMatch(b -> b.name().equals(name))) {
                String role = plan.buffers().stream().filter(b -> b.name().equals(name)).findFirst()
                        .map(b -> b.role() == Role.OUTPUT ? ": it is an output" : ": it is the kernel's own tensor").orElse("");
                String names = String.join(", ", declared.stream().map(Buffer::name).toList());
                throw new Stop("unknown input '" + name + "'" + role + " (the inputs are " + (names.isEmpty() ? "none" : names) + ")");
            }
        }
        for (HostScalar s : plan.scalars()) {
            // Fixed dims are known before any input, as in the reference interpreter.
            if (s.source() == ScalarSource.DIM && s.value().isPresent()) values.put(s.name(), HostEval.toType(eval(s.value().get()), s.type()));
        }
        List<DeferredAxis> deferred = new ArrayList<>();
        for (Buffer b : declared) {
            Tensor t = inputs.get(b.name());
            String declaredType = LoopPrinter.shape(b.type(), b.shape());
            if (t == null) throw new Stop("missing input '" + b.name() + "' (" + declaredType + ")");
            if (t.rank() != b.shape().size()) {
                throw new Stop("input '" + b.name() + "' has rank " + t.rank() + ", expected " + b.shape().size() + ": " + declaredType);
            }
            if (t.dtype() != b.type()) throw new Stop("input '" + b.name() + "' is " + t.dtype().sourceName() + ", expected " + b.type().sourceName());
            long[] shape = t.shape();
            for (HostScalar s : plan.scalars()) {
                if (s.source() == ScalarSource.DIM && b.name().equals(s.input())) bindDim(s, shape[s.axis()]);
            }
            for (int axis = 0; axis < shape.length; axis++) {
                LExpr e = b.shape().get(axis);
                if (e instanceof LExpr.Ref r && isDim(r.name())) {
                    if (values.containsKey(r.name())) checkDimAxis(b.name(), axis, shape[axis], hostScalars.get(r.name()));
                    else deferred.add(new DeferredAxis(b.name(), axis, shape[axis], hostScalars.get(r.name())));
                } else if (e instanceof LExpr.Const c && (long) c.value() != shape[axis]) {
                    throw new Stop("input '" + b.name() + "' axis " + axis + " must be " + (long) c.value() + ", got " + shape[axis]);
                }
                // any other axis is computed: checked once every scalar has its value
            }
        }
        for (DeferredAxis d : deferred) {
            if (values.containsKey(d.dim().name())) checkDimAxis(d.input(), d.axis(), d.size(), d.dim());
        }
    }

    /** An input axis naming a dim that a later input carries. */
    private record DeferredAxis(String input, int axis, long size, HostScalar dim) {}

    private boolean isDim(String name) {
        HostScalar s = hostScalars.get(name);
        return s != null && s.source() == ScalarSource.DIM;
    }

    /** Binds a dim from its input's axis; a fixed dim is checked against it instead. */
    private void bindDim(HostScalar s, long size) throws Stop {
        if (values.containsKey(s.name())) checkDimAxis(s.input(), s.axis(), size, s);
        else values.put(s.name(), (double) size);
    }

    private void checkDimAxis(String input, int axis, long size, HostScalar dim) throws Stop {
        long have = values.get(dim.name()).longValue();
        if (have == size) return;
        String before = dim.value().isPresent() || dim.input() == null || dim.input().isEmpty()
                ? dim.name() + " is fixed to " + have
                : "'" + dim.input() + "' gave " + dim.name() + " = " + have + " at axis " + dim.axis();
        throw new Stop("dim " + dim.name() + ": input '" + input + "' has " + size + " at axis " + axis + ", but " + before);
    }

    private void checkEveryDimHasAValue() throws Stop {
        for (HostScalar s : plan.scalars()) {
            if (s.source() == ScalarSource.DIM && !values.containsKey(s.name()) && s.value().isEmpty()) {
                throw new Stop("dim " + s.name() + " has no value: no input carries it and it is neither fixed nor derived");
            }
        }
    }

    private void checkComputedInputAxes(Map<String, Tensor> inputs) throws Stop {
        for (Buffer b : inputBuffers()) {
            long[] shape = inputs.get(b.name()).shape();
            for (int axis = 0; axis < shape.length; axis++) {
                LExpr e = b.shape().get(axis);
                if (e instanceof LExpr.Const || e instanceof LExpr.Ref r && isDim(r.name())) continue;
                long want = extent(e, "axis " + axis + " of input '" + b.name() + "'");
                if (want != shape[axis]) {
                    throw new Stop("input '" + b.name() + "' axis " + axis + " must be " + LoopPrinter.expr(e) + " = " + want + ", got " + shape[axis]);
                }
            }
        }
    }

    // ---- scalars and checks ----

    private void bindScalars(Map<String, Double> given) throws Stop {
        for (String name : new TreeSet<>(given.keySet())) {
            HostScalar s = hostScalars.get(name);
            if (s == null || s.source() != ScalarSource.PARAM) {
                String dimHint = s != null && s.source() == ScalarSource.DIM ? ": it is a dim, which comes from the inputs' shapes" : "";
                throw new Stop("unknown scalar parameter '" + name + "'" + dimHint);
            }
        }
        for (HostScalar s : plan.scalars()) {
            switch (s.source()) {
                case DIM -> {
                    if (!values.containsKey(s.name())) values.put(s.name(), HostEval.toType(eval(s.value().orElseThrow()), s.type()));
                }
                case PARAM -> {
                    Double v = given.get(s.name());
                    if (v == null) {
                        Optional<LExpr> dflt = s.value();
                        if (dflt.isEmpty()) throw new Stop("missing scalar parameter '" + s.name() + "' (" + s.type().sourceName() + ")");
                        v = eval(dflt.get());
                    }
                    values.put(s.name(), checkScalar(s, v));
                }
                case COMPUTED -> values.put(s.name(), HostEval.toType(eval(s.value().orElseThrow()), s.type()));
            }
        }
    }

    /** The reference interpreter's checks of a parameter's value. */
    private static double checkScalar(HostScalar p, double v) throws Stop {
        String name = "scalar '" + p.name() + "'";
        switch (p.type()) {
            case BOOL -> {
                if (v != 0 && v != 1) throw new Stop(name + " is bool and must be 0 or 1, got " + LoopPrinter.number(v));
            }
            case I32, I64 -> {
                if (v != Math.rint(v) || Double.isInfinite(v)) throw new Stop(name + " must be an integer, got " + LoopPrinter.number(v));
                boolean fits = p.type() == DType.I32 ? v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE : v >= Long.MIN_VALUE && v < 0x1p63;
                if (!fits) throw new Stop(name + " is out of the " + p.type().sourceName() + " range, got " + LoopPrinter.number(v));
            }
            case F16, BF16, F32, F64 -> { }
        }
        return v;
    }

    private void checkConstraints() throws Stop {
        for (LaunchPlan.Check c : plan.checks()) {
            if (eval(c.predicate()) != 0) continue;
            Set<String> names = new LinkedHashSet<>();
            refs(c.predicate(), names);
            List<String> shown = new ArrayList<>();
            for (String n : names) shown.add(n + " = " + LoopPrinter.number(values.get(n)));
            String text = c.text() == null || c.text().isBlank() ? LoopPrinter.expr(c.predicate()) : c.text();
            throw new Stop("constraint '" + text + "' does not hold" + (shown.isEmpty() ? "" : " (" + String.join(", ", shown) + ")"));
        }
    }

    /** The names an expression mentions, in order of first use. */
    private static void refs(LExpr e, Set<String> out) {
        switch (e) {
            case LExpr.Const c -> { }
            case LExpr.Ref r -> out.add(r.name());
            case LExpr.Load l -> refs(l.index(), out);
            case LExpr.Unary u -> refs(u.x(), out);
            case LExpr.Binary b -> {
                refs(b.a(), out);
                refs(b.b(), out);
            }
            case LExpr.Select s -> {
                refs(s.cond(), out);
                refs(s.a(), out);
                refs(s.b(), out);
            }
            case LExpr.Call c -> c.args().forEach(x -> refs(x, out));
            case LExpr.Cast c -> refs(c.x(), out);
        }
    }

    // ---- evaluation ----

    private double eval(LExpr e) throws Stop {
        try {
            return HostEval.eval(e, values);
        } catch (HostEval.EvalException x) {
            throw new Stop(x.getMessage());
        }
    }

    /** A non-negative integer extent; {@code what} names it in the message. */
    private long extent(LExpr e, String what) throws Stop {
        double v = eval(e);
        if (v < 0 || v != Math.rint(v) || v > Long.MAX_VALUE) {
            throw new Stop(what + " is " + LoopPrinter.number(v) + " (" + LoopPrinter.expr(e) + "); it must be a non-negative integer");
        }
        return (long) v;
    }

    private long[] shape(Buffer b) throws Stop {
        long[] shape = new long[b.shape().size()];
        for (int axis = 0; axis < shape.length; axis++) shape[axis] = extent(b.shape().get(axis), "axis " + axis + " of buffer '" + b.name() + "'");
        return shape;
    }
}
