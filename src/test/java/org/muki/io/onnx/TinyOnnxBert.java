package org.muki.io.onnx;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.google.protobuf.ByteString;

import org.muki.io.onnx.proto.OnnxProto.Attribute;
import org.muki.io.onnx.proto.OnnxProto.Graph;
import org.muki.io.onnx.proto.OnnxProto.Model;
import org.muki.io.onnx.proto.OnnxProto.Node;
import org.muki.io.onnx.proto.OnnxProto.OpsetId;
import org.muki.io.onnx.proto.OnnxProto.Shape;
import org.muki.io.onnx.proto.OnnxProto.Tensor;
import org.muki.io.onnx.proto.OnnxProto.Type;
import org.muki.io.onnx.proto.OnnxProto.ValueInfo;
import org.muki.model.BertConfig;
import org.muki.model.BertWeights;
import org.muki.model.HostTensor;

/**
 * Writes a small BERT encoder as an ONNX graph the way Hugging Face's exporter (torch.onnx)
 * lays one out, for the importer's tests: named initializers for embeddings, biases and
 * LayerNorms, anonymous [in, out] initializers for the projection matrices with the consuming
 * MatMul naming its module (/encoder/layer.0/attention/self/query/MatMul), the attention's
 * reshape to [.., heads, head size], scores divided by sqrt(head size), LayerNorm spelled out
 * (ReduceMean, Sub, Pow, Add epsilon, Sqrt, Div, Mul, Add) and GELU through Erf. ONNX Runtime
 * runs what it writes, so the import can be checked against it. Variants change one thing each.
 */
final class TinyOnnxBert {
    /** How the graph says (or hides) its shape. */
    enum Variant {
        /** the exporter's layout */
        EXPORT,
        /** heads not in the reshape ([.., -1, head size]): read from the scale constant */
        HEADS_FROM_SCALE,
        /** heads neither in the reshape nor in a constant scale: --heads is needed */
        HEADS_HIDDEN,
        /** opset 17's LayerNormalization operator instead of the spelled-out form */
        LAYERNORM_OP,
        /** a pooler after the encoder (BertModel with its pooler; second output pooler_output) */
        POOLER,
        /** the projection matrices as named initializers ([in, out], Hugging Face names) */
        NAMED_MATRICES,
        /** every float initializer stored as float16 (for the converter; ONNX Runtime does not run it) */
        FLOAT16
    }

    static final BertConfig CONFIG = new BertConfig(50, 16, 2, 4, 20, 40, 2, 1e-7f, 0.1f, 0.1f, 0.1f, List.of());

    private final Variant variant;
    private final BertWeights weights;
    private final List<Node> nodes = new ArrayList<>();
    private final Map<String, Tensor> initializers = new LinkedHashMap<>();
    private int anonymous = 100;

    private TinyOnnxBert(Variant variant, BertWeights weights) {
        this.variant = variant;
        this.weights = weights;
    }

    /** Random weights (LayerNorms and biases randomised too, so a swapped parameter shows). */
    static BertWeights weights(boolean pooler, long seed) {
        BertWeights w = BertWeights.random(CONFIG, seed);
        java.util.SplittableRandom rng = new java.util.SplittableRandom(seed + 1);
        Map<String, HostTensor> t = new LinkedHashMap<>();
        for (var e : w.tensors().entrySet()) {
            float[] v = e.getValue().data().clone();
            for (int i = 0; i < v.length; i++) v[i] += (float) ((rng.nextDouble() - 0.5) * 0.2);
            t.put(e.getKey(), new HostTensor(v, e.getValue().shape()));
        }
        if (pooler) {
            int h = CONFIG.hiddenSize();
            float[] pw = new float[h * h], pb = new float[h];
            for (int i = 0; i < pw.length; i++) pw[i] = (float) ((rng.nextDouble() - 0.5) * 0.5);
            for (int i = 0; i < pb.length; i++) pb[i] = (float) ((rng.nextDouble() - 0.5) * 0.1);
            t.put(BertWeights.PREFIX + "pooler.dense.weight", new HostTensor(pw, new int[] {h, h}));
            t.put(BertWeights.PREFIX + "pooler.dense.bias", new HostTensor(pb, new int[] {h}));
        }
        return new BertWeights(t);
    }

