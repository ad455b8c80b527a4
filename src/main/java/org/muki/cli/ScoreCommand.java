package org.muki.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import org.muki.pipeline.Score;

/** ./muki score: Monte-Carlo dropout scores of every instance under every teacher, to a score file. */
@Command(name = "score", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Monte-Carlo dropout scores of every instance of --data under every teacher: per teacher the mean of K softmaxes, "
                + "its normalised entropy u and the single-pass probabilities, to a JSON Lines score file. A killed run resumes from its "
                + "partial file; the finished file is renamed into place.")
final class ScoreCommand implements Callable<Integer> {
    @Option(names = "--teachers", paramLabel = "DIR", required = true, split = ",", description = "teacher model directories (or pre-trained names)")
    List<String> teachers;

    @Option(names = "--data", paramLabel = "FILE", required = true, description = "the instances (labels optional)")
    Path data;

    @Option(names = "--out", paramLabel = "FILE", required = true, description = "the score file (.jsonl)")
    Path out;

    @Option(names = "--mc-samples", paramLabel = "K", defaultValue = "16", description = "dropout passes per instance and teacher (default: ${DEFAULT-VALUE})")
    int samples;

    @Mixin
    Options.McMixin mc;

    @Option(names = "--batch-size", paramLabel = "B", defaultValue = "32", description = "default: ${DEFAULT-VALUE}")
    int batchSize;

    @Option(names = "--max-length", paramLabel = "N", defaultValue = "128", description = "truncate texts to N word pieces (default: ${DEFAULT-VALUE})")
    int maxLength;

    @Mixin
    Options.ColumnsMixin columns;

    @Mixin
    Options.ComputeMixin compute;

    @Mixin
    Options.OverwriteMixin overwrite;

    @Override
    public Integer call() {
        if (batchSize < 1 || maxLength < 3) throw new org.muki.MukiException("score: --batch-size must be at least 1 and --max-length at least 3");
        var r = Score.run(new Score.Request(teachers, data, out, mc.options(samples), batchSize, maxLength, columns.data(), compute.compute(),
                overwrite.overwrite), CliListener.STDERR);
        System.out.printf("score: %d instances x %d teachers x %d samples in %.0f s -> %s%n", r.instances(), r.teachers(), r.samples(),
                r.seconds(), out);
        return 0;
    }
}
