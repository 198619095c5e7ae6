package tessera.backend.jvector;

import com.palantir.javapoet.ArrayTypeName;
import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.ParameterSpec;
import com.palantir.javapoet.ParameterizedTypeName;
import com.palantir.javapoet.TypeName;
import com.palantir.javapoet.WildcardTypeName;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import javax.lang.model.element.Modifier;
import tessera.ir.loop.Kernel;
import tessera.ir.loop.LExpr;
import tessera.ir.loop.LStmt;
import tessera.runtime.DType;

/**
 * One Loop IR kernel as Java methods. The public method takes the pool, the kernel's parameters
 * in order (buffers as arrays, scalars as primitives) and one {@code int} extent per grid
 * dimension. It splits the points of the <em>split dimensions</em> (row-major) into chunks run on
 * the pool (about four per thread) and waits for all of them; a private "rows" method runs one
 * chunk. When the innermost grid loop runs on vector lanes ({@link VectorAnalysis} allows it) the
 * split dimensions are all the others, and each chunk runs the vector loop at each of its points;
 * else they are all the dimensions. One split dimension is a plain {@code for} loop over the
 * chunk; several are walked like an odometer (the last one fastest), so a grid whose outer
 * dimensions are 1 (a batch of one) still fills the pool. A kernel without a grid runs its body
 * once, on the caller's thread.
 */
final class KernelEmitter {
    static final ClassName POOL = ClassName.get(ForkJoinPool.class);
    static final ClassName TASK = ClassName.get(ForkJoinTask.class);
    private static final int CHUNKS_PER_THREAD = 4;

    private final JavaOptions options;
    private final Helpers helpers;
    private final Set<String> reserved;
    /** Vector loops of the kernel being emitted, made methods of their own. */
    private final List<MethodSpec> outlined = new ArrayList<>();

    /**
     * @param reserved identifiers no local may take (the classes and fields the class refers to)
     */
    KernelEmitter(JavaOptions options, Helpers helpers, Set<String> reserved) {
        this.options = options;
        this.helpers = helpers;
        this.reserved = Set.copyOf(reserved);
    }

    /** The public method {@code method} and, for a kernel with a grid, its private {@code rows} method. */
    List<MethodSpec> emit(Kernel k, String method, String rows) {
        rejectGroups(k);
        Map<String, DType> buffers = new LinkedHashMap<>();
        for (Kernel.Param p : k.params()) {
            if (p instanceof Kernel.BufferParam b) {
                buffers.put(b.name(), b.type());
            }
        }
        Optional<DType> lanes = Optional.empty();
        VectorAnalysis analysis = null;
        if (options.vectorise() && !k.grid().isEmpty()) {
            analysis = new VectorAnalysis(k.grid().getLast().var(), buffers::get);
            lanes = analysis.analyse(k.body());
        }
        lanes.ifPresent(helpers::useSpecies);

        Names names = new Names(reserved);
        List<String> params = declareParams(k, names);
        String pool = names.fresh("pool");
        List<String> extents = k.grid().stream().map(g -> names.fresh(g.var() + "Extent")).toList();
        MethodSpec.Builder pub = MethodSpec.methodBuilder(method)
                .addModifiers(Modifier.PUBLIC, Modifier.STATIC)
                .addJavadoc(javadoc(k, lanes, pool, params, extents))
                .addParameter(POOL, pool);
        addParams(pub, k, params);
        extents.forEach(e -> pub.addParameter(TypeName.INT, e));
        if (k.grid().isEmpty()) {
            CodeBlock.Builder body = CodeBlock.builder();
            scalarStmts(names).emit(k.body(), body);
            return List.of(pub.addCode(body.build()).build());
        }
        int split = splitDims(k, lanes);
        pub.addCode(dispatch(names, pool, params, extents, rows, split));
        if (ownsTiles(k)) {
            String point = rows.endsWith("Rows") ? rows.substring(0, rows.length() - 4) + "Point" : rows + "Point";
            List<MethodSpec> methods = new ArrayList<>(List.of(pub.build(), rowsMethod(k, rows, lanes, analysis, split, Optional.of(point)),
                    pointMethod(k, point)));
            methods.addAll(outlined);
            outlined.clear();
            return methods;
        }
        return List.of(pub.build(), rowsMethod(k, rows, lanes, analysis, split, Optional.empty()));
    }

