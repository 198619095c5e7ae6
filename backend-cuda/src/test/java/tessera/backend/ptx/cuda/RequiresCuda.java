package tessera.backend.ptx.cuda;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Marks a test class that needs an NVIDIA GPU and its driver. Without one every test of the
 * class is reported skipped with {@link CudaDevice#whyUnavailable()}'s reason, in CI too: CI
 * machines have no GPU, and {@code tools/gpu-check} is how a GPU machine is checked.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(RequiresCuda.Condition.class)
@interface RequiresCuda {

    /** Disables the class when CUDA is unavailable. */
    final class Condition implements ExecutionCondition {
        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            return CudaDevice.whyUnavailable()
                    .map(why -> ConditionEvaluationResult.disabled("needs an NVIDIA GPU: " + why))
                    .orElseGet(() -> ConditionEvaluationResult.enabled("a CUDA device is available"));
        }
    }
}
