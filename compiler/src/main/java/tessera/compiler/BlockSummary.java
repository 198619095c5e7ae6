package tessera.compiler;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import tessera.ir.SourceSpan;
import tessera.ir.tensor.Expr;
import tessera.ir.tensor.ExprWalker;
import tessera.ir.tensor.IndexVar;
import tessera.ir.tensor.Interpreter;
import tessera.ir.tensor.Program;
import tessera.ir.tensor.Stmt;
import tessera.ir.tensor.Substitution;
import tessera.runtime.DType;
import tessera.runtime.Tensor;

/**
 * What {@code tessera explain} says about a fused attention's blocks: how many (row block, key
 * block) pairs are empty, full or partial for the dims fixed with {@code --dim} and the scalar
 * parameters' defaults, and how many of them BlockSparsity's formulas decide without looking at
 * elements. Computed with the reference interpreter on a small program made for the purpose: a
 * brute-force count of the mask's true elements per block (the oracle), and the formulas.
 */
public final class BlockSummary {
    private BlockSummary() {}

    /** One line for {@code a} with blocks of {@code br x bc}, scalar parameters at their defaults. */
    public static String describe(Program p, Stmt.Attention a, int br, int bc) {
        return describe(p, a, br, bc, Map.of());
    }

    /** One line for {@code a} with blocks of {@code br x bc}; {@code scalars} override parameters' defaults. */
    public static String describe(Program p, Stmt.Attention a, int br, int bc, Map<String, Double> scalars) {
        String head = "blocks of " + br + " " + a.row().name() + " x " + bc + " " + a.key().name() + ": ";
        if (a.mask().isEmpty()) return head + "no mask, every block is full (none is masked, none skipped)";
        Set<String> tensors = new TreeSet<>();
        ExprWalker.walk(a.mask().get(), x -> {
            if (x instanceof Expr.Read r) tensors.add(r.tensor());
        });
        if (!tensors.isEmpty()) {
            return head + "the mask reads " + String.join(", ", tensors) + ", so the block-mask kernel classifies blocks at run time"
                    + a.blocks().map(b -> " (BlockSparsity's formulas first, element counts for the blocks they leave undecided)").orElse("");
        }
        Set<String> missing = new TreeSet<>();
        List<Expr> needed = new ArrayList<>(List.of(a.row().extent(), a.key().extent(), a.mask().get()));
        for (Expr e : needed) {
            ExprWalker.walk(e, x -> {
                if (x instanceof Expr.Scalar s && s.kind() == Expr.ScalarKind.DIM
                        && p.dims().stream().anyMatch(d -> d.name().equals(s.name()) && d.fixed().isEmpty() && d.derived().isEmpty())) {
                    missing.add(s.name());
                }
            });
        }
        if (!missing.isEmpty()) return head + "fix " + String.join(", ", missing.stream().map(n -> "--dim " + n + "=...").toList()) + " to count them";
        try {
            return head + count(p, a, br, bc, scalars);
        } catch (RuntimeException e) {
            return head + "not counted (" + e.getMessage() + ")";
        }
    }

