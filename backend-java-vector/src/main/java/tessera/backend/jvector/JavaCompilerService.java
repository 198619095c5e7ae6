package tessera.backend.jvector;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.FileObject;
import javax.tools.ForwardingJavaFileManager;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileManager;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import tessera.ir.loop.Device.DeviceException;
import tessera.runtime.Philox;

/**
 * Compiles emitted Java in memory with {@code javax.tools} ({@code --release 25}, plus
 * {@code --add-modules jdk.incubator.vector} when the code uses vectors) against the running
 * classpath and {@code tessera.runtime}, and loads the result in a fresh class loader. Generated
 * code that does not compile is a bug of the emitter: the {@link DeviceException} says "internal
 * error" on its first line, and javac's diagnostics with the offending lines follow.
 */
public final class JavaCompilerService {
    private final JavaCompiler javac;

    /** A service using the platform's Java compiler. */
    public JavaCompilerService() throws DeviceException {
        javac = ToolProvider.getSystemJavaCompiler();
        if (javac == null) {
            throw new DeviceException("the Java backend needs a JDK: no Java compiler (javax.tools) in this runtime");
        }
    }

    /** Compiles {@code source} and returns its class, loaded in a class loader of its own. */
    public Class<?> compile(JavaSource source) throws DeviceException {
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        Map<String, ByteArrayOutputStream> out = new LinkedHashMap<>();
        List<String> options = new ArrayList<>(List.of("--release", "25", "-proc:none", "-nowarn", "-classpath", classpath()));
        if (source.usesVectors()) {
            options.addAll(List.of("--add-modules", "jdk.incubator.vector"));
        }
        String text = source.text();
        JavaFileObject unit = new Unit(source.className(), text);
        try (StandardJavaFileManager standard = javac.getStandardFileManager(diagnostics, Locale.ROOT, null);
             JavaFileManager files = new InMemoryOutput(standard, out)) {
            boolean ok = javac.getTask(null, files, diagnostics, options, null, List.of(unit)).call();
            if (!ok) {
                throw new DeviceException(report(source.className(), text, diagnostics.getDiagnostics()));
            }
        } catch (IOException e) {
            throw new DeviceException("internal error: javac's file manager failed: " + e.getMessage(), e);
        }
        Map<String, byte[]> classes = new LinkedHashMap<>();
        out.forEach((name, bytes) -> classes.put(name, bytes.toByteArray()));
        try {
            return new GeneratedClassLoader(JavaCompilerService.class.getClassLoader(), classes).loadClass(source.className());
        } catch (ClassNotFoundException | LinkageError e) {
            throw new DeviceException("internal error: cannot load generated class " + source.className() + ": " + e, e);
        }
    }

    /** The running classpath plus where {@code tessera.runtime} was loaded from (in case it is elsewhere). */
    private static String classpath() {
        Set<String> entries = new LinkedHashSet<>(List.of(System.getProperty("java.class.path", "").split(File.pathSeparator)));
        CodeSource runtime = Philox.class.getProtectionDomain().getCodeSource();
        if (runtime != null && runtime.getLocation() != null) {
            try {
                entries.add(Path.of(runtime.getLocation().toURI()).toString());
            } catch (URISyntaxException | IllegalArgumentException e) {
                // not a file location (a custom class loader): the classpath has to do
            }
        }
        entries.remove("");
        return String.join(File.pathSeparator, entries);
    }

    private static String report(String className, String text, List<Diagnostic<? extends JavaFileObject>> diagnostics) {
        String[] lines = text.split("\n", -1);
        List<Diagnostic<? extends JavaFileObject>> errors = diagnostics.stream()
                .filter(d -> d.getKind() == Diagnostic.Kind.ERROR).toList();
        StringBuilder b = new StringBuilder("internal error: the Java backend generated code that does not compile ("
                + errors.size() + " error" + (errors.size() == 1 ? "" : "s") + " in " + className + ")");
        for (Diagnostic<? extends JavaFileObject> d : errors) {
            b.append('\n').append("line ").append(d.getLineNumber()).append(": ").append(d.getMessage(Locale.ROOT));
            long line = d.getLineNumber();
            if (line >= 1 && line <= lines.length) {
                b.append('\n').append("    ").append(lines[(int) line - 1].strip());
            }
        }
        return b.toString();
    }

    /** The source, held in memory. */
    private static final class Unit extends SimpleJavaFileObject {
        private final String text;

        Unit(String className, String text) {
            super(URI.create("string:///" + className.replace('.', '/') + Kind.SOURCE.extension), Kind.SOURCE);
            this.text = text;
        }

        @Override
        public CharSequence getCharContent(boolean ignoreEncodingErrors) {
            return text;
        }
    }

    /** Sends class files to byte arrays (by binary class name) instead of the disk. */
    private static final class InMemoryOutput extends ForwardingJavaFileManager<StandardJavaFileManager> {
        private final Map<String, ByteArrayOutputStream> out;

        InMemoryOutput(StandardJavaFileManager standard, Map<String, ByteArrayOutputStream> out) {
            super(standard);
            this.out = out;
        }

        @Override
        public JavaFileObject getJavaFileForOutput(Location location, String className, JavaFileObject.Kind kind,
                                                   FileObject sibling) {
            URI uri = URI.create("mem:///" + className.replace('.', '/') + kind.extension);
            return new SimpleJavaFileObject(uri, kind) {
                @Override
                public OutputStream openOutputStream() {
                    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                    out.put(className, bytes);
                    return bytes;
                }
            };
        }
    }
}
