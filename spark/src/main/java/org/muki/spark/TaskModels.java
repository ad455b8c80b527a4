package org.muki.spark;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.muki.MukiException;
import org.muki.integration.Teacher;
import org.muki.io.HfCheckpoint;

/**
 * Models loaded once per executor JVM and shared, read-only, by its tasks (each task computes on a
 * backend of its own). A model directory must exist on every executor (shipped with the job or on
 * shared storage); a model whose files differ from the driver's (another SHA-256 of its
 * config.json, model.safetensors and tokenizer files: vocab.txt, tokenizer.json,
 * tokenizer_config.json) is refused, as stale score files are: a different vocabulary would
 * silently give other word pieces.
 */
final class TaskModels {
    private TaskModels() {}

    private static final Map<String, Teacher> TEACHERS = new ConcurrentHashMap<>();
    private static final Map<String, HfCheckpoint> CHECKPOINTS = new ConcurrentHashMap<>();

    private static final Map<String, String> CONTENT = new ConcurrentHashMap<>();

    /** The files whose content a model's results depend on, in the order they are hashed. */
    static final List<String> FILES = List.of("config.json", "model.safetensors", "vocab.txt", "tokenizer.json", "tokenizer_config.json");

    /** SHA-256 over the present files of {@link #FILES}, each preceded by its name (the driver's side of the check). */
    static String contentHash(Path dir) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (String name : FILES) {
                Path f = dir.resolve(name);
                if (!Files.isRegularFile(f)) continue;
                md.update((name + "\0").getBytes(java.nio.charset.StandardCharsets.UTF_8));
                try (InputStream in = Files.newInputStream(f)) {
                    for (int k; (k = in.read(buf)) > 0; ) md.update(buf, 0, k);
                }
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (IOException e) {
            throw new MukiException(dir + ": cannot read (" + e.getMessage() + ")");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Refuses a model directory whose files on this executor differ from what the driver hashed. */
    private static void check(String dir, String expected) {
        String here = CONTENT.computeIfAbsent(dir, d -> contentHash(existing(d)));
        if (!here.equals(expected)) {
            throw new MukiException(dir + ": on executor " + executor() + " the model's files (config, weights or vocabulary) differ from the "
                    + "driver's (SHA-256 " + here + ", expected " + expected + ")");
        }
    }

    static Teacher teacher(String dir, String content) {
        check(dir, content);
        return TEACHERS.computeIfAbsent(dir, d -> Teacher.load(existing(d)));
    }

    static HfCheckpoint checkpoint(String dir, String content) {
        check(dir, content);
        return CHECKPOINTS.computeIfAbsent(dir, d -> HfCheckpoint.load(existing(d)));
    }

    private static String executor() {
        var env = org.apache.spark.SparkEnv.get();
        return env == null ? "(none)" : env.executorId();
    }

    private static Path existing(String dir) {
        Path p = Path.of(dir);
        if (!Files.isDirectory(p)) {
            throw new MukiException(dir + ": no such model directory on executor " + executor()
                    + " (ship it with the job, e.g. --archives, or put it on shared storage)");
        }
        return p;
    }
}