    static Model model(Variant variant, BertWeights weights) {
        return new TinyOnnxBert(variant, weights).build();
    }

    static byte[] bytes(Variant variant, long seed) {
        return model(variant, weights(variant == Variant.POOLER, seed)).toByteArray();
    }

    private Model build() {
        int h = CONFIG.hiddenSize(), heads = CONFIG.numHeads(), dh = CONFIG.headDim();
        // Additive attention mask: (1 - mask) * lowest float, shaped [B, 1, 1, T].
        String maskF = node("Cast", "/Cast", List.of("attention_mask"), attr("to", 1));
        String mask4 = node("Reshape", "/Reshape", List.of(maskF, ints("/Constant_shape", 0, 1, 1, -1)));
        String inv = node("Sub", "/Sub", List.of(scalar("/Constant", 1f), mask4));
        String maskAdd = node("Mul", "/Mul", List.of(inv, scalar("/Constant_1", -Float.MAX_VALUE)));
        // Embeddings: words + token types + positions [0, T).
        String e = "/embeddings/";
        initializers.put("embeddings.position_ids", int64("embeddings.position_ids", new int[] {1, CONFIG.maxPositions()}));
        String shape = node("Shape", e + "Shape", List.of("input_ids"));
        String seqLen = node("Slice", e + "Slice_1", List.of(shape, ints(e + "Constant_1", 1), ints(e + "Constant_2", 2),
                ints(e + "Constant_3", 0)));
        String positions = node("Slice", e + "Slice", List.of("embeddings.position_ids", ints(e + "Constant_4", 0), seqLen,
                ints(e + "Constant_5", 1)));
        String words = node("Gather", e + "word_embeddings/Gather", List.of(param("embeddings.word_embeddings.weight"), "input_ids"));
        String types = node("Gather", e + "token_type_embeddings/Gather", List.of(param("embeddings.token_type_embeddings.weight"),
                "token_type_ids"));
        String sum = node("Add", e + "Add", List.of(words, types));
        String pos = node("Gather", e + "position_embeddings/Gather", List.of(param("embeddings.position_embeddings.weight"), positions));
        String x = layerNorm(e + "LayerNorm/", node("Add", e + "Add_1", List.of(sum, pos)), "embeddings.LayerNorm");
        for (int i = 0; i < CONFIG.numLayers(); i++) {
            String l = "/encoder/layer." + i + "/", p = "encoder.layer." + i + ".";
            String q = linear(l + "attention/self/query/", x, p + "attention.self.query");
            String k = linear(l + "attention/self/key/", x, p + "attention.self.key");
            String v = linear(l + "attention/self/value/", x, p + "attention.self.value");
            long headsDim = variant == Variant.HEADS_FROM_SCALE || variant == Variant.HEADS_HIDDEN ? -1 : heads;
            String s = l + "attention/self/";
            String kr = node("Reshape", s + "Reshape", List.of(k, ints(s + "Constant", 0, 0, headsDim, dh)));
            String vr = node("Reshape", s + "Reshape_1", List.of(v, ints(s + "Constant_1", 0, 0, headsDim, dh)));
            String qr = node("Reshape", s + "Reshape_2", List.of(q, ints(s + "Constant_2", 0, 0, headsDim, dh)));
            String vt = node("Transpose", s + "Transpose", List.of(vr), perm(0, 2, 1, 3));
            String qt = node("Transpose", s + "Transpose_1", List.of(qr), perm(0, 2, 1, 3));
            String kt = node("Transpose", s + "Transpose_2", List.of(kr), perm(0, 2, 3, 1));
            String scores = node("MatMul", s + "MatMul", List.of(qt, kt));
            String scale = variant == Variant.HEADS_HIDDEN
                    ? node("Sqrt", s + "Sqrt", List.of(node("Cast", s + "Cast", List.of(ints(s + "Constant_dh", dh)), attr("to", 1))))
                    : scalar(s + "Constant_12", (float) Math.sqrt(dh));
            String scaled = node("Div", s + "Div", List.of(scores, scale));
            String masked = node("Add", s + "Add", List.of(scaled, maskAdd));
            String probs = node("Softmax", s + "Softmax", List.of(masked), attr("axis", 3));
            String ctx = node("MatMul", s + "MatMul_1", List.of(probs, vt));
            String ctxT = node("Transpose", s + "Transpose_3", List.of(ctx), perm(0, 2, 1, 3));
            String ctxR = node("Reshape", s + "Reshape_3", List.of(ctxT, ints(s + "Constant_3", 0, 0, h)));
            String attnOut = linear(l + "attention/output/dense/", ctxR, p + "attention.output.dense");
            String h1 = layerNorm(l + "attention/output/LayerNorm/", node("Add", l + "attention/output/Add", List.of(attnOut, x)),
                    p + "attention.output.LayerNorm");
            String pre = linear(l + "intermediate/dense/", h1, p + "intermediate.dense");
            String a = l + "intermediate/intermediate_act_fn/";
            String erf = node("Erf", a + "Erf", List.of(node("Div", a + "Div", List.of(pre, scalar(a + "Constant", (float) Math.sqrt(2))))));
            String gelu = node("Mul", a + "Mul_1", List.of(node("Mul", a + "Mul", List.of(pre, node("Add", a + "Add",
                    List.of(erf, scalar(a + "Constant_1", 1f))))), scalar(a + "Constant_2", 0.5f)));
            String out = linear(l + "output/dense/", gelu, p + "output.dense");
            x = layerNorm(l + "output/LayerNorm/", node("Add", l + "output/Add", List.of(out, h1)), p + "output.LayerNorm");
        }
        String last = rename(x, "last_hidden_state");
        List<ValueInfo> outputs = new ArrayList<>(List.of(value(last, 3)));
        if (weights.hasPooler()) {
            String first = node("Gather", "/pooler/Gather", List.of(last, scalarIndex("/pooler/Constant")), attr("axis", 1));
            String dense = linear("/pooler/dense/", first, "pooler.dense");
            String pooled = node("Tanh", "/pooler/activation/Tanh", List.of(dense));
            outputs.add(value(rename(pooled, "pooler_output"), 2));
        }
        Graph g = Graph.newBuilder().setName("main_graph").addAllNode(nodes).addAllInitializer(initializers.values())
                .addInput(value("input_ids", 2)).addInput(value("attention_mask", 2)).addInput(value("token_type_ids", 2))
                .addAllOutput(outputs).build();
        int opset = variant == Variant.LAYERNORM_OP ? 17 : 11;
        return Model.newBuilder().setIrVersion(opset == 17 ? 8 : 6).setProducerName("muki-test").setProducerVersion("1")
                .addOpsetImport(OpsetId.newBuilder().setDomain("").setVersion(opset)).setGraph(g).build();
    }

