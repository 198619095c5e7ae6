package tessera.passes;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import tessera.ir.SourceSpan;
import tessera.ir.tensor.Expr;
import tessera.ir.tensor.Expr.BinOp;
import tessera.ir.tensor.IndexVar;
import tessera.ir.tensor.Interpreter;
import tessera.ir.tensor.Printer;
import tessera.ir.tensor.Program;
import tessera.ir.tensor.Stmt;
import tessera.runtime.DType;
import tessera.runtime.Tensor;

/**
 * Runs a mask predicate and its {@link BlockSparsity} classifier on the reference interpreter, in
 * one program: {@code p[outer..., i < N, j < M] = predicate} and, for blocks of {@code BI × BJ}
 * (the last ones cut at N and M), {@code e[outer..., bi, bj] = empty} and {@code f[...] = full}.
 * The interpreter verifies the program first, so the classifier must type-check as any Tensor IR.
 */
final class BlockHarness {
    private final Map<String, Long> dims = new LinkedHashMap<>();
    private final Map<String, DType> paramTypes = new LinkedHashMap<>();
    private final Map<String, Double> params = new HashMap<>();
    private final List<Program.TensorDecl> inputs = new ArrayList<>();
    private final Map<String, Tensor> data = new HashMap<>();
    private final List<String[]> outer = new ArrayList<>();
    private boolean giveExtents;

    BlockHarness dim(String name, long value) {
        dims.put(name, value);
        return this;
    }

    BlockHarness param(String name, DType t, double value) {
        paramTypes.put(name, t);
        params.put(name, value);
        return this;
    }

    /** An input tensor with these dims as shape and row-major values. */
    BlockHarness tensor(String name, DType t, List<String> shape, double[] values) {
        inputs.add(new Program.TensorDecl(name, Program.Role.INPUT, t, shape.stream().<Expr>map(BlockHarness::dimRef).toList(), SourceSpan.NONE));
        long[] s = shape.stream().mapToLong(dims::get).toArray();
        data.put(name, Tensor.fromDoubles(t, s, values));
        return this;
    }

    /** An index variable other than i and j that the predicate uses freely, ranging over a dim. */
    BlockHarness outer(String var, String dim) {
        outer.add(new String[] {var, dim});
        return this;
    }

    /** Whether the classifier is told the input tensors' extents (so it may read them anywhere in range). */
    BlockHarness withExtents(boolean give) {
        giveExtents = give;
        return this;
    }

    private static Expr dimRef(String d) {
        return new Expr.Scalar(d, Expr.ScalarKind.DIM, DType.I32);
    }

    private static Expr param(String p) {
        return new Expr.Scalar(p, Expr.ScalarKind.PARAM, DType.I32);
    }

    private static Expr bin(BinOp op, Expr a, Expr b) {
        return new Expr.Binary(op, a, b, DType.I32);
    }

    /** {@code [lo, hi]} of block {@code b} of size {@code size} along an axis of length {@code n}. */
    static Expr[] bounds(Expr b, Expr size, Expr n) {
        Expr lo = bin(BinOp.MUL, b, size);
        Expr hi = new Expr.Call(Expr.Builtin.MIN, List.of(bin(BinOp.SUB, bin(BinOp.ADD, lo, size), Expr.Const.i32(1)),
                bin(BinOp.SUB, n, Expr.Const.i32(1))), DType.I32);
        return new Expr[] {lo, hi};
    }

    /** The classes of every block, and every point where a class is wrong. */
    record Result(BlockSparsity.BlockClassifier classifier, int outerCount, int nbi, int nbj, char[] classes, char[] truth,
                  List<String> violations) {
        /** 'E' empty, 'F' full, 'P' neither, for block (bi, bj) at the first outer point. */
        char at(int bi, int bj) {
            return at(0, bi, bj);
        }

        char at(int o, int bi, int bj) {
            return classes[(o * nbi + bi) * nbj + bj];
        }

        /** The rows of classes at outer point {@code o}, one string per block row. */
        List<String> rows(int o) {
            List<String> rows = new ArrayList<>();
            for (int bi = 0; bi < nbi; bi++) rows.add(new String(classes, (o * nbi + bi) * nbj, nbj));
            return rows;
        }

        long count(char c) {
            return new String(classes).chars().filter(x -> x == c).count();
        }

        /** The true class of block (bi, bj) at outer point {@code o}, by brute force. */
        char truth(int o, int bi, int bj) {
            return truth[(o * nbi + bi) * nbj + bj];
        }

        /** Whether every block is classified as exactly as it could be. */
        boolean exact() {
            return java.util.Arrays.equals(classes, truth);
        }
    }