    /**
     * A kernel that manages its own tiles (local arrays, matmuls) has a large body: it gets a
     * method per grid point, which the JIT compiles after a few calls. Inlined into the loop over
     * a chunk's points, the chunk method runs only a handful of times and would stay interpreted
     * (its on-stack replacement fails on a body this size), Vector API calls and all.
     */
    private static boolean ownsTiles(Kernel k) {
        return k.body().stream().anyMatch(s -> s instanceof LStmt.Alloc || s instanceof LStmt.MatMul);
    }

    /**
     * The body at one grid point, the grid variables passed in, and the private arrays whose size
     * is the same at every point ({@link #hoisted}) passed in by the chunk method, which allocates
     * them once: the point re-zeroes them where the IR declares them, instead of allocating.
     */
    private MethodSpec pointMethod(Kernel k, String point) {
        Names names = new Names(reserved);
        List<String> params = declareParams(k, names);
        MethodSpec.Builder m = MethodSpec.methodBuilder(point)
                .addModifiers(Modifier.PRIVATE, Modifier.STATIC)
                .addJavadoc("One grid point of kernel {@code $L}.", ScalarStmts.javadocSafe(k.name()));
        addParams(m, k, params);
        names.push();
        for (Kernel.GridDim g : k.grid()) m.addParameter(TypeName.INT, names.declare(g.var(), DType.I32));
        java.util.Set<String> hoisted = new java.util.HashSet<>();
        for (LStmt.Alloc a : hoisted(k).allocs()) {
            m.addParameter(JavaTypes.array(a.type()), names.declareBuffer(a.name(), a.type()));
            hoisted.add(a.name());
        }
        CodeBlock.Builder b = CodeBlock.builder();
        names.push();
        scalarStmts(names, Optional.of(point), hoisted).emit(k.body(), b);
        names.pop();
        names.pop();
        return m.addCode(b.build()).build();
    }

    /** The call of the point method from the chunk loop, with the chunk method's names. */
    private static void callPoint(Kernel k, String point, List<String> params, Names names, CodeBlock.Builder b) {
        List<String> args = new ArrayList<>(params);
        for (Kernel.GridDim g : k.grid()) args.add(names.get(g.var()).java());
        for (LStmt.Alloc a : hoisted(k).allocs()) args.add(names.buffer(a.name()).java());
        b.addStatement("$L($L)", point, String.join(", ", args));
    }

    /** Top-level private arrays whose size is the same at every grid point, and the top-level lets their sizes may use. */
    private record Hoist(List<LStmt.Let> lets, List<LStmt.Alloc> allocs) {}

    private static Hoist hoisted(Kernel k) {
        java.util.Set<String> invariant = new java.util.HashSet<>();
        for (Kernel.Param p : k.params()) if (p instanceof Kernel.ScalarParam sp) invariant.add(sp.name());
        List<LStmt.Let> lets = new ArrayList<>();
        List<LStmt.Alloc> allocs = new ArrayList<>();
        for (LStmt s : k.body()) {
            if (s instanceof LStmt.Let l && invariantIn(l.value(), invariant)) {
                lets.add(l);
                invariant.add(l.name());
            } else if (s instanceof LStmt.Alloc a && a.space() == LStmt.Space.PRIVATE && invariantIn(a.size(), invariant)) {
                allocs.add(a);
            }
        }
        return new Hoist(lets, allocs);
    }

    /** Made of constants and the named invariants only (no loads). */
    private static boolean invariantIn(LExpr e, java.util.Set<String> invariant) {
        return switch (e) {
            case LExpr.Const c -> true;
            case LExpr.Ref r -> invariant.contains(r.name());
            case LExpr.Load l -> false;
            case LExpr.Unary u -> invariantIn(u.x(), invariant);
            case LExpr.Binary b -> invariantIn(b.a(), invariant) && invariantIn(b.b(), invariant);
            case LExpr.Select s -> invariantIn(s.cond(), invariant) && invariantIn(s.a(), invariant) && invariantIn(s.b(), invariant);
            case LExpr.Call c -> c.args().stream().allMatch(x -> invariantIn(x, invariant));
            case LExpr.Cast c -> invariantIn(c.x(), invariant);
        };
    }

