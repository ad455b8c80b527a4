package org.muki.pipeline;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.muki.Listener;
import org.muki.MukiException;
import org.muki.data.Dataset;
import org.muki.data.Example;
import org.muki.integration.McScorer;
import org.muki.integration.ScoreFile;
import org.muki.integration.Teacher;
import org.muki.io.Hashing;
import org.muki.io.Json;
import org.muki.io.Pretrained;
import org.muki.tensor.Ops;

/**
 * Monte-Carlo dropout scores of every instance of a dataset under every teacher, to a score
 * file (JSON Lines: a header naming the data, the teachers and the options, then one line per
 * instance keyed by its id). Lines go to a hidden partial file, flushed batch by batch; a killed
 * run resumes from it (same header: same teachers, data and options), and only a finished file
 * is renamed into place.
 */
public final class Score {
    private Score() {}

    /**
     * @param teachers  teacher directories (or pre-trained names), in the order scores list them
     * @param maxLength longest text in word pieces (and each teacher's own max positions)
     */
    public record Request(List<String> teachers, Path data, Path out, McOptions mc, int batchSize, int maxLength, DataOptions dataOptions,
                          Compute compute, boolean overwrite) {
        /** K = 16, seed 0, batch 32, 128 word pieces, the default columns, the java backend on every processor. */
        public static Request of(List<String> teachers, Path data, Path out) {
            return new Request(teachers, data, out, McOptions.defaults(), 32, 128, DataOptions.defaults(), Compute.defaults(), false);
        }

        public Request withMc(McOptions m) {
            return new Request(teachers, data, out, m, batchSize, maxLength, dataOptions, compute, overwrite);
        }

        public Request withCompute(Compute c) {
            return new Request(teachers, data, out, mc, batchSize, maxLength, dataOptions, c, overwrite);
        }

        public Request withDataOptions(DataOptions d) {
            return new Request(teachers, data, out, mc, batchSize, maxLength, d, compute, overwrite);
        }
    }

    /** What was scored: instances, teachers, samples, seconds, and (instance, teacher) texts cut to the length. */
    public record Result(Path out, int instances, int teachers, int samples, double seconds, long truncated, int resumed) {}

    public static List<Teacher> teachers(List<String> dirs, Listener listener) {
        List<Teacher> out = new ArrayList<>();
        for (String d : dirs) out.add(Teacher.load(Pretrained.resolve(d.strip(), listener::info)));
        for (Teacher t : out) {
            if (t.labels().size() == 1) {
                listener.warn(t.dir() + " has a single label; its normalised entropy is undefined and it is scored as maximally "
                        + "uncertain (u = 1)");
            }
        }
        return out;
    }

    /** Each teacher's MC dropout rates: [0] hidden, [1] attention; the options' when given, else the checkpoint's. */
    public static float[][] rates(List<Teacher> teachers, McOptions mc) {
        float[] hidden = new float[teachers.size()], attention = new float[teachers.size()];
        for (int i = 0; i < teachers.size(); i++) {
            var c = teachers.get(i).checkpoint().config();
            hidden[i] = mc.hiddenDropout() != null ? mc.hiddenDropout() : c.hiddenDropout();
            attention[i] = mc.attentionDropout() != null ? mc.attentionDropout() : c.attentionDropout();
        }
        return new float[][] {hidden, attention};
    }

    public static Result run(Request r, Listener listener) {
        if (Files.exists(r.out()) && !r.overwrite()) throw new MukiException(r.out() + " exists (pass --overwrite to replace it)");
        if (r.teachers().isEmpty()) throw new MukiException("score: no teachers");
        Dataset data = r.dataOptions().read(r.data(), Dataset.Labels.OPTIONAL, listener);
        List<Teacher> teachers = teachers(r.teachers(), listener);
        float[][] rates = rates(teachers, r.mc());
        float[] hidden = rates[0], attention = rates[1];
        var header = ScoreFile.header(Hashing.sha256(r.data()), teachers, r.mc().samples(), hidden, attention, r.mc().seed(), r.maxLength());
        long start = System.nanoTime();
        Path partial = r.out().toAbsolutePath().resolveSibling("." + r.out().getFileName() + ".partial");
        Set<String> done = ScoreFile.resumable(partial, header);
        try {
            if (done == null) {
                listener.warn(partial + " is from another run (other teachers, data or options) or damaged; starting over");
                Files.delete(partial);
                done = Set.of();
            }
            List<Example> todo = new ArrayList<>();
            for (Example e : data.examples()) if (!done.contains(e.id())) todo.add(e);
            int resumed = data.examples().size() - todo.size();
            if (!done.isEmpty()) listener.info("resuming " + partial + ": " + resumed + " of " + data.examples().size() + " instances already scored");
            long truncated;
            try (Ops ops = r.compute().open()) {
                McScorer scorer = new McScorer(teachers, ops, r.mc().samples(), r.mc().seed(), hidden, attention, r.maxLength(), r.batchSize());
                Files.createDirectories(partial.getParent());
                boolean fresh = !Files.exists(partial);
                try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(partial, StandardOpenOption.CREATE,
                        StandardOpenOption.APPEND), 1 << 16)) {
                    if (fresh) {
                        os.write(Json.MAPPER.writeValueAsBytes(header));
                        os.write('\n');
                    }
                    scorer.scoreAll(todo, os, listener, resumed);
                }
                try (FileChannel ch = FileChannel.open(partial, StandardOpenOption.WRITE)) {
                    ch.force(true);
                }
                Files.move(partial, r.out(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                truncated = scorer.truncated();
            }
            if (truncated > 0) {
                listener.info(truncated + " (instance, teacher) texts truncated to " + r.maxLength() + " word pieces (or the teacher's max positions)");
            }
            return new Result(r.out(), data.examples().size(), teachers.size(), r.mc().samples(), (System.nanoTime() - start) / 1e9, truncated,
                    resumed);
        } catch (IOException e) {
            throw new MukiException(r.out() + ": cannot write (" + e.getMessage() + ")");
        }
    }
}