    Result run(Expr predicate, int bi, int bj) {
        Map<String, Long> d = new LinkedHashMap<>(dims);
        long n = d.get("N");
        long m = d.get("M");
        Map<String, Double> scalars = new HashMap<>(params);
        scalars.put("BI", (double) bi);
        scalars.put("BJ", (double) bj);

        Expr[] ib = bounds(new Expr.Index("bi"), param("BI"), dimRef("N"));
        Expr[] jb = bounds(new Expr.Index("bj"), param("BJ"), dimRef("M"));
        Map<String, List<Expr>> extents = new HashMap<>();
        if (giveExtents) {
            for (Program.TensorDecl t : inputs) extents.put(t.name(), t.shape());
        }
        BlockSparsity.BlockClassifier c = BlockSparsity.classify(predicate, "i", "j", ib[0], ib[1], jb[0], jb[1], extents);

        List<IndexVar> outerVars = outer.stream().map(o -> new IndexVar(o[0], dimRef(o[1]))).toList();
        List<Expr> outerShape = outer.stream().map(o -> dimRef(o[1])).toList();
        Expr nbi = bin(BinOp.DIV, bin(BinOp.SUB, bin(BinOp.ADD, dimRef("N"), param("BI")), Expr.Const.i32(1)), param("BI"));
        Expr nbj = bin(BinOp.DIV, bin(BinOp.SUB, bin(BinOp.ADD, dimRef("M"), param("BJ")), Expr.Const.i32(1)), param("BJ"));

        List<Program.TensorDecl> tensors = new ArrayList<>(inputs);
        tensors.add(new Program.TensorDecl("p", Program.Role.OUTPUT, DType.BOOL, concat(outerShape, dimRef("N"), dimRef("M")), SourceSpan.NONE));
        tensors.add(new Program.TensorDecl("e", Program.Role.OUTPUT, DType.BOOL, concat(outerShape, nbi, nbj), SourceSpan.NONE));
        tensors.add(new Program.TensorDecl("f", Program.Role.OUTPUT, DType.BOOL, concat(outerShape, nbi, nbj), SourceSpan.NONE));
        List<Stmt> body = List.of(
                new Stmt.Define("p", concat(outerVars, new IndexVar("i", dimRef("N")), new IndexVar("j", dimRef("M"))), Optional.empty(), predicate, SourceSpan.NONE),
                new Stmt.Define("e", concat(outerVars, new IndexVar("bi", nbi), new IndexVar("bj", nbj)), Optional.empty(), c.empty(), SourceSpan.NONE),
                new Stmt.Define("f", concat(outerVars, new IndexVar("bi", nbi), new IndexVar("bj", nbj)), Optional.empty(), c.full(), SourceSpan.NONE));
        List<Program.Dim> dimDecls = d.entrySet().stream()
                .map(x -> new Program.Dim(x.getKey(), OptionalLong.of(x.getValue()), Optional.empty(), SourceSpan.NONE)).toList();
        List<Program.ScalarParam> ps = new ArrayList<>();
        paramTypes.forEach((k, t) -> ps.add(new Program.ScalarParam(k, t, Optional.empty(), SourceSpan.NONE)));
        ps.add(new Program.ScalarParam("BI", DType.I32, Optional.empty(), SourceSpan.NONE));
        ps.add(new Program.ScalarParam("BJ", DType.I32, Optional.empty(), SourceSpan.NONE));
        Program prog = new Program("blocks", dimDecls, tensors, ps, List.of(), body, List.of(), SourceSpan.NONE);

        Interpreter.Outcome out = Interpreter.run(prog, data, scalars);
        if (!(out instanceof Interpreter.Outcome.Ok ok)) {
            throw new AssertionError("the program failed: " + ((Interpreter.Outcome.Failed) out).error()
                    + "\npredicate: " + Printer.expr(predicate) + "\nempty: " + Printer.expr(c.empty()) + "\nfull: " + Printer.expr(c.full()));
        }
        double[] p = ok.outputs().get("p").toDoubleArray();
        double[] e = ok.outputs().get("e").toDoubleArray();
        double[] f = ok.outputs().get("f").toDoubleArray();
        int outerCount = 1;
        for (String[] o : outer) outerCount *= d.get(o[1]).intValue();
        int nBi = (int) ((n + bi - 1) / bi);
        int nBj = (int) ((m + bj - 1) / bj);
        char[] classes = new char[outerCount * nBi * nBj];
        char[] truth = new char[classes.length];
        List<String> violations = new ArrayList<>();
        for (int o = 0; o < outerCount; o++) {
            for (int x = 0; x < nBi; x++) {
                for (int y = 0; y < nBj; y++) {
                    int k = (o * nBi + x) * nBj + y;
                    boolean empty = e[k] != 0;
                    boolean full = f[k] != 0;
                    classes[k] = empty && full ? '!' : empty ? 'E' : full ? 'F' : 'P';
                    boolean any = false;
                    boolean all = true;
                    for (long i = (long) x * bi; i < Math.min(n, (long) (x + 1) * bi); i++) {
                        for (long j = (long) y * bj; j < Math.min(m, (long) (y + 1) * bj); j++) {
                            boolean v = p[(int) ((o * n + i) * m + j)] != 0;
                            any |= v;
                            all &= v;
                            if (empty && v || full && !v) {
                                violations.add("outer " + o + " block (" + x + ", " + y + ") classified " + classes[k]
                                        + " but the predicate is " + v + " at (" + i + ", " + j + ")");
                            }
                        }
                    }
                    truth[k] = all ? 'F' : any ? 'P' : 'E';
                }
            }
        }
        return new Result(c, outerCount, nBi, nBj, classes, truth, violations);
    }

    @SafeVarargs
    private static <T> List<T> concat(List<T> head, T... tail) {
        List<T> all = new ArrayList<>(head);
        all.addAll(List.of(tail));
        return all;
    }
}
