package org.muki.integration;

import java.nio.file.Path;

import org.muki.MukiException;
import org.muki.io.Hashing;
import org.muki.io.HfCheckpoint;
import org.muki.text.WordPieceTokenizer;

/**
 * A teacher checkpoint with its own tokenizer (its own vocab.txt and casing) and its identity:
 * the SHA-256 of its config.json and model.safetensors, which score files record.
 */
public record Teacher(Path dir, HfCheckpoint checkpoint, WordPieceTokenizer tokenizer, String sha256) {

    public static Teacher load(Path dir) {
        HfCheckpoint c = HfCheckpoint.load(dir);
        if (c.config().numLabels() == 0) throw new MukiException(dir + ": a teacher needs a classifier head (id2label)");
        if (c.vocab() == null) throw new MukiException(dir + ": a teacher needs its vocab.txt or tokenizer.json");
        return new Teacher(dir, c, c.textTokenizer(dir), identity(dir));
    }

    /** The teacher's identity as score files record it: SHA-256 of config.json and model.safetensors. */
    public static String identity(Path dir) {
        return Hashing.sha256(dir.resolve(HfCheckpoint.CONFIG), dir.resolve(HfCheckpoint.WEIGHTS));
    }

    public java.util.List<String> labels() {
        return checkpoint.config().labels();
    }
}
