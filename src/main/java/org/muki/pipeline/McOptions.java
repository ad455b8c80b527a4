package org.muki.pipeline;

import org.muki.MukiException;

/**
 * Monte-Carlo dropout options: K stochastic passes per instance and teacher, the seed of their
 * masks, and dropout rates that override each checkpoint's own (null keeps them).
 */
public record McOptions(int samples, long seed, Float hiddenDropout, Float attentionDropout) {
    public McOptions {
        if (samples < 1) throw new MukiException("mc-samples must be at least 1, got " + samples);
        for (Float p : new Float[] {hiddenDropout, attentionDropout}) {
            if (p != null && !(p >= 0f && p < 1f)) throw new MukiException("dropout rates must be in [0, 1), got " + p);
        }
    }

    /** K = 16, seed 0, each checkpoint's own rates. */
    public static McOptions defaults() {
        return new McOptions(16, 0, null, null);
    }
}
