package org.muki.cli;

import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.muki.MukiException;
import org.muki.data.Dataset;
import org.muki.data.Example;
import org.muki.integration.McScorer;
import org.muki.integration.ScoreFile;
import org.muki.integration.Teacher;
import org.muki.io.Json;
import org.muki.tensor.Backends;
import org.muki.tensor.Ops;

/** ./muki score: Monte-Carlo dropout scores of every instance under every teacher, to a score file. */
final class ScoreCommand {
    private ScoreCommand() {}

    static List<Teacher> teachers(String list) {
        List<Teacher> out = new ArrayList<>();
        for (String d : list.split(",")) {
            Path dir = org.muki.io.Pretrained.resolve(d.strip(), CliLog::line);
            out.add(Teacher.load(dir));
        }
        return out;
    }

    static int run(String[] argv) throws java.io.IOException {
        Set<String> options = new HashSet<>(Set.of("teachers", "data", "out", "mc-samples", "seed", "dropout", "attention-dropout",
                "batch-size", "max-length", "backend", "threads"));
        options.addAll(TrainCommand.DATA_OPTIONS);
        Args args = Args.parse("score", argv, 1, options, Set.of("overwrite", "skip-bad-rows"));
        Path out = Path.of(args.required("out"));
        if (Files.exists(out) && !args.flag("overwrite")) throw new MukiException("score: " + out + " exists (pass --overwrite to replace it)");
        Path dataFile = Path.of(args.required("data"));
        Dataset data = Dataset.read(dataFile, TrainCommand.columns(args), Dataset.Labels.OPTIONAL, args.flag("skip-bad-rows"));
        TrainCommand.report(data);
        List<Teacher> teachers = teachers(args.required("teachers"));
        for (Teacher t : teachers) {
            if (t.labels().size() == 1) {
                System.err.println("muki: warning: " + t.dir() + " has a single label; its normalised entropy is undefined and it is "
                        + "scored as maximally uncertain (u = 1)");
            }
        }
        int samples = args.integer("mc-samples", 16, 1);
        long seed = args.longValue("seed", 0);
        int maxLength = args.integer("max-length", 128, 3);
        float[] hidden = new float[teachers.size()], attention = new float[teachers.size()];
        for (int i = 0; i < teachers.size(); i++) {
            var c = teachers.get(i).checkpoint().config();
            hidden[i] = (float) args.number("dropout", c.hiddenDropout(), 0, 1);
            attention[i] = (float) args.number("attention-dropout", c.attentionDropout(), 0, 1);
        }
        var header = ScoreFile.header(org.muki.io.Hashing.sha256(dataFile), teachers, samples, hidden, attention, seed, maxLength);
        long start = System.nanoTime();
        // Lines go to a hidden partial file, flushed batch by batch; a killed run resumes from it
        // (same header: same teachers, data and options), and only a finished file is renamed to out.
        Path partial = out.toAbsolutePath().resolveSibling("." + out.getFileName() + ".partial");
        Set<String> done = ScoreFile.resumable(partial, header);
        if (done == null) {
            System.err.println("muki: warning: " + partial + " is from another run (other teachers, data or options) or damaged; starting over");
            Files.delete(partial);
            done = Set.of();
        }
        List<Example> todo = new ArrayList<>();
        for (Example e : data.examples()) if (!done.contains(e.id())) todo.add(e);
        if (!done.isEmpty()) {
            System.err.println("muki: resuming " + partial + ": " + (data.examples().size() - todo.size()) + " of "
                    + data.examples().size() + " instances already scored");
        }
        String halt = System.getenv("MUKI_TEST_HALT_AFTER_BATCH");
        try (Ops ops = Backends.create(args.string("backend", "java"), args.integer("threads", Runtime.getRuntime().availableProcessors(), 1))) {
            McScorer scorer = new McScorer(teachers, ops, samples, seed, hidden, attention, maxLength, args.integer("batch-size", 32, 1));
            Files.createDirectories(partial.getParent());
            boolean fresh = !Files.exists(partial);
            try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(partial, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND), 1 << 16)) {
                if (fresh) {
                    os.write(Json.MAPPER.writeValueAsBytes(header));
                    os.write('\n');
                }
                scorer.scoreAll(todo, os, batches -> {
                    if (halt != null && Integer.parseInt(halt) == batches) Runtime.getRuntime().halt(137); // tests: a kill
                });
            }
            try (FileChannel ch = FileChannel.open(partial, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            Files.move(partial, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            if (scorer.truncated() > 0) {
                System.err.printf("muki: %d (instance, teacher) texts truncated to --max-length %d (or the teacher's max positions)%n",
                        scorer.truncated(), maxLength);
            }
        }
        System.out.printf("score: %d instances x %d teachers x %d samples in %.0f s -> %s%n", data.examples().size(), teachers.size(),
                samples, (System.nanoTime() - start) / 1e9, out);
        return 0;
    }
}
