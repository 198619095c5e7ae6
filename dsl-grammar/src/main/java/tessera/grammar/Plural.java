package tessera.grammar;

/** "1 axis", "3 axes": counts in messages. */
final class Plural {
    private Plural() {}

    static String of(long n, String one, String many) {
        return n + " " + (n == 1 ? one : many);
    }
}
