package tessera.compiler;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import tessera.runtime.DType;
import tessera.runtime.Tensor;

/**
 * Compares a backend's outputs with the reference interpreter's, with the tolerance rule of
 * docs/testing.md (after ALGORITHMS.md §0): an element passes when
 * {@code |out - ref| <= atol + rtol * |ref|} with (atol, rtol) = (1e-5·scale, 1e-4) for f32,
 * (1e-12·scale, 1e-10) for f64, where {@code scale = max(1, max|ref|)}, so the bound follows the
 * output's magnitude; f16 (2e-3) and bf16 (1.6e-2) use their rounding noise; integers and bools
 * must be equal. Infinities must match exactly; NaN matches only NaN. The reported maximum
 * relative error counts only elements with {@code |ref| >= 1e-3 * scale}.
 */
public final class Compare {
    private Compare() {}

    /** One output's comparison. */
    public record Diff(String output, double maxAbs, double maxRel, long mismatches, long elements, String firstMismatch) {
        public boolean ok() {
            return mismatches == 0;
        }

        public String summary() {
            return String.format(Locale.ROOT, "%s: max abs %.3g, max rel %.3g%s", output, maxAbs, maxRel,
                    ok() ? "" : ", " + mismatches + " of " + elements + " outside tolerance (first: " + firstMismatch + ")");
        }
    }

    public static List<Diff> outputs(Map<String, Tensor> actual, Map<String, Tensor> reference) {
        List<Diff> out = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : reference.entrySet()) {
            Tensor a = actual.get(e.getKey());
            if (a == null) {
                out.add(new Diff(e.getKey(), Double.NaN, Double.NaN, e.getValue().size(), e.getValue().size(), "missing output"));
                continue;
            }
            out.add(tensor(e.getKey(), a, e.getValue()));
        }
        return out;
    }

    public static Diff tensor(String name, Tensor actual, Tensor reference) {
        if (actual.size() != reference.size()) {
            return new Diff(name, Double.NaN, Double.NaN, reference.size(), reference.size(),
                    "shape " + actual.shapeString() + " instead of " + reference.shapeString());
        }
        double[] a = actual.toDoubleArray();
        double[] r = reference.toDoubleArray();
        double scale = 1;
        for (double x : r) if (Double.isFinite(x)) scale = Math.max(scale, Math.abs(x));
        DType t = reference.dtype();
        double atol;
        double rtol;
        switch (t) {
            case F64 -> { atol = 1e-12 * scale; rtol = 1e-10; }
            case F32 -> { atol = 1e-5 * scale; rtol = 1e-4; }
            case F16 -> { atol = 2e-3 * scale; rtol = 2e-3; }
            case BF16 -> { atol = 1.6e-2 * scale; rtol = 1.6e-2; }
            case I32, I64, BOOL -> { atol = 0; rtol = 0; }
            default -> throw new IllegalStateException(t.toString());
        }
        double maxAbs = 0;
        double maxRel = 0;
        long bad = 0;
        String first = null;
        for (int i = 0; i < r.length; i++) {
            boolean ok;
            if (Double.isNaN(r[i]) || Double.isNaN(a[i])) {
                ok = Double.isNaN(r[i]) && Double.isNaN(a[i]);
            } else if (Double.isInfinite(r[i]) || Double.isInfinite(a[i])) {
                ok = r[i] == a[i];
            } else {
                double d = Math.abs(a[i] - r[i]);
                maxAbs = Math.max(maxAbs, d);
                // Relative error only where it means something: not on values near zero for this output.
                if (Math.abs(r[i]) >= 1e-3 * scale) maxRel = Math.max(maxRel, d / Math.abs(r[i]));
                ok = d <= atol + rtol * Math.abs(r[i]);
            }
            if (!ok) {
                if (first == null) first = "element " + i + ": " + a[i] + " vs reference " + r[i];
                bad++;
            }
        }
        return new Diff(name, maxAbs, maxRel, bad, r.length, first);
    }
}
