package org.muki.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.muki.TestSupport.assertClose;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.muki.TestSupport;
import org.muki.integration.Uncertainty;
import org.muki.io.HfCheckpoint;
import org.muki.io.Json;
import org.muki.io.SafeTensors;
import org.muki.tensor.Backends;
import org.muki.tensor.Ops;

/**
 * The whole model against tools/make_fixtures.py, an independent PyTorch implementation of
 * BertForSequenceClassification with its own numpy Philox: eval logits, Monte-Carlo logits with
 * the same masks, and every intermediate tensor, on F32, F16 and BF16 checkpoints with odd
 * sizes (hidden 36, 3 heads, sequence lengths 2 to 13 padded together; hidden 64 with lengths 2
 * and 127). Tolerance 1e-4 absolute on logits, 1e-4 on intermediates.
 */
class BertModelFixtureTest {
    static final List<String> FIXTURES = List.of("odd-f32", "odd-f16", "odd-bf16", "wide-127");

    static Stream<Arguments> cases() {
        return FIXTURES.stream().flatMap(f -> TestSupport.backends().stream().map(b -> Arguments.of(f, b)));
    }

    record Fixture(HfCheckpoint checkpoint, Batch batch, float[][] logits, float[][] mcLogits, int samples, long seed,
                   Path dir) {}

    static Fixture load(String name) throws IOException {
        Path dir = TestSupport.fixture(name);
        HfCheckpoint ckpt = HfCheckpoint.load(dir);
        List<String> in = Files.readAllLines(dir.resolve("input.jsonl"));
        List<String> exp = Files.readAllLines(dir.resolve("expected.jsonl"));
        JsonNode meta = Json.read(dir.resolve("expected-meta.json"));
        int n = in.size();
        int[][] ids = new int[n][], types = new int[n][], masks = new int[n][];
        int[] keys = new int[n];
        float[][] logits = new float[n][], mc = new float[n][];
        for (int i = 0; i < n; i++) {
            JsonNode o = Json.parse(in.get(i), "input");
            ids[i] = ints(o.get("input_ids"));
            types[i] = o.has("token_type_ids") ? ints(o.get("token_type_ids")) : new int[ids[i].length];
            masks[i] = o.has("attention_mask") ? ints(o.get("attention_mask")) : ones(ids[i].length);
            keys[i] = i;
            JsonNode e = Json.parse(exp.get(i), "expected");
            logits[i] = floats(e.get("logits"));
            JsonNode m = e.get("mc_logits");
            mc[i] = new float[m.size() * m.get(0).size()];
            int at = 0;
            for (JsonNode row : m) for (JsonNode v : row) mc[i][at++] = (float) v.asDouble();
        }
        return new Fixture(ckpt, Batch.pad(ids, types, masks, keys), logits, mc, meta.get("mc_samples").asInt(),
                meta.get("seed").asLong(), dir);
    }

    static int[] ints(JsonNode a) {
        int[] v = new int[a.size()];
        for (int i = 0; i < v.length; i++) v[i] = a.get(i).asInt();
        return v;
    }

    static int[] ones(int n) {
        int[] v = new int[n];
        java.util.Arrays.fill(v, 1);
        return v;
    }

    static float[] floats(JsonNode a) {
        float[] v = new float[a.size()];
        for (int i = 0; i < v.length; i++) v[i] = (float) a.get(i).asDouble();
        return v;
    }

