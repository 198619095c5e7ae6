package tessera.stdlib;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tessera.runtime.Tensor;

/**
 * flash_butterfly_conv.tsr on the reference interpreter: the causal kernel against the direct
 * §5.5 loop, the bidirectional one against the 2L circular-convolution form of §5.1.
 */
class FlashButterflyConvTest {
    static final String FILE = "flash_butterfly_conv.tsr";

    static Map<String, Tensor> causal(Nd u, Nd k, Nd skip) {
        return KernelRunner.run(FILE, "flash_butterfly_conv",
                Map.of("u", u.f32(), "k", k.f32(), "skip", skip.f32()), Map.of());
    }

    static Map<String, Tensor> bidirectional(Nd u, Nd k, Nd kb, Nd skip) {
        return KernelRunner.run(FILE, "flash_butterfly_conv_bidirectional",
                Map.of("u", u.f32(), "k", k.f32(), "kb", kb.f32(), "skip", skip.f32()), Map.of());
    }

    @ParameterizedTest(name = "B={0} C={1} H={2} L={3}")
    @CsvSource({
        "1, 1, 1, 1",
        "1, 1, 1, 2",
        "2, 2, 3, 7",
        "1, 3, 2, 16",
        "2, 1, 1, 13",
        "1, 2, 4, 20",
    })
    void causalMatchesDirectConvolution(int bs, int cs, int hs, int len) {
        Random rnd = new Random(17L * len + 5L * cs + hs);
        Nd u = Nd.gaussian(rnd, 1, bs, hs, len);
        Nd k = Nd.gaussian(rnd, 1, cs, hs, len);
        Nd skip = Nd.gaussian(rnd, 1, cs, hs);
        Close.check("y", Reference.causalConv(u, k, skip), causal(u, k, skip).get("y"));
    }

    @ParameterizedTest(name = "B={0} C={1} H={2} L={3}")
    @CsvSource({
        "1, 1, 1, 1",
        "1, 1, 1, 2",
        "2, 2, 3, 7",
        "1, 3, 2, 16",
        "2, 1, 1, 13",
    })
    void bidirectionalMatchesCircularConvolutionOfLength2L(int bs, int cs, int hs, int len) {
        Random rnd = new Random(19L * len + 3L * cs + hs);
        Nd u = Nd.gaussian(rnd, 1, bs, hs, len);
        Nd k = Nd.gaussian(rnd, 1, cs, hs, len);
        Nd kb = Nd.gaussian(rnd, 1, cs, hs, len);
        Nd skip = Nd.gaussian(rnd, 1, cs, hs);
        Close.check("y", Reference.bidirectionalConv(u, k, kb, skip), bidirectional(u, k, kb, skip).get("y"));
    }

    /** A zero anti-causal kernel gives the causal convolution. */
    @Test
    void bidirectionalWithZeroBackwardKernelIsCausal() {
        Random rnd = new Random(23);
        Nd u = Nd.gaussian(rnd, 1, 2, 3, 9);
        Nd k = Nd.gaussian(rnd, 1, 2, 3, 9);
        Nd skip = Nd.gaussian(rnd, 1, 2, 3);
        Nd zero = new Nd(2, 3, 9);
        Close.check("y", Nd.of(causal(u, k, skip).get("y")), bidirectional(u, k, zero, skip).get("y"));
    }

    /** The last entry of the backward kernel never takes part (offsets s - t - 1 stop at L - 2). */
    @Test
    void lastBackwardTapIsUnused() {
        Random rnd = new Random(24);
        Nd u = Nd.gaussian(rnd, 1, 1, 2, 6);
        Nd k = Nd.gaussian(rnd, 1, 1, 2, 6);
        Nd kb = Nd.gaussian(rnd, 1, 1, 2, 6);
        Nd skip = Nd.gaussian(rnd, 1, 1, 2);
        double[] before = bidirectional(u, k, kb, skip).get("y").toDoubleArray();
        kb.set(1e3, 0, 0, 5);
        kb.set(-1e3, 0, 1, 5);
        assertThat(bidirectional(u, k, kb, skip).get("y").toDoubleArray()).containsExactly(before);
    }
}
