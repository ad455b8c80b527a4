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
import org.muki.data.ModelInputs;
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
        Path modelDir = org.muki.io.Pretrained.resolve(args.required("model"), CliLog::line);
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
        WordPieceTokenizer tokenizer = ckpt.vocab() == null ? null : ckpt.textTokenizer(modelDir);
        ModelInputs inputs = ModelInputs.read(lines, inputFile.toString(), tokenizer, maxLength, "text input needs "
                + modelDir.resolve(HfCheckpoint.VOCAB) + " or " + HfCheckpoint.TOKENIZER_JSON + ", and the model directory has neither");
        int n = inputs.size();

        ByteArrayOutputStream result = new ByteArrayOutputStream();
        try (Ops ops = Backends.create(args.string("backend", "java"), threads)) {
            BertModel model = new BertModel(config, ckpt.weights(), ops);
            int c = config.numLabels();
            for (int start = 0; start < n; start += batchSize) {
                int end = Math.min(n, start + batchSize);
                Batch batch = inputs.batch(start, end);
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
}
