package tessera.backend.jvector;

import com.palantir.javapoet.JavaFile;
import java.util.Map;

/**
 * The Java source emitted for one module.
 *
 * @param file        the source file: one public final class
 * @param className   the class's fully qualified name
 * @param methods     the Java method of each kernel, by kernel name
 * @param usesVectors true when the code uses the Vector API, so that compiling and running it
 *                    needs {@code --add-modules jdk.incubator.vector}
 */
public record JavaSource(JavaFile file, String className, Map<String, String> methods, boolean usesVectors) {
    public JavaSource {
        methods = Map.copyOf(methods);
    }

    /** The source text. */
    public String text() {
        return file.toString();
    }
}
