package org.muki.cli;

import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

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
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"A throughput check on random weights of a standard shape (or a model, with --data its texts). One sequence is one "
                + "forward pass of one input (in mc mode, one Monte-Carlo sample). The last line is exactly \"sequences/s: N\".",
                "The last layer's tail runs on the [CLS] rows the classifier reads unless --all-tokens."})
final class BenchCommand implements java.util.concurrent.Callable<Integer> {

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

    @Option(names = "--shape", paramLabel = "SHAPE", description = "tiny, mini, small, minilm or base, random weights (default: mini unless --model)")
    String shape;

    @Option(names = "--model", paramLabel = "DIR|NAME", description = "a model directory or pre-trained name instead of a shape")
    String modelArg;

    @Option(names = "--data", paramLabel = "FILE", description = "with --model: the texts of a .jsonl or dataset file, in order, each batch "
            + "padded to its own longest (instead of random ids of one length)")
    java.nio.file.Path data;

    @Option(names = "--mode", paramLabel = "MODE", defaultValue = "eval", description = "eval, mc or train (default: ${DEFAULT-VALUE})")
    String mode;

    @Option(names = "--batch-size", paramLabel = "B", defaultValue = "32", description = "default: ${DEFAULT-VALUE}")
    int batchSize;

    @Option(names = "--max-length", paramLabel = "N", description = "sequence length of the random ids, or the longest text with "
            + "--data (default: 128, with --data 512)")
    Integer maxLength;

    @Option(names = "--mc-samples", paramLabel = "K", defaultValue = "16", description = "passes per sequence in mc mode (default: ${DEFAULT-VALUE})")
    int mcSamples;

    @Option(names = "--vocab-size", paramLabel = "V", defaultValue = "30522", description = "vocabulary size of a shape (default: ${DEFAULT-VALUE})")
    int vocabSize;

    @Option(names = "--seconds", paramLabel = "S", defaultValue = "10", description = "measured seconds (default: ${DEFAULT-VALUE})")
    double seconds;

    @Option(names = "--warmup", paramLabel = "S", defaultValue = "3", description = "seconds of passes not counted, at least one pass (default: ${DEFAULT-VALUE})")
    double warmup;

    @Option(names = "--all-tokens", description = "the last layer on every token, as Hugging Face's model computes it")
    boolean allTokensFlag;

    @Mixin
    Options.ComputeMixin compute;

    // The old spellings, kept hidden for one release.
    @Option(names = "--batch", hidden = true)
    Integer oldBatch;

    @Option(names = "--seq", hidden = true)
    Integer oldSeq;

    @Option(names = "--vocab", hidden = true)
    Integer oldVocab;

    @Override
    public Integer call() throws java.io.IOException {
        if (oldBatch != null) batchSize = oldBatch;
        if (oldSeq != null) maxLength = oldSeq;
        if (oldVocab != null) vocabSize = oldVocab;
        if (!List.of("eval", "mc", "train").contains(mode)) throw new org.muki.MukiException("bench: --mode must be eval, mc or train, got '" + mode + "'");
        if (batchSize < 1 || mcSamples < 1 || vocabSize < 2 || !(seconds >= 0.1 && seconds <= 3600) || !(warmup >= 0 && warmup <= 3600)) {
            throw new org.muki.MukiException("bench: --batch-size and --mc-samples must be at least 1, --vocab-size at least 2, --seconds in "
                    + "[0.1, 3600] and --warmup in [0, 3600]");
        }
        String backend = compute.backend;
        int samples = mode.equals("mc") ? mcSamples : 1;
        int threads = compute.compute().threads();
        int seq = maxLength != null ? maxLength : data != null ? 512 : 128;
        if (seq < 2) throw new org.muki.MukiException("bench: --max-length must be at least 2, got " + seq);
        if (modelArg != null && shape != null) throw new org.muki.MukiException("bench: give --shape or --model, not both");
        if (data != null && modelArg == null) throw new org.muki.MukiException("bench: --data needs --model (its tokenizer)");
        BertConfig config;
        BertWeights weights;
        String what;
        java.nio.file.Path modelDir = null;
        org.muki.io.HfCheckpoint ckpt = null;
        if (modelArg != null) {
            modelDir = org.muki.io.Pretrained.resolve(modelArg, CliListener.STDERR::info);
            ckpt = org.muki.io.HfCheckpoint.load(modelDir);
            // An encoder gets a head (two labels) for the logits; its encoder is what is timed.
            config = ckpt.config().numLabels() > 0 ? ckpt.config() : ckpt.config().withLabels(List.of("a", "b"));
            weights = ckpt.weights().hasClassifier() ? ckpt.weights() : ckpt.weights().withHead(config, false, 7);
            what = "model " + modelDir;
        } else {
            String shape = this.shape != null ? this.shape : "mini";
            config = BertConfig.shape(shape, vocabSize, List.of("a", "b"));
            weights = BertWeights.random(config, 7);
            what = "shape " + shape;
        }
        if (seq > config.maxPositions() && data == null) throw new org.muki.MukiException("bench: --max-length " + seq + " exceeds " + config.maxPositions());

        // The batches: random ids of one length, or a file's texts in their order, each batch
        // padded to its own longest text (as predict, embed and score batch them).
        List<Batch> batches = new java.util.ArrayList<>();
        if (data != null) {
            java.nio.file.Path file = data;
            org.muki.data.ModelInputs inputs = benchInputs(file, ckpt.textTokenizer(modelDir), Math.min(config.maxPositions(), seq));
            for (int from = 0; from < inputs.size(); from += batchSize) batches.add(inputs.batch(from, Math.min(inputs.size(), from + batchSize)));
            what += ", data " + file + " (" + inputs.size() + " texts)";
        } else {
            batches.add(Batch.random(batchSize, seq, config.vocabSize(), 1));
        }

        try (Ops ops = Backends.create(backend, threads)) {
            BertModel model = new BertModel(config, weights, ops);
            boolean allTokens = allTokensFlag;
            model.setClsOnlyLastLayer(!allTokens);
            System.out.printf("bench: %s (L%d/H%d/A%d/I%d), backend %s, mode %s, batch %d, %s, K %d, threads %d, last layer's tail %s%n",
                    what, config.numLayers(), config.hiddenSize(), config.numHeads(), config.intermediateSize(),
                    ops.name(), mode, batchSize, data != null ? "lengths of the data" : "seq " + seq, samples, threads,
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
            while (count == 0 || System.nanoTime() < deadline || (data != null && next[0] % batches.size() != 0)) {
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
            try (java.io.InputStream in = org.muki.pipeline.Predict.open(file)) {
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
