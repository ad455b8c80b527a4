package org.muki.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.node.ObjectNode;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.muki.MukiException;
import org.muki.TestSupport;
import org.muki.model.BertConfig;
import org.muki.model.BertWeights;
import org.muki.model.HostTensor;

class CheckpointTest {
    @TempDir
    Path tmp;

    @Test
    void saveThenLoadGivesIdenticalWeightsAndKeepsUnknownConfigFields() {
        HfCheckpoint a = HfCheckpoint.load(TestSupport.fixture("odd-f32"));
        a.configJson().put("custom_field", "kept");
        a.save(tmp.resolve("copy"));
        HfCheckpoint b = HfCheckpoint.load(tmp.resolve("copy"));
        assertEquals(a.config(), b.config());
        assertEquals(a.weights().tensors().keySet(), b.weights().tensors().keySet());
        for (String name : a.weights().tensors().keySet()) {
            assertArrayEquals(a.weights().get(name).data(), b.weights().get(name).data(), 0f, name);
        }
        assertEquals("kept", b.configJson().get("custom_field").asText());
        assertEquals(List.of("neg", "neu", "pos"), b.config().labels());
        assertEquals(a.vocab().size(), b.vocab().size());
    }

    @Test
    void halfPrecisionCheckpointsLoadAsTheirFloatValues() {
        HfCheckpoint f16 = HfCheckpoint.load(TestSupport.fixture("odd-f16"));
        HfCheckpoint bf16 = HfCheckpoint.load(TestSupport.fixture("odd-bf16"));
        assertEquals(3, f16.config().numLabels());
        assertEquals(3, bf16.config().numLabels());
        assertEquals(1.0f, SafeTensors.halfToFloat((short) 0x3C00));
        assertEquals(-2.0f, SafeTensors.halfToFloat((short) 0xC000));
        assertEquals(65504f, SafeTensors.halfToFloat((short) 0x7BFF));
        assertEquals(0x1p-24f, SafeTensors.halfToFloat((short) 0x0001));
        assertEquals(Float.NEGATIVE_INFINITY, SafeTensors.halfToFloat((short) 0xFC00));
        assertTrue(Float.isNaN(SafeTensors.halfToFloat((short) 0x7E00)));
    }

    @Test
    void encoderCheckpointWithoutPrefixOrHeadLoadsAsEncoder() throws IOException {
        HfCheckpoint full = HfCheckpoint.load(TestSupport.fixture("odd-f32"));
        Map<String, HostTensor> encoder = new LinkedHashMap<>();
        for (var e : full.weights().tensors().entrySet()) {
            String name = e.getKey();
            if (name.startsWith("classifier.") || name.contains("pooler")) continue;
            // BertModel names, and TF-era LayerNorm names for good measure
            encoder.put(name.substring(BertWeights.PREFIX.length()).replace("LayerNorm.weight", "LayerNorm.gamma"), e.getValue());
        }
        Path dir = Files.createDirectories(tmp.resolve("enc"));
        SafeTensors.write(dir.resolve("model.safetensors"), encoder);
        ObjectNode cfg = full.configJson().deepCopy();
        cfg.remove("id2label");
        cfg.remove("label2id");
        Files.writeString(dir.resolve("config.json"), cfg.toString());
        HfCheckpoint enc = HfCheckpoint.load(dir);
        assertFalse(enc.weights().hasClassifier());
        assertEquals(0, enc.config().numLabels());
        assertArrayEquals(full.weights().get("bert.embeddings.LayerNorm.weight").data(),
                enc.weights().get("bert.embeddings.LayerNorm.weight").data(), 0f);
    }

    @Test
    void randomWeightsHaveHuggingFaceInitialisation() {
        BertConfig c = BertConfig.shape("tiny", 100, List.of("x", "y"));
        BertWeights w = BertWeights.random(c, 3);
        assertEquals(BertWeights.expectedShapes(c, true).keySet(), w.tensors().keySet());
        assertEquals(1f, w.get("bert.embeddings.LayerNorm.weight").data()[5]);
        assertEquals(0f, w.get("classifier.bias").data()[1]);
        double sq = 0;
        float[] q = w.get(BertWeights.layer(0, "attention.self.query.weight")).data();
        for (float v : q) sq += v * v;
        assertEquals(0.02, Math.sqrt(sq / q.length), 0.002);
        assertArrayEquals(q, BertWeights.random(c, 3).get(BertWeights.layer(0, "attention.self.query.weight")).data(), 0f);
    }

    // --- hostile and broken files: each refused with a message naming the file and the problem ---

