package org.muki.io.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.muki.RealTexts;
import org.muki.TestSupport;
import org.muki.io.AtomicFiles;
import org.muki.io.HfCheckpoint;
import org.muki.model.Batch;
import org.muki.model.BertConfig;
import org.muki.model.BertModel;
import org.muki.model.Pooling;
import org.muki.tensor.Backends;
import org.muki.tensor.Ops;

/**
 * The pre-trained all-MiniLM-L6-v2 (its ONNX graph and tokenizer.json from the model's Maven
 * artifact, a test dependency) imported into a Hugging Face directory and run by muki, against
 * ONNX Runtime running the same graph: sentence embeddings (mean pooling over the attention mask
 * as sentence-transformers does, and the [CLS] state) of 217 real texts of 5 to 512 word pieces
 * (RealTexts: its 200 single glosses and every third of its longer texts), within 1e-4 on the
 * java, nd4j and opencl (PoCL in CI) backends; the same vectors whether a text is batched with
 * others (padded) or alone.
 */
class MiniLmOnnxTest {
    static final double TOLERANCE = 1e-4;
    static Path work, model;
    static HfCheckpoint ckpt;
    static List<int[]> ids = new ArrayList<>();
    static float[][] ortMean, ortCls;
    /** The java backend's batched embeddings, shared by the two tests that need them. */
    static final Map<Pooling, float[][]> javaBatched = new java.util.EnumMap<>(Pooling.class);

