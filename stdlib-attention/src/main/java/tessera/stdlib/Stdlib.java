package tessera.stdlib;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The standard library's kernel sources. The {@code .tsr} files live in
 * {@code src/main/tessera} and are packaged on the classpath under {@code tessera/stdlib/}.
 */
public final class Stdlib {
    /** Where the sources sit on the classpath. */
    public static final String RESOURCE_DIR = "tessera/stdlib/";

    // A jar cannot be listed portably, so the names are kept here; StdlibTest checks that
    // this list and src/main/tessera agree.
    private static final List<String> FILES = List.of(
            "flash_attention.tsr",
            "lean_attention.tsr",
            "probsparse_attention.tsr",
            "rpe_kernelized_attention.tsr",
            "flash_butterfly_conv.tsr",
            "sliding_window_attention.tsr",
            "streaming_attention.tsr",
            "longformer_attention.tsr",
            "bigbird_attention.tsr",
            "block_sparse_attention.tsr",
            "flash_attention_dropout.tsr",
            "sink_attention.tsr");

    private Stdlib() {}

    /** The file names of every standard-library source, e.g. {@code "flash_attention.tsr"}. */
    public static List<String> files() {
        return FILES;
    }

    /**
     * The text of one standard-library source.
     *
     * @throws IllegalArgumentException if {@code fileName} is not one of {@link #files()}
     */
    public static String source(String fileName) {
        if (!FILES.contains(fileName)) {
            throw new IllegalArgumentException("no standard-library file '" + fileName + "'; the files are " + FILES);
        }
        try (InputStream in = Stdlib.class.getClassLoader().getResourceAsStream(RESOURCE_DIR + fileName)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE_DIR + fileName + " is missing from the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + RESOURCE_DIR + fileName, e);
        }
    }
}
