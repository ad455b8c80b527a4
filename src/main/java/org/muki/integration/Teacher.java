package org.muki.integration;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;

import org.muki.MukiException;
import org.muki.io.HfCheckpoint;
import org.muki.text.WordPieceTokenizer;

/**
 * A teacher checkpoint with its own tokenizer (its own vocab.txt and casing) and its identity:
 * the SHA-256 of its config.json and model.safetensors, which score files record.
 */
public record Teacher(Path dir, HfCheckpoint checkpoint, WordPieceTokenizer tokenizer, String sha256) {

    public static Teacher load(Path dir, boolean lowerCase) {
        HfCheckpoint c = HfCheckpoint.load(dir);
        if (c.config().numLabels() == 0) throw new MukiException(dir + ": a teacher needs a classifier head (id2label)");
        if (c.vocab() == null) throw new MukiException(dir + ": a teacher needs its vocab.txt");
        return new Teacher(dir, c, new WordPieceTokenizer(c.vocab(), lowerCase), identity(dir));
    }

    static String identity(Path dir) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (String f : new String[] {HfCheckpoint.CONFIG, HfCheckpoint.WEIGHTS}) {
                try (InputStream in = Files.newInputStream(dir.resolve(f))) {
                    byte[] buf = new byte[1 << 20];
                    int n;
                    while ((n = in.read(buf)) > 0) md.update(buf, 0, n);
                }
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (IOException e) {
            throw new MukiException(dir + ": cannot read (" + e.getMessage() + ")");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public java.util.List<String> labels() {
        return checkpoint.config().labels();
    }
}
