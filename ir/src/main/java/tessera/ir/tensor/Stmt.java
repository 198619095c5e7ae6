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

    /**
     * Fused attention, made by FlashFusion from a score tensor {@code s[rows..., key] = score if mask}
     * read only by {@code softmax[key](s)} inside a contraction over {@code key} (and optionally
     * {@code logsumexp[key](s)} and {@code max[key](s)}). For every point of {@code rows}, over the
     * keys where {@code mask} holds (all others are absent, as in {@code s}):
     * <pre>
     *   m   = max of the scores (and the sink), NaN ignored;  l = sum of exp(score - m) (and of exp(sink - m))
     *   out.tensor[rows..., e] = sum over keys of exp(score - m) / l * factor * value(key, e)
     *   lse[rows...] = logsumexp of the scores (and the sink);   max[rows...] = max of the scores
     * </pre>
     * which is exactly what the unfused statements compute (docs/language.md gives the NaN and
     * infinity rules), so the score matrix is never stored. {@code score} contains {@code dot}, a
     * {@code sum[d](q * k)} whose factor {@code q} does not depend on {@code key} and {@code k}
     * not on {@code row}; {@code row} is the last of {@code rows} that {@code q} reads.
     *
     * @param rows the row variables, in the order of the outputs' indices (o adds its value variable last)
     * @param row the row variable tiled together with {@code key} (the query index)
     * @param key the key variable (the softmax variable); its extent is the number of keys
     * @param score the score at (rows, key)
     * @param dot the contraction inside score
     * @param q the factor of dot read per row
     * @param k the factor of dot read per key
     * @param mask where the score exists (the score tensor's domain)
     * @param sink an extra logit per row that has no value (attention sinks), at (rows)
     * @param out the weighted sum of values, if the program computes it
     * @param lse the log-sum-exp output, if any
     * @param max the row-max output, if any
     * @param blocks how blocks of (row, key) are classified, once BlockSparsity has run
     * @param scores the name of the score tensor this statement replaces
     * @param replaced the statements it replaces, as source text, for comments
     */
    record Attention(List<IndexVar> rows, IndexVar row, IndexVar key, Expr score, Expr.Reduce dot, Expr.Read q, Expr.Read k,
                     Optional<Expr> mask, Optional<Expr> sink, Optional<Output> out, Optional<String> lse,
                     Optional<String> max, Optional<Blocks> blocks, String scores, List<String> replaced, SourceSpan span)
            implements Stmt {
        public Attention {
            rows = List.copyOf(rows);
            replaced = List.copyOf(replaced);
            if (!rows.contains(row)) throw new IllegalArgumentException("the tiled row variable is not a row variable");
        }

        public Attention withBlocks(Blocks b) {
            return new Attention(rows, row, key, score, dot, q, k, mask, sink, out, lse, max, Optional.of(b), scores, replaced, span);
        }

        /** The row variables other than {@link #row}: fixed for a whole tile (batch, head). */
        public List<IndexVar> outer() {
            return rows.stream().filter(v -> !v.equals(row)).toList();
        }
    }

    /**
     * The weighted sum of an {@link Attention}: {@code tensor[rows..., var] = sum[key](p * factor * value)}.
     *
     * @param value the value at (outer rows, key, var); does not depend on the row variable
     * @param factor a post-softmax weight at (rows, key), such as dropout; does not depend on var
     */
    record Output(String tensor, IndexVar var, Expr value, Optional<Expr> factor) {}

    /**
     * A classification of the blocks of (row, key): for a block of rows {@code [rowLo, rowHi]}
     * and keys {@code [keyLo, keyHi]} (the index names these expressions use, inclusive bounds),
     * {@code empty} true means the mask is false on the whole block, {@code full} true means it
     * is true on the whole block; neither means the mask must be evaluated (partial).
     */
    record Blocks(String rowLo, String rowHi, String keyLo, String keyHi, Expr empty, Expr full) {}
}
