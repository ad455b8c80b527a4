package org.muki.io.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;

import com.google.protobuf.ByteString;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.muki.MukiException;
import org.muki.TestSupport;
import org.muki.io.HfCheckpoint;
import org.muki.io.SafeTensors;
import org.muki.io.onnx.proto.OnnxProto.Graph;
import org.muki.io.onnx.proto.OnnxProto.KeyValue;
import org.muki.io.onnx.proto.OnnxProto.Model;
import org.muki.io.onnx.proto.OnnxProto.Node;
import org.muki.io.onnx.proto.OnnxProto.SparseTensor;
import org.muki.io.onnx.proto.OnnxProto.Tensor;
import org.muki.model.Batch;
import org.muki.model.BertConfig;
import org.muki.model.BertModel;
import org.muki.model.BertWeights;
import org.muki.model.HostTensor;
import org.muki.tensor.Backends;
import org.muki.tensor.Ops;

/**
 * The ONNX importer on small BERT graphs laid out as Hugging Face's exporter writes them
 * ({@link TinyOnnxBert}), one variant per way a graph can state its shape: the imported config
 * and weights equal what the graph was made from, and the imported model's hidden states equal
 * ONNX Runtime's run of the same graph. Then a corpus of hostile graphs, each refused with one
 * line naming the file and the reason, and nothing written.
 */
class OnnxImportTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @EnumSource(value = TinyOnnxBert.Variant.class, names = {"EXPORT", "HEADS_FROM_SCALE", "HEADS_HIDDEN", "LAYERNORM_OP", "POOLER",
            "NAMED_MATRICES"})
    void importedModelMatchesOnnxRuntime(TinyOnnxBert.Variant variant) throws Exception {
        BertWeights source = TinyOnnxBert.weights(variant == TinyOnnxBert.Variant.POOLER, 7);
        Path onnx = tmp.resolve("model.onnx");
        Files.write(onnx, TinyOnnxBert.model(variant, source).toByteArray());
        Path out = tmp.resolve("out");
        Integer heads = variant == TinyOnnxBert.Variant.HEADS_HIDDEN ? 4 : null;
        OnnxImport.run(onnx, null, out, heads, false, n -> { });
        HfCheckpoint ckpt = HfCheckpoint.load(out);
        BertConfig c = ckpt.config(), want = TinyOnnxBert.CONFIG;
        assertEquals(List.of(want.vocabSize(), want.hiddenSize(), want.numLayers(), want.numHeads(), want.intermediateSize(),
                want.maxPositions(), want.typeVocabSize()), List.of(c.vocabSize(), c.hiddenSize(), c.numLayers(), c.numHeads(),
                c.intermediateSize(), c.maxPositions(), c.typeVocabSize()), variant + ": shapes");
        assertEquals(want.layerNormEps(), c.layerNormEps(), variant + ": epsilon");
        assertEquals(variant == TinyOnnxBert.Variant.POOLER, ckpt.weights().hasPooler());
        for (var e : source.tensors().entrySet()) {
            assertArrayEquals(e.getValue().data(), ckpt.weights().get(e.getKey()).data(), variant + ": " + e.getKey());
        }

        int[][] ids = {{2, 7, 11, 3, 9}, {2, 40, 41, 42, 43, 44, 45, 46, 3}, {2, 3}};
        int[][] types = {{0, 0, 0, 0, 0}, {0, 0, 0, 0, 1, 1, 1, 1, 1}, {0, 1}};
        float[] ort = onnxRuntime(onnx, ids, types);
        try (Ops ops = Backends.create("java", 2)) {
            int[][] masks = new int[ids.length][];
            for (int i = 0; i < ids.length; i++) {
                masks[i] = new int[ids[i].length];
                java.util.Arrays.fill(masks[i], 1);
            }
            float[] ours = new BertModel(c, ckpt.weights(), ops).hiddenStates(Batch.pad(ids, types, masks, new int[] {0, 1, 2}));
            int t = 9, h = c.hiddenSize();
            for (int b = 0; b < ids.length; b++) {
                for (int j = 0; j < ids[b].length; j++) {
                    float[] a = java.util.Arrays.copyOfRange(ort, (b * t + j) * h, (b * t + j + 1) * h);
                    float[] o = java.util.Arrays.copyOfRange(ours, (b * t + j) * h, (b * t + j + 1) * h);
                    TestSupport.assertClose(a, o, 1e-5, variant + ": row " + b + " token " + j);
                }
            }
        }
    }

    /** ONNX Runtime's last_hidden_state of a batch padded to its longest row, [B * T, H]. */
    private static float[] onnxRuntime(Path onnx, int[][] ids, int[][] types) throws Exception {
        int t = 0;
        for (int[] r : ids) t = Math.max(t, r.length);
        long[] input = new long[ids.length * t], mask = new long[ids.length * t], type = new long[ids.length * t];
        for (int b = 0; b < ids.length; b++) {
            for (int j = 0; j < ids[b].length; j++) {
                input[b * t + j] = ids[b][j];
                type[b * t + j] = types[b][j];
                mask[b * t + j] = 1;
            }
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession s = env.createSession(onnx.toString(), new OrtSession.SessionOptions())) {
            long[] shape = {ids.length, t};
            Map<String, OnnxTensor> feed = new HashMap<>();
            feed.put("input_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(input), shape));
            feed.put("attention_mask", OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape));
            feed.put("token_type_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(type), shape));
            try (OrtSession.Result r = s.run(feed)) {
                float[][][] h = (float[][][]) r.get("last_hidden_state").orElseThrow().getValue();
                float[] out = new float[ids.length * t * h[0][0].length];
                int at = 0;
                for (float[][] rows : h) for (float[] row : rows) for (float v : row) out[at++] = v;
                return out;
            } finally {
                feed.values().forEach(OnnxTensor::close);
            }
        }
    }

    @Test
    void float16WeightsAreConverted() throws IOException {
        BertWeights source = TinyOnnxBert.weights(false, 3);
        Path onnx = tmp.resolve("half.onnx");
        Files.write(onnx, TinyOnnxBert.model(TinyOnnxBert.Variant.FLOAT16, source).toByteArray());
        HfCheckpoint ckpt = HfCheckpoint.load(OnnxImport.run(onnx, null, tmp.resolve("out"), null, false, n -> { }).dir());
        for (var e : source.tensors().entrySet()) {
            float[] half = e.getValue().data().clone();
            for (int i = 0; i < half.length; i++) half[i] = SafeTensors.halfToFloat(TinyOnnxBert.toHalf(half[i]));
            assertArrayEquals(half, ckpt.weights().get(e.getKey()).data(), e.getKey());
        }
    }

    @Test
    void headsFromTheUser() throws IOException {
        Path hidden = write("hidden.onnx", TinyOnnxBert.bytes(TinyOnnxBert.Variant.HEADS_HIDDEN, 1));
        assertRefused(hidden, null, "the number of attention heads is not readable from the graph");
        Path export = write("export.onnx", TinyOnnxBert.bytes(TinyOnnxBert.Variant.EXPORT, 1));
        MukiException e = assertThrows(MukiException.class, () -> OnnxImport.run(export, null, tmp.resolve("o"), 2, false, n -> { }));
        assertTrue(e.getMessage().contains("--heads 2 disagrees with") && e.getMessage().contains("gives 4 heads"), e.getMessage());
        e = assertThrows(MukiException.class, () -> OnnxImport.run(hidden, null, tmp.resolve("o"), 3, false, n -> { }));
        assertEquals("--heads 3 does not divide the hidden size 16", e.getMessage());
        assertFalse(Files.exists(tmp.resolve("o")));
    }

    @Test
    void hostileGraphsAreRefusedWithOneLine() throws IOException {
        byte[] valid = TinyOnnxBert.bytes(TinyOnnxBert.Variant.EXPORT, 5);
        Model model = Model.parseFrom(valid);
        List<String> failures = new ArrayList<>();
        Map<String, byte[]> files = new java.util.LinkedHashMap<>();
        Map<String, String> expect = new java.util.LinkedHashMap<>();
        add(files, expect, "empty", new byte[0], "empty file, not an ONNX model");
        add(files, expect, "truncated-half", java.util.Arrays.copyOf(valid, valid.length / 2), "truncated or malformed protobuf");
        add(files, expect, "truncated-last-byte", java.util.Arrays.copyOf(valid, valid.length - 1), "truncated or malformed protobuf");
        add(files, expect, "not-protobuf", "{\"this\": \"is json\"}\n".getBytes(java.nio.charset.StandardCharsets.UTF_8),
                "truncated or malformed protobuf");
        // Field 7 (the graph) sent as a varint: protobuf keeps it as an unknown field, the model has no graph.
        add(files, expect, "graph-wrong-wire-type", new byte[] {0x08, 0x06, 0x38, 0x01}, "holds no graph");
        add(files, expect, "not-bert", Model.newBuilder().setGraph(Graph.newBuilder().addNode(Node.newBuilder().setOpType("Add")
                .addInput("a").addInput("b").addOutput("c"))).build().toByteArray(), "not BERT-shaped: no tensor for 'bert.embeddings.word_embeddings.weight'");
        add(files, expect, "missing-initializer", graph(model, g -> {
            Graph.Builder b = g.toBuilder().clearInitializer();
            for (Tensor t : g.getInitializerList()) if (!t.getName().equals("encoder.layer.1.output.LayerNorm.bias")) b.addInitializer(t);
            return b.build();
        }), "not BERT-shaped: no tensor for 'bert.encoder.layer.1.output.LayerNorm.bias' (neither an initializer of that name nor one consumed by a node under /encoder/layer.1/output/LayerNorm/)");
        add(files, expect, "missing-matrix", graph(model, g -> {
            Graph.Builder b = g.toBuilder().clearNode();
            for (Node n : g.getNodeList()) if (!n.getName().equals("/encoder/layer.0/intermediate/dense/MatMul")) b.addNode(n);
            return b.build();
        }), "no tensor for 'bert.encoder.layer.0.intermediate.dense.weight'");
        add(files, expect, "external-data", tensor(model, "embeddings.word_embeddings.weight", t -> t.toBuilder().clearRawData()
                .setDataLocation(Tensor.Location.EXTERNAL).addExternalData(KeyValue.newBuilder().setKey("location").setValue("model.onnx_data"))
                .build()), "tensor 'embeddings.word_embeddings.weight' is stored as external data in 'model.onnx_data'");
        add(files, expect, "huge-dims", tensor(model, "embeddings.word_embeddings.weight", t -> t.toBuilder().clearDims().addDims(1L << 40)
                .addDims(16).build()), "tensor 'embeddings.word_embeddings.weight' has dimension 1099511627776");
        add(files, expect, "huge-product", tensor(model, "embeddings.word_embeddings.weight", t -> t.toBuilder().clearDims().addDims(1L << 30)
                .addDims(1L << 30).build()), "declares shape [1073741824, 1073741824], too large");
        add(files, expect, "dims-mismatch", tensor(model, "embeddings.word_embeddings.weight", t -> t.toBuilder().setDims(0, 51).build()),
                "tensor 'embeddings.word_embeddings.weight' declares shape [51, 16] (816 values) but holds 3200 bytes");
        add(files, expect, "negative-dim", tensor(model, "embeddings.LayerNorm.bias", t -> t.toBuilder().setDims(0, -16).build()),
                "tensor 'embeddings.LayerNorm.bias' has dimension -16");
        add(files, expect, "double-weights", tensor(model, "embeddings.LayerNorm.weight", t -> t.toBuilder().setDataType(
                Tensor.ElementType.DOUBLE_VALUE).build()), "has element type double; muki imports float32 weights (float16 is converted)");
        add(files, expect, "duplicate-initializer", graph(model, g -> g.toBuilder().addInitializer(g.getInitializer(1)).build()),
                "two initializers are named 'embeddings.word_embeddings.weight'");
        add(files, expect, "quantized", graph(model, g -> g.toBuilder()
                .addInitializer(Tensor.newBuilder().setName("onnx::MatMul_quantized").setDataType(Tensor.ElementType.INT8_VALUE).addDims(4)
                        .setRawData(ByteString.copyFrom(new byte[4])))
                .addNode(Node.newBuilder().setOpType("MatMulInteger").setName("/encoder/layer.0/attention/self/query/MatMul_quant")
                        .addInput("x").addInput("onnx::MatMul_quantized").addOutput("y")).build()),
                "a quantized graph (int8 tensor 'onnx::MatMul_quantized' and 1 more); muki imports float32 or float16 graphs only");
        add(files, expect, "fused-attention", graph(model, g -> g.toBuilder().addNode(Node.newBuilder().setOpType("Attention")
                .setDomain("com.microsoft").setName("/encoder/layer.0/attention/Attention").addInput("x").addOutput("y")).build()),
                "fused operators outside ONNX's standard set (Attention (com.microsoft))");
        add(files, expect, "tanh-gelu", graph(model, g -> {
            Graph.Builder b = g.toBuilder().clearNode();
            for (Node n : g.getNodeList()) b.addNode(n.getOpType().equals("Erf") ? n.toBuilder().setOpType("Tanh").build() : n);
            return b.build();
        }), "GELU's tanh approximation (gelu_new)");
        add(files, expect, "sparse-initializer", graph(model, g -> g.toBuilder().addSparseInitializer(SparseTensor.newBuilder()
                .setValues(Tensor.newBuilder().setName("s").setDataType(1))).build()), "sparse initializers");
        add(files, expect, "mismatched-layers", tensor(model, "encoder.layer.1.intermediate.dense.bias", t -> t.toBuilder().setDims(0, 8)
                .setRawData(t.getRawData().substring(0, 32)).build()),
                "parameter 'bert.encoder.layer.1.intermediate.dense.bias' has shape [8] but the embeddings and layers imply [20]");
        add(files, expect, "nan-weight", tensor(model, "embeddings.LayerNorm.weight", t -> t.toBuilder().setRawData(
                TinyOnnxBert.le(nanAt(t))).build()), "holds NaN at element 3");

        for (var e : files.entrySet()) {
            Path f = write(e.getKey() + ".onnx", e.getValue());
            Path out = tmp.resolve("out-" + e.getKey());
            try {
                OnnxImport.run(f, null, out, null, false, n -> { });
                failures.add(e.getKey() + ": accepted");
            } catch (MukiException ex) {
                String m = ex.getMessage();
                boolean names = m.startsWith(f.toString()) || m.contains(out.getFileName() + "/");
                if (!names || !m.contains(expect.get(e.getKey())) || m.contains("\n")) {
                    failures.add(e.getKey() + ": '" + m + "' does not name the file and say '" + expect.get(e.getKey()) + "'");
                }
            }
            if (Files.exists(out)) failures.add(e.getKey() + ": left " + out + " behind");
            try (var siblings = Files.list(tmp)) {
                if (siblings.anyMatch(p -> p.getFileName().toString().contains(".import-"))) failures.add(e.getKey() + ": left a partial import");
            }
        }
        assertTrue(failures.isEmpty(), String.join("\n", failures));
        assertEquals(21, files.size());
    }

    private static float[] nanAt(Tensor t) {
        float[] v = new float[t.getRawData().size() / 4];
        t.getRawData().asReadOnlyByteBuffer().order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
        v[3] = Float.NaN;
        return v;
    }

    private static void add(Map<String, byte[]> files, Map<String, String> expect, String name, byte[] bytes, String fragment) {
        files.put(name, bytes);
        expect.put(name, fragment);
    }

    private static byte[] graph(Model m, UnaryOperator<Graph> change) {
        return m.toBuilder().setGraph(change.apply(m.getGraph())).build().toByteArray();
    }

    private static byte[] tensor(Model m, String name, UnaryOperator<Tensor> change) {
        return graph(m, g -> {
            Graph.Builder b = g.toBuilder();
            for (int i = 0; i < g.getInitializerCount(); i++) {
                if (g.getInitializer(i).getName().equals(name)) b.setInitializer(i, change.apply(g.getInitializer(i)));
            }
            return b.build();
        });
    }

    private void assertRefused(Path onnx, Integer heads, String fragment) {
        MukiException e = assertThrows(MukiException.class, () -> OnnxImport.run(onnx, null, tmp.resolve("x"), heads, false, n -> { }));
        assertTrue(e.getMessage().startsWith(onnx.toString()) && e.getMessage().contains(fragment), e.getMessage());
    }

    private Path write(String name, byte[] bytes) throws IOException {
        return Files.write(tmp.resolve(name), bytes);
    }

    @Test
    void theImportedEncoderTrainsWithAFreshHeadAndKeepsAPooler() throws IOException {
        // A pooler in the graph is kept; the classifier is added (the CLI says so on stderr).
        Path onnx = write("pooler.onnx", TinyOnnxBert.bytes(TinyOnnxBert.Variant.POOLER, 2));
        HfCheckpoint ckpt = HfCheckpoint.load(OnnxImport.run(onnx, null, tmp.resolve("p"), null, false, n -> { }).dir());
        BertConfig withLabels = ckpt.config().withLabels(List.of("a", "b", "c"));
        BertWeights w = ckpt.weights().withHead(withLabels, false, 1);
        assertTrue(w.hasClassifier());
        assertArrayEquals(ckpt.weights().get("bert.pooler.dense.weight").data(), w.get("bert.pooler.dense.weight").data());
        HostTensor cls = w.get("classifier.weight");
        assertArrayEquals(new int[] {3, 16}, cls.shape());
        double sq = 0;
        for (float v : cls.data()) sq += v * v;
        assertEquals(0.02, Math.sqrt(sq / cls.data().length), 0.008, "normal(0, 0.02) as Hugging Face initialises");
    }

    @Test
    void anExistingDirectoryIsKeptWithoutOverwrite() throws IOException {
        Path onnx = write("m.onnx", TinyOnnxBert.bytes(TinyOnnxBert.Variant.EXPORT, 4));
        Path out = Files.createDirectories(tmp.resolve("taken"));
        Files.writeString(out.resolve("keep.txt"), "mine");
        MukiException e = assertThrows(MukiException.class, () -> OnnxImport.run(onnx, null, out, null, false, n -> { }));
        assertEquals(out + " exists (pass --overwrite to replace it)", e.getMessage());
        assertTrue(Files.exists(out.resolve("keep.txt")));
        OnnxImport.run(onnx, null, out, null, true, n -> { });
        assertFalse(Files.exists(out.resolve("keep.txt")));
        assertTrue(Files.exists(out.resolve("model.safetensors")));
    }
}
