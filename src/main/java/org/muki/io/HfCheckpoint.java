package org.muki.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.muki.MukiException;
import org.muki.model.BertConfig;
import org.muki.model.BertWeights;
import org.muki.model.HostTensor;
import org.muki.tensor.Finite;
import org.muki.text.TokenizerJson;
import org.muki.text.TokenizerOptions;
import org.muki.text.Vocab;
import org.muki.text.WordPieceTokenizer;

/**
 * A Hugging Face model directory: config.json, model.safetensors and (optionally) the tokenizer:
 * vocab.txt with tokenizer_config.json (transformers' Python BertTokenizer), and/or
 * tokenizer.json (the Rust tokenizers library; it wins where both are present, and both must
 * then hold the same vocabulary). Names are Hugging Face's; a checkpoint of BertModel (no "bert."
 * prefix, no classifier, with or without a pooler) loads as an encoder, old LayerNorm.gamma/beta
 * names are accepted, and fields of config.json that this project does not use are kept and
 * written back unchanged.
 *
 * @param configJson    the config.json as read (or as it will be written)
 * @param vocab         null when the directory has neither vocab.txt nor tokenizer.json
 * @param tokenizer     how text is tokenized (null without a vocabulary)
 * @param tokenizerJson the bytes of tokenizer.json, written back on save, or null
 */
