package org.muki.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.muki.MukiException;
import org.muki.data.ModelInputs;
import org.muki.io.AtomicFiles;
import org.muki.io.HfCheckpoint;
import org.muki.io.Json;
import org.muki.io.JsonLines;
import org.muki.io.Pretrained;
import org.muki.model.BertModel;
import org.muki.model.Pooling;
import org.muki.tensor.Backends;
import org.muki.tensor.Ops;

/**
 * ./muki embed: one sentence embedding per input line, in input order: the mean of the final
 * hidden states over the real tokens (sentence-transformers' pooling) or the [CLS] state,
 * optionally of unit length. Lines are batched by length; a line's vector does not depend on its
 * batch.
 */
final class EmbedCommand {
    private EmbedCommand() {}

    static int run(String[] argv) throws IOException {
        Args args = Args.parse("embed", argv, 1, Set.of("model", "input", "output", "pooling", "backend", "batch-size", "max-length",
                "threads"), Set.of("normalize", "overwrite"));
        Path modelDir = Pretrained.resolve(args.required("model"), CliLog::line);
        Path inputFile = Path.of(args.required("input"));
        String output = args.string("output", null);
        if (output != null && Files.exists(Path.of(output)) && !args.flag("overwrite")) {
            throw new MukiException("embed: " + output + " exists (pass --overwrite to replace it)");
        }
        Pooling pooling = Pooling.parse(args.string("pooling", "mean"));
        int batchSize = args.integer("batch-size", 32, 1);
        int threads = args.integer("threads", Runtime.getRuntime().availableProcessors(), 1);
        HfCheckpoint ckpt = HfCheckpoint.load(modelDir);
        int maxLength = args.integer("max-length", ckpt.config().maxPositions(), 2);
        if (maxLength > ckpt.config().maxPositions()) {
            throw new MukiException("embed: --max-length " + maxLength + " exceeds max_position_embeddings " + ckpt.config().maxPositions());
        }
        List<JsonLines.Line> lines;
        try (InputStream in = PredictCommand.open(inputFile)) {
            lines = JsonLines.read(in, inputFile.toString());
        }
        ModelInputs inputs = ModelInputs.read(lines, inputFile.toString(), ckpt.vocab() == null ? null : ckpt.textTokenizer(modelDir),
                maxLength, "text input needs " + modelDir.resolve(HfCheckpoint.VOCAB) + " or " + HfCheckpoint.TOKENIZER_JSON
                        + ", and the model directory has neither");
        int n = inputs.size(), h = ckpt.config().hiddenSize();
        float[][] vectors = new float[n][];
        // Batches of similar lengths pad little; the output keeps the input order.
        int[] order = IntStream.range(0, n).boxed().sorted(Comparator.comparingInt(i -> inputs.ids()[i].length))
                .mapToInt(Integer::intValue).toArray();
        try (Ops ops = Backends.create(args.string("backend", "java"), threads)) {
            BertModel model = new BertModel(ckpt.config(), ckpt.weights(), ops);
            for (int start = 0; start < n; start += batchSize) {
                int[] positions = Arrays.copyOfRange(order, start, Math.min(n, start + batchSize));
                float[] e = pooling.embed(model, inputs.batch(positions), args.flag("normalize"));
                for (int b = 0; b < positions.length; b++) vectors[positions[b]] = Arrays.copyOfRange(e, b * h, (b + 1) * h);
            }
        }
        ByteArrayOutputStream result = new ByteArrayOutputStream();
        for (float[] v : vectors) {
            ObjectNode o = Json.MAPPER.createObjectNode();
            ArrayNode a = o.putArray("embedding");
            for (float x : v) a.add(x);
            result.write(Json.MAPPER.writeValueAsBytes(o));
            result.write('\n');
        }
        if (output == null) {
            result.writeTo(System.out);
            System.out.flush();
        } else {
            AtomicFiles.write(Path.of(output), result::writeTo);
        }
        return 0;
    }
}
