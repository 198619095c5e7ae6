package tessera.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** Options shared by the commands that compile. */
final class Common {
    private Common() {}

    /** {@code --dim N=2048}: fix a dimension at compile time. */
    static final class Dims {
        @Option(names = "--dim", paramLabel = "NAME=SIZE", description = "Fix a dimension, e.g. --dim N=2048 (repeatable).")
        List<String> dims = List.of();

        @Option(names = "--no-fusion", description = "Do not fuse attention (FlashFusion): take the generic path, which stores the score matrix; for comparisons.")
        boolean noFusion;

        /** The compile options these flags give. */
        tessera.compiler.CompileOptions options(CommandLine cl) {
            return tessera.compiler.CompileOptions.defaults().withFixedDims(parse(cl)).withFusion(!noFusion);
        }

        Map<String, Long> parse(CommandLine cl) {
            Map<String, Long> out = new LinkedHashMap<>();
            for (String d : dims) {
                String[] kv = d.split("=", 2);
                if (kv.length != 2 || kv[0].isBlank()) {
                    throw new CommandLine.ParameterException(cl, "--dim expects NAME=SIZE, got '" + d + "'");
                }
                try {
                    long v = Long.parseLong(kv[1].trim());
                    if (v < 1) throw new NumberFormatException();
                    out.put(kv[0].trim(), v);
                } catch (NumberFormatException e) {
                    throw new CommandLine.ParameterException(cl, "--dim " + kv[0] + ": size must be a positive integer, got '" + kv[1] + "'");
                }
            }
            return out;
        }
    }

    /** {@code --param NAME=VALUE} values: numbers, {@code true} (1) or {@code false} (0). */
    static Map<String, Double> params(List<String> params, CommandLine cl) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (String s : params) {
            String[] kv = s.split("=", 2);
            if (kv.length != 2 || kv[0].isBlank()) throw new CommandLine.ParameterException(cl, "--param expects NAME=VALUE, got '" + s + "'");
            String v = kv[1].trim();
            double value;
            if (v.equals("true")) value = 1;
            else if (v.equals("false")) value = 0;
            else {
                try {
                    value = Double.parseDouble(v);
                } catch (NumberFormatException e) {
                    throw new CommandLine.ParameterException(cl, "--param " + kv[0] + ": '" + v + "' is not a number, true or false");
                }
            }
            out.put(kv[0].trim(), value);
        }
        return out;
    }
}
