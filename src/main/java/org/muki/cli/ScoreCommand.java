package org.muki.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.muki.MukiException;
import org.muki.data.Dataset;
import org.muki.integration.McScorer;
import org.muki.integration.ScoreFile;
import org.muki.integration.Teacher;
import org.muki.io.AtomicFiles;
import org.muki.tensor.Backends;
import org.muki.tensor.Ops;

/** ./muki score: Monte-Carlo dropout scores of every instance under every teacher, to a score file. */
final class ScoreCommand {
    private ScoreCommand() {}

    static List<Teacher> teachers(String list) {
        List<Teacher> out = new ArrayList<>();
        for (String d : list.split(",")) {
            Path dir = Path.of(d.strip());
            out.add(Teacher.load(dir, PredictCommand.lowerCase(dir)));
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
        try (Ops ops = Backends.create(args.string("backend", "java"), args.integer("threads", Runtime.getRuntime().availableProcessors(), 1))) {
            McScorer scorer = new McScorer(teachers, ops, samples, seed, hidden, attention, maxLength, args.integer("batch-size", 32, 1));
            AtomicFiles.write(out, os -> scorer.scoreAll(data.examples(), header, os));
        }
        System.out.printf("score: %d instances x %d teachers x %d samples in %.0f s -> %s%n", data.examples().size(), teachers.size(),
                samples, (System.nanoTime() - start) / 1e9, out);
        return 0;
    }
}