    /** How many leading grid dimensions the pool splits: all but an innermost one on lanes (at least one). */
    private static int splitDims(Kernel k, Optional<DType> lanes) {
        return Math.max(1, lanes.isPresent() ? k.grid().size() - 1 : k.grid().size());
    }

    /**
     * Group kernels (work items that share arrays and meet at barriers) are for GPU targets: a
     * grid point here is one work item on one thread. The verifier keeps shared arrays and
     * barriers inside group kernels; a kernel that has them anyway is rejected here too.
     */
    private static void rejectGroups(Kernel k) {
        if (k.group().isPresent()) {
            throw new UnsupportedKernelException("kernel '" + k.name() + "' is a group kernel (groups of " + k.group().get().size()
                    + " work items that share arrays and meet at barriers); the java backend runs only kernels whose grid points are single work items");
        }
        groupOnly(k.body()).ifPresent(what -> {
            throw new UnsupportedKernelException("kernel '" + k.name() + "' has " + what
                    + ", which only group kernels may have; the java backend does not run group kernels");
        });
    }

    /** The first shared array or barrier in {@code body}, described, if any. */
    private static Optional<String> groupOnly(List<LStmt> body) {
        for (LStmt s : body) {
            Optional<String> found = switch (s) {
                case LStmt.Alloc a -> a.space() == LStmt.Space.SHARED ? Optional.of("shared array '" + a.name() + "'") : Optional.empty();
                case LStmt.Barrier b -> Optional.of("a barrier");
                case LStmt.For f -> groupOnly(f.body());
                case LStmt.If i -> groupOnly(i.then()).or(() -> groupOnly(i.otherwise()));
                case LStmt.Let l -> Optional.empty();
                case LStmt.Var v -> Optional.empty();
                case LStmt.Assign a -> Optional.empty();
                case LStmt.Store st -> Optional.empty();
                case LStmt.Comment c -> Optional.empty();
                case LStmt.MatMul mm -> Optional.empty();
            };
            if (found.isPresent()) {
                return found;
            }
        }
        return Optional.empty();
    }

    private static List<String> declareParams(Kernel k, Names names) {
        List<String> out = new ArrayList<>();
        for (Kernel.Param p : k.params()) {
            out.add(switch (p) {
                case Kernel.BufferParam b -> names.declareBuffer(b.name(), b.type());
                case Kernel.ScalarParam s -> names.declare(s.name(), s.type());
            });
        }
        return out;
    }

    private static void addParams(MethodSpec.Builder m, Kernel k, List<String> javaNames) {
        for (int i = 0; i < javaNames.size(); i++) {
            TypeName type = switch (k.params().get(i)) {
                case Kernel.BufferParam b -> JavaTypes.array(b.type());
                case Kernel.ScalarParam s -> JavaTypes.value(s.type());
            };
            m.addParameter(ParameterSpec.builder(type, javaNames.get(i)).build());
        }
    }

    private ScalarStmts scalarStmts(Names names) {
        return scalarStmts(names, Optional.empty(), java.util.Set.of());
    }

    /**
     * @param outlineAs a stem for methods made of vector loops (empty: loops stay in place)
     * @param hoisted private arrays allocated by the caller: their declarations re-zero them
     */
    private ScalarStmts scalarStmts(Names names, Optional<String> outlineAs, java.util.Set<String> hoisted) {
        ScalarExprs exprs = new ScalarExprs(names, helpers);
        Optional<VectorLoops.Outliner> outliner = outlineAs.map(stem -> (returns, params, body) -> {
            String name = stem + "Loop" + (outlined.size() + 1);
            outlined.add(MethodSpec.methodBuilder(name).addModifiers(Modifier.PRIVATE, Modifier.STATIC).returns(returns)
                    .addJavadoc("A vector loop of {@code $L}, a method of its own so the JIT inlines and intrinsifies its Vector API calls.", stem)
                    .addParameters(params).addCode(body).build());
            return name;
        });
        Optional<VectorLoops> loops = options.vectorise() || options.vectoriseReductions()
                ? Optional.of(new VectorLoops(names, exprs, helpers, options.vectorise(), options.vectoriseReductions(), outliner))
                : Optional.empty();
        return new ScalarStmts(names, exprs, loops, new MatMuls(names, exprs, helpers, options.vectorise()), hoisted);
    }

