package tessera.passes.lower;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tessera.ir.loop.Kernel;
import tessera.ir.loop.LExpr;
import tessera.ir.loop.LStmt;
import tessera.ir.loop.LaunchPlan;
import tessera.runtime.DType;

/** Finds a kernel's parameters: the buffers it loads and stores, and the host scalars it reads. */
final class Params {
    private Params() {}

    static Kernel attach(String name, List<Kernel.GridDim> grid, List<LStmt> body, Map<String, DType> hostScalars,
                         List<LaunchPlan.Buffer> buffers, String origin) {
        return attach(name, grid, java.util.Optional.empty(), body, hostScalars, buffers, origin);
    }

    /** As above, for a kernel that may run in groups; local arrays ({@link LStmt.Alloc}) are not parameters. */
    static Kernel attach(String name, List<Kernel.GridDim> grid, java.util.Optional<Kernel.Group> group, List<LStmt> body,
                         Map<String, DType> hostScalars, List<LaunchPlan.Buffer> buffers, String origin) {
        Map<String, Kernel.Access> access = new LinkedHashMap<>();
        Map<String, DType> scalars = new LinkedHashMap<>();
        for (Kernel.GridDim g : grid) expr(g.extent(), access, scalars, hostScalars);
        for (LStmt s : body) stmt(s, access, scalars, hostScalars);
        access.keySet().removeAll(locals(body, new java.util.HashSet<>()));
        Map<String, DType> bufferTypes = new LinkedHashMap<>();
        for (LaunchPlan.Buffer b : buffers) bufferTypes.put(b.name(), b.type());
        List<Kernel.Param> params = new java.util.ArrayList<>();
        access.forEach((b, a) -> params.add(new Kernel.BufferParam(b, bufferTypes.get(b), a)));
        scalars.forEach((n, t) -> params.add(new Kernel.ScalarParam(n, t)));
        return new Kernel(name, params, grid, group, body, origin);
    }

    private static java.util.Set<String> locals(List<LStmt> body, java.util.Set<String> out) {
        for (LStmt s : body) {
            switch (s) {
                case LStmt.Alloc a -> out.add(a.name());
                case LStmt.For f -> locals(f.body(), out);
                case LStmt.If i -> {
                    locals(i.then(), out);
                    locals(i.otherwise(), out);
                }
                default -> { }
            }
        }
        return out;
    }

    private static void stmt(LStmt s, Map<String, Kernel.Access> access, Map<String, DType> scalars, Map<String, DType> host) {
        switch (s) {
            case LStmt.Let l -> expr(l.value(), access, scalars, host);
            case LStmt.Var v -> expr(v.init(), access, scalars, host);
            case LStmt.Assign a -> expr(a.value(), access, scalars, host);
            case LStmt.Store st -> {
                access.merge(st.buffer(), Kernel.Access.WRITE, Params::join);
                expr(st.index(), access, scalars, host);
                expr(st.value(), access, scalars, host);
            }
            case LStmt.For f -> {
                expr(f.lo(), access, scalars, host);
                expr(f.hi(), access, scalars, host);
                f.body().forEach(x -> stmt(x, access, scalars, host));
            }
            case LStmt.If i -> {
                expr(i.cond(), access, scalars, host);
                i.then().forEach(x -> stmt(x, access, scalars, host));
                i.otherwise().forEach(x -> stmt(x, access, scalars, host));
            }
            case LStmt.Comment c -> { }
            case LStmt.Barrier b -> { }
            case LStmt.Alloc a -> expr(a.size(), access, scalars, host);
            case LStmt.MatMul mm -> {
                access.merge(mm.c().array(), mm.accumulate() ? Kernel.Access.READ_WRITE : Kernel.Access.WRITE, Params::join);
                access.merge(mm.a().array(), Kernel.Access.READ, Params::join);
                access.merge(mm.b().array(), Kernel.Access.READ, Params::join);
                for (LStmt.Operand o : List.of(mm.c(), mm.a(), mm.b())) {
                    expr(o.offset(), access, scalars, host);
                    expr(o.rowStride(), access, scalars, host);
                    expr(o.colStride(), access, scalars, host);
                }
                expr(mm.rows(), access, scalars, host);
                expr(mm.cols(), access, scalars, host);
                expr(mm.depth(), access, scalars, host);
            }
        }
    }

    private static Kernel.Access join(Kernel.Access a, Kernel.Access b) {
        return a == b ? a : Kernel.Access.READ_WRITE;
    }

    private static void expr(LExpr e, Map<String, Kernel.Access> access, Map<String, DType> scalars, Map<String, DType> host) {
        switch (e) {
            case LExpr.Const c -> { }
            case LExpr.Ref r -> {
                if (host.containsKey(r.name())) scalars.putIfAbsent(r.name(), host.get(r.name()));
            }
            case LExpr.Load l -> {
                access.merge(l.buffer(), Kernel.Access.READ, Params::join);
                expr(l.index(), access, scalars, host);
            }
            case LExpr.Unary u -> expr(u.x(), access, scalars, host);
            case LExpr.Binary b -> { expr(b.a(), access, scalars, host); expr(b.b(), access, scalars, host); }
            case LExpr.Select s -> { expr(s.cond(), access, scalars, host); expr(s.a(), access, scalars, host); expr(s.b(), access, scalars, host); }
            case LExpr.Call c -> c.args().forEach(x -> expr(x, access, scalars, host));
            case LExpr.Cast c -> expr(c.x(), access, scalars, host);
        }
    }
}
