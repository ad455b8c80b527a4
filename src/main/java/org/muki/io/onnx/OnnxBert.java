package org.muki.io.onnx;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import com.google.protobuf.InvalidProtocolBufferException;

import org.muki.MukiException;
import org.muki.io.HfCheckpoint;
import org.muki.io.SafeTensors;
import org.muki.io.onnx.proto.OnnxProto.Attribute;
import org.muki.io.onnx.proto.OnnxProto.Graph;
import org.muki.io.onnx.proto.OnnxProto.Model;
import org.muki.io.onnx.proto.OnnxProto.Node;
import org.muki.io.onnx.proto.OnnxProto.Tensor;
import org.muki.model.BertConfig;
import org.muki.model.BertWeights;
import org.muki.model.HostTensor;

/**
 * A BERT-family ONNX graph (BertModel or BertForSequenceClassification as Hugging Face's
 * exporters write it) read into Hugging Face's parameter names and a config.
 *
 * <p>How parameters are found. Exporters keep the names of most initializers
 * ({@code embeddings.word_embeddings.weight}, {@code encoder.layer.0.attention.self.query.bias});
 * the projection matrices of the linear layers become anonymous initializers
 * ({@code onnx::MatMul_787}) stored [in, out], and the node that consumes one names its place:
 * {@code /encoder/layer.0/attention/self/query/MatMul}. So an initializer's parameter is its own
 * name when that is a Hugging Face name, else the consuming node's path plus the role of the
 * input (MatMul or Gemm: weight, Add: bias, LayerNorm Mul/Add: weight/bias, Gather: an
 * embedding table). A matrix a MatMul multiplies from the right is [in, out] and is transposed
 * to Hugging Face's [out, in].
 *
 * <p>What the graph says about the config: vocabulary, hidden, positions and token types from
 * the embedding tables; layers and the feed-forward width from the parameters; attention heads
 * from the constants of the attention's reshape to [batch, seq, heads, head size] (or the scale
 * 1/sqrt(head size)); the LayerNorm epsilon from the constant added to the variance (or the
 * LayerNormalization operator's attribute); the activation from the operators of the
 * feed-forward block (Erf: BERT's exact GELU). Dropout rates are not in an inference graph:
 * BERT's 0.1 is written, and said.
 */
public final class OnnxBert {
    /** The largest file read: protobuf messages stop at 2 GiB; larger models keep weights outside. */
    static final long MAX_FILE = Integer.MAX_VALUE;

    /** Operators of quantized graphs (dynamic or static int8). */
    private static final Set<String> QUANTIZED_OPS = Set.of("DynamicQuantizeLinear", "QuantizeLinear", "DequantizeLinear",
            "MatMulInteger", "QLinearMatMul", "MatMulIntegerToFloat", "DynamicQuantizeMatMul", "QAttention", "QGemm",
            "ConvInteger", "QLinearConv", "QLinearAdd", "QLinearMul");

    /** What the import found: the model and what the user should know about it. */
    public record Result(BertConfig config, BertWeights weights, String producer, List<String> notes) {}

    private final Path file;
    private final Graph graph;
    private final Map<String, Tensor> initializers = new LinkedHashMap<>();
    private final Map<String, Tensor> constants = new HashMap<>();
    private final Map<String, Node> producers = new HashMap<>();
    private final Map<String, List<Use>> uses = new HashMap<>();
    private final List<String> notes = new ArrayList<>();

    /** A node reading a value as its input number `index`. */
    private record Use(Node node, int index) {}

    private OnnxBert(Path file, Graph graph) {
        this.file = file;
        this.graph = graph;
    }

    /** Reads and checks an ONNX file; heads, when not null, is the user's --heads. */
    public static Result read(Path file, Integer heads) {
        Model model = parse(file);
        String producer = (model.getProducerName() + " " + model.getProducerVersion()).strip();
        return new OnnxBert(file, model.getGraph()).convert(heads, producer);
    }

    /** An ONNX file's model, or a one-line refusal. */
    static Model parse(Path file) {
        if (!Files.isRegularFile(file)) throw new MukiException(file + ": missing");
        byte[] bytes;
        try {
            long size = Files.size(file);
            if (size == 0) throw new MukiException(file + ": empty file, not an ONNX model");
            if (size > MAX_FILE) {
                throw new MukiException(file + ": " + size + " bytes, over protobuf's 2 GiB limit; such models keep their "
                        + "weights as external data, which muki does not read");
            }
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new MukiException(file + ": cannot read (" + e.getMessage() + ")");
        }
        return parse(file, bytes);
    }

