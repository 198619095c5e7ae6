package tessera.backend.ptx;

/** A source operand of a PTX instruction: a virtual register or an immediate. */
sealed interface Operand {
    /** The operand as written in PTX. */
    String text();

    /** A virtual register, such as {@code %f3}. */
    record Reg(RegClass cls, int number) implements Operand {
        @Override
        public String text() {
            return cls.prefix + number;
        }

        @Override
        public String toString() {
            return text();
        }
    }

    /**
     * An immediate in PTX's spelling ({@code 7}, {@code -1}, {@code 0f3F800000}; bools are 0/1), or
     * a special register read by {@code mov} ({@code %tid.x}).
     */
    record Imm(String text) implements Operand {
        @Override
        public String toString() {
            return text;
        }
    }
}
