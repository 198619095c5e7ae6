package tessera.backend.jvector;

import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.TypeName;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import javax.lang.model.element.Modifier;
import tessera.runtime.DType;

/**
 * The private helper methods one generated class needs, collected while its kernels are emitted
 * (so a class gets only the helpers it calls). One instance per emitted class.
 */
final class Helpers {
    /** The method that rounds a float to bfloat16 bits. */
    static final String BF16 = "toBf16";

    private boolean bf16;
    private boolean vectorKernels;
    private final Set<DType> species = EnumSet.noneOf(DType.class);

    void useBf16() {
        bf16 = true;
    }

    /** Notes that the class needs the preferred species for lanes of {@code lanes} (F32 or F64). */
    void useSpecies(DType lanes) {
        species.add(lanes);
    }

    /** Notes that the class calls {@link VectorTileKernels}, which needs {@code jdk.incubator.vector}. */
    void useVectorKernels() {
        vectorKernels = true;
    }

    /** True when the generated code uses the Vector API (and needs {@code jdk.incubator.vector}). */
    boolean usesVectors() {
        return !species.isEmpty() || vectorKernels;
    }

    /** The species fields used so far: constants, the machine's preferred shape. */
    List<FieldSpec> fields() {
        List<FieldSpec> out = new ArrayList<>();
        for (DType t : species) {
            out.add(FieldSpec.builder(VectorBody.speciesType(t), VectorBody.species(t),
                            Modifier.PRIVATE, Modifier.STATIC, Modifier.FINAL)
                    .addJavadoc("The preferred (widest efficient) vector shape for $L lanes on this machine.", t.sourceName())
                    .initializer("$T.SPECIES_PREFERRED", VectorBody.vectorClass(t))
                    .build());
        }
        return out;
    }

    /** The method names helpers may take, so kernels are named around them. */
    static List<String> names() {
        return List.of(BF16);
    }

    /** The helper methods used so far. */
    List<MethodSpec> methods() {
        List<MethodSpec> out = new ArrayList<>();
        if (bf16) {
            out.add(MethodSpec.methodBuilder(BF16)
                    .addJavadoc("Rounds {@code f} to the nearest bfloat16 (ties to even); a NaN stays a (quiet) NaN.")
                    .addModifiers(Modifier.PRIVATE, Modifier.STATIC)
                    .returns(TypeName.SHORT)
                    .addParameter(TypeName.FLOAT, "f")
                    .addStatement("int bits = $T.floatToRawIntBits(f)", ScalarExprs.FLOAT)
                    .beginControlFlow("if ($T.isNaN(f))", ScalarExprs.FLOAT)
                    .addStatement("return (short) ((bits >>> 16) | 0x40)")
                    .endControlFlow()
                    .addStatement("return (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16)")
                    .build());
        }
        return out;
    }
}