    /**
     * Splits the points of the first {@code split} dimensions into chunks on the pool; joins every
     * chunk before rethrowing a failure. One split dimension counts in {@code int}, several in
     * {@code long}.
     */
    private static CodeBlock dispatch(Names names, String pool, List<String> params, List<String> extents, String rows,
                                      int split) {
        List<String> inner = extents.subList(1, extents.size());
        CodeBlock.Builder b = CodeBlock.builder();
        String n;
        String count;
        if (split == 1) {
            n = extents.getFirst();
            count = "int";
        } else {
            n = names.fresh("points");
            count = "long";
            b.addStatement("long $L = $L", n, String.join(" * ", extents.subList(0, split)).replaceFirst("^", "(long) "));
        }
        b.beginControlFlow("if ($L < 2 || $L.getParallelism() < 2)", n, pool);
        b.addStatement("$L($L)", rows, args(params, CodeBlock.of(split == 1 ? "0" : "0L"), CodeBlock.of("$L", n), inner));
        b.addStatement("return");
        b.endControlFlow();
        String chunks = names.fresh("chunks");
        String tasks = names.fresh("tasks");
        TypeName taskType = ParameterizedTypeName.get(TASK, WildcardTypeName.subtypeOf(Object.class));
        if (split == 1) {
            b.addStatement("int $L = $T.min($L, $L * $L.getParallelism())", chunks, ScalarExprs.MATH, n, CHUNKS_PER_THREAD, pool);
        } else {
            b.addStatement("int $L = (int) $T.min($L, $L * $L.getParallelism())", chunks, ScalarExprs.MATH, n, CHUNKS_PER_THREAD, pool);
        }
        b.addStatement("$T $L = new $T[$L]", ArrayTypeName.of(taskType), tasks, taskType, chunks);
        names.push();
        String c = names.fresh("c");
        b.beginControlFlow("for (int $L = 0; $L < $L; $L++)", c, c, chunks, c);
        String lo = names.fresh("lo");
        String hi = names.fresh("hi");
        if (split == 1) {
            b.addStatement("int $L = (int) ((long) $L * $L / $L)", lo, n, c, chunks);
            b.addStatement("int $L = (int) ((long) $L * ($L + 1) / $L)", hi, n, c, chunks);
        } else {
            b.addStatement("$L $L = $L * $L / $L", count, lo, n, c, chunks);
            b.addStatement("$L $L = $L * ($L + 1) / $L", count, hi, n, c, chunks);
        }
        b.addStatement("$L[$L] = $L.submit(() -> $L($L))", tasks, c, pool, rows,
                args(params, CodeBlock.of("$L", lo), CodeBlock.of("$L", hi), inner));
        b.endControlFlow();
        names.pop();
        names.push();
        String task = names.fresh("task");
        b.beginControlFlow("for ($T $L : $L)", taskType, task, tasks);
        b.addStatement("$L.quietlyJoin()", task);
        b.endControlFlow();
        b.add("// every chunk has finished; rethrow the first failure, if any\n");
        b.beginControlFlow("for ($T $L : $L)", taskType, task, tasks);
        b.addStatement("$L.join()", task);
        b.endControlFlow();
        names.pop();
        return b.build();
    }

    private static CodeBlock args(List<String> params, CodeBlock lo, CodeBlock hi, List<String> inner) {
        List<CodeBlock> all = new ArrayList<>();
        params.forEach(p -> all.add(CodeBlock.of("$L", p)));
        all.add(lo);
        all.add(hi);
        inner.forEach(e -> all.add(CodeBlock.of("$L", e)));
        return CodeBlock.join(all, ", ");
    }