    @BeforeAll
    static void importAndRunOnnxRuntime() throws IOException, OrtException {
        work = Files.createTempDirectory("minilm");
        Path onnx = fromClasspath("all-minilm-l6-v2.onnx"), tokenizer = fromClasspath("all-minilm-l6-v2-tokenizer.json");
        List<String> notes = new ArrayList<>();
        model = work.resolve("model");
        OnnxImport.run(onnx, tokenizer, model, null, false, notes::add);
        assertTrue(notes.stream().anyMatch(n -> n.contains("no pooler")), "the import says the graph has no pooler: " + notes);
        ckpt = HfCheckpoint.load(model);
        var tok = ckpt.textTokenizer(model);
        List<RealTexts.Text> texts = RealTexts.wordNet();
        for (int i = 0; i < texts.size(); i++) {
            if (i < 200 || (i - 200) % 3 == 0) ids.add(tok.encode(texts.get(i).text(), null, 512).ids());
        }
        int h = ckpt.config().hiddenSize();
        ortMean = new float[ids.size()][];
        ortCls = new float[ids.size()][];
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        options.setIntraOpNumThreads(2);
        try (OrtSession session = env.createSession(onnx.toString(), options)) {
            for (int from = 0; from < ids.size(); from += 16) {
                int to = Math.min(ids.size(), from + 16), b = to - from, t = 0;
                for (int i = from; i < to; i++) t = Math.max(t, ids.get(i).length);
                long[] input = new long[b * t], mask = new long[b * t], types = new long[b * t];
                for (int i = from; i < to; i++) {
                    for (int j = 0; j < ids.get(i).length; j++) {
                        input[(i - from) * t + j] = ids.get(i)[j];
                        mask[(i - from) * t + j] = 1;
                    }
                }
                long[] shape = {b, t};
                Map<String, OnnxTensor> feed = new HashMap<>();
                feed.put("input_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(input), shape));
                feed.put("attention_mask", OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape));
                feed.put("token_type_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(types), shape));
                try (OrtSession.Result r = session.run(feed)) {
                    float[][][] hidden = (float[][][]) r.get("last_hidden_state").orElseThrow().getValue();
                    for (int i = from; i < to; i++) {
                        float[][] rows = hidden[i - from];
                        int n = ids.get(i).length;
                        double[] sum = new double[h];
                        for (int j = 0; j < n; j++) for (int c = 0; c < h; c++) sum[c] += rows[j][c];
                        ortMean[i] = new float[h];
                        for (int c = 0; c < h; c++) ortMean[i][c] = (float) (sum[c] / n);
                        ortCls[i] = rows[0].clone();
                    }
                }
                feed.values().forEach(OnnxTensor::close);
            }
        }
    }

    @AfterAll
    static void cleanUp() {
        AtomicFiles.deleteTree(work);
    }

    private static Path fromClasspath(String name) throws IOException {
        try (InputStream in = MiniLmOnnxTest.class.getResourceAsStream("/" + name)) {
            assertTrue(in != null, name + " is not on the test classpath (the all-MiniLM-L6-v2 jar is a test dependency)");
            Path out = work.resolve(name);
            Files.copy(in, out);
            return out;
        }
    }

    @Test
    void theGraphsShapesAreReadFromTheGraph() {
        BertConfig c = ckpt.config();
        assertEquals(List.of(6, 384, 12, 1536, 30522, 512, 2), List.of(c.numLayers(), c.hiddenSize(), c.numHeads(), c.intermediateSize(),
                c.vocabSize(), c.maxPositions(), c.typeVocabSize()));
        assertEquals(1e-12f, c.layerNormEps());
        assertFalse(ckpt.weights().hasPooler());
        assertTrue(Files.isRegularFile(model.resolve("vocab.txt")) && Files.isRegularFile(model.resolve("tokenizer.json")));
        int longest = ids.stream().mapToInt(a -> a.length).max().orElse(0), shortest = ids.stream().mapToInt(a -> a.length).min().orElse(0);
        assertTrue(ids.size() == 217 && shortest <= 8 && longest == 512, "texts of varied length: " + shortest + " to " + longest);
    }

    @ParameterizedTest
    @ValueSource(strings = {"java", "nd4j", "opencl"})
    void embeddingsMatchOnnxRuntime(String backend) {
        if (!TestSupport.backends().contains(backend)) return; // tools/gpu/check.sh runs a subset
        try (Ops ops = Backends.create(backend, 2)) {
            BertModel m = new BertModel(ckpt.config(), ckpt.weights(), ops);
            for (Pooling pooling : Pooling.values()) {
                float[][] ort = pooling == Pooling.MEAN ? ortMean : ortCls;
                float[][] ours = embed(m, pooling, 16);
                if (backend.equals("java")) javaBatched.put(pooling, ours);
                for (int i = 0; i < ids.size(); i++) {
                    TestSupport.assertClose(ort[i], ours[i], TOLERANCE, backend + " " + pooling + " text " + i + " (" + ids.get(i).length + " pieces)");
                }
            }
        }
    }

    @Test
    void aTextGetsTheSameVectorBatchedOrAlone() {
        try (Ops ops = Backends.create("java", 2)) {
            BertModel m = new BertModel(ckpt.config(), ckpt.weights(), ops);
            for (Pooling pooling : Pooling.values()) {
                float[][] batched = javaBatched.computeIfAbsent(pooling, p -> embed(m, p, 16));
                for (int i = 0; i < ids.size(); i += 7) {
                    float[] alone = pooling.embed(m, batch(i, i + 1), false);
                    TestSupport.assertClose(batched[i], alone, 1e-5, pooling + " text " + i + " alone vs in its padded batch");
                }
            }
        }
    }

    private static Batch batch(int from, int to) {
        int[][] i = new int[to - from][], t = new int[to - from][], m = new int[to - from][];
        int[] keys = new int[to - from];
        for (int k = from; k < to; k++) {
            i[k - from] = ids.get(k);
            t[k - from] = new int[ids.get(k).length];
            m[k - from] = new int[ids.get(k).length];
            java.util.Arrays.fill(m[k - from], 1);
            keys[k - from] = k;
        }
        return Batch.pad(i, t, m, keys);
    }

    private static float[][] embed(BertModel m, Pooling pooling, int batchSize) {
        int h = m.config().hiddenSize();
        float[][] out = new float[ids.size()][];
        for (int from = 0; from < ids.size(); from += batchSize) {
            int to = Math.min(ids.size(), from + batchSize);
            float[] e = pooling.embed(m, batch(from, to), false);
            for (int i = from; i < to; i++) out[i] = java.util.Arrays.copyOfRange(e, (i - from) * h, (i - from + 1) * h);
        }
        return out;
    }
}
