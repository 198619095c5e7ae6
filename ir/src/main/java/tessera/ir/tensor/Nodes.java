package tessera.ir.tensor;

import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;
import java.util.function.LongBinaryOperator;
import tessera.ir.SourceSpan;
import tessera.runtime.Philox;

/**
 * The small compiled nodes of the {@link Interpreter}: constants, index variables, reads and the
 * operators. Each checks {@link Frame#absent} after every child and passes absence up at once, so
 * that nothing is evaluated for a term that does not exist. ({@link ReduceNode} and
 * {@link SoftmaxNode} have their own files.)
 */
final class Nodes {
    private Nodes() {}

    /** Where a node came from: the statement's span and the expression, printed only for a message. */
    record Site(SourceSpan span, Expr expr) {
        RunFailure fail(String message) {
            return new RunFailure(message, span);
        }

        String text() {
            return Printer.expr(expr);
        }
    }

    /** Comparison of two doubles. */
    @FunctionalInterface
    interface DoubleTest {
        boolean test(double a, double b);
    }

    /** Comparison of two longs. */
    @FunctionalInterface
    interface LongTest {
        boolean test(long a, long b);
    }

    /** Truncates to 32 bits when {@code wrap}: i32 arithmetic wraps around as in Java and C. */
    static long wrap(long v, boolean wrap) {
        return wrap ? (int) v : v;
    }

    static final class ConstD extends Node.DoubleNode {
        private final double v;
        ConstD(double v) { this.v = v; }
        @Override double d(Frame f) { return v; }
    }

    static final class ConstL extends Node.LongNode {
        private final long v;
        ConstL(long v) { this.v = v; }
        @Override long l(Frame f) { return v; }
    }

    /** The current value of the index variable in {@code slot}. */
    static final class IndexL extends Node.LongNode {
        private final int slot;
        IndexL(int slot) { this.slot = slot; }
        @Override long l(Frame f) { return f.idx[slot]; }
    }

    /** The flat position a read addresses, bounds-checked; -1 (and absent) when it does not exist. */
    static final class Address {
        private final Buffer buf;
        private final Node[] indices;
        private final Site site;

        Address(Buffer buf, Node[] indices, Site site) {
            this.buf = buf;
            this.indices = indices;
            this.site = site;
        }

        int offset(Frame f) {
            long off = 0;
            for (int k = 0; k < indices.length; k++) {
                long v = indices[k].l(f);
                if (f.absent) return -1;
                if (v < 0 || v >= buf.shape[k]) {
                    throw site.fail("index " + v + " out of range [0, " + buf.shape[k] + ") for axis " + k
                            + " of '" + buf.name + "' in " + site.text());
                }
                off += v * buf.strides[k];
            }
            boolean[] present = buf.present;
            if (present != null && !present[(int) off]) {
                f.absent = true;
                return -1;
            }
            return (int) off;
        }

        Buffer buffer() {
            return buf;
        }
    }

    static final class ReadD extends Node.DoubleNode {
        private final Address at;
        ReadD(Address at) { this.at = at; }
        @Override double d(Frame f) {
            int o = at.offset(f);
            return o < 0 ? 0 : at.buffer().data[o];
        }
    }

    static final class ReadL extends Node.LongNode {
        private final Address at;
        ReadL(Address at) { this.at = at; }
        @Override long l(Frame f) {
            int o = at.offset(f);
            return o < 0 ? 0 : (long) at.buffer().data[o];
        }
    }

    static final class NegD extends Node.DoubleNode {
        private final Node x;
        NegD(Node x) { this.x = x; }
        @Override double d(Frame f) { return -x.d(f); }
    }

    static final class NegL extends Node.LongNode {
        private final Node x;
        private final boolean wrap;
        NegL(Node x, boolean wrap) { this.x = x; this.wrap = wrap; }
        @Override long l(Frame f) { return wrap(-x.l(f), wrap); }
    }

    static final class Not extends Node.LongNode {
        private final Node x;
        Not(Node x) { this.x = x; }
        @Override long l(Frame f) { return x.l(f) == 0 ? 1 : 0; }
    }

    /** A float binary operator (+ - * / %, min, max, pow): absent if either side is. */
    static final class ArithD extends Node.DoubleNode {
        private final DoubleBinaryOperator op;
        private final Node a;
        private final Node b;
        ArithD(DoubleBinaryOperator op, Node a, Node b) { this.op = op; this.a = a; this.b = b; }
        @Override double d(Frame f) {
            double x = a.d(f);
            if (f.absent) return 0;
            double y = b.d(f);
            if (f.absent) return 0;
            return op.applyAsDouble(x, y);
        }
    }

    /** An integer binary operator (+ - *, min, max), wrapping to 32 bits for i32. */
    static final class ArithL extends Node.LongNode {
        private final LongBinaryOperator op;
        private final Node a;
        private final Node b;
        private final boolean wrap;
        ArithL(LongBinaryOperator op, Node a, Node b, boolean wrap) { this.op = op; this.a = a; this.b = b; this.wrap = wrap; }
        @Override long l(Frame f) {
            long x = a.l(f);
            if (f.absent) return 0;
            long y = b.l(f);
            if (f.absent) return 0;
            return wrap(op.applyAsLong(x, y), wrap);
        }
    }