    private static String count(Program p, Stmt.Attention a, int br, int bc, Map<String, Double> scalars) {
        Expr rows = a.row().extent();
        Expr keys = a.key().extent();
        Expr qb = new Expr.Index("qb__");
        Expr kb = new Expr.Index("kb__");
        Expr i = add(mul(qb, br), new Expr.Index("r__"));
        Expr j = add(mul(kb, bc), new Expr.Index("c__"));
        Expr inside = and(lt(i, rows), lt(j, keys));
        Expr mask = Substitution.indices(a.mask().get(), Map.of(a.row().name(), i, a.key().name(), j));
        Expr allowed = new Expr.Reduce(Expr.ReduceOp.SUM, List.of(new IndexVar("r__", Expr.Const.i32(br)), new IndexVar("c__", Expr.Const.i32(bc))),
                Optional.of(and(inside, mask)), Expr.Const.i32(1), DType.I32);
        Expr size = new Expr.Reduce(Expr.ReduceOp.SUM, List.of(new IndexVar("r__", Expr.Const.i32(br)), new IndexVar("c__", Expr.Const.i32(bc))),
                Optional.of(inside), Expr.Const.i32(1), DType.I32);
        // 0 empty, 1 full, 2 partial; and 10 + that where the formulas decide the block.
        Expr exact = new Expr.Select(eq(allowed, Expr.Const.i32(0)), Expr.Const.i32(0),
                new Expr.Select(eq(allowed, size), Expr.Const.i32(1), Expr.Const.i32(2), DType.I32), DType.I32);
        Expr decided = Expr.Const.i32(0);
        if (a.blocks().isPresent()) {
            Stmt.Blocks b = a.blocks().get();
            Map<String, Expr> bounds = Map.of(b.rowLo(), mul(qb, br), b.rowHi(), sub(min(mul(add(qb, Expr.Const.i32(1)), br), rows), 1),
                    b.keyLo(), mul(kb, bc), b.keyHi(), sub(min(mul(add(kb, Expr.Const.i32(1)), bc), keys), 1));
            decided = new Expr.Select(Substitution.indices(b.empty(), bounds), Expr.Const.i32(10),
                    new Expr.Select(Substitution.indices(b.full(), bounds), Expr.Const.i32(10), Expr.Const.i32(0), DType.I32), DType.I32);
        }
        Expr nqb = div(add(rows, Expr.Const.i32(br - 1)), br);
        Expr nkb = div(add(keys, Expr.Const.i32(bc - 1)), bc);
        List<Stmt> body = new ArrayList<>();
        for (Stmt s : p.body()) if (s instanceof Stmt.Let l && readsNothing(l.value())) body.add(l);
        body.add(new Stmt.Define("blocks__", List.of(new IndexVar("qb__", nqb), new IndexVar("kb__", nkb)), Optional.empty(),
                add(exact, decided), SourceSpan.NONE));
        List<Program.Dim> dims = new ArrayList<>();
        for (Program.Dim d : p.dims()) dims.add(d.fixed().isPresent() || d.derived().isPresent() ? d : new Program.Dim(d.name(), OptionalLong.of(1), Optional.empty(), d.span()));
        Program q = new Program(p.name() + "__blocks", dims,
                List.of(new Program.TensorDecl("blocks__", Program.Role.OUTPUT, DType.I32, List.of(nqb, nkb), SourceSpan.NONE)),
                p.scalars(), List.of(), body, List.of(), SourceSpan.NONE);
        Map<String, Double> known = new java.util.HashMap<>();
        scalars.forEach((name, v) -> {
            if (p.scalars().stream().anyMatch(sp -> sp.name().equals(name))) known.put(name, v);
        });
        Interpreter.Outcome out = Interpreter.run(q, Map.of(), known);
        if (out instanceof Interpreter.Outcome.Failed f) throw new IllegalStateException(f.error().message());
        Tensor t = ((Interpreter.Outcome.Ok) out).outputs().get("blocks__");
        long[] n = new long[3];
        long decidedCount = 0;
        for (long k = 0; k < t.size(); k++) {
            long v = t.getLong(k);
            n[(int) (v % 10)]++;
            if (v >= 10) decidedCount++;
        }
        long total = t.size();
        return total + " blocks: " + n[0] + " empty (skipped), " + n[1] + " full (no mask), " + n[2] + " partial (masked)"
                + (a.blocks().isPresent() ? "; BlockSparsity decides " + decidedCount + " of them without looking at elements" : "")
                + (scalars.isEmpty() ? " (scalar parameters at their defaults)" : " (with " + scalars + ", other parameters at their defaults)");
    }

    private static boolean readsNothing(Expr e) {
        return !ExprWalker.any(e, x -> x instanceof Expr.Read || x instanceof Expr.Index);
    }

    private static Expr add(Expr a, Expr b) {
        return new Expr.Binary(Expr.BinOp.ADD, a, b, DType.I32);
    }

    private static Expr sub(Expr a, long b) {
        return new Expr.Binary(Expr.BinOp.SUB, a, Expr.Const.i32(b), DType.I32);
    }

    private static Expr mul(Expr a, long b) {
        return new Expr.Binary(Expr.BinOp.MUL, a, Expr.Const.i32(b), DType.I32);
    }

    private static Expr div(Expr a, long b) {
        return new Expr.Binary(Expr.BinOp.DIV, a, Expr.Const.i32(b), DType.I32);
    }

    private static Expr min(Expr a, Expr b) {
        return new Expr.Call(Expr.Builtin.MIN, List.of(a, b), DType.I32);
    }

    private static Expr lt(Expr a, Expr b) {
        return new Expr.Binary(Expr.BinOp.LT, a, b, DType.BOOL);
    }

    private static Expr eq(Expr a, Expr b) {
        return new Expr.Binary(Expr.BinOp.EQ, a, b, DType.BOOL);
    }

    private static Expr and(Expr a, Expr b) {
        return new Expr.Binary(Expr.BinOp.AND, a, b, DType.BOOL);
    }
}