    private Path copyFixture(String name) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve(name));
        for (String f : new String[] {"config.json", "model.safetensors", "vocab.txt"}) {
            Files.copy(TestSupport.fixture("odd-f32").resolve(f), dir.resolve(f));
        }
        return dir;
    }

    private static String refused(Path dir) {
        return assertThrows(MukiException.class, () -> HfCheckpoint.load(dir)).getMessage();
    }

    private static byte[] safetensors(String header, int dataBytes) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        return b.array();
    }

    @Test
    void refusesBrokenSafetensors() throws IOException {
        Path dir = copyFixture("bad");
        Path st = dir.resolve("model.safetensors");
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("header length", "");
        cases.put("malformed JSON", "{\"a\": ");
        cases.put("unknown dtype", "{\"a\":{\"dtype\":\"F99\",\"shape\":[1],\"data_offsets\":[0,4]}}");
        cases.put("outside the data", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}");
        cases.put("bytes for shape", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}");
        cases.put("overlaps", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}");
        cases.put("Duplicate field", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}");
        cases.put("non-negative integer", "{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}");
        for (var c : cases.entrySet()) {
            byte[] bytes = c.getValue().isEmpty() ? new byte[] {(byte) 0xFF, (byte) 0xFF, 0, 0, 0, 0, 0, 0x7F, '{', '}'}
                    : safetensors(c.getValue(), 4);
            Files.write(st, bytes);
            String msg = refused(dir);
            assertTrue(msg.contains(st.toString()) && msg.contains(c.getKey()), c.getKey() + " -> " + msg);
        }
        Files.write(st, new byte[3]);
        assertTrue(refused(dir).contains("too short"));
    }

    @Test
    void refusesCheckpointsThatDisagreeWithTheirConfig() throws IOException {
        Path dir = copyFixture("cfg");
        Path cfg = dir.resolve("config.json");
        String original = Files.readString(cfg);

        Files.writeString(cfg, original.replace("\"hidden_size\": 36", "\"hidden_size\": 39"));
        String msg = refused(dir);
        assertTrue(msg.contains("shape") && msg.contains("config.json"), msg);

        Files.writeString(cfg, original.replace("\"num_attention_heads\": 3", "\"num_attention_heads\": 5"));
        assertTrue(refused(dir).contains("not divisible"), "heads");

        Files.writeString(cfg, original.replace("\"2\": \"pos\"", "\"2\": \"neg\""));
        assertTrue(refused(dir).contains("twice") || refused(dir).contains("disagrees"), "duplicate label");

        Files.writeString(cfg, original.replace("\"hidden_act\": \"gelu\"", "\"hidden_act\": \"relu\""));
        assertTrue(refused(dir).contains("hidden_act"), "activation");

        Files.writeString(cfg, original.replace("\"vocab_size\": 40", "\"vocab_size\": \"forty\""));
        assertTrue(refused(dir).contains("vocab_size must be an integer"), "type");

        Files.writeString(cfg, "{ not json");
        assertTrue(refused(dir).contains("malformed JSON"), "json");

        Files.writeString(cfg, original);
        Files.writeString(dir.resolve("vocab.txt"), "[PAD]\n[UNK]\n");
        assertTrue(refused(dir).contains("vocab_size"), "vocab size");

        Files.delete(cfg);
        assertTrue(refused(dir).contains("config.json: missing"));
        assertTrue(assertThrows(MukiException.class, () -> HfCheckpoint.load(tmp.resolve("nowhere"))).getMessage()
                .contains("not a model directory"));
    }

    @Test
    void refusesNonFiniteWeights() throws IOException {
        HfCheckpoint full = HfCheckpoint.load(TestSupport.fixture("odd-f32"));
        Map<String, HostTensor> t = new LinkedHashMap<>(full.weights().tensors());
        float[] bias = t.get("classifier.bias").data().clone();
        bias[1] = Float.NaN;
        t.put("classifier.bias", new HostTensor(bias, new int[] {bias.length}));
        Path dir = copyFixture("nan");
        SafeTensors.write(dir.resolve("model.safetensors"), t);
        String msg = refused(dir);
        assertTrue(msg.contains("'classifier.bias' holds NaN at element 1"), msg);
    }

    @Test
    void refusesAMissingTensor() throws IOException {
        HfCheckpoint full = HfCheckpoint.load(TestSupport.fixture("odd-f32"));
        Map<String, HostTensor> t = new LinkedHashMap<>(full.weights().tensors());
        t.remove(BertWeights.layer(1, "output.dense.bias"));
        Path dir = copyFixture("missing");
        SafeTensors.write(dir.resolve("model.safetensors"), t);
        String msg = refused(dir);
        assertTrue(msg.contains("missing tensor 'bert.encoder.layer.1.output.dense.bias'"), msg);
    }

    @Test
    void tensorsPerLayerMatchesTheExpectedShapes() {
        BertConfig c = BertConfig.shape("tiny", 30, List.of("a", "b"));
        // 5 embedding tensors, the layers, pooler weight and bias, classifier weight and bias
        assertEquals(5 + BertWeights.TENSORS_PER_LAYER * c.numLayers() + 4, BertWeights.expectedShapes(c, true).size());
    }
}
