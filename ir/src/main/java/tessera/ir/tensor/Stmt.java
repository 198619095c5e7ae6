package tessera.ir.tensor;

import java.util.List;
import java.util.Optional;
import tessera.ir.SourceSpan;

/** A statement of a kernel body, run in order. */
public sealed interface Stmt {
    SourceSpan span();

    /** {@code let name = value;} evaluated once, where it stands. */
    record Let(String name, Expr value, SourceSpan span) implements Stmt {}

    /**
     * {@code tensor[vars] = value if domain;} defines every entry of {@code tensor} (shape = the
     * vars' extents); entries where the domain is false or value is absent do not exist.
     */
    record Define(String tensor, List<IndexVar> vars, Optional<Expr> domain, Expr value, SourceSpan span) implements Stmt {
        public Define {
            vars = List.copyOf(vars);
        }
    }

    /**
     * {@code tensor[target...] = value if domain;} for every point of {@code vars}: overwrites
     * the entry of an already defined tensor at the target indices (and makes it present).
     * Two points writing the same entry is a run-time error.
     */
    record Scatter(String tensor, List<IndexVar> vars, List<Expr> target, Optional<Expr> domain, Expr value, SourceSpan span) implements Stmt {
        public Scatter {
            vars = List.copyOf(vars);
            target = List.copyOf(target);
        }
    }

    /**
     * {@code tensor[vars] = topk[over, k](value);} For each point of the vars other than
     * {@code axis}, the indices of the k largest present values of {@code value} along
     * {@code over}, largest first, ties to the smaller index; entry {@code axis = r} holds the
     * r-th. {@code vars} lists the left-hand variables in order and includes {@code axis}, whose
     * extent is {@code k}. Fewer than k present values is a run-time error. The tensor is I32.
     */
    record TopK(String tensor, List<IndexVar> vars, String axis, IndexVar over, Expr k, Expr value, SourceSpan span) implements Stmt {
        public TopK {
            vars = List.copyOf(vars);
        }
    }
}