    /**
     * The private method running points {@code [lo, hi)} of the split dimensions (row-major), and
     * at each of them the rest of the grid.
     */
    private MethodSpec rowsMethod(Kernel k, String rows, Optional<DType> lanes, VectorAnalysis analysis, int split,
                                  Optional<String> point) {
        Names names = new Names(reserved);
        List<String> params = declareParams(k, names);
        String lo = names.fresh("lo");
        String hi = names.fresh("hi");
        List<Kernel.GridDim> grid = k.grid();
        List<String> extents = grid.subList(1, grid.size()).stream().map(g -> names.fresh(g.var() + "Extent")).toList();
        String what = split == 1 ? "rows {@code [$L, $L)} of {@code $L}"
                : "points {@code [$L, $L)} of {@code $L} (row-major)";
        String splitVars = String.join(", ", grid.subList(0, split).stream().map(Kernel.GridDim::var).toList());
        MethodSpec.Builder m = MethodSpec.methodBuilder(rows)
                .addModifiers(Modifier.PRIVATE, Modifier.STATIC)
                .addJavadoc("Runs " + what + " of kernel {@code $L}.", lo, hi, splitVars, ScalarStmts.javadocSafe(k.name()));
        addParams(m, k, params);
        TypeName count = split == 1 ? TypeName.INT : TypeName.LONG;
        m.addParameter(count, lo).addParameter(count, hi);
        extents.forEach(e -> m.addParameter(TypeName.INT, e));

        ScalarStmts stmts = scalarStmts(names);
        CodeBlock.Builder b = CodeBlock.builder();
        if (point.isPresent()) {
            Hoist h = hoisted(k);
            if (!h.allocs().isEmpty()) {
                b.add("// the points' private arrays, allocated once per chunk\n");
                ScalarExprs exprs = new ScalarExprs(names, helpers);
                for (LStmt.Let l : h.lets()) {
                    b.addStatement("$T $L = $L", JavaTypes.value(l.value().type()), names.declare(l.name(), l.value().type()),
                            exprs.expr(l.value()).code());
                }
                for (LStmt.Alloc a : h.allocs()) {
                    TypeName array = JavaTypes.array(a.type());
                    b.addStatement("$T $L = new $T[$L]", array, names.declareBuffer(a.name(), a.type()),
                            ((com.palantir.javapoet.ArrayTypeName) array).componentType(), exprs.as(a.size(), DType.I32).code());
                }
            }
        }
        int opened = 0;
        int last = grid.size() - 1;
        List<String> odometer = List.of();
        if (split > 1) {
            odometer = odometer(grid, split, extents, lo, hi, names, b);
            opened++;
        }
        for (int d = split > 1 ? split : 0; d < grid.size(); d++) {
            String from = d == 0 ? lo : "0";
            String to = d == 0 ? hi : extents.get(d - 1);
            names.push();
            if (d == last && lanes.isPresent()) {
                ScalarExprs exprs = new ScalarExprs(names, helpers);
                new VectorBody(names, exprs, analysis, lanes.get())
                        .loop(grid.get(d).var(), CodeBlock.of("$L", from), CodeBlock.of("$L", to), k.body(), b);
            } else {
                String v = names.declare(grid.get(d).var(), DType.I32);
                b.beginControlFlow("for (int $L = $L; $L < $L; $L++)", v, from, v, to, v);
                opened++;
                if (d == last) {
                    names.push();
                    if (point.isPresent()) callPoint(k, point.get(), params, names, b);
                    else stmts.emit(k.body(), b);
                    names.pop();
                }
            }
        }
        if (split == grid.size() && split > 1) {
            names.push();
            if (point.isPresent()) callPoint(k, point.get(), params, names, b);
            else stmts.emit(k.body(), b);
            names.pop();
        }
        for (int i = 0; i < opened; i++) {
            if (i == opened - 1 && split > 1) {
                advance(odometer, extents, b);
            }
            b.endControlFlow();
        }
        for (int d = split > 1 ? split - 1 : 0; d < grid.size(); d++) {
            names.pop();
        }
        return m.addCode(b.build()).build();
    }

