package org.muki.cli;

import java.util.List;
import java.util.Set;

import org.muki.model.Batch;
import org.muki.model.BertConfig;
import org.muki.model.BertModel;
import org.muki.model.BertWeights;
import org.muki.tensor.Backends;
import org.muki.tensor.Dropout;
import org.muki.tensor.Ops;
import org.muki.train.Losses;
import org.muki.train.Optimizer;

/**
 * ./muki bench: a quick throughput check on random weights of a standard shape. One sequence is
 * one forward pass of one input (in mc mode, one Monte-Carlo sample). The last line is exactly
 * "sequences/s: N". Passes during the first --warmup seconds (at least one) are not counted.
 * --all-tokens computes the last layer on every token, as Hugging Face's model does, instead of
 * on the [CLS] rows the classifier reads (eval and mc).
 */
final class BenchCommand {
    private BenchCommand() {}

    /** One optimiser step of cross-entropy training (dropout on) on the batch with fixed labels; the optimiser is shared. */
    private static Runnable trainingStep(BertModel model, Optimizer optimizer, int[] step, Batch batch) {
        var cfg = model.config();
        int[] labels = new int[batch.size()];
        for (int b = 0; b < labels.length; b++) labels[b] = b % cfg.numLabels();
        return () -> {
            Dropout d = new Dropout(step[0]++, cfg.hiddenDropout(), cfg.attentionDropout(), batch.instanceKeys(), new int[batch.size()]);
            float[] logits = model.trainingLogits(batch, d);
            model.zeroGradients();
            model.backward(Losses.crossEntropy(logits, cfg.numLabels(), labels).dLogits());
            optimizer.step(1e-4f);
        };
    }