    static float[] flat(float[][] rows) {
        int n = 0;
        for (float[] r : rows) n += r.length;
        float[] out = new float[n];
        int at = 0;
        for (float[] r : rows) {
            System.arraycopy(r, 0, out, at, r.length);
            at += r.length;
        }
        return out;
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("cases")
    void evalLogitsAndIntermediatesMatchPyTorch(String name, String backend) throws IOException {
        Fixture f = load(name);
        try (Ops ops = Backends.create(backend, 2)) {
            BertModel model = new BertModel(f.checkpoint.config(), f.checkpoint.weights(), ops);
            Map<String, float[]> trace = new HashMap<>();
            model.setTrace(trace::put);
            float[] logits = model.logits(f.batch);
            assertClose(flat(f.logits), logits, 1e-4, name + "/" + backend + " logits");

            SafeTensors expected = SafeTensors.open(f.dir.resolve("trace.safetensors"));
            try {
                assertEquals(expected.entries().keySet(), trace.keySet(), "traced tensor names");
                for (String key : expected.entries().keySet()) {
                    assertClose(expected.readFloat(key).data(), trace.get(key), 1e-4, name + "/" + backend + " " + key);
                }
            } finally {
                expected.close();
            }
        }
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("cases")
    void monteCarloLogitsMatchPyTorchWithTheSameMasks(String name, String backend) throws IOException {
        Fixture f = load(name);
        BertConfig c = f.checkpoint.config();
        try (Ops ops = Backends.create(backend, 2)) {
            BertModel model = new BertModel(c, f.checkpoint.weights(), ops);
            float[] mc = model.mcLogits(f.batch, f.samples, f.seed, c.hiddenDropout(), c.attentionDropout());
            assertClose(flat(f.mcLogits), mc, 1e-4, name + "/" + backend + " MC logits");

            // The K samples of an instance differ from each other and from the eval pass.
            int labels = c.numLabels();
            for (int b = 0; b < f.batch.size(); b++) {
                float[] s0 = java.util.Arrays.copyOfRange(mc, b * f.samples * labels, (b * f.samples + 1) * labels);
                float[] s1 = java.util.Arrays.copyOfRange(mc, (b * f.samples + 1) * labels, (b * f.samples + 2) * labels);
                assertTrue(!java.util.Arrays.equals(s0, s1), "samples 0 and 1 of instance " + b + " are identical");
            }
            // Dropout probability 0 is the eval pass, sample for sample.
            float[] eval = model.logits(f.batch);
            float[] zero = model.mcLogits(f.batch, 2, f.seed, 0f, 0f);
            for (int b = 0; b < f.batch.size(); b++) {
                for (int k = 0; k < 2; k++) {
                    float[] got = java.util.Arrays.copyOfRange(zero, (b * 2 + k) * labels, (b * 2 + k + 1) * labels);
                    assertClose(java.util.Arrays.copyOfRange(eval, b * labels, (b + 1) * labels), got, 1e-5, "p=0 sample " + k);
                }
            }
            // mc_probs is the mean of the K softmax outputs.
            double[] mean = Uncertainty.meanProbs(mc, 0, f.samples, labels);
            double[] manual = new double[labels], p = new double[labels];
            for (int k = 0; k < f.samples; k++) {
                Uncertainty.softmax(mc, k * labels, labels, p, 0);
                for (int j = 0; j < labels; j++) manual[j] += p[j] / f.samples;
            }
            for (int j = 0; j < labels; j++) assertEquals(manual[j], mean[j], 1e-12);
        }
    }

    /**
     * Without a trace, logits finish the last layer on the [CLS] rows only; with that switched
     * off, or through hiddenStates, every token is computed. All three agree with PyTorch.
     */
    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("cases")
    void clsOnlyLastLayerAndAllTokenPassesMatchPyTorch(String name, String backend) throws IOException {
        Fixture f = load(name);
        BertConfig c = f.checkpoint.config();
        SafeTensors expected = SafeTensors.open(f.dir.resolve("trace.safetensors"));
        try (Ops ops = Backends.create(backend, 2)) {
            float[] lastLayer = expected.readFloat("layer." + (c.numLayers() - 1) + ".output").data();
            BertModel model = new BertModel(c, f.checkpoint.weights(), ops);
            assertClose(flat(f.logits), model.logits(f.batch), 1e-4, name + "/" + backend + " [CLS]-only logits");
            assertThrows(IllegalStateException.class, model::lastHidden, "a [CLS]-only pass has no full last layer");
            assertClose(lastLayer, model.hiddenStates(f.batch), 1e-4, name + "/" + backend + " hiddenStates");
            float[] mcCls = model.mcLogits(f.batch, f.samples, f.seed, c.hiddenDropout(), c.attentionDropout());

            model.setClsOnlyLastLayer(false);
            assertClose(flat(f.logits), model.logits(f.batch), 1e-4, name + "/" + backend + " all-token logits");
            Batch first = f.batch.slice(0, 1); // one instance: one pass, whose last layer lastHidden reads
            model.logits(first);
            assertClose(java.util.Arrays.copyOf(lastLayer, first.seqLen() * c.hiddenSize()), model.lastHidden(), 1e-4,
                    name + "/" + backend + " lastHidden");
            float[] mcAll = model.mcLogits(f.batch, f.samples, f.seed, c.hiddenDropout(), c.attentionDropout());
            // Same masks either way: the [CLS] rows' dropout coordinates do not depend on the pruning.
            assertClose(mcAll, mcCls, 1e-5, name + "/" + backend + " MC logits, [CLS]-only vs all tokens");
        } finally {
            expected.close();
        }
    }
}