    /**
     * Declares the split grid variables at point {@code lo} and opens the loop over the points
     * {@code [lo, hi)}; returns the variables' Java names, outermost first. An empty range returns
     * before the division by an extent that may be 0.
     */
    private static List<String> odometer(List<Kernel.GridDim> grid, int split, List<String> extents, String lo, String hi,
                                         Names names, CodeBlock.Builder b) {
        b.beginControlFlow("if ($L >= $L)", lo, hi).addStatement("return").endControlFlow();
        names.push();
        String rest = names.fresh("rest");
        b.addStatement("long $L = $L", rest, lo);
        String[] vars = new String[split];
        for (int d = split - 1; d >= 1; d--) {
            vars[d] = names.declare(grid.get(d).var(), DType.I32);
            b.addStatement("int $L = (int) ($L % $L)", vars[d], rest, extents.get(d - 1));
            b.addStatement("$L /= $L", rest, extents.get(d - 1));
        }
        vars[0] = names.declare(grid.getFirst().var(), DType.I32);
        b.addStatement("int $L = (int) $L", vars[0], rest);
        String point = names.fresh("point");
        b.add("// the grid points $L to $L, the last grid variable fastest\n", lo, hi);
        b.beginControlFlow("for (long $L = $L; $L < $L; $L++)", point, lo, point, hi, point);
        return List.of(vars);
    }

    /** Moves the odometer of split grid variables {@code vars} to the next point (the first one is never reset). */
    private static void advance(List<String> vars, List<String> extents, CodeBlock.Builder b) {
        int last = vars.size() - 1;
        for (int d = last; d >= 1; d--) {
            b.beginControlFlow("if (++$L == $L)", vars.get(d), extents.get(d - 1));
            b.addStatement("$L = 0", vars.get(d));
        }
        b.addStatement("$L++", vars.getFirst());
        for (int d = 1; d <= last; d++) {
            b.endControlFlow();
        }
    }

    private static CodeBlock javadoc(Kernel k, Optional<DType> lanes, String pool, List<String> params, List<String> extents) {
        CodeBlock.Builder d = CodeBlock.builder();
        d.add("Kernel {@code $L}, from: $L\n", ScalarStmts.javadocSafe(k.name()), ScalarStmts.javadocSafe(k.origin()));
        if (k.grid().isEmpty()) {
            d.add("\n<p>No grid: the body runs once, on the caller's thread.\n");
        } else {
            int split = splitDims(k, lanes);
            if (split == 1) {
                d.add("\n<p>Runs the body once for every grid point; the outermost dimension ({@code $L}) is split across {@code $L}.",
                        k.grid().getFirst().var(), pool);
            } else {
                d.add("\n<p>Runs the body once for every grid point; the points of ({@code $L}) are split across {@code $L}.",
                        String.join(", ", k.grid().subList(0, split).stream().map(Kernel.GridDim::var).toList()), pool);
            }
            d.add(lanes.map(t -> CodeBlock.of(" The innermost ({@code $L}) runs on $L vector lanes.\n",
                    k.grid().getLast().var(), t.sourceName())).orElse(CodeBlock.of(" The grid loops are scalar.\n")));
        }
        d.add("\n@param $L the pool that runs the chunks of the outermost grid dimension\n", pool);
        for (int i = 0; i < params.size(); i++) {
            Kernel.Param p = k.params().get(i);
            String what = switch (p) {
                case Kernel.BufferParam b -> "buffer of " + b.type().sourceName() + " (" + b.access().name().toLowerCase(Locale.ROOT) + ")";
                case Kernel.ScalarParam s -> "scalar " + s.type().sourceName();
            };
            d.add("@param $L $L {@code $L}\n", params.get(i), what, ScalarStmts.javadocSafe(p.name()));
        }
        for (int i = 0; i < extents.size(); i++) {
            d.add("@param $L the extent of grid variable {@code $L}\n", extents.get(i), k.grid().get(i).var());
        }
        return d.build();
    }
}