    static Model parse(Path file, byte[] bytes) {
        Model model;
        try {
            model = Model.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new MukiException(file + ": not a readable ONNX model (truncated or malformed protobuf: "
                    + firstLine(e.getMessage()) + ")");
        }
        if (!model.hasGraph() || model.getGraph().getNodeCount() == 0) {
            throw new MukiException(file + ": holds no graph (not an ONNX model, or cut off before its graph)");
        }
        return model;
    }

    private static String firstLine(String s) {
        if (s == null) return "no detail";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    private Result convert(Integer userHeads, String producer) {
        index();
        Map<String, HostTensor> params = parameters();
        BertConfig config = config(params, userHeads);
        boolean pooler = params.containsKey(BertWeights.PREFIX + "pooler.dense.weight");
        boolean classifier = params.containsKey("classifier.weight");
        Map<String, HostTensor> ordered = new LinkedHashMap<>();
        for (var e : BertWeights.expectedShapes(config, pooler || classifier, classifier).entrySet()) {
            HostTensor t = params.remove(e.getKey());
            if (t == null) throw new MukiException(file + ": not BERT-shaped: " + missing(e.getKey()));
            if (!Arrays.equals(t.shape(), e.getValue())) {
                throw new MukiException(file + ": parameter '" + e.getKey() + "' has shape " + Arrays.toString(t.shape())
                        + " but the embeddings and layers imply " + Arrays.toString(e.getValue()));
            }
            ordered.put(e.getKey(), t);
        }
        if (!params.isEmpty()) notes.add("ignored " + params.size() + " tensor(s) a BERT encoder does not use: " + params.keySet());
        if (!pooler) notes.add("the graph has no pooler: an encoder checkpoint (train --init adds a fresh pooler and classifier)");
        return new Result(config, new BertWeights(ordered), producer, notes);
    }

    private String missing(String param) {
        String path = "/" + param.replaceFirst("^bert\\.", "").replaceFirst("\\.(weight|bias)$", "").replace('.', '/')
                .replaceAll("/(\\d+)/", ".$1/");
        return "no tensor for '" + param + "' (neither an initializer of that name nor one consumed by a node under " + path + "/)";
    }

    /** Initializers, constants and who reads what; refuses quantized, fused and external-data graphs. */
    private void index() {
        if (graph.getSparseInitializerCount() > 0) throw new MukiException(file + ": the graph has sparse initializers, which muki does not read");
        List<String> quantized = new ArrayList<>(), fused = new ArrayList<>();
        for (Tensor t : graph.getInitializerList()) {
            if (t.getDataLocation() == Tensor.Location.EXTERNAL || t.getExternalDataCount() > 0) {
                String where = t.getExternalDataList().stream().filter(kv -> kv.getKey().equals("location")).map(kv -> " in '" + kv.getValue() + "'")
                        .findFirst().orElse("");
                throw new MukiException(file + ": tensor '" + t.getName() + "' is stored as external data" + where
                        + "; muki reads self-contained ONNX files (export with the weights inside the file)");
            }
            if (initializers.put(t.getName(), t) != null) throw new MukiException(file + ": two initializers are named '" + t.getName() + "'");
            if (t.getDataType() == Tensor.ElementType.INT8_VALUE || t.getDataType() == Tensor.ElementType.UINT8_VALUE) {
                quantized.add("int8 tensor '" + t.getName() + "'");
            }
        }
        for (Node n : graph.getNodeList()) {
            if (QUANTIZED_OPS.contains(n.getOpType())) quantized.add(n.getOpType() + " node '" + n.getName() + "'");
            if (!n.getDomain().isEmpty() && !n.getDomain().equals("ai.onnx")) fused.add(n.getOpType() + " (" + n.getDomain() + ")");
            for (String out : n.getOutputList()) producers.put(out, n);
            for (int i = 0; i < n.getInputCount(); i++) uses.computeIfAbsent(n.getInput(i), k -> new ArrayList<>()).add(new Use(n, i));
            if (n.getOpType().equals("Constant") && n.getOutputCount() == 1) {
                for (Attribute a : n.getAttributeList()) if (a.getName().equals("value") && a.hasT()) constants.put(n.getOutput(0), a.getT());
            }
        }
        if (!quantized.isEmpty()) {
            throw new MukiException(file + ": a quantized graph (" + quantized.get(0) + (quantized.size() > 1 ? " and " + (quantized.size() - 1)
                    + " more" : "") + "); muki imports float32 or float16 graphs only (for all-MiniLM-L6-v2: the artifact without -q)");
        }
        if (!fused.isEmpty()) {
            throw new MukiException(file + ": the graph uses fused operators outside ONNX's standard set (" + String.join(", ",
                    new TreeSet<>(fused)) + "), as ONNX Runtime's optimiser writes them; import the unoptimised export");
        }
    }

    /** Every initializer that is a BERT parameter, under its Hugging Face name, [out, in] for matrices. */
    private Map<String, HostTensor> parameters() {
        Map<String, HostTensor> params = new LinkedHashMap<>();
        Map<String, String> from = new HashMap<>();
        for (Tensor t : initializers.values()) {
            String name = t.getName();
            List<Use> readers = uses.getOrDefault(name, List.of());
            // x W with W stored [in, out]: MatMul's right operand, or Gemm's without transB.
            boolean rightOperand = readers.stream().anyMatch(u -> u.index() == 1 && (u.node().getOpType().equals("MatMul")
                    || (u.node().getOpType().equals("Gemm") && intAttribute(u.node(), "transB", 0) == 0)));
            String param = hfName(name);
            if (param == null && count(shape(t)) > 1) param = fromConsumer(readers); // one-element tensors are constants
            if (param == null) continue; // a shape constant, position ids, or a tensor no parameter needs
            if (!isFloat(t)) {
                if (param.endsWith("position_ids")) continue;
                throw new MukiException(file + ": tensor '" + name + "' (" + param + ") has element type " + typeName(t.getDataType())
                        + "; muki imports float32 weights (float16 is converted)");
            }
            HostTensor value = floats(t);
            int bad = org.muki.tensor.Finite.firstNonFinite(value.data());
            if (bad >= 0 && !HfCheckpoint.nonFiniteWeightsWarnOnly()) {
                throw new MukiException(file + ": tensor '" + name + "' (" + param + ") holds " + value.data()[bad] + " at element " + bad
                        + " (NaN or infinite weights are refused; MUKI_NONFINITE_WEIGHTS=warn loads them)");
            }
            if (rightOperand) value = transpose(name, value);
            String before = from.put(param, name);
            if (before != null) {
                throw new MukiException(file + ": tensors '" + before + "' and '" + name + "' both map to parameter '" + param + "'");
            }
            params.put(param, value);
        }
        return params;
    }

    private static long intAttribute(Node n, String name, long def) {
        for (Attribute a : n.getAttributeList()) if (a.getName().equals(name)) return a.getI();
        return def;
    }

    /** A Hugging Face parameter name as written, with or without "bert.", or null. */
    private static String hfName(String name) {
        String n = name.startsWith("bert.") ? name.substring(5) : name;
        if (!(n.startsWith("embeddings.") || n.startsWith("encoder.layer.") || n.startsWith("pooler.") || n.startsWith("classifier."))) {
            return null;
        }
        if (!(n.endsWith(".weight") || n.endsWith(".bias") || n.endsWith(".gamma") || n.endsWith(".beta") || n.endsWith("position_ids"))) {
            return null;
        }
        return canonical(n);
    }

    private static String canonical(String n) {
        return HfCheckpoint.canonicalName(n);
    }

    /** The parameter an anonymous initializer is, from the node that reads it, or null. */
    private String fromConsumer(List<Use> readers) {
        for (Use u : readers) {
            String module = modulePath(u.node());
            if (module == null) continue;
            String op = u.node().getOpType();
            String role = switch (op) {
                case "MatMul" -> u.index() == 1 ? "weight" : null;
                case "Gemm" -> u.index() == 1 ? "weight" : u.index() == 2 ? "bias" : null;
                case "Gather" -> u.index() == 0 ? "weight" : null;
                case "Add" -> "bias";
                case "Mul" -> module.endsWith("LayerNorm") ? "weight" : null;
                case "LayerNormalization" -> u.index() == 1 ? "weight" : u.index() == 2 ? "bias" : null;
                default -> null;
            };
            if (role != null) return canonical(module + "." + role);
        }
        return null;
    }

    /** "/encoder/layer.0/attention/self/query/MatMul" -> "encoder.layer.0.attention.self.query", or null. */
    private static String modulePath(Node n) {
        String path = n.getName();
        if (!path.startsWith("/") && n.getOutputCount() > 0) path = n.getOutput(0);
        if (!path.startsWith("/")) return null;
        int last = path.lastIndexOf('/');
        if (last <= 0) return null;
        String module = path.substring(1, last).replace('/', '.');
        return hfName(module + ".weight") == null ? null : module;
    }

    private static boolean isFloat(Tensor t) {
        return t.getDataType() == Tensor.ElementType.FLOAT_VALUE || t.getDataType() == Tensor.ElementType.FLOAT16_VALUE;
    }

    private static String typeName(int type) {
        Tensor.ElementType e = Tensor.ElementType.forNumber(type);
        return e == null ? "#" + type : e.name().toLowerCase(java.util.Locale.ROOT);
    }

    /** The tensor's shape, checked: non-negative dims whose product fits an array. */
    private int[] shape(Tensor t) {
        int[] shape = new int[t.getDimsCount()];
        long n = 1;
        for (int i = 0; i < shape.length; i++) {
            long d = t.getDims(i);
            if (d < 0 || d > Integer.MAX_VALUE) throw new MukiException(file + ": tensor '" + t.getName() + "' has dimension " + d);
            n *= d;
            if (n > Integer.MAX_VALUE - 8) {
                throw new MukiException(file + ": tensor '" + t.getName() + "' declares shape " + t.getDimsList() + ", too large for the file");
            }
            shape[i] = (int) d;
        }
        return shape;
    }

    private static int count(int[] shape) {
        int n = 1;
        for (int d : shape) n *= d;
        return n;
    }

    /** A float32 or float16 tensor as float32 values with its shape. */
    HostTensor floats(Tensor t) {
        int[] shape = shape(t);
        int n = count(shape);
        float[] out = new float[n];
        boolean half = t.getDataType() == Tensor.ElementType.FLOAT16_VALUE;
        if (t.hasRawData()) {
            int width = half ? 2 : 4;
            if (t.getRawData().size() != (long) n * width) {
                throw new MukiException(file + ": tensor '" + t.getName() + "' declares shape " + t.getDimsList() + " (" + n
                        + " values) but holds " + t.getRawData().size() + " bytes");
            }
            ByteBuffer b = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            if (half) {
                for (int i = 0; i < n; i++) out[i] = SafeTensors.halfToFloat(b.getShort(2 * i));
            } else {
                b.asFloatBuffer().get(out);
            }
        } else if (half) {
            // float16 values without raw_data sit in int32_data, one per element, in the low 16 bits.
            if (t.getInt32DataCount() != n) throw sizeMismatch(t, n, t.getInt32DataCount());
            for (int i = 0; i < n; i++) out[i] = SafeTensors.halfToFloat((short) t.getInt32Data(i));
        } else {
            if (t.getFloatDataCount() != n) throw sizeMismatch(t, n, t.getFloatDataCount());
            for (int i = 0; i < n; i++) out[i] = t.getFloatData(i);
        }
        return new HostTensor(out, shape.length == 0 ? new int[] {1} : shape);
    }

    private MukiException sizeMismatch(Tensor t, int expected, int got) {
        return new MukiException(file + ": tensor '" + t.getName() + "' declares shape " + t.getDimsList() + " (" + expected
                + " values) but holds " + got);
    }

    private HostTensor transpose(String name, HostTensor t) {
        if (t.shape().length != 2) throw new MukiException(file + ": tensor '" + name + "' multiplies as a matrix but has shape "
                + Arrays.toString(t.shape()));
        int rows = t.shape()[0], cols = t.shape()[1];
        float[] out = new float[rows * cols];
        float[] in = t.data();
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) out[j * rows + i] = in[i * cols + j];
        }
        return new HostTensor(out, new int[] {cols, rows});
    }

    private BertConfig config(Map<String, HostTensor> params, Integer userHeads) {
        String e = BertWeights.PREFIX + "embeddings.";
        HostTensor words = required(params, e + "word_embeddings.weight");
        HostTensor positions = required(params, e + "position_embeddings.weight");
        HostTensor types = params.get(e + "token_type_embeddings.weight");
        if (types == null) throw new MukiException(file + ": not BERT-shaped: " + missing(e + "token_type_embeddings.weight"));
        if (words.shape().length != 2) throw new MukiException(file + ": word embeddings have shape " + Arrays.toString(words.shape()));
        int hidden = words.shape()[1];
        int layers = 0;
        for (String p : params.keySet()) {
            if (p.startsWith(BertWeights.PREFIX + "encoder.layer.")) {
                String rest = p.substring((BertWeights.PREFIX + "encoder.layer.").length());
                try {
                    layers = Math.max(layers, Integer.parseInt(rest.substring(0, rest.indexOf('.'))) + 1);
                } catch (NumberFormatException | StringIndexOutOfBoundsException ex) {
                    throw new MukiException(file + ": parameter '" + p + "' has no layer number");
                }
            }
        }
        if (layers == 0) throw new MukiException(file + ": not BERT-shaped: no encoder layers (no tensor under encoder.layer.0)");
        HostTensor inter = required(params, BertWeights.layer(0, "intermediate.dense.weight"));
        int heads = heads(hidden, userHeads);
        float eps = epsilon();
        activation();
        List<String> labels = new ArrayList<>();
        HostTensor classifier = params.get("classifier.weight");
        if (classifier != null) for (int i = 0; i < classifier.shape()[0]; i++) labels.add("LABEL_" + i);
        notes.add("dropout rates are not part of an inference graph: hidden_dropout_prob and attention_probs_dropout_prob "
                + "0.1 (BERT's) are written to config.json");
        BertConfig c = new BertConfig(words.shape()[0], hidden, layers, heads, inter.shape()[0], positions.shape()[0],
                types.shape()[0], eps, 0.1f, 0.1f, 0.1f, labels);
        List<String> problems = c.problems();
        if (!problems.isEmpty()) throw new MukiException(file + ": " + problems.get(0));
        return c;
    }

    private HostTensor required(Map<String, HostTensor> params, String name) {
        HostTensor t = params.get(name);
        if (t == null) throw new MukiException(file + ": not BERT-shaped: " + missing(name));
        return t;
    }

    /** Nodes of the first encoder layer whose path starts with the given module path. */
    private List<Node> nodesUnder(String prefix) {
        List<Node> out = new ArrayList<>();
        for (Node n : graph.getNodeList()) {
            String path = n.getName().startsWith("/") ? n.getName() : n.getOutputCount() > 0 ? n.getOutput(0) : "";
            if (path.startsWith(prefix)) out.add(n);
        }
        return out;
    }

    /** Attention heads: from the reshape to [batch, seq, heads, head size], else the score scale, else --heads. */
    private int heads(int hidden, Integer userHeads) {
        Integer found = null;
        String how = null;
        for (Node n : nodesUnder("/encoder/layer.0/attention/self/")) {
            if (!n.getOpType().equals("Reshape") || n.getInputCount() < 2) continue;
            long[] dims = shapeValues(n.getInput(1));
            for (int i = 0; dims != null && i + 1 < dims.length; i++) {
                if (dims[i] > 0 && dims[i + 1] > 0 && dims[i] * dims[i + 1] == hidden && dims[i] < hidden) {
                    found = (int) dims[i];
                    how = "the attention's reshape to [.., " + dims[i] + ", " + dims[i + 1] + "]";
                    break;
                }
            }
            if (found != null) break;
        }
        if (found == null) {
            for (Node n : nodesUnder("/encoder/layer.0/attention/self/")) {
                if (!n.getOpType().equals("Div") && !n.getOpType().equals("Mul")) continue;
                for (String in : n.getInputList()) {
                    Double c = scalar(in);
                    if (c == null || !(c > 0)) continue;
                    double[] candidates = n.getOpType().equals("Div") ? new double[] {c * c} : new double[] {1 / (c * c), 1 / (c * c * c * c)};
                    for (double d : candidates) {
                        long dh = Math.round(d);
                        if (dh > 0 && Math.abs(d - dh) < 1e-3 * dh && hidden % dh == 0) {
                            found = (int) (hidden / dh);
                            how = "the attention's scale 1/sqrt(" + dh + ")";
                        }
                    }
                }
                if (found != null) break;
            }
        }
        if (userHeads != null) {
            if (found != null && !found.equals(userHeads)) {
                throw new MukiException("--heads " + userHeads + " disagrees with " + file + ", whose " + how + " gives " + found + " heads");
            }
            if (hidden % userHeads != 0) throw new MukiException("--heads " + userHeads + " does not divide the hidden size " + hidden);
            return userHeads;
        }
        if (found == null) {
            throw new MukiException(file + ": the number of attention heads is not readable from the graph (no reshape or scale "
                    + "constant in the first layer's attention); pass --heads N");
        }
        return found;
    }

    /** The integer values a Reshape's shape input takes when they are constants (a Concat of constants counts), or null. */
    private long[] shapeValues(String value) {
        long[] whole = ints(value);
        if (whole != null) return whole;
        Node concat = producers.get(value);
        if (concat == null || !concat.getOpType().equals("Concat")) return null;
        long[] out = new long[concat.getInputCount()];
        for (int i = 0; i < out.length; i++) {
            long[] part = ints(concat.getInput(i));
            out[i] = part != null && part.length == 1 ? part[0] : -1; // -1: computed at run time (batch, sequence)
        }
        return out;
    }

    private Tensor constant(String value) {
        Tensor t = constants.get(value);
        return t != null ? t : initializers.get(value);
    }

    private long[] ints(String value) {
        Tensor t = constant(value);
        if (t == null || t.getDataType() != Tensor.ElementType.INT64_VALUE) return null;
        int n = count(shape(t));
        long[] out = new long[n];
        if (t.hasRawData()) {
            if (t.getRawData().size() != 8L * n) return null;
            ByteBuffer b = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < n; i++) out[i] = b.getLong(8 * i);
        } else {
            if (t.getInt64DataCount() != n) return null;
            for (int i = 0; i < n; i++) out[i] = t.getInt64Data(i);
        }
        return out;
    }

    /** A one-element floating-point constant, or null. */
    private Double scalar(String value) {
        Tensor t = constant(value);
        if (t == null || !isFloat(t) || count(shape(t)) != 1) return null;
        return (double) floats(t).data()[0];
    }

    /** The LayerNorm epsilon of the embeddings' LayerNorm (every LayerNorm of BERT shares it). */
    private float epsilon() {
        for (Node n : nodesUnder("/embeddings/LayerNorm/")) {
            if (n.getOpType().equals("LayerNormalization")) {
                for (Attribute a : n.getAttributeList()) if (a.getName().equals("epsilon")) return a.getF();
                return 1e-5f; // the operator's default
            }
        }
        for (Node n : nodesUnder("/embeddings/LayerNorm/")) {
            if (!n.getOpType().equals("Add")) continue;
            for (String in : n.getInputList()) {
                Node from = producers.get(in);
                Double c = scalar(in);
                if (c != null && c > 0 && c < 1e-2) return c.floatValue();
                if (from != null && from.getOpType().equals("ReduceMean")) {
                    for (String other : n.getInputList()) {
                        Double e = scalar(other);
                        if (e != null) return e.floatValue();
                    }
                }
            }
        }
        notes.add("no LayerNorm epsilon found in the graph: layer_norm_eps 1e-12 (BERT's) is written");
        return 1e-12f;
    }

    /** Checks that the feed-forward uses BERT's exact (erf) GELU. */
    private void activation() {
        Set<String> ops = new TreeSet<>();
        for (Node n : nodesUnder("/encoder/layer.0/intermediate/")) ops.add(n.getOpType());
        if (ops.contains("Erf")) return;
        for (Node n : nodesUnder("/encoder/layer.0/intermediate/")) {
            if (n.getOpType().equals("Gelu")) {
                for (Attribute a : n.getAttributeList()) {
                    if (a.getName().equals("approximate") && a.getS().toStringUtf8().equals("tanh")) {
                        throw new MukiException(file + ": the feed-forward uses GELU's tanh approximation (gelu_new); muki implements "
                                + "the exact GELU only");
                    }
                }
                return;
            }
        }
        if (ops.contains("Tanh")) {
            throw new MukiException(file + ": the feed-forward uses GELU's tanh approximation (gelu_new); muki implements the exact GELU only");
        }
        if (ops.contains("Relu")) throw new MukiException(file + ": the feed-forward uses ReLU; muki implements BERT's GELU only");
        throw new MukiException(file + ": cannot tell the feed-forward's activation (no Erf or Gelu node under "
                + "/encoder/layer.0/intermediate/)");
    }
}
