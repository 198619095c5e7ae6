/** The Java backend: Loop IR to Java source (JavaPoet, Vector API), compiled in memory and run on the JVM. */
package tessera.backend.jvector;
