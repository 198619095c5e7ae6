package tessera.backend.ptx;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Names in emitted PTX. Source names (letters, digits, underscores) are PTX identifiers as they
 * are; any other character becomes {@code _}. Parameters are prefixed ({@code p_q}), labels are
 * fresh ({@code $L3_for_j}), and entry names are the kernel names, made unique if mangling made
 * two alike.
 */
final class PtxNames {
    private PtxNames() {}

    /** {@code name} with every character outside {@code [A-Za-z0-9_]} replaced by {@code _}. */
    static String identifierChars(String name) {
        StringBuilder b = new StringBuilder(name.length());
        name.chars().forEach(c -> b.append(c < 0x80 && (Character.isLetterOrDigit(c) || c == '_') ? (char) c : '_'));
        return b.toString();
    }

    /** The entry name of each kernel, in order: a PTX identifier, distinct from the others. */
    static Map<String, String> entries(List<String> kernels) {
        Map<String, String> out = new LinkedHashMap<>();
        Set<String> taken = new HashSet<>();
        for (String k : kernels) {
            String base = identifierChars(k);
            // A PTX identifier starts with a letter, or with '_' followed by at least one more character.
            if (base.isEmpty() || Character.isDigit(base.charAt(0)) || base.equals("_")) base = "k_" + base;
            String id = base;
            for (int n = 1; !taken.add(id); n++) id = base + "_" + n;
            out.put(k, id);
        }
        return out;
    }
}
