package org.muki.pipeline;

import org.muki.MukiException;
import org.muki.train.Trainer;

/**
 * How a model is fine-tuned: epochs, batch size, AdamW's learning rate with Hugging Face's
 * linear warm-up and decay, weight decay, clipping by global norm, the seed of batches and
 * dropout masks, the save interval of the resume state, what to do with a step whose numbers
 * turn NaN or infinite, and the longest text in word pieces (0: the model's own up to 128).
 */
public record TrainOptions(int epochs, int batchSize, double lr, double warmup, double weightDecay, double clip, long seed,
                           int saveEvery, boolean skipNonFiniteSteps, int maxLength) {
    public TrainOptions {
        if (epochs < 1 || batchSize < 1) throw new MukiException("epochs and batch size must be at least 1");
        if (!(lr >= 0 && lr < 1) || !(warmup >= 0 && warmup < 1) || !(weightDecay >= 0 && weightDecay < 1) || !(clip >= 0)) {
            throw new MukiException("learning rate, warm-up and weight decay must be in [0, 1) and clip at least 0");
        }
        if (saveEvery < 0 || maxLength < 0) throw new MukiException("save interval and maximum length must not be negative");
    }

    /** 3 epochs, batch 32, lr 1e-4, 10% warm-up, weight decay 0.01, clip 1, seed 0, saves every 200 steps. */
    public static TrainOptions defaults() {
        return new TrainOptions(3, 32, 1e-4, 0.1, 0.01, 1.0, 0, 200, false, 0);
    }

    public TrainOptions withEpochs(int e) {
        return new TrainOptions(e, batchSize, lr, warmup, weightDecay, clip, seed, saveEvery, skipNonFiniteSteps, maxLength);
    }

    public TrainOptions withLr(double l) {
        return new TrainOptions(epochs, batchSize, l, warmup, weightDecay, clip, seed, saveEvery, skipNonFiniteSteps, maxLength);
    }

    public TrainOptions withSeed(long s) {
        return new TrainOptions(epochs, batchSize, lr, warmup, weightDecay, clip, s, saveEvery, skipNonFiniteSteps, maxLength);
    }

    public TrainOptions withBatchSize(int b) {
        return new TrainOptions(epochs, b, lr, warmup, weightDecay, clip, seed, saveEvery, skipNonFiniteSteps, maxLength);
    }

    public TrainOptions withMaxLength(int m) {
        return new TrainOptions(epochs, batchSize, lr, warmup, weightDecay, clip, seed, saveEvery, skipNonFiniteSteps, m);
    }

    Trainer.Options trainer() {
        return new Trainer.Options(epochs, batchSize, (float) lr, (float) warmup, (float) weightDecay, (float) clip, seed, saveEvery,
                skipNonFiniteSteps);
    }
}
