package org.muki.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.muki.MukiException;
import org.muki.integration.Uncertainty;
import org.muki.io.AtomicFiles;
import org.muki.io.HfCheckpoint;
import org.muki.io.Json;
import org.muki.io.JsonLines;
import org.muki.model.Batch;
import org.muki.model.BertConfig;
import org.muki.model.BertModel;
import org.muki.tensor.Backends;
import org.muki.tensor.Ops;
import org.muki.text.WordPieceTokenizer;

/**
 * ./muki predict: logits, probabilities and label of every input line, in input order; with
 * --mc-samples K also the Monte-Carlo mean probabilities, normalised uncertainty and score.
 * Dropout masks are keyed by the input line's index, so batching never changes a result.
 */
final class PredictCommand {
    private PredictCommand() {}

    static int run(String[] argv) throws IOException {
        Args args = Args.parse("predict", argv, 1,
                Set.of("model", "input", "output", "backend", "mc-samples", "seed", "dropout", "attention-dropout",
                        "batch-size", "max-length", "threads"),
                Set.of("overwrite"));
        Path modelDir = Path.of(args.required("model"));
        Path inputFile = Path.of(args.required("input"));
        String output = args.string("output", null);
        if (output != null && Files.exists(Path.of(output)) && !args.flag("overwrite")) {
            throw new MukiException("predict: " + output + " exists (pass --overwrite to replace it)");
        }
        int samples = args.integer("mc-samples", 0, 1);
        long seed = args.longValue("seed", 0L);
        int batchSize = args.integer("batch-size", 32, 1);
        int threads = args.integer("threads", Runtime.getRuntime().availableProcessors(), 1);

        HfCheckpoint ckpt = HfCheckpoint.load(modelDir);
        BertConfig config = ckpt.config();
        if (config.numLabels() == 0) throw new MukiException(modelDir + ": has no classifier head (an encoder cannot predict)");
        float hiddenP = (float) args.number("dropout", config.hiddenDropout(), 0, 1);
        float attentionP = (float) args.number("attention-dropout", config.attentionDropout(), 0, 1);
        int maxLength = args.integer("max-length", config.maxPositions(), 2);
        if (maxLength > config.maxPositions()) {
            throw new MukiException("predict: --max-length " + maxLength + " exceeds max_position_embeddings " + config.maxPositions());
        }

        List<JsonLines.Line> lines;
        try (InputStream in = open(inputFile)) {
            lines = JsonLines.read(in, inputFile.toString());
        }
        WordPieceTokenizer tokenizer = ckpt.vocab() == null ? null
                : new WordPieceTokenizer(ckpt.vocab(), lowerCase(modelDir));
        int n = lines.size();
        int[][] ids = new int[n][], types = new int[n][], masks = new int[n][];
        for (int i = 0; i < n; i++) {
            parseLine(lines.get(i), inputFile.toString(), tokenizer, maxLength, modelDir, ids, types, masks, i);
        }

        ByteArrayOutputStream result = new ByteArrayOutputStream();
        try (Ops ops = Backends.create(args.string("backend", "java"), threads)) {
            BertModel model = new BertModel(config, ckpt.weights(), ops);
            int c = config.numLabels();
            for (int start = 0; start < n; start += batchSize) {
                int end = Math.min(n, start + batchSize);
                int[] keys = new int[end - start];
                for (int i = start; i < end; i++) keys[i - start] = i;
                Batch batch = Batch.pad(java.util.Arrays.copyOfRange(ids, start, end),
                        java.util.Arrays.copyOfRange(types, start, end), java.util.Arrays.copyOfRange(masks, start, end), keys);
                float[] logits = model.logits(batch);
                float[] mc = samples > 0 ? model.mcLogits(batch, samples, seed, hiddenP, attentionP) : null;
                for (int b = 0; b < batch.size(); b++) {
                    ObjectNode o = Json.MAPPER.createObjectNode();
                    ArrayNode l = o.putArray("logits");
                    for (int j = 0; j < c; j++) l.add(logits[b * c + j]);
                    double[] p = new double[c];
                    Uncertainty.softmax(logits, b * c, c, p, 0);
                    ArrayNode pa = o.putArray("probs");
                    int best = 0;
                    for (int j = 0; j < c; j++) {
                        pa.add(p[j]);
                        if (p[j] > p[best]) best = j;
                    }
                    o.put("label", config.labels().get(best));
                    if (mc != null) {
                        double[] mean = Uncertainty.meanProbs(mc, b * samples, samples, c);
                        ArrayNode ma = o.putArray("mc_probs");
                        for (double v : mean) ma.add(v);
                        double u = Uncertainty.normalizedEntropy(mean);
                        o.put("uncertainty", u);
                        o.put("score", 1.0 - u);
                    }
                    result.write(Json.MAPPER.writeValueAsBytes(o));
                    result.write('\n');
                }
            }
        }
        if (output == null) {
            result.writeTo(System.out);
            System.out.flush();
        } else {
            AtomicFiles.write(Path.of(output), result::writeTo);
        }
        return 0;
    }

