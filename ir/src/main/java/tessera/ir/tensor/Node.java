package tessera.ir.tensor;

/**
 * An expression compiled for the {@link Interpreter}: evaluated at the point held in a
 * {@link Frame}, with names and types already resolved. Every node gives its value both as a double
 * and as a long; a node implements the one that fits its type ({@link DoubleNode} or
 * {@link LongNode}) and the other converts (double to long truncates toward zero).
 */
abstract class Node {
    abstract double d(Frame f);

    abstract long l(Frame f);

    /** A node computed in double precision: f32 and f64 expressions. */
    abstract static class DoubleNode extends Node {
        @Override final long l(Frame f) {
            return (long) d(f);
        }
    }

    /** A node computed exactly on longs: i32, i64 and bool (0/1) expressions. */
    abstract static class LongNode extends Node {
        @Override final double d(Frame f) {
            return l(f);
        }
    }
}
