package org.muki.pipeline;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.muki.Listener;
import org.muki.MukiException;
import org.muki.data.ModelInputs;
import org.muki.io.AtomicFiles;
import org.muki.io.HfCheckpoint;
import org.muki.io.Json;
import org.muki.io.JsonLines;
import org.muki.model.Pooling;

/**
 * predict and embed over JSON Lines: each input line is text ({"text", "text_pair"?}) or
 * pre-tokenized ({"input_ids", "attention_mask"?, "token_type_ids"?}); each output line, in input
 * order, is a prediction ({"logits", "probs", "label"} and with MC dropout "mc_probs",
 * "uncertainty", "score") or an embedding ({"embedding"}). Dropout masks are keyed by the input
 * line's index (0-based), so batching never changes a result.
 */
public final class Predict {
    private Predict() {}

    /** mc null: no Monte-Carlo passes; maxLength null: the model's max_position_embeddings. */
    public record Request(String model, Path input, McOptions mc, int batchSize, Integer maxLength, Compute compute) {}

    /** pooling and normalize as embed's --pooling and --normalize. */
    public record EmbedRequest(String model, Path input, Pooling pooling, boolean normalize, int batchSize, Integer maxLength,
                               Compute compute) {}

    /** Predictions written to out; returns the number of lines. */
    public static int predict(Request r, OutputStream out, Listener listener) throws IOException {
        try (Predictor p = new Predictor(r.model(), r.compute(), listener)) {
            ModelInputs inputs = inputs(r.input(), p, r.maxLength());
            int[] keys = new int[inputs.size()];
            for (int i = 0; i < keys.length; i++) keys[i] = i;
            List<Predictor.Prediction> preds = p.predict(inputs, keys, r.mc(), r.batchSize());
            for (Predictor.Prediction pr : preds) {
                out.write(Json.MAPPER.writeValueAsBytes(json(pr)));
                out.write('\n');
            }
            out.flush();
            return preds.size();
        }
    }

    /** Embeddings written to out; returns the number of lines. */
    public static int embed(EmbedRequest r, OutputStream out, Listener listener) throws IOException {
        try (Predictor p = new Predictor(r.model(), r.compute(), listener)) {
            ModelInputs inputs = inputs(r.input(), p, r.maxLength());
            float[][] vectors = p.embed(inputs, r.pooling(), r.normalize(), r.batchSize());
            for (float[] v : vectors) {
                out.write(Json.MAPPER.writeValueAsBytes(embeddingJson(v)));
                out.write('\n');
            }
            out.flush();
            return vectors.length;
        }
    }

    /** A prediction as predict writes it: logits, probs, label; with MC dropout mc_probs, uncertainty and score. */
    public static ObjectNode json(Predictor.Prediction pr) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        ArrayNode l = o.putArray("logits");
        for (float v : pr.logits()) l.add(v);
        ArrayNode pa = o.putArray("probs");
        for (double v : pr.probs()) pa.add(v);
        o.put("label", pr.label());
        if (pr.mcProbs() != null) {
            ArrayNode ma = o.putArray("mc_probs");
            for (double v : pr.mcProbs()) ma.add(v);
            o.put("uncertainty", pr.uncertainty());
            o.put("score", pr.score());
        }
        return o;
    }

    /** An embedding as embed writes it: {"embedding": [...]}. */
    public static ObjectNode embeddingJson(float[] v) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        ArrayNode a = o.putArray("embedding");
        for (float x : v) a.add(x);
        return o;
    }

    /** Writes through a temporary sibling and a rename (never half a file); refuses to replace a file unless overwrite. */
    public static void toFile(Path file, boolean overwrite, AtomicFiles.Writer writer) {
        if (Files.exists(file) && !overwrite) throw new MukiException(file + " exists (pass --overwrite to replace it)");
        AtomicFiles.write(file, writer);
    }

    private static ModelInputs inputs(Path input, Predictor p, Integer maxLength) throws IOException {
        int max = p.maxLength(maxLength);
        List<JsonLines.Line> lines;
        String name = input == null ? "<stdin>" : input.toString();
        try (InputStream in = input == null ? System.in : open(input)) {
            lines = JsonLines.read(in, name);
        }
        return ModelInputs.read(lines, name, p.tokenizer(), max, "text input needs " + p.dir().resolve(HfCheckpoint.VOCAB) + " or "
                + HfCheckpoint.TOKENIZER_JSON + ", and the model directory has neither");
    }

    /** Opens a file, or fails with one line naming it. */
    public static InputStream open(Path p) {
        try {
            return Files.newInputStream(p);
        } catch (IOException e) {
            throw new MukiException(p + ": cannot read (" + e.getMessage() + ")");
        }
    }
}
