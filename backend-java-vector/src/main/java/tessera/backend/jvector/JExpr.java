package tessera.backend.jvector;

import com.palantir.javapoet.CodeBlock;

/**
 * A generated Java expression and the precedence of its outermost operator, so that parentheses
 * appear only where Java needs them.
 *
 * @param code the expression's code
 * @param prec one of the constants below; higher binds tighter
 */
record JExpr(CodeBlock code, int prec) {
    static final int CONDITIONAL = 2;
    static final int OR = 3;
    static final int AND = 4;
    static final int EQUALITY = 8;
    static final int RELATIONAL = 9;
    static final int ADDITIVE = 11;
    static final int MULTIPLICATIVE = 12;
    static final int UNARY = 13;
    static final int PRIMARY = 14;

    /** An expression that needs no parentheses anywhere: a name, a literal, a call. */
    static JExpr primary(String format, Object... args) {
        return new JExpr(CodeBlock.of(format, args), PRIMARY);
    }

    static JExpr of(int prec, String format, Object... args) {
        return new JExpr(CodeBlock.of(format, args), prec);
    }

    /** This expression as an operand that must bind at least as tightly as {@code min}. */
    CodeBlock atLeast(int min) {
        return prec >= min ? code : CodeBlock.of("($L)", code);
    }

    /** This expression as the operand of a prefix operator ({@code -}, {@code !}, a cast). */
    CodeBlock prefixOperand() {
        boolean signed = code.toString().startsWith("-") || code.toString().startsWith("+");
        return prec >= UNARY && !signed ? code : CodeBlock.of("($L)", code);
    }
}
