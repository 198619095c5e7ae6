package tessera.backend.jvector;

import java.util.Map;

/**
 * A class loader for the classes of one compiled module: it defines them from the bytes javac
 * wrote and delegates everything else (the JDK, {@code tessera.runtime}) to its parent.
 */
final class GeneratedClassLoader extends ClassLoader {
    private final Map<String, byte[]> classes;

    GeneratedClassLoader(ClassLoader parent, Map<String, byte[]> classes) {
        super("tessera-generated", parent);
        this.classes = Map.copyOf(classes);
    }

    @Override
    protected Class<?> findClass(String name) throws ClassNotFoundException {
        byte[] bytes = classes.get(name);
        if (bytes == null) {
            throw new ClassNotFoundException(name);
        }
        return defineClass(name, bytes, 0, bytes.length);
    }
}
