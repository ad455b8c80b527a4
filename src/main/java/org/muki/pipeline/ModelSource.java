package org.muki.pipeline;

import java.nio.file.Path;

/**
 * Where a model to train starts: fresh weights of a BERT config with a vocabulary
 * (Hugging Face's initialisation, seeded), or a checkpoint (a model directory or the name of a
 * pre-trained model), optionally with another vocabulary. lowerCase, when not null, overrides
 * the casing (a fresh model is uncased by default, a checkpoint keeps its tokenizer's).
 */
public sealed interface ModelSource {
    Boolean lowerCase();

    /** Fresh weights of a config.json (e.g. models/tiny.json) with a vocab.txt. */
    record Fresh(Path config, Path vocab, Boolean lowerCase) implements ModelSource {}

    /** A checkpoint directory or pre-trained name; vocab (nullable) replaces its vocabulary. */
    record Checkpoint(String dirOrName, Path vocab, Boolean lowerCase) implements ModelSource {}

    static ModelSource fresh(Path config, Path vocab) {
        return new Fresh(config, vocab, null);
    }

    static ModelSource checkpoint(String dirOrName) {
        return new Checkpoint(dirOrName, null, null);
    }
}
