package tessera.backend.jvector;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import tessera.runtime.DType;

/**
 * The Java identifiers of one generated method. An IR name keeps its spelling unless it is a Java
 * keyword, a name the generated code itself needs (a class such as {@code Math}, a field), or a
 * local already live in an enclosing block; then it gets a suffix ({@code int_1}, {@code x_2}).
 * Blocks nest as the code does, so sibling blocks may reuse a name.
 */
final class Names {
    /** Keywords, literals and the contextual keywords that could confuse a statement. */
    private static final Set<String> KEYWORDS = Set.of(
            "abstract", "assert", "boolean", "break", "byte", "case", "catch", "char", "class", "const",
            "continue", "default", "do", "double", "else", "enum", "extends", "final", "finally", "float",
            "for", "goto", "if", "implements", "import", "instanceof", "int", "interface", "long", "native",
            "new", "package", "private", "protected", "public", "return", "short", "static", "strictfp",
            "super", "switch", "synchronized", "this", "throw", "throws", "transient", "try", "void",
            "volatile", "while", "true", "false", "null", "_", "var", "yield", "record", "sealed",
            "permits", "when");

    /** What a name in scope stands for: its Java spelling, its IR type, and whether it holds vector lanes. */
    private static final String BUFFER_KEY = "[]";

    record Binding(String java, DType type, boolean lanes) {}

    private final Set<String> reserved;
    private final Deque<Map<String, Binding>> scopes = new ArrayDeque<>();
    private final Deque<List<String>> declared = new ArrayDeque<>();
    private final Set<String> live = new HashSet<>();

    /** A method namespace that never hands out the {@code reserved} identifiers. */
    Names(Set<String> reserved) {
        this.reserved = Set.copyOf(reserved);
        push();
    }

    /** Opens a block. */
    void push() {
        scopes.push(new HashMap<>());
        declared.push(new ArrayList<>());
    }

    /** Closes the innermost block: its names go out of scope and may be reused. */
    void pop() {
        scopes.pop();
        declared.pop().forEach(live::remove);
    }

    /** Declares IR name {@code ir} in the innermost block and returns its Java spelling. */
    String declare(String ir, DType type) {
        return bind(ir, type, false);
    }

    /** Declares IR name {@code ir} as a value held in vector lanes. */
    String declareLanes(String ir, DType laneType) {
        return bind(ir, laneType, true);
    }

    /**
     * Declares buffer parameter or local array {@code ir} in the innermost block, holding elements
     * of {@code storage} (arrays and values are separate namespaces in the IR, one namespace in
     * Java). Buffers and local arrays share one namespace, as in the IR.
     */
    String declareBuffer(String ir, DType storage) {
        String name = fresh(ir);
        scopes.peek().put(BUFFER_KEY + ir, new Binding(name, storage, false));
        return name;
    }

    /** The binding of buffer parameter or local array {@code ir}; a missing one is an IR bug. */
    Binding buffer(String ir) {
        return lookupBuffer(ir).orElseThrow(() ->
                new IllegalStateException("internal error: '" + ir + "' is neither a buffer parameter nor a local array in scope"));
    }

    /** The binding of buffer parameter or local array {@code ir}, if one is in scope. */
    Optional<Binding> lookupBuffer(String ir) {
        return lookup(BUFFER_KEY + ir);
    }

    /** A fresh identifier for the generated code's own use (a chunk bound, a mask), like {@code hint}. */
    String fresh(String hint) {
        String name = unused(sanitise(hint));
        live.add(name);
        declared.peek().add(name);
        return name;
    }

    /** The innermost binding of {@code ir}, if any. */
    Optional<Binding> lookup(String ir) {
        for (Map<String, Binding> scope : scopes) {
            Binding b = scope.get(ir);
            if (b != null) {
                return Optional.of(b);
            }
        }
        return Optional.empty();
    }

    /** The innermost binding of {@code ir}; a missing name is an emitter or IR bug. */
    Binding get(String ir) {
        return lookup(ir).orElseThrow(() -> new IllegalStateException("internal error: '" + ir + "' is not in scope"));
    }

    private String bind(String ir, DType type, boolean lanes) {
        String name = fresh(ir);
        scopes.peek().put(ir, new Binding(name, type, lanes));
        return name;
    }

    private String unused(String base) {
        String candidate = KEYWORDS.contains(base) ? base + "_1" : base;
        for (int k = 2; live.contains(candidate) || reserved.contains(candidate); k++) {
            candidate = base + "_" + k;
        }
        return candidate;
    }

    /** Makes {@code s} a Java identifier: other characters become '_', a leading digit gets a '_' before it. */
    static String sanitise(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            b.append(c < 128 && (Character.isLetterOrDigit(c) || c == '_') ? c : '_');
        }
        if (b.isEmpty() || Character.isDigit(b.charAt(0))) {
            b.insert(0, '_');
        }
        return b.toString();
    }

    /** True for Java's keywords and literals (and the contextual keywords avoided here). */
    static boolean isKeyword(String s) {
        return KEYWORDS.contains(s);
    }
}