public record HfCheckpoint(BertConfig config, BertWeights weights, ObjectNode configJson, Vocab vocab, TokenizerOptions tokenizer,
                           byte[] tokenizerJson) {
    private static final System.Logger LOG = System.getLogger(HfCheckpoint.class.getName());


    public static final String CONFIG = "config.json";
    public static final String WEIGHTS = "model.safetensors";
    public static final String VOCAB = "vocab.txt";
    public static final String TOKENIZER_JSON = "tokenizer.json";
    public static final String TOKENIZER_CONFIG = "tokenizer_config.json";

    /** A checkpoint with a vocab.txt tokenizer (uncased), or none when vocab is null. */
    public HfCheckpoint(BertConfig config, BertWeights weights, ObjectNode configJson, Vocab vocab) {
        this(config, weights, configJson, vocab, vocab == null ? null : TokenizerOptions.bert(true), null);
    }

    /** The same checkpoint with other weights (a trained model from its starting point). */
    public HfCheckpoint withWeights(BertConfig c, BertWeights w) {
        return new HfCheckpoint(c, w, configJson, vocab, tokenizer, tokenizerJson);
    }

    /** The model's tokenizer; refused when the directory has no vocabulary. */
    public WordPieceTokenizer textTokenizer(Path dir) {
        if (vocab == null) {
            throw new MukiException(dir + ": text input needs " + VOCAB + " or " + TOKENIZER_JSON + ", and the directory has neither");
        }
        return new WordPieceTokenizer(vocab, tokenizer);
    }

    /** do_lower_case from a directory's tokenizer_config.json; uncased when it has none. */
    public static boolean lowerCase(Path dir) {
        Path f = dir.resolve(TOKENIZER_CONFIG);
        if (!Files.isRegularFile(f)) return true;
        JsonNode v = Json.read(f).get("do_lower_case");
        if (v == null || v.isNull()) return true;
        if (!v.isBoolean()) throw new MukiException(f + ": do_lower_case must be true or false");
        return v.asBoolean();
    }

    /** Buffers and heads that a classifier does not use; skipped without a warning. */
    private static boolean knownUnused(String name) {
        return name.endsWith("embeddings.position_ids") || name.startsWith("cls.");
    }

    /** MUKI_NONFINITE_WEIGHTS: refuse (the default) or warn about NaN/infinite weights. */
    public static boolean nonFiniteWeightsWarnOnly() {
        String policy = System.getenv().getOrDefault("MUKI_NONFINITE_WEIGHTS", "refuse");
        return switch (policy) {
            case "refuse" -> false;
            case "warn" -> true;
            default -> throw new MukiException("MUKI_NONFINITE_WEIGHTS: '" + policy + "' is not refuse or warn");
        };
    }

    private static void checkFinite(Path file, String tensor, float[] data, boolean warnOnly) {
        int first = Finite.firstNonFinite(data);
        if (first < 0) return;
        int bad = 0;
        for (int i = first; i < data.length; i++) if (!Float.isFinite(data[i])) bad++;
        String what = file + ": tensor '" + tensor + "' holds " + data[first] + " at element " + first
                + (bad > 1 ? " and " + (bad - 1) + " more non-finite value(s)" : "");
        if (!warnOnly) {
            throw new MukiException(what + " (NaN or infinite weights are refused; MUKI_NONFINITE_WEIGHTS=warn loads them)");
        }
        LOG.log(System.Logger.Level.WARNING, what + " (loaded because MUKI_NONFINITE_WEIGHTS=warn)");
    }

    public static HfCheckpoint load(Path dir) {
        if (!Files.isDirectory(dir)) throw new MukiException(dir + ": not a model directory");
        Path configFile = dir.resolve(CONFIG);
        if (!Files.isRegularFile(configFile)) throw new MukiException(configFile + ": missing");
        JsonNode node = Json.read(configFile);
        if (!node.isObject()) throw new MukiException(configFile + ": not a JSON object");
        ObjectNode json = (ObjectNode) node;
        Path weightsFile = dir.resolve(WEIGHTS);
        if (!Files.isRegularFile(weightsFile)) {
            if (Files.isRegularFile(dir.resolve("pytorch_model.bin"))) {
                throw new MukiException(weightsFile + ": missing; the directory has pytorch_model.bin, convert it with "
                        + "tools/convert_bin_to_safetensors.py");
            }
            throw new MukiException(weightsFile + ": missing");
        }
        boolean warnOnly = nonFiniteWeightsWarnOnly();
        SafeTensors st = SafeTensors.open(weightsFile);
        try {
            Map<String, String> canonical = new LinkedHashMap<>();
            for (String name : st.entries().keySet()) {
                String c = canonicalName(name);
                if (canonical.put(c, name) != null) {
                    throw new MukiException(weightsFile + ": tensors '" + name + "' and '" + canonical.get(c)
                            + "' name the same parameter");
                }
            }
            boolean hasHead = canonical.containsKey("classifier.weight");
            boolean hasPooler = hasHead || canonical.containsKey(BertWeights.PREFIX + "pooler.dense.weight");
            List<String> labels = hasHead ? labels(configFile, json, st.entries().get(canonical.get("classifier.weight")))
                    : List.of();
            BertConfig config = parseConfig(configFile, json, labels);
            // Checked before listing the expected tensors: a huge layer count must not exhaust memory.
            long layerTensors = (long) BertWeights.TENSORS_PER_LAYER * config.numLayers();
            if (layerTensors > canonical.size()) {
                throw new MukiException(configFile + ": num_hidden_layers " + config.numLayers() + " needs " + layerTensors
                        + " layer tensors but " + weightsFile.getFileName() + " holds " + canonical.size() + " tensors in all");
            }
            Map<String, HostTensor> tensors = new LinkedHashMap<>();
            for (var e : BertWeights.expectedShapes(config, hasPooler, hasHead).entrySet()) {
                String stored = canonical.remove(e.getKey());
                if (stored == null) throw new MukiException(weightsFile + ": missing tensor '" + e.getKey() + "'");
                int[] shape = st.entries().get(stored).shape();
                if (!Arrays.equals(shape, e.getValue())) {
                    throw new MukiException(weightsFile + ": tensor '" + stored + "' has shape " + Arrays.toString(shape)
                            + " but " + CONFIG + " implies " + Arrays.toString(e.getValue()));
                }
                HostTensor t = st.readFloat(stored);
                checkFinite(weightsFile, stored, t.data(), warnOnly);
                tensors.put(e.getKey(), t);
            }
            List<String> unused = new ArrayList<>();
            for (String stored : canonical.values()) if (!knownUnused(stored)) unused.add(stored);
            if (!unused.isEmpty()) {
                LOG.log(System.Logger.Level.WARNING, weightsFile + ": ignoring " + unused.size()
                        + " tensor(s) a BERT classifier does not use: " + String.join(", ", unused.subList(0, Math.min(5, unused.size())))
                        + (unused.size() > 5 ? ", ..." : ""));
            }
            Path vocabFile = dir.resolve(VOCAB), tokenizerFile = dir.resolve(TOKENIZER_JSON);
            Vocab vocab = Files.isRegularFile(vocabFile) ? Vocab.load(vocabFile) : null;
            TokenizerOptions options = vocab == null ? null : TokenizerOptions.bert(lowerCase(dir));
            byte[] tokenizerJson = null;
            if (Files.isRegularFile(tokenizerFile)) {
                TokenizerJson tj = TokenizerJson.read(tokenizerFile);
                if (vocab != null) {
                    for (int i = 0; i < Math.max(vocab.size(), tj.vocab().size()); i++) {
                        String a = i < vocab.size() ? vocab.token(i) : "(none)", b = i < tj.vocab().size() ? tj.vocab().token(i) : "(none)";
                        if (!a.equals(b)) {
                            throw new MukiException(tokenizerFile + ": its vocabulary differs from " + VOCAB + " at id " + i + " ('"
                                    + b + "' against '" + a + "')");
                        }
                    }
                }
                vocab = tj.vocab();
                options = tj.options();
                try {
                    tokenizerJson = Files.readAllBytes(tokenizerFile);
                } catch (IOException e) {
                    throw new MukiException(tokenizerFile + ": cannot read (" + e.getMessage() + ")");
                }
            }
            if (vocab != null && vocab.size() != config.vocabSize()) {
                throw new MukiException((tokenizerJson != null ? tokenizerFile : vocabFile) + ": " + vocab.size()
                        + " tokens but " + CONFIG + " has vocab_size " + config.vocabSize());
            }
            return new HfCheckpoint(config, new BertWeights(tensors), json, vocab, options, tokenizerJson);
        } finally {
            st.close();
        }
    }

    /** Maps BertModel names (no prefix) and TF-era LayerNorm names onto BertForSequenceClassification's. */
    public static String canonicalName(String name) {
        String n = name.replace("LayerNorm.gamma", "LayerNorm.weight").replace("LayerNorm.beta", "LayerNorm.bias");
        if (n.startsWith("embeddings.") || n.startsWith("encoder.") || n.startsWith("pooler.")) n = BertWeights.PREFIX + n;
        return n;
    }

    private static List<String> labels(Path configFile, ObjectNode json, SafeTensors.Entry classifier) {
        int rows = classifier.shape().length == 2 ? classifier.shape()[0] : -1;
        JsonNode id2label = json.get("id2label");
        if (id2label == null || id2label.isNull()) {
            List<String> out = new ArrayList<>();
            for (int i = 0; i < rows; i++) out.add("LABEL_" + i);
            return out;
        }
        if (!id2label.isObject()) throw new MukiException(configFile + ": id2label is not an object");
        String[] names = new String[id2label.size()];
        var it = id2label.fields();
        while (it.hasNext()) {
            var e = it.next();
            int id;
            try {
                id = Integer.parseInt(e.getKey());
            } catch (NumberFormatException ex) {
                throw new MukiException(configFile + ": id2label key '" + e.getKey() + "' is not an integer");
            }
            if (id < 0 || id >= names.length) {
                throw new MukiException(configFile + ": id2label ids must be 0.." + (names.length - 1) + ", found " + id);
            }
            if (!e.getValue().isTextual()) throw new MukiException(configFile + ": id2label[" + id + "] is not a string");
            // "1", "01" and "+1" all parse to 1: a second spelling of an id would leave another id unnamed
            if (names[id] != null) throw new MukiException(configFile + ": id2label gives id " + id + " twice (key '" + e.getKey() + "')");
            names[id] = e.getValue().asText();
        }
        if (names.length != rows) {
            throw new MukiException(configFile + ": id2label has " + names.length + " labels but the classifier has "
                    + rows + " outputs");
        }
        List<String> labels = List.of(names);
        if (new java.util.HashSet<>(labels).size() != labels.size()) {
            throw new MukiException(configFile + ": id2label names a label twice");
        }
        JsonNode label2id = json.get("label2id");
        if (label2id != null && label2id.isObject()) {
            for (int i = 0; i < names.length; i++) {
                JsonNode id = label2id.get(names[i]);
                if (id == null || !id.canConvertToInt() || id.asInt() != i) {
                    throw new MukiException(configFile + ": label2id['" + names[i] + "'] disagrees with id2label (" + i + ")");
                }
            }
        }
        return labels;
    }

    /** A BERT config.json (e.g. one of models/*.json) for a model with the given labels. */
    public static BertConfig readConfig(Path file, List<String> labels) {
        JsonNode node = Json.read(file);
        if (!node.isObject()) throw new MukiException(file + ": not a JSON object");
        return parseConfig(file, (ObjectNode) node, labels);
    }

    private static BertConfig parseConfig(Path file, ObjectNode json, List<String> labels) {
        String modelType = text(file, json, "model_type", "bert");
        if (!modelType.equals("bert")) throw new MukiException(file + ": model_type '" + modelType + "' is not supported (bert only)");
        String act = text(file, json, "hidden_act", "gelu");
        if (!act.equals("gelu")) throw new MukiException(file + ": hidden_act '" + act + "' is not supported (gelu only)");
        String pos = text(file, json, "position_embedding_type", "absolute");
        if (!pos.equals("absolute")) throw new MukiException(file + ": position_embedding_type '" + pos + "' is not supported");
        float hiddenDrop = number(file, json, "hidden_dropout_prob", 0.1);
        JsonNode cd = json.get("classifier_dropout");
        float classDrop = cd == null || cd.isNull() ? hiddenDrop : number(file, json, "classifier_dropout", 0.1);
        BertConfig c = new BertConfig(
                integer(file, json, "vocab_size", 30522), integer(file, json, "hidden_size", 768),
                integer(file, json, "num_hidden_layers", 12), integer(file, json, "num_attention_heads", 12),
                integer(file, json, "intermediate_size", 3072), integer(file, json, "max_position_embeddings", 512),
                integer(file, json, "type_vocab_size", 2), number(file, json, "layer_norm_eps", 1e-12),
                hiddenDrop, number(file, json, "attention_probs_dropout_prob", 0.1), classDrop, labels);
        List<String> problems = c.problems();
        if (!problems.isEmpty()) throw new MukiException(file + ": " + problems.get(0));
        return c;
    }

    private static String text(Path file, ObjectNode json, String field, String def) {
        JsonNode n = json.get(field);
        if (n == null || n.isNull()) return def;
        if (!n.isTextual()) throw new MukiException(file + ": " + field + " must be a string");
        return n.asText();
    }

    private static int integer(Path file, ObjectNode json, String field, int def) {
        JsonNode n = json.get(field);
        if (n == null || n.isNull()) return def;
        if (!n.isIntegralNumber() || !n.canConvertToInt()) throw new MukiException(file + ": " + field + " must be an integer, got " + n);
        return n.asInt();
    }

    private static float number(Path file, ObjectNode json, String field, double def) {
        JsonNode n = json.get(field);
        if (n == null || n.isNull()) return (float) def;
        if (!n.isNumber()) throw new MukiException(file + ": " + field + " must be a number, got " + n);
        return (float) n.asDouble();
    }

    /** The config.json for a model: the original fields kept, the model's own fields set. */
    public static ObjectNode configJson(BertConfig c, ObjectNode original) {
        ObjectNode j = original == null ? Json.MAPPER.createObjectNode() : original.deepCopy();
        j.putArray("architectures").add(c.numLabels() > 0 ? "BertForSequenceClassification" : "BertModel");
        j.put("model_type", "bert");
        j.put("vocab_size", c.vocabSize());
        j.put("hidden_size", c.hiddenSize());
        j.put("num_hidden_layers", c.numLayers());
        j.put("num_attention_heads", c.numHeads());
        j.put("intermediate_size", c.intermediateSize());
        j.put("hidden_act", "gelu");
        j.put("hidden_dropout_prob", c.hiddenDropout());
        j.put("attention_probs_dropout_prob", c.attentionDropout());
        j.put("classifier_dropout", c.classifierDropout());
        j.put("max_position_embeddings", c.maxPositions());
        j.put("type_vocab_size", c.typeVocabSize());
        j.put("layer_norm_eps", c.layerNormEps());
        if (!j.has("pad_token_id")) j.put("pad_token_id", 0);
        if (!j.has("position_embedding_type")) j.put("position_embedding_type", "absolute");
        if (c.numLabels() > 0) {
            ObjectNode id2label = j.putObject("id2label");
            ObjectNode label2id = j.putObject("label2id");
            for (int i = 0; i < c.numLabels(); i++) {
                id2label.put(Integer.toString(i), c.labels().get(i));
                label2id.put(c.labels().get(i), i);
            }
        }
        return j;
    }

    /**
     * Writes config.json, model.safetensors (F32) and the tokenizer (vocab.txt with
     * tokenizer_config.json, and tokenizer.json when the checkpoint has one) into dir;
     * modelMaxLength, when given, goes into tokenizer_config.json.
     */
    public void save(Path dir, Integer modelMaxLength) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new MukiException(dir + ": cannot create (" + e.getMessage() + ")");
        }
        ObjectNode json = configJson(config, configJson);
        Map<String, HostTensor> ordered = new LinkedHashMap<>();
        for (String name : weights.expectedShapes(config).keySet()) ordered.put(name, weights.get(name));
        SafeTensors.write(dir.resolve(WEIGHTS), ordered);
        AtomicFiles.write(dir.resolve(CONFIG), out -> out.write(
                Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(json)));
        if (vocab != null) {
            vocab.save(dir.resolve(VOCAB));
            ObjectNode tc = Json.MAPPER.createObjectNode().put("do_lower_case", tokenizer.lowerCase());
            if (tokenizer.stripAccents() != tokenizer.lowerCase()) tc.put("strip_accents", tokenizer.stripAccents());
            if (modelMaxLength != null) tc.put("model_max_length", modelMaxLength);
            tc.put("tokenizer_class", "BertTokenizer");
            AtomicFiles.write(dir.resolve(TOKENIZER_CONFIG), out -> out.write(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(tc)));
        }
        if (tokenizerJson != null) AtomicFiles.write(dir.resolve(TOKENIZER_JSON), out -> out.write(tokenizerJson));
    }

    public void save(Path dir) {
        save(dir, null);
    }
}
