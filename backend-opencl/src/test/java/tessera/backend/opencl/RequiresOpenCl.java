package tessera.backend.opencl;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Marks a test class that needs an OpenCL device. Without one it is skipped, with the message
 * saying what to install, unless {@code CI=true}: then it runs, and {@link OpenClTestSupport#open}
 * fails it with that message, since CI must have OpenCL (.ci/run installs PoCL).
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(RequiresOpenCl.Condition.class)
@interface RequiresOpenCl {

    /** Disables the class when OpenCL is missing outside CI. */
    final class Condition implements ExecutionCondition {
        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            if (OpenClTestSupport.isCi()) return ConditionEvaluationResult.enabled("CI=true: OpenCL is required");
            return OpenClDevice.whyUnavailable()
                    .map(ConditionEvaluationResult::disabled)
                    .orElseGet(() -> ConditionEvaluationResult.enabled("OpenCL is available"));
        }
    }
}