    static int run(String[] argv) throws java.io.IOException {
        Args args = Args.parse("bench", argv, 1, Set.of("shape", "model", "data", "backend", "mode", "batch", "seq", "mc-samples",
                "threads", "seconds", "warmup", "vocab"), Set.of("all-tokens"));
        String mode = args.choice("mode", "eval", List.of("eval", "mc", "train"));
        String backend = args.string("backend", "java");
        int batchSize = args.integer("batch", 32, 1);
        int seq = args.integer("seq", 128, 1);
        int samples = mode.equals("mc") ? args.integer("mc-samples", 16, 1) : 1;
        int threads = args.integer("threads", Runtime.getRuntime().availableProcessors(), 1);
        double seconds = args.number("seconds", 10, 0.1, 3600);
        double warmup = args.number("warmup", 3, 0, 3600);
        if (args.flag("model") && args.flag("shape")) throw new org.muki.MukiException("bench: give --shape or --model, not both");
        if (args.flag("data") && !args.flag("model")) throw new org.muki.MukiException("bench: --data needs --model (its tokenizer)");
        BertConfig config;
        BertWeights weights;
        String what;
        java.nio.file.Path modelDir = null;
        org.muki.io.HfCheckpoint ckpt = null;
        if (args.flag("model")) {
            modelDir = org.muki.io.Pretrained.resolve(args.required("model"), CliLog::line);
            ckpt = org.muki.io.HfCheckpoint.load(modelDir);
            // An encoder gets a head (two labels) for the logits; its encoder is what is timed.
            config = ckpt.config().numLabels() > 0 ? ckpt.config() : ckpt.config().withLabels(List.of("a", "b"));
            weights = ckpt.weights().hasClassifier() ? ckpt.weights() : ckpt.weights().withHead(config, false, 7);
            what = "model " + modelDir;
        } else {
            String shape = args.choice("shape", "mini", List.of("tiny", "mini", "small", "minilm", "base"));
            config = BertConfig.shape(shape, args.integer("vocab", 30522, 2), List.of("a", "b"));
            weights = BertWeights.random(config, 7);
            what = "shape " + shape;
        }
        if (seq > config.maxPositions()) throw new org.muki.MukiException("bench: --seq " + seq + " exceeds " + config.maxPositions());

        // The batches: random ids of one length, or a file's texts in their order, each batch
        // padded to its own longest text (as predict, embed and score batch them).
        List<Batch> batches = new java.util.ArrayList<>();
        if (args.flag("data")) {
            java.nio.file.Path file = java.nio.file.Path.of(args.required("data"));
            org.muki.data.ModelInputs inputs = benchInputs(file, ckpt.textTokenizer(modelDir), Math.min(config.maxPositions(),
                    args.integer("seq", 512, 2)));
            for (int from = 0; from < inputs.size(); from += batchSize) batches.add(inputs.batch(from, Math.min(inputs.size(), from + batchSize)));
            what += ", data " + file + " (" + inputs.size() + " texts)";
        } else {
            batches.add(Batch.random(batchSize, seq, config.vocabSize(), 1));
        }

        try (Ops ops = Backends.create(backend, threads)) {
            BertModel model = new BertModel(config, weights, ops);
            boolean allTokens = args.flag("all-tokens");
            model.setClsOnlyLastLayer(!allTokens);
            System.out.printf("bench: %s (L%d/H%d/A%d/I%d), backend %s, mode %s, batch %d, %s, K %d, threads %d, last layer's tail %s%n",
                    what, config.numLayers(), config.hiddenSize(), config.numHeads(), config.intermediateSize(),
                    ops.name(), mode, batchSize, args.flag("data") ? "lengths of the data" : "seq " + seq, samples, threads,
                    allTokens ? "on every token" : "on [CLS] only");
            int[] next = {0};
            long[] sequences = {0}, tokens = {0};
            Optimizer optimizer = mode.equals("train")
                    ? new Optimizer(model.ops(), model.parameters(), model.gradients(), 0.9f, 0.999f, 1e-8f, 0.01f, 1f) : null;
            int[] trainSteps = {0};
            java.util.function.Function<Batch, Runnable> step = switch (mode) {
                case "mc" -> b -> () -> model.mcLogits(b, samples, 42, 0.1f, 0.1f);
                case "train" -> b -> trainingStep(model, optimizer, trainSteps, b);
                default -> b -> () -> model.logits(b);
            };
            List<Runnable> passes = batches.stream().map(step).toList();
            Runnable pass = () -> {
                int i = next[0]++ % batches.size();
                passes.get(i).run();
                sequences[0] += (long) batches.get(i).size() * samples;
                for (int m : batches.get(i).attentionMask()) tokens[0] += m;
            };
            // Warm-up for a time, not one pass: the JIT compiles the hot kernels over the first
            // seconds, and a short shape's 10 s measurement would otherwise include them.
            long warmupEnd = System.nanoTime() + (long) (warmup * 1e9);
            int warmPasses = 0;
            do {
                pass.run();
                warmPasses++;
            } while (System.nanoTime() < warmupEnd);
            System.out.printf("warm-up: %d passes%n", warmPasses);
            sequences[0] = 0;
            tokens[0] = 0;
            long start = System.nanoTime();
            long deadline = start + (long) (seconds * 1e9);
            int count = 0;
            while (count == 0 || System.nanoTime() < deadline || (args.flag("data") && next[0] % batches.size() != 0)) {
                long t0 = System.nanoTime();
                pass.run();
                count++;
                System.out.printf("pass %d: %.3f s%n", count, (System.nanoTime() - t0) / 1e9);
            }
            double elapsed = (System.nanoTime() - start) / 1e9;
            System.out.printf("tokens/s: %.0f%n", tokens[0] * (double) samples / elapsed);
            System.out.printf("sequences/s: %.2f%n", sequences[0] / elapsed);
        }
        return 0;
    }

    /** A benchmark's texts: predict-style JSON Lines, or a dataset file's text column. */
    private static org.muki.data.ModelInputs benchInputs(java.nio.file.Path file, org.muki.text.WordPieceTokenizer tok, int maxLength)
            throws java.io.IOException {
        if (file.toString().endsWith(".jsonl")) {
            try (java.io.InputStream in = PredictCommand.open(file)) {
                return org.muki.data.ModelInputs.read(org.muki.io.JsonLines.read(in, file.toString()), file.toString(), tok, maxLength, "");
            }
        }
        var data = org.muki.data.Dataset.read(file, org.muki.data.Columns.DEFAULT, org.muki.data.Dataset.Labels.OPTIONAL, false);
        int n = data.examples().size();
        int[][] ids = new int[n][], types = new int[n][], masks = new int[n][];
        for (int i = 0; i < n; i++) {
            var e = data.examples().get(i);
            var enc = tok.encode(e.text(), e.textPair(), maxLength);
            ids[i] = enc.ids();
            types[i] = enc.typeIds();
            masks[i] = new int[ids[i].length];
            java.util.Arrays.fill(masks[i], 1);
        }
        return new org.muki.data.ModelInputs(ids, types, masks);
    }
}