    static InputStream open(Path p) {
        try {
            return Files.newInputStream(p);
        } catch (IOException e) {
            throw new MukiException(p + ": cannot read (" + e.getMessage() + ")");
        }
    }

    /** do_lower_case from tokenizer_config.json when the directory has one; uncased otherwise. */
    static boolean lowerCase(Path modelDir) {
        Path f = modelDir.resolve("tokenizer_config.json");
        if (!Files.isRegularFile(f)) return true;
        JsonNode v = Json.read(f).get("do_lower_case");
        if (v == null || v.isNull()) return true;
        if (!v.isBoolean()) throw new MukiException(f + ": do_lower_case must be true or false");
        return v.asBoolean();
    }

    private static void parseLine(JsonLines.Line line, String file, WordPieceTokenizer tokenizer, int maxLength,
                                  Path modelDir, int[][] ids, int[][] types, int[][] masks, int i) {
        String where = file + ":" + line.number();
        JsonNode o = line.value();
        JsonNode text = o.get("text"), pair = o.get("text_pair"), inputIds = o.get("input_ids");
        if (text != null && inputIds != null) throw new MukiException(where + ": give either \"text\" or \"input_ids\", not both");
        if (text != null) {
            if (!text.isTextual()) throw new MukiException(where + ": \"text\" must be a string");
            if (pair != null && !pair.isNull() && !pair.isTextual()) throw new MukiException(where + ": \"text_pair\" must be a string");
            if (tokenizer == null) {
                throw new MukiException(where + ": text input needs " + modelDir.resolve(HfCheckpoint.VOCAB) + ", which is missing");
            }
            var enc = tokenizer.encode(text.asText(), pair == null || pair.isNull() ? null : pair.asText(), maxLength);
            ids[i] = enc.ids();
            types[i] = enc.typeIds();
            masks[i] = new int[ids[i].length];
            java.util.Arrays.fill(masks[i], 1);
            return;
        }
        if (inputIds == null) throw new MukiException(where + ": needs \"text\" or \"input_ids\"");
        ids[i] = intArray(inputIds, where, "input_ids", -1);
        if (ids[i].length == 0) throw new MukiException(where + ": \"input_ids\" is empty");
        if (ids[i].length > maxLength) {
            throw new MukiException(where + ": " + ids[i].length + " input_ids exceed the maximum length " + maxLength);
        }
        JsonNode t = o.get("token_type_ids"), m = o.get("attention_mask");
        types[i] = t == null ? new int[ids[i].length] : intArray(t, where, "token_type_ids", ids[i].length);
        if (m == null) {
            masks[i] = new int[ids[i].length];
            java.util.Arrays.fill(masks[i], 1);
        } else {
            masks[i] = intArray(m, where, "attention_mask", ids[i].length);
            for (int v : masks[i]) if (v != 0 && v != 1) throw new MukiException(where + ": \"attention_mask\" values must be 0 or 1");
        }
    }

    private static int[] intArray(JsonNode node, String where, String field, int expectedLength) {
        if (!node.isArray()) throw new MukiException(where + ": \"" + field + "\" must be an array of integers");
        if (expectedLength >= 0 && node.size() != expectedLength) {
            throw new MukiException(where + ": \"" + field + "\" has " + node.size() + " values, input_ids has " + expectedLength);
        }
        List<Integer> vals = new ArrayList<>();
        for (JsonNode v : node) {
            if (!v.isIntegralNumber() || !v.canConvertToInt()) throw new MukiException(where + ": \"" + field + "\" holds a non-integer " + v);
            vals.add(v.asInt());
        }
        return vals.stream().mapToInt(Integer::intValue).toArray();
    }
}