    /** x W + b as the exporter writes a Linear: MatMul by the [in, out] matrix, then Add(bias, product). */
    private String linear(String path, String x, String module) {
        String w;
        HostTensor hf = weights.get(BertWeights.PREFIX + module + ".weight");
        HostTensor t = transpose(hf);
        if (variant == Variant.NAMED_MATRICES) {
            w = module + ".weight";
            initializers.put(w, floats(w, t));
        } else {
            w = "onnx::MatMul_" + anonymous++;
            initializers.put(w, floats(w, t));
        }
        String mm = node("MatMul", path + "MatMul", List.of(x, w));
        return node("Add", path + "Add", List.of(param(module + ".bias"), mm));
    }

    private String layerNorm(String path, String x, String module) {
        if (variant == Variant.LAYERNORM_OP) {
            return node("LayerNormalization", path + "LayerNormalization", List.of(x, param(module + ".weight"), param(module + ".bias")),
                    attr("axis", -1), Attribute.newBuilder().setName("epsilon").setType(Attribute.Kind.FLOAT).setF(CONFIG.layerNormEps()).build());
        }
        String mean = node("ReduceMean", path + "ReduceMean", List.of(x), axes(-1));
        String centered = node("Sub", path + "Sub", List.of(x, mean));
        String sq = node("Pow", path + "Pow", List.of(centered, scalar(path + "Constant", 2f)));
        String var = node("ReduceMean", path + "ReduceMean_1", List.of(sq), axes(-1));
        String std = node("Sqrt", path + "Sqrt", List.of(node("Add", path + "Add", List.of(var, scalar(path + "Constant_1",
                CONFIG.layerNormEps())))));
        String normed = node("Div", path + "Div", List.of(centered, std));
        return node("Add", path + "Add_1", List.of(node("Mul", path + "Mul", List.of(normed, param(module + ".weight"))),
                param(module + ".bias")));
    }

