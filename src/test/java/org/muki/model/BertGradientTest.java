package org.muki.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.muki.io.Json;
import org.muki.io.SafeTensors;
import org.muki.TestSupport;
import org.muki.tensor.Backends;
import org.muki.tensor.Dropout;
import org.muki.tensor.Ops;
import org.muki.tensor.Tensor;
import org.muki.train.Losses;

/**
 * Every parameter gradient of the cross-entropy loss, with every dropout site active (the same
 * Philox masks), against PyTorch's autograd on the independent reference
 * (tools/make_fixtures.py). Tolerance: 1e-4 absolute plus 1e-3 of the tensor's largest gradient.
 */
class BertGradientTest {
    static Stream<Arguments> cases() {
        return Stream.of("odd-f32", "wide-127").flatMap(f -> TestSupport.backends().stream()
                .flatMap(b -> Stream.of(Arguments.of(f, b, false), Arguments.of(f, b, true))));
    }

    /**
     * allTokens false: the last layer's tail on the [CLS] rows only (what training runs); true:
     * on every token (what a loss on the last hidden states needs). Both give autograd's gradients.
     */
    @ParameterizedTest(name = "{0} on {1}, every token {2}")
    @MethodSource("cases")
    void parameterGradientsMatchPyTorchAutograd(String name, String backend, boolean allTokens) throws Exception {
        var f = BertModelFixtureTest.load(name);
        JsonNode meta = Json.read(f.dir().resolve("gradients-meta.json"));
        int[] labels = BertModelFixtureTest.ints(meta.get("labels"));
        BertConfig c = f.checkpoint().config();
        int n = f.batch().size();
        int[] keys = new int[n];
        for (int i = 0; i < n; i++) keys[i] = i;
        Dropout dropout = new Dropout(meta.get("seed").asLong(), c.hiddenDropout(), c.attentionDropout(), keys, new int[n]);
        try (Ops ops = Backends.create(backend, 2)) {
            BertModel model = new BertModel(c, f.checkpoint().weights(), ops);
            float[] logits = model.trainingLogits(f.batch(), dropout, allTokens);
            Losses.Result ce = Losses.crossEntropy(logits, c.numLabels(), labels);
            assertEquals(meta.get("loss").asDouble(), ce.loss(), 1e-5, "loss");
            model.zeroGradients();
            model.backward(ce.dLogits());
            SafeTensors expected = SafeTensors.open(f.dir().resolve("gradients.safetensors"));
            try {
                Map<String, Tensor> grads = model.gradients();
                assertEquals(expected.entries().keySet(), grads.keySet());
                for (String p : expected.entries().keySet()) {
                    float[] want = expected.readFloat(p).data();
                    float[] got = new float[want.length];
                    ops.download(grads.get(p), got);
                    double max = 0, worst = 0;
                    for (float v : want) max = Math.max(max, Math.abs(v));
                    for (int i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(want[i] - got[i]));
                    double tol = 1e-4 + 1e-3 * max;
                    assertTrue(worst <= tol, name + "/" + backend + "/" + allTokens + " " + p + ": max |diff| " + worst + " > " + tol);
                }
            } finally {
                expected.close();
            }
        }
    }
}
