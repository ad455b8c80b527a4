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

    /** One optimiser step of cross-entropy training (dropout on) on the batch with fixed labels. */
    private static Runnable trainingStep(BertModel model, Batch batch) {
        var cfg = model.config();
        int[] labels = new int[batch.size()];
        for (int b = 0; b < labels.length; b++) labels[b] = b % cfg.numLabels();
        Optimizer optimizer = new Optimizer(model.ops(), model.parameters(), model.gradients(), 0.9f, 0.999f, 1e-8f, 0.01f, 1f);
        int[] step = {0};
        return () -> {
            Dropout d = new Dropout(step[0]++, cfg.hiddenDropout(), cfg.attentionDropout(), batch.instanceKeys(), new int[batch.size()]);
            float[] logits = model.trainingLogits(batch, d);
            model.zeroGradients();
            model.backward(Losses.crossEntropy(logits, cfg.numLabels(), labels).dLogits());
            optimizer.step(1e-4f);
        };
    }

    static int run(String[] argv) {
        Args args = Args.parse("bench", argv, 1,
                Set.of("shape", "backend", "mode", "batch", "seq", "mc-samples", "threads", "seconds", "warmup", "vocab"), Set.of("all-tokens"));
        String shape = args.choice("shape", "mini", List.of("tiny", "mini", "small", "base"));
        String mode = args.choice("mode", "eval", List.of("eval", "mc", "train"));
        String backend = args.string("backend", "java");
        int batchSize = args.integer("batch", 32, 1);
        int seq = args.integer("seq", 128, 1);
        int samples = mode.equals("mc") ? args.integer("mc-samples", 16, 1) : 1;
        int threads = args.integer("threads", Runtime.getRuntime().availableProcessors(), 1);
        double seconds = args.number("seconds", 10, 0.1, 3600);
        double warmup = args.number("warmup", 3, 0, 3600);
        BertConfig config = BertConfig.shape(shape, args.integer("vocab", 30522, 2), List.of("a", "b"));
        if (seq > config.maxPositions()) throw new org.muki.MukiException("bench: --seq " + seq + " exceeds " + config.maxPositions());

        Batch batch = Batch.random(batchSize, seq, config.vocabSize(), 1);

        try (Ops ops = Backends.create(backend, threads)) {
            BertModel model = new BertModel(config, BertWeights.random(config, 7), ops);
            boolean allTokens = args.flag("all-tokens");
            model.setClsOnlyLastLayer(!allTokens);
            System.out.printf("bench: shape %s (L%d/H%d/A%d/I%d), backend %s, mode %s, batch %d, seq %d, K %d, threads %d, last layer %s%n",
                    shape, config.numLayers(), config.hiddenSize(), config.numHeads(), config.intermediateSize(),
                    ops.name(), mode, batchSize, seq, samples, threads,
                    allTokens || mode.equals("train") ? "on every token" : "on [CLS] only");
            Runnable pass = switch (mode) {
                case "mc" -> () -> model.mcLogits(batch, samples, 42, 0.1f, 0.1f);
                case "train" -> trainingStep(model, batch);
                default -> () -> model.logits(batch);
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
            long start = System.nanoTime();
            long deadline = start + (long) (seconds * 1e9);
            int passes = 0;
            while (passes == 0 || System.nanoTime() < deadline) {
                long t0 = System.nanoTime();
                pass.run();
                passes++;
                System.out.printf("pass %d: %.3f s%n", passes, (System.nanoTime() - t0) / 1e9);
            }
            double elapsed = (System.nanoTime() - start) / 1e9;
            double perSecond = (double) passes * batchSize * samples / elapsed;
            System.out.printf("tokens/s: %.0f%n", perSecond * seq);
            System.out.printf("sequences/s: %.2f%n", perSecond);
        }
        return 0;
    }
}