    private String param(String hfName) {
        if (!initializers.containsKey(hfName)) initializers.put(hfName, floats(hfName, weights.get(BertWeights.PREFIX + hfName)));
        return hfName;
    }

    private String node(String op, String name, List<String> inputs, Attribute... attributes) {
        String out = name + "_output_0";
        nodes.add(Node.newBuilder().setOpType(op).setName(name).addAllInput(inputs).addOutput(out).addAllAttribute(List.of(attributes)).build());
        return out;
    }

    /** Renames the graph value `from` (the last node's output) to a graph output name. */
    private String rename(String from, String to) {
        for (int i = nodes.size() - 1; i >= 0; i--) {
            Node n = nodes.get(i);
            if (n.getOutput(0).equals(from)) {
                nodes.set(i, n.toBuilder().setOutput(0, to).build());
                for (int j = i + 1; j < nodes.size(); j++) {
                    Node m = nodes.get(j);
                    Node.Builder b = m.toBuilder();
                    for (int k = 0; k < m.getInputCount(); k++) if (m.getInput(k).equals(from)) b.setInput(k, to);
                    nodes.set(j, b.build());
                }
                return to;
            }
        }
        throw new IllegalStateException("no node makes " + from);
    }

    private String scalar(String name, float value) {
        Tensor.Builder t = Tensor.newBuilder().setDataType(Tensor.ElementType.FLOAT_VALUE).setRawData(le(new float[] {value}));
        nodes.add(Node.newBuilder().setOpType("Constant").setName(name).addOutput(name + "_output_0")
                .addAttribute(Attribute.newBuilder().setName("value").setType(Attribute.Kind.TENSOR).setT(t)).build());
        return name + "_output_0";
    }

