package org.muki.spark;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.muki.MukiException;
import org.muki.integration.Teacher;
import org.muki.io.Hashing;
import org.muki.io.HfCheckpoint;

/**
 * Models loaded once per executor JVM and shared, read-only, by its tasks (each task computes on a
 * backend of its own). A model directory must exist on every executor (shipped with the job or on
 * shared storage); a model whose files differ from the driver's is refused, as stale score
 * files are: its identity as score files record it (SHA-256 of config.json and
 * model.safetensors) and the SHA-256 of its tokenizer files (vocab.txt, tokenizer.json,
 * tokenizer_config.json), since a different vocabulary would silently give other word pieces.
 * Each file is hashed once per JVM: a teacher's identity comes from its load.
 */
final class TaskModels {
    private TaskModels() {}

    private static final Map<String, Teacher> TEACHERS = new ConcurrentHashMap<>();
    private static final Map<String, HfCheckpoint> CHECKPOINTS = new ConcurrentHashMap<>();

    /** Per directory, its content as this JVM hashed it. */
    private static final Map<String, String> CONTENT = new ConcurrentHashMap<>();

    /** The tokenizer files a model's word pieces depend on. */
    static final List<String> TOKENIZER_FILES = List.of("vocab.txt", "tokenizer.json", "tokenizer_config.json");

    /** A model directory's content: its identity and its tokenizer files (the driver's side of the check). */
    static String contentHash(Path dir) {
        return Teacher.identity(dir) + "+" + tokenizerHash(dir);
    }

    /** The same for a loaded teacher, whose identity is already known. */
    static String contentHash(Teacher t) {
        return t.sha256() + "+" + tokenizerHash(t.dir());
    }

    private static String tokenizerHash(Path dir) {
        return Hashing.sha256(TOKENIZER_FILES.stream().map(dir::resolve).filter(Files::isRegularFile).toArray(Path[]::new));
    }

    /** Refuses a model directory whose files on this executor differ from what the driver hashed. */
    private static void check(String dir, String here, String expected) {
        if (!here.equals(expected)) {
            throw new MukiException(dir + ": on executor " + executor() + " the model's files (config, weights or vocabulary) differ from the "
                    + "driver's (SHA-256 " + here + ", expected " + expected + ")");
        }
    }

    static Teacher teacher(String dir, String content) {
        Teacher t = TEACHERS.computeIfAbsent(dir, d -> Teacher.load(existing(d)));
        check(dir, CONTENT.computeIfAbsent(dir, d -> contentHash(t)), content);
        return t;
    }

    static HfCheckpoint checkpoint(String dir, String content) {
        check(dir, CONTENT.computeIfAbsent(dir, d -> contentHash(existing(d))), content);
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