    /** Integer / (toward zero) or % (sign of the dividend); a zero divisor is a run-time error. */
    static final class DivL extends Node.LongNode {
        private final boolean modulo;
        private final Node a;
        private final Node b;
        private final boolean wrap;
        private final Site site;
        DivL(boolean modulo, Node a, Node b, boolean wrap, Site site) {
            this.modulo = modulo; this.a = a; this.b = b; this.wrap = wrap; this.site = site;
        }
        @Override long l(Frame f) {
            long x = a.l(f);
            if (f.absent) return 0;
            long y = b.l(f);
            if (f.absent) return 0;
            if (y == 0) throw site.fail("integer " + (modulo ? "modulo" : "division") + " by zero in " + site.text());
            return wrap(modulo ? x % y : x / y, wrap);
        }
    }

    static final class CmpD extends Node.LongNode {
        private final DoubleTest op;
        private final Node a;
        private final Node b;
        CmpD(DoubleTest op, Node a, Node b) { this.op = op; this.a = a; this.b = b; }
        @Override long l(Frame f) {
            double x = a.d(f);
            if (f.absent) return 0;
            double y = b.d(f);
            if (f.absent) return 0;
            return op.test(x, y) ? 1 : 0;
        }
    }

    static final class CmpL extends Node.LongNode {
        private final LongTest op;
        private final Node a;
        private final Node b;
        CmpL(LongTest op, Node a, Node b) { this.op = op; this.a = a; this.b = b; }
        @Override long l(Frame f) {
            long x = a.l(f);
            if (f.absent) return 0;
            long y = b.l(f);
            if (f.absent) return 0;
            return op.test(x, y) ? 1 : 0;
        }
    }

    /** {@code a && b}: b is evaluated only when a holds. */
    static final class And extends Node.LongNode {
        private final Node a;
        private final Node b;
        And(Node a, Node b) { this.a = a; this.b = b; }
        @Override long l(Frame f) {
            if (a.l(f) == 0 || f.absent) return 0;
            return b.l(f) != 0 ? 1 : 0;
        }
    }

    /** {@code a || b}: b is evaluated only when a does not hold. */
    static final class Or extends Node.LongNode {
        private final Node a;
        private final Node b;
        Or(Node a, Node b) { this.a = a; this.b = b; }
        @Override long l(Frame f) {
            long x = a.l(f);
            if (f.absent) return 0;
            if (x != 0) return 1;
            return b.l(f) != 0 ? 1 : 0;
        }
    }

    /** {@code c ? a : b} on floats: only the chosen side is evaluated. */
    static final class SelectD extends Node.DoubleNode {
        private final Node c;
        private final Node a;
        private final Node b;
        SelectD(Node c, Node a, Node b) { this.c = c; this.a = a; this.b = b; }
        @Override double d(Frame f) {
            long t = c.l(f);
            if (f.absent) return 0;
            return t != 0 ? a.d(f) : b.d(f);
        }
    }

    /** {@code c ? a : b} on integers and bools: only the chosen side is evaluated. */
    static final class SelectL extends Node.LongNode {
        private final Node c;
        private final Node a;
        private final Node b;
        SelectL(Node c, Node a, Node b) { this.c = c; this.a = a; this.b = b; }
        @Override long l(Frame f) {
            long t = c.l(f);
            if (f.absent) return 0;
            return t != 0 ? a.l(f) : b.l(f);
        }
    }

    /** A float function of one argument (exp, log, sqrt, ...). */
    static final class MathD extends Node.DoubleNode {
        private final DoubleUnaryOperator fn;
        private final Node x;
        MathD(DoubleUnaryOperator fn, Node x) { this.fn = fn; this.x = x; }
        @Override double d(Frame f) {
            double v = x.d(f);
            return f.absent ? 0 : fn.applyAsDouble(v);
        }
    }

    static final class AbsL extends Node.LongNode {
        private final Node x;
        private final boolean wrap;
        AbsL(Node x, boolean wrap) { this.x = x; this.wrap = wrap; }
        @Override long l(Frame f) { return wrap(Math.abs(x.l(f)), wrap); }
    }

    /** {@code int(x)}: truncates a float toward zero (saturating, NaN to 0, as Java casts do); wraps an integer to i32. */
    static final class ToInt extends Node.LongNode {
        private final Node x;
        private final boolean fromFloat;
        private final boolean to32;
        ToInt(Node x, boolean fromFloat, boolean to32) { this.x = x; this.fromFloat = fromFloat; this.to32 = to32; }
        @Override long l(Frame f) {
            if (!fromFloat) return wrap(x.l(f), to32);
            double v = x.d(f);
            return to32 ? (int) v : (long) v;
        }
    }

    /** {@code philox(seed, a, b)}: a u32 as a long. */
    static final class PhiloxL extends Node.LongNode {
        private final Node seed;
        private final Node a;
        private final Node b;
        PhiloxL(Node seed, Node a, Node b) { this.seed = seed; this.a = a; this.b = b; }
        @Override long l(Frame f) {
            long s = seed.l(f);
            if (f.absent) return 0;
            long x = a.l(f);
            if (f.absent) return 0;
            long y = b.l(f);
            return f.absent ? 0 : Philox.bits(s, x, y);
        }
    }

    /** {@code uniform(seed, a, b)}: a double in [0, 1). */
    static final class UniformD extends Node.DoubleNode {
        private final Node seed;
        private final Node a;
        private final Node b;
        UniformD(Node seed, Node a, Node b) { this.seed = seed; this.a = a; this.b = b; }
        @Override double d(Frame f) {
            long s = seed.l(f);
            if (f.absent) return 0;
            long x = a.l(f);
            if (f.absent) return 0;
            long y = b.l(f);
            return f.absent ? 0 : Philox.uniform(s, x, y);
        }
    }
}