    private String scalarIndex(String name) {
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 0);
        Tensor t = Tensor.newBuilder().setDataType(Tensor.ElementType.INT64_VALUE).setRawData(ByteString.copyFrom(b.array())).build();
        nodes.add(Node.newBuilder().setOpType("Constant").setName(name + "_index").addOutput(name + "_index_output_0")
                .addAttribute(Attribute.newBuilder().setName("value").setType(Attribute.Kind.TENSOR).setT(t)).build());
        return name + "_index_output_0";
    }

    private String ints(String name, long... values) {
        ByteBuffer b = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) b.putLong(v);
        Tensor t = Tensor.newBuilder().setDataType(Tensor.ElementType.INT64_VALUE).addDims(values.length)
                .setRawData(ByteString.copyFrom(b.array())).build();
        nodes.add(Node.newBuilder().setOpType("Constant").setName(name).addOutput(name + "_output_0")
                .addAttribute(Attribute.newBuilder().setName("value").setType(Attribute.Kind.TENSOR).setT(t)).build());
        return name + "_output_0";
    }

    private static Attribute axes(long... values) {
        Attribute.Builder a = Attribute.newBuilder().setName("axes").setType(Attribute.Kind.INTS);
        for (long v : values) a.addInts(v);
        return a.build();
    }

    private static Attribute perm(long... p) {
        Attribute.Builder a = Attribute.newBuilder().setName("perm").setType(Attribute.Kind.INTS);
        for (long v : p) a.addInts(v);
        return a.build();
    }

    private static Attribute attr(String name, long value) {
        return Attribute.newBuilder().setName(name).setType(Attribute.Kind.INT).setI(value).build();
    }

    private static ValueInfo value(String name, int rank) {
        Shape.Builder s = Shape.newBuilder();
        String[] dims = {"batch_size", "sequence_length", "hidden"};
        for (int i = 0; i < rank; i++) s.addDim(Shape.Dim.newBuilder().setDimParam(dims[i]));
        boolean ids = name.endsWith("_ids") || name.equals("attention_mask");
        return ValueInfo.newBuilder().setName(name).setType(Type.newBuilder().setTensorType(Type.TensorType.newBuilder()
                .setElemType(ids ? Tensor.ElementType.INT64_VALUE : Tensor.ElementType.FLOAT_VALUE).setShape(s))).build();
    }

    private Tensor floats(String name, HostTensor t) {
        Tensor.Builder b = Tensor.newBuilder().setName(name);
        for (int d : t.shape()) b.addDims(d);
        if (variant == Variant.FLOAT16) {
            ByteBuffer buf = ByteBuffer.allocate(2 * t.data().length).order(ByteOrder.LITTLE_ENDIAN);
            for (float v : t.data()) buf.putShort(toHalf(v));
            return b.setDataType(Tensor.ElementType.FLOAT16_VALUE).setRawData(ByteString.copyFrom(buf.array())).build();
        }
        return b.setDataType(Tensor.ElementType.FLOAT_VALUE).setRawData(le(t.data())).build();
    }

    private static Tensor int64(String name, int[] shape) {
        int n = 1;
        for (int d : shape) n *= d;
        ByteBuffer b = ByteBuffer.allocate(8 * n).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) b.putLong(i);
        Tensor.Builder t = Tensor.newBuilder().setName(name).setDataType(Tensor.ElementType.INT64_VALUE).setRawData(ByteString.copyFrom(b.array()));
        for (int d : shape) t.addDims(d);
        return t.build();
    }

    static ByteString le(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) b.putFloat(x);
        return ByteString.copyFrom(b.array());
    }

    static HostTensor transpose(HostTensor t) {
        int r = t.shape()[0], c = t.shape()[1];
        float[] out = new float[r * c];
        for (int i = 0; i < r; i++) for (int j = 0; j < c; j++) out[j * r + i] = t.data()[i * c + j];
        return new HostTensor(out, new int[] {c, r});
    }

    /** float to IEEE binary16, rounding to nearest even (normal range; the test weights are small). */
    static short toHalf(float f) {
        int bits = Float.floatToIntBits(f), sign = (bits >>> 16) & 0x8000;
        int exp = ((bits >>> 23) & 0xFF) - 127 + 15, mant = bits & 0x7FFFFF;
        if (exp <= 0) {
            if (exp < -10) return (short) sign;
            mant |= 0x800000;
            int shift = 14 - exp;
            int half = mant >>> shift, rest = mant & ((1 << shift) - 1), mid = 1 << (shift - 1);
            if (rest > mid || (rest == mid && (half & 1) == 1)) half++;
            return (short) (sign | half);
        }
        int half = (exp << 10) | (mant >>> 13), rest = mant & 0x1FFF;
        if (rest > 0x1000 || (rest == 0x1000 && (half & 1) == 1)) half++;
        return (short) (sign | half);
    }
}
