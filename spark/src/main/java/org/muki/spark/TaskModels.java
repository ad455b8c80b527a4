package org.muki.spark;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.muki.MukiException;
import org.muki.integration.Teacher;
import org.muki.io.HfCheckpoint;

/**
 * Models loaded once per executor JVM and shared, read-only, by its tasks (each task computes on a
 * backend of its own). A model directory must exist on every executor (shipped with the job or on
 * shared storage); a teacher whose content differs from the driver's (another SHA-256 of
 * config.json and model.safetensors) is refused, as stale score files are.
 */
final class TaskModels {
    private TaskModels() {}

    private static final Map<String, Teacher> TEACHERS = new ConcurrentHashMap<>();
    private static final Map<String, HfCheckpoint> CHECKPOINTS = new ConcurrentHashMap<>();

    static Teacher teacher(String dir, String sha256) {
        Teacher t = TEACHERS.computeIfAbsent(dir, d -> Teacher.load(existing(d)));
        if (!t.sha256().equals(sha256)) {
            throw new MukiException(dir + ": on this executor the teacher's content differs from the driver's (SHA-256 " + t.sha256()
                    + ", expected " + sha256 + ")");
        }
        return t;
    }

    static HfCheckpoint checkpoint(String dir) {
        return CHECKPOINTS.computeIfAbsent(dir, d -> HfCheckpoint.load(existing(d)));
    }

    private static Path existing(String dir) {
        Path p = Path.of(dir);
        if (!Files.isDirectory(p)) {
            throw new MukiException(dir + ": no such model directory on executor " + org.apache.spark.SparkEnv.get().executorId()
                    + " (ship it with the job, e.g. --archives, or put it on shared storage)");
        }
        return p;
    }
}
